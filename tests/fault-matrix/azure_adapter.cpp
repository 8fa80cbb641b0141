// The fault matrix's azure-app-secret adapter: fake-entra with an admin app (Application.ReadWrite.All) and the
// target app holding two client secrets, the first of which Keeper's record holds; old_secrets at its default
// (delete-all). Remote steps, as fake-entra sees them:
//   token    POST /{tenant}/oauth2/v2.0/token (the admin's client-credentials request in validate)
//   resolve  GET /v1.0/applications?$filter=appId eq '…' (the record names the app by its client id)
//   list     GET /v1.0/applications/{object id} (validate's read of the app and its passwordCredentials)
//   create   POST …/addPassword       prove  token requests with the new secret       remove  POST …/removePassword
// Transient: one 503 (retried, docs/azure-graph.md §5); persistent: 503 on every attempt; held: a fault that only
// delays the request by kHoldMs. The proof is failed and held through propagation instead: the new secret is
// refused twice (transient), or for an hour (persistent, with verify_timeout_seconds 2; held for a signal).
#include "matrix.hpp"

#include <fake_entra.hpp>
#include <keeper_rotate/https_client.hpp>
#include <keeper_rotate/text.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace matrix {
namespace {

namespace fe = keeper_rotate::fake_entra;

template <typename T>
std::string json(const T& o) {
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

std::string urlEncode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

class Azure final : public Adapter {
 public:
  Azure() : Adapter("kr-fault-matrix-azure") {
    fake = std::make_unique<fe::FakeEntra>(ca);
    fe::Tenant tenant;
    tenant.id = tenantId;
    tenant.domains = {"contoso.onmicrosoft.com"};
    fe::Application admin;
    admin.id = "0a0a0a0a-1111-4111-8111-000000000001";
    admin.appId = adminAppId;
    admin.displayName = "keeper-rotate admin";
    admin.permissions = {"Application.ReadWrite.All"};
    fe::Application target;
    target.id = targetObjectId;
    target.appId = targetAppId;
    target.displayName = "payments-api";
    tenant.apps = {admin, target};
    fake->addTenant(tenant);
    adminSecret = fake->addPassword(admin.id, "admin secret").secretText;
    for (int i = 0; i < 2; ++i) {
      const auto s = fake->addPassword(targetObjectId, "existing " + std::to_string(i));
      olds.push_back(s.keyId);
      oldSecrets.push_back(s.secretText);
    }
    fake->start();
  }

  std::string provider() const override { return "azure-app-secret"; }

  void arrange(Step step) override {
    // The record names the app by its client id only for the resolve step (the object id needs no lookup).
    const std::string target = step == Step::Resolve ? targetAppId : targetObjectId;
    fields = {{"application_object_id", target},
              {"azure_authority_host", fake->baseUrl()},
              {"azure_graph_endpoint", fake->baseUrl()},
              {"verify_timeout_seconds", "10"},
              {"remote_budget_seconds", "30"}};
    putVaultRecord(R"({"title":"payments-api client secret","type":"pamUser",)"
                   R"("fields":[{"type":"login","value":["payments-api"]}],"custom":[)"
                   R"({"type":"text","label":"application_object_id","value":[")" + target + R"("]},)"
                   R"({"type":"text","label":"client_secret_id","value":[")" + olds[0] + R"("]},)"
                   R"({"type":"secret","label":"client_secret","value":[")" + oldSecrets[0] + R"("]}]})");
  }

  std::string gatewayLine() const override {
    Poco::JSON::Object user(Poco::JSON_PRESERVE_KEY_ORDER);
    user.set("uid", userUid);
    user.set("title", "payments-api client secret");
    std::map<std::string, std::string> all = fields;
    for (const auto& [k, v] : fieldOverrides) all[k] = v;
    for (const auto& [k, v] : all) user.set(k, v);
    for (const char* label : {"client_secret_id", "client_secret"})
      if (const std::string v = vaultField(label); !v.empty()) user.set(label, v);
    Poco::JSON::Object admin(Poco::JSON_PRESERVE_KEY_ORDER);
    admin.set("uid", "MatrixAdminRecord00001");
    admin.set("title", "rotation admin");
    admin.set("application_client_id", adminAppId);
    admin.set("client_secret", adminSecret);
    admin.set("tenant_id", tenantId);
    Poco::JSON::Array records;
    records.add(user);
    records.add(admin);
    Poco::JSON::Object input(Poco::JSON_PRESERVE_KEY_ORDER);
    input.set("providerRecordUid", "MatrixPamConfig0000001");
    input.set("resourceRecordUid", "");
    input.set("userRecordUid", userUid);
    input.set("newPassword", "unused-by-azure-app-secret");
    input.set("oldPassword", "");
    input.set("user", "payments-api");
    input.set("records", keeper_rotate::text::encodeBase64(json(records)));
    return keeper_rotate::text::encodeBase64(json(input)) + "\n";
  }

  std::vector<std::string> argv() const override {
    return {KR_HOST_BINARY, "azure-app-secret", "--ksm-config", configFile};
  }

  std::map<std::string, std::string> environment() const override {
    return {{"SSL_CERT_FILE", ca.caCertFile()},
            {"AWS_EC2_METADATA_DISABLED", "true"},
            {"KEEPER_ROTATE_STATE_DIR", stateDir},
            {"KEEPER_ROTATE_AZURE_VERIFY_INTERVAL_MS", "20"},
            {"KEEPER_ROTATE_AZURE_RETRY_BASE_MS", "20"}};
  }

  void poll() override {
    for (const auto& p : fake->passwords(targetObjectId))
      if (std::find(olds.begin(), olds.end(), p.keyId) == olds.end()) seen[p.keyId] = p.secretText;
  }

  std::vector<std::string> cloudKeyIds() const override {
    std::vector<std::string> ids;
    for (const auto& p : fake->passwords(targetObjectId)) ids.push_back(p.keyId);
    return ids;
  }
  std::vector<std::string> oldKeyIds() const override { return olds; }
  std::string vaultKeyIdLabel() const override { return "client_secret_id"; }
  std::string vaultSecretLabel() const override { return "client_secret"; }

  bool works(const std::string& keyId, const std::string& secret) const override {
    const auto listed = cloudKeyIds();
    if (secret.empty() || std::find(listed.begin(), listed.end(), keyId) == listed.end()) return false;
    keeper_rotate::https::Options o;
    o.caFile = ca.caCertFile();
    o.useProxyEnvironment = false;
    keeper_rotate::https::Client http(o);
    keeper_rotate::https::Request req("POST", fake->baseUrl() + "/" + tenantId + "/oauth2/v2.0/token");
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    req.body = "grant_type=client_credentials&client_id=" + urlEncode(targetAppId) +
               "&client_secret=" + urlEncode(secret) + "&scope=" + urlEncode(fake->baseUrl() + "/.default");
    return http.send(req).status == 200;
  }

  std::vector<std::string> secrets() const override {
    std::vector<std::string> s{adminSecret};
    s.insert(s.end(), oldSecrets.begin(), oldSecrets.end());
    for (const auto& [id, secret] : seen) s.push_back(secret);
    return s;
  }

 protected:
  fe::Fault faultFor(Step step) const {
    fe::Fault f;
    switch (step) {
      case Step::Token:
        f.method = "POST";
        f.pathContains = "/oauth2/v2.0/token";
        break;
      case Step::Resolve:
        f.method = "GET";
        f.pathContains = "/v1.0/applications";
        f.queryContains = "filter";
        break;
      case Step::List:
        f.method = "GET";
        f.pathContains = "/v1.0/applications/" + targetObjectId;
        break;
      case Step::Create:
        f.method = "POST";
        f.pathContains = "/addPassword";
        break;
      case Step::Remove:
        f.method = "POST";
        f.pathContains = "/removePassword";
        break;
      default:
        break;
    }
    return f;
  }

  void injectRemote(Step step, Kind kind) override {
    if (step == Step::Prove) {
      fe::Propagation p;
      if (kind == Kind::Transient) {
        p.rejectFirstAttempts = 2;
      } else {
        p.delay = std::chrono::hours(1);
        if (kind == Kind::Persistent) fieldOverrides["verify_timeout_seconds"] = "2";
      }
      fake->setPropagation(p);
      return;
    }
    fe::Fault f = faultFor(step);
    if (kind == Kind::Transient || kind == Kind::Persistent) {
      f.status = 503;
      f.times = kind == Kind::Transient ? 1 : 100000;
    } else {
      f.delayMs = kHoldMs;
    }
    fake->addFault(f);
  }

  bool remoteHeld(Step step) const override {
    if (step != Step::Prove) return fake->faultsApplied() > 0;
    std::size_t refused = 0;  // the proof is waiting: the new secret was refused twice
    for (const auto& r : fake->requests()) refused += r.clientId == targetAppId && r.status >= 400 ? 1 : 0;
    return refused >= 2;
  }

  bool remoteHeldAnswered(Step step) const override {
    if (step == Step::Prove) return true;
    const auto log = fake->requests();
    return std::any_of(log.begin(), log.end(), [](const fe::LoggedRequest& r) { return r.faulted; });
  }

  void clearRemoteFaults() override {
    fake->clearFaults();
    fake->setPropagation({});
  }

 private:
  std::unique_ptr<fe::FakeEntra> fake;
  std::string tenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  std::string adminAppId = "1b1b1b1b-2222-4222-8222-000000000001";
  std::string targetObjectId = "3c3c3c3c-3333-4333-8333-000000000001";
  std::string targetAppId = "4d4d4d4d-4444-4444-8444-000000000001";
  std::string adminSecret;
  std::vector<std::string> olds, oldSecrets;
  std::map<std::string, std::string> fields;
  std::map<std::string, std::string> seen;
};

}  // namespace

std::unique_ptr<Adapter> makeAzure() { return std::make_unique<Azure>(); }

}  // namespace matrix
