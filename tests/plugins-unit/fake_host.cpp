#include "fake_host.hpp"

#include <keeper_rotate/sdk.hpp>

#include <iterator>

namespace kr_test {
namespace {

FakeHost& self(kr_context* ctx) { return *reinterpret_cast<FakeHost*>(ctx); }

kr_status lookup(const std::map<std::string, std::string>& m, const char* key, kr_view* out) {
  auto it = m.find(key);
  if (it == m.end()) return KR_ERR_UNAVAILABLE;
  *out = {it->second.data(), it->second.size()};
  return KR_OK;
}

kr_status lookupReported(const std::map<std::string, Reported>& m, const char* key, kr_view* out) {
  auto it = m.find(key);
  if (it == m.end()) return KR_ERR_UNAVAILABLE;
  *out = {it->second.value.data(), it->second.value.size()};
  return KR_OK;
}

void log(kr_context* ctx, kr_log_level level, const char* message) { self(ctx).logs.emplace_back(level, message); }
void setError(kr_context* ctx, const char* code, const char* message) {
  self(ctx).errorCode = code;
  self(ctx).errorMessage = message;
}
kr_status inputGet(kr_context* ctx, const char* key, kr_view* out) { return lookup(self(ctx).inputs, key, out); }
kr_status fieldGet(kr_context* ctx, const char* key, kr_view* out) { return lookup(self(ctx).fields, key, out); }
size_t recordCount(kr_context* ctx) { return self(ctx).records.size(); }
kr_status recordGet(kr_context* ctx, size_t index, const char* key, kr_view* out) {
  auto& records = self(ctx).records;
  if (index >= records.size()) return KR_ERR_UNAVAILABLE;
  return lookup(records[index], key, out);
}
kr_status credentialGet(kr_context* ctx, const char* name, kr_view* out) {
  return lookupReported(self(ctx).credentials, name, out);
}
void credentialPut(kr_context* ctx, const char* name, const char* value, size_t size, int secret) {
  self(ctx).credentials[name] = Reported{std::string(value, size), secret != 0};
  if (secret) self(ctx).registeredSecrets.emplace_back(value, size);
}
void resultPut(kr_context* ctx, const char* label, const char* value, size_t size, int secret) {
  self(ctx).results[label] = Reported{std::string(value, size), secret != 0};
  if (secret) self(ctx).registeredSecrets.emplace_back(value, size);
}
kr_status resultGet(kr_context* ctx, const char* label, kr_view* out) {
  return lookupReported(self(ctx).results, label, out);
}
void reportKey(kr_context* ctx, kr_key_event event, const char* keyId) { self(ctx).keyEvents.emplace_back(event, keyId); }
kr_status settingGet(kr_context* ctx, const char* key, kr_view* out) { return lookup(self(ctx).settings, key, out); }
void registerSecret(kr_context* ctx, const char* value, size_t size) { self(ctx).registeredSecrets.emplace_back(value, size); }

#if KR_ABI_MINOR >= 1
size_t resultCount(kr_context* ctx) { return self(ctx).results.size(); }
kr_status resultAt(kr_context* ctx, size_t index, kr_view* label, kr_view* value, int* secret) {
  auto& results = self(ctx).results;
  if (index >= results.size()) return KR_ERR_UNAVAILABLE;
  auto it = std::next(results.begin(), static_cast<std::ptrdiff_t>(index));
  *label = {it->first.data(), it->first.size()};
  *value = {it->second.value.data(), it->second.value.size()};
  *secret = it->second.secret ? 1 : 0;
  return KR_OK;
}
#endif

const kr_credential_spec* cbCredentialSpec(kr_context* ctx) { return self(ctx).credentialSpec; }

kr_status cbResultFieldType(kr_context* ctx, const char* label, kr_view* out) {
  const auto& types = self(ctx).outputTypes;
  const auto it = types.find(label);
  if (it == types.end()) return KR_ERR_UNAVAILABLE;
  *out = {it->second.data(), it->second.size()};
  return KR_OK;
}

using keeper_rotate::CredentialPart;
constexpr kr_credential_part kAzureParts[] = {
    CredentialPart::named("tenant_id").onAttachedRecord("tenant_id").inPamConfiguration("tenantId").inEnvironment(
        "AZURE_TENANT_ID"),
    CredentialPart::named("client_id")
        .onAttachedRecord("application_client_id")
        .inPamConfiguration("clientId")
        .inEnvironment("AZURE_CLIENT_ID"),
    CredentialPart::named("client_secret")
        .secret()
        .onAttachedRecord("client_secret")
        .inPamConfiguration("clientSecret")
        .inEnvironment("AZURE_CLIENT_SECRET"),
};
constexpr kr_credential_spec kAzure = {sizeof(kr_credential_spec), "azure-client-secret", "admin app", "Azure",
                                       kAzureParts, 3};
constexpr kr_credential_part kAcmeParts[] = {
    CredentialPart::named("account").onAttachedRecord("acme_account_id").inPamConfiguration("acmeAccount")
        .inEnvironment("ACME_ACCOUNT_ID"),
    CredentialPart::named("api_key").secret().onAttachedRecord("acme_api_key").inPamConfiguration("acmeApiKey")
        .inEnvironment("ACME_API_KEY"),
    CredentialPart::named("region").optional().onAttachedRecord("acme_region").inEnvironment("ACME_REGION"),
};
constexpr kr_credential_spec kAcme = {sizeof(kr_credential_spec), "acme-api-key", "Acme service account", "Acme",
                                      kAcmeParts, 3};

}  // namespace

const kr_credential_spec* FakeHost::azureCredential() { return &kAzure; }
const kr_credential_spec* FakeHost::acmeCredential() { return &kAcme; }

kr_host_api FakeHost::api() const {
  // Member by member, so the table fits whichever ABI minor this is compiled against.
  kr_host_api api{};
  api.struct_size = sizeof(kr_host_api);
  api.abi_major = KR_ABI_MAJOR;
  api.abi_minor = KR_ABI_MINOR;
  api.log = &log;
  api.set_error = &setError;
  api.input_get = &inputGet;
  api.field_get = &fieldGet;
  api.record_count = &recordCount;
  api.record_get = &recordGet;
  api.credential_get = &credentialGet;
  api.credential_put = &credentialPut;
  api.result_put = &resultPut;
  api.result_get = &resultGet;
  api.report_key = &reportKey;
  api.setting_get = &settingGet;
  api.register_secret = &registerSecret;
#if KR_ABI_MINOR >= 1
  api.result_count = &resultCount;
  api.result_at = &resultAt;
#endif
  api.credential_spec = &cbCredentialSpec;
  api.result_field_type = &cbResultFieldType;
  return api;
}

std::string FakeHost::allOutput() const {
  std::string out;
  for (const auto& [level, line] : logs) out += line + "\n";
  out += errorCode + ": " + errorMessage + "\n";
  return out;
}

bool FakeHost::logged(const std::string& needle) const {
  for (const auto& entry : logs)
    if (entry.second.find(needle) != std::string::npos) return true;
  return false;
}

}  // namespace kr_test
