#include "selection/selection.hpp"

#include "selection/config_error.hpp"
#include "selection/field_validation.hpp"
#include "selection/host_fields.hpp"

#include <cstring>
#include <vector>

namespace keeper_rotate::host {
namespace {

// Record keys that hold credentials in Keeper's own record types, whatever plugin metadata says.
constexpr const char* kWellKnownSecretKeys[] = {"password", "secret",      "clientSecret", "client_secret",
                                                "privatePEMKey", "privateKey", "oneTimeCode",  "token"};

// The Gateway suffixes repeated keys with a number ("password1"); the base name decides whether it is secret.
std::string baseKey(const std::string& key) {
  std::size_t end = key.size();
  while (end > 0 && key[end - 1] >= '0' && key[end - 1] <= '9') --end;
  while (end > 0 && (key[end - 1] == '_' || key[end - 1] == ' ' || key[end - 1] == '-')) --end;
  return end == 0 ? key : key.substr(0, end);
}

std::string fieldValue(const Record& pamUser, const char* label) {
  const std::string* v = pamUser.find(label);
  return v ? *v : std::string();
}

bool fileExistsInPath(const PluginRegistry& registry, kr_kind kind, const std::string& name) {
  for (const auto& e : registry.scan())
    if (e.kind == kind && e.name == name) return true;
  return false;
}

void collect(const LoadedPlugin& p, RunState& run) {
  for (const kr_field_spec& f : p.fields) {
    if ((f.flags & KR_FIELD_SECRET) || (f.type && std::strcmp(f.type, "secret") == 0)) run.secretLabels.insert(f.label);
    if ((f.flags & KR_FIELD_INPUT) && !(f.flags & KR_FIELD_OTHER_RECORD) && f.default_value)
      run.fieldDefaults.emplace(f.label, f.default_value);  // emplace: the first declaration wins
  }
}

}  // namespace

Selection selectPlugins(PluginRegistry& registry, const std::string& providerName, const Record& pamUser,
                        const Logger& logger) {
  Selection s;
  s.provider = &registry.load(KR_KIND_PROVIDER, providerName);

  std::string writer = fieldValue(pamUser, kRecordWriterField);
  if (writer.empty()) writer = kDefaultWriter;
  try {
    s.writer = &registry.load(KR_KIND_RECORD_WRITER, writer);
  } catch (const LoadError& e) {
    throw LoadError(std::string(e.what()) + " (chosen by custom field '" + kRecordWriterField +
                    "' of PAM User record " + pamUser.describe() + ", default " + kDefaultWriter + ")");
  }

  const std::string source = fieldValue(pamUser, kCredentialSourceField);
  if (!source.empty()) {
    s.explicitSource = true;
    try {
      s.sources.push_back(&registry.load(KR_KIND_CREDENTIAL_SOURCE, source));
    } catch (const LoadError& e) {
      throw LoadError(std::string(e.what()) + " (chosen by custom field '" + kCredentialSourceField +
                      "' of PAM User record " + pamUser.describe() + ")");
    }
  } else {
    for (const char* name : kDefaultSourceChain) {
      if (!fileExistsInPath(registry, KR_KIND_CREDENTIAL_SOURCE, name)) {
        logger.debug(std::string("credential source '") + name + "' is not installed; skipped in the default chain");
        continue;
      }
      s.sources.push_back(&registry.load(KR_KIND_CREDENTIAL_SOURCE, name));
    }
  }
  return s;
}

void validateSelection(const Selection& s, const Record& pamUser) {
  validateFields(pamUser, hostFields(), hostFieldCount(), "keeper-rotate");
  for (const LoadedPlugin* p : {s.provider, s.writer})
    validateFields(pamUser, p->fields.data(), p->fields.size(), p->origin());
  if (s.explicitSource)
    validateFields(pamUser, s.sources.front()->fields.data(), s.sources.front()->fields.size(),
                   s.sources.front()->origin());
}

void prepareRunState(const Selection& s, RunState& run) {
  collect(*s.provider, run);
  run.credentialSpec = s.provider->credential ? &*s.provider->credential : nullptr;
  for (const kr_field_spec& f : s.provider->fields)
    if (f.flags & KR_FIELD_OUTPUT)
      run.outputTypes.emplace(f.label, (f.flags & KR_FIELD_SECRET) ? "secret" : (f.type ? f.type : "text"));
  collect(*s.writer, run);
  for (const LoadedPlugin* src : s.sources) collect(*src, run);
  for (std::size_t i = 0; i < hostFieldCount(); ++i)
    if (hostFields()[i].default_value) run.fieldDefaults.emplace(hostFields()[i].label, hostFields()[i].default_value);

  std::vector<const Record*> records;
  for (const Record& r : run.input.records.all()) records.push_back(&r);
  if (run.input.pamUserFromKsm) records.push_back(&*run.input.pamUserFromKsm);
  for (const Record* r : records) {
    for (const auto& [key, value] : r->fields()) {
      const std::string base = baseKey(key);
      bool secret = run.secretLabels.count(key) > 0 || run.secretLabels.count(base) > 0;
      for (const char* k : kWellKnownSecretKeys) secret = secret || key == k || base == k;
      if (secret) run.redactor.add(value);
    }
  }
}

}  // namespace keeper_rotate::host
