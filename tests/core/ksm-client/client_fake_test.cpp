// The C++ KSM client against the fake KSM server over real HTTPS: binding, reads (direct and shared folder),
// updates, transactions, key redirects, throttling and error reporting.
#include "fake_env.hpp"

#include <doctest/doctest.h>

#include <kr_ksm/base64.hpp>
#include <kr_ksm/crypto.hpp>
#include <kr_ksm/errors.hpp>
#include <kr_ksm/record.hpp>

#include <Poco/JSON/Object.h>

#include <cstdlib>
#include <fstream>

using namespace keeper_rotate;
using namespace keeper_rotate::ksm;
using kr_ksm_test::FakeEnv;
using kr_ksm_test::pamUserJson;

namespace {

const ksm::Record* byUid(const SecretsResult& r, const std::string& uid) {
  for (const auto& rec : r.records)
    if (rec.uid == uid) return &rec;
  return nullptr;
}

std::string errorOf(const std::function<void()>& f, KsmError::Kind* kind = nullptr, std::string* code = nullptr) {
  try {
    f();
  } catch (const KsmError& e) {
    if (kind) *kind = e.kind();
    if (code) *code = e.code();
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST_CASE("binding a one-time token with a custom server key yields a working config, once") {
  FakeEnv env;
  env.fake.putRecord("rec-direct-000000000001", pamUserJson("direct", "pw-1"));
  BindOptions b;
  b.token = env.fake.createOneTimeToken();
  b.hostname = env.fake.hostname();
  b.serverPublicKeyId = env.fake.serverKeyId();
  b.serverPublicKey = env.fake.serverPublicKey();
  b.client = env.options();
  Config bound = bindToken(b);
  CHECK(bound.appKey.size() == 32);
  CHECK(bound.clientKey.empty());
  CHECK(bound.hostname == env.fake.hostname());
  CHECK(bound.appOwnerPublicKey.size() == 65);
  CHECK(env.fake.deviceCount() == 1);
  CHECK(env.fake.requestCount("get_secret") == 2);  // bind + the immediate re-query

  // The written config parses back and works.
  const Secret json = configToJson(bound);
  Client client(parseConfig(json.reveal(), "bound"), env.options());
  auto r = client.getRecord("rec-direct-000000000001");
  CHECK(firstValue(*r.data, "password") == std::optional<std::string>("pw-1"));

  // A token is single-use.
  KsmError::Kind kind{};
  std::string code;
  const std::string msg = errorOf([&] { bindToken(b); }, &kind, &code);
  CHECK(kind == KsmError::Kind::Server);
  CHECK(code == "access_denied");
  CHECK(msg.find("get_secret") != std::string::npos);
}

TEST_CASE("records shared directly and inside shared folders are read and decrypted") {
  FakeEnv env;
  env.fake.addSharedFolder("folder-aaaaaaaaaaaaaaaa");
  env.fake.putRecord("rec-direct-000000000001", pamUserJson("direct", "pw-direct"));
  env.fake.putRecord("rec-folder-000000000002", pamUserJson("in folder", "pw-folder"), "folder-aaaaaaaaaaaaaaaa");
  Client client = env.client();
  const SecretsResult all = client.getSecrets();
  CHECK(all.appTitle == "keeper-rotate fake KSM app");
  REQUIRE(all.records.size() == 2);
  const auto* direct = byUid(all, "rec-direct-000000000001");
  const auto* folder = byUid(all, "rec-folder-000000000002");
  REQUIRE(direct);
  REQUIRE(folder);
  CHECK(direct->folderUid.empty());
  CHECK(folder->folderUid == "folder-aaaaaaaaaaaaaaaa");
  CHECK(firstValue(*direct->data, "password") == std::optional<std::string>("pw-direct"));
  CHECK(firstValue(*folder->data, "password") == std::optional<std::string>("pw-folder"));
  CHECK(firstValueByLabel(*folder->data, "note") == std::optional<std::string>("ünïcode ✓"));
  CHECK(folder->title() == "in folder");
  CHECK(folder->revision == env.fake.revision("rec-folder-000000000002"));

  const Record one = client.getRecord("rec-folder-000000000002");
  CHECK(one.title() == "in folder");
  KsmError::Kind kind{};
  const std::string msg = errorOf([&] { client.getRecord("missing-uid-0000000000x"); }, &kind);
  CHECK(kind == KsmError::Kind::NotFound);
  CHECK(msg.find("missing-uid-0000000000x") != std::string::npos);
}

TEST_CASE("update_secret changes only what the client changed and enforces the revision") {
  FakeEnv env;
  env.fake.addSharedFolder("folder-aaaaaaaaaaaaaaaa");
  env.fake.putRecord("rec-folder-000000000002", pamUserJson("in folder", "pw-folder"), "folder-aaaaaaaaaaaaaaaa");
  Client client = env.client();
  Record r = client.getRecord("rec-folder-000000000002");
  const auto before = r.revision;
  CHECK(setFieldValue(*r.data, "client_secret_id", "text", "key-1"));
  CHECK_FALSE(setFieldValue(*r.data, "application_object_id", "text", "22222222-2222-4333-8444-555555555555"));
  client.updateRecord(r);
  CHECK(env.fake.revision("rec-folder-000000000002") > before);
  auto stored = parseRecordJson(env.fake.readRecord("rec-folder-000000000002"), "x");
  CHECK(firstValueByLabel(*stored, "client_secret_id") == std::optional<std::string>("key-1"));
  CHECK(firstValueByLabel(*stored, "application_object_id") ==
        std::optional<std::string>("22222222-2222-4333-8444-555555555555"));
  CHECK(firstValue(*stored, "password") == std::optional<std::string>("pw-folder"));
  CHECK(firstValueByLabel(*stored, "managed") == std::optional<std::string>("true"));
  REQUIRE(stored->findString("notes"));
  CHECK(*stored->findString("notes") == "kept as is");

  // Saving again with the old revision is a stale write.
  KsmError::Kind kind{};
  std::string code;
  const std::string msg = errorOf([&] { client.updateRecord(r); }, &kind, &code);
  CHECK(kind == KsmError::Kind::Server);
  CHECK(code == "out_of_sync");
  CHECK(msg.find("rec-folder-000000000002") != std::string::npos);
  CHECK(msg.find("update_secret") != std::string::npos);
}

TEST_CASE("rotation transactions are staged until finalize, and rollback discards them") {
  FakeEnv env;
  env.fake.putRecord("rec-direct-000000000001", pamUserJson("direct", "pw-1"));
  Client client = env.client();

  Record r = client.getRecord("rec-direct-000000000001");
  setFieldValue(*r.data, "client_secret", "secret", "staged-value-1");
  client.updateRecord(r, "rotation");
  REQUIRE(env.fake.stagedRecord("rec-direct-000000000001"));
  CHECK(firstValueByLabel(*client.getRecord("rec-direct-000000000001").data, "client_secret") == std::nullopt);
  client.finalizeUpdate("rec-direct-000000000001");
  CHECK_FALSE(env.fake.stagedRecord("rec-direct-000000000001"));
  CHECK(firstValueByLabel(*client.getRecord("rec-direct-000000000001").data, "client_secret") ==
        std::optional<std::string>("staged-value-1"));

  Record again = client.getRecord("rec-direct-000000000001");
  setFieldValue(*again.data, "client_secret", "secret", "staged-value-2");
  client.updateRecord(again, "rotation");
  client.rollbackUpdate("rec-direct-000000000001");
  CHECK(firstValueByLabel(*client.getRecord("rec-direct-000000000001").data, "client_secret") ==
        std::optional<std::string>("staged-value-1"));
  std::string code;
  errorOf([&] { client.finalizeUpdate("rec-direct-000000000001"); }, nullptr, &code);
  CHECK(code == "no_transaction");
}

TEST_CASE("a server key redirect is followed and throttling is retried within bounds") {
  FakeEnv env;
  env.fake.putRecord("rec-direct-000000000001", pamUserJson("direct", "pw-1"));
  Client client = env.client();
  env.fake.rotateKeyId(43);
  CHECK(client.getRecord("rec-direct-000000000001").title() == "direct");
  CHECK(client.serverPublicKeyId() == 43);

  env.fake.throttleNext(2, 0.01);
  const int before = env.fake.requestCount("get_secret");
  CHECK(client.getRecord("rec-direct-000000000001").title() == "direct");
  CHECK(env.fake.requestCount("get_secret") == before + 3);
  env.fake.throttleNext(1, 0.0);  // no retry_after: exponential back-off from the (test-sized) base delay
  CHECK(client.getRecord("rec-direct-000000000001").title() == "direct");
  CHECK(env.fake.requestCount("get_secret") == before + 5);

  auto options = env.options();
  options.maxThrottleRetries = 2;
  options.https.caFile = env.ca.caCertFile();
  Client impatient(env.deviceConfig(), options);
  env.fake.throttleNext(5, 0.01);
  KsmError::Kind kind{};
  const std::string msg = errorOf([&] { impatient.getSecrets(); }, &kind);
  CHECK(kind == KsmError::Kind::Throttled);
  CHECK(msg.find("throttled") != std::string::npos);
}

TEST_CASE("server errors carry code and record, signatures are checked, the client version is configurable") {
  FakeEnv env;
  env.fake.putRecord("rec-direct-000000000001", pamUserJson("direct", "pw-1"));
  auto options = env.options();
  options.clientVersion = "cpp1.0";
  Client odd(env.deviceConfig(), options);
  std::string code;
  const std::string msg = errorOf([&] { odd.getRecord("rec-direct-000000000001"); }, nullptr, &code);
  CHECK(code == "invalid_client_version");
  CHECK(msg.find("KEEPER_ROTATE_KSM_CLIENT_VERSION") != std::string::npos);

  Client normal = env.client();
  normal.getSecrets();
  CHECK(env.fake.lastClientVersion() == kDefaultClientVersion);

  // A device whose key does not match what the server registered fails the signature check.
  Config forged = env.deviceConfig();
  forged.privateKey = crypto::EcKey::generate().pkcs8();
  Client impostor(std::move(forged), env.options());
  const std::string denied = errorOf([&] { impostor.getSecrets(); }, nullptr, &code);
  CHECK(code == "access_denied");
  CHECK(denied.find("Signature is invalid") != std::string::npos);

  env.fake.failNextUpdate("rec-direct-000000000001", 500, "internal_error");
  Record r = normal.getRecord("rec-direct-000000000001");
  const std::string failed = errorOf([&] { normal.updateRecord(r); }, nullptr, &code);
  CHECK(code == "internal_error");
  CHECK(failed.find("HTTP 500") != std::string::npos);
  CHECK(failed.find("rec-direct-000000000001") != std::string::npos);
}

// docs/contract.md, "KSM configuration": --ksm-config, KSM_CONFIG, GATEWAY_CONFIG, the Gateway's file. Four distinct
// devices, so each step proves which source won by the device it loaded, not only by the source name.
TEST_CASE("configuration order: --ksm-config, then KSM_CONFIG, then GATEWAY_CONFIG, then the Gateway's file") {
  FakeEnv env;
  const std::string fileJson = env.fake.createDevice().json;
  const std::string ksmEnvJson = env.fake.createDevice().json;
  const std::string gatewayEnvJson = env.fake.createDevice().json;
  const std::string gatewayFileJson = env.fake.createDevice().json;
  const std::string file = env.dir.path() + "/explicit.json";
  const std::string gatewayFile = env.dir.path() + "/gateway-config.json";
  std::ofstream(file) << fileJson;
  std::ofstream(gatewayFile) << gatewayFileJson;
  auto clientIdOf = [](const std::string& json) { return parseConfig(json, "expected").clientId; };
  REQUIRE(clientIdOf(fileJson) != clientIdOf(ksmEnvJson));
  REQUIRE(clientIdOf(gatewayEnvJson) != clientIdOf(gatewayFileJson));

  ConfigLocations where;
  where.explicitFile = file;
  where.defaultFile = gatewayFile;
  ::setenv("KSM_CONFIG", base64::encode(ksmEnvJson).c_str(), 1);
  // A Docker or Kubernetes Gateway receives its device configuration as base64 JSON.
  ::setenv("GATEWAY_CONFIG", base64::encode(gatewayEnvJson).c_str(), 1);

  Config c = loadConfig(where);
  CHECK(c.source == "file " + file);
  CHECK(c.clientId == clientIdOf(fileJson));

  where.explicitFile.reset();
  c = loadConfig(where);
  CHECK(c.source == "KSM_CONFIG");
  CHECK(c.clientId == clientIdOf(ksmEnvJson));

  ::setenv("KSM_CONFIG", "", 1);  // set but empty counts as not set, as before
  c = loadConfig(where);
  CHECK(c.source == "GATEWAY_CONFIG");
  CHECK(c.clientId == clientIdOf(gatewayEnvJson));
  CHECK(c.appKey.size() == 32);
  ::unsetenv("KSM_CONFIG");
  c = loadConfig(where);
  CHECK(c.source == "GATEWAY_CONFIG");
  // The device it names really works against the server.
  {
    Client client(loadConfig(where), env.options());
    CHECK(client.getSecrets().records.empty());
  }

  ::unsetenv("GATEWAY_CONFIG");
  c = loadConfig(where);
  CHECK(c.source == "file " + gatewayFile);
  CHECK(c.clientId == clientIdOf(gatewayFileJson));

  // Turning the environment off skips both variables.
  ::setenv("KSM_CONFIG", base64::encode(ksmEnvJson).c_str(), 1);
  ::setenv("GATEWAY_CONFIG", base64::encode(gatewayEnvJson).c_str(), 1);
  where.useEnvironment = false;
  CHECK(loadConfig(where).source == "file " + gatewayFile);
  where.useEnvironment = true;

  // A broken GATEWAY_CONFIG is an error naming it, never a silent fall-through to the Gateway's file, and its
  // content is not echoed.
  ::unsetenv("KSM_CONFIG");
  ::setenv("GATEWAY_CONFIG", "not-base64-!!-ZZZZ", 1);
  KsmError::Kind kind{};
  const std::string broken = errorOf([&] { loadConfig(where); }, &kind);
  CHECK(kind == KsmError::Kind::Config);
  CHECK(broken.find("GATEWAY_CONFIG") != std::string::npos);
  CHECK(broken.find("not-base64") == std::string::npos);
  ::setenv("GATEWAY_CONFIG", base64::encode(R"({"hostname":"h"})").c_str(), 1);
  const std::string partial = errorOf([&] { loadConfig(where); });
  CHECK(partial.find("GATEWAY_CONFIG") != std::string::npos);
  CHECK(partial.find("clientId") != std::string::npos);
  ::unsetenv("GATEWAY_CONFIG");
}

TEST_CASE("configuration: file, KSM_CONFIG as JSON or base64, default path, both base64 alphabets") {
  FakeEnv env;
  const std::string json = env.fake.createDevice().json;
  const std::string file = env.dir.path() + "/ksm.json";
  std::ofstream(file) << json;

  ::unsetenv("KSM_CONFIG");
  ::unsetenv("GATEWAY_CONFIG");
  ConfigLocations where;
  where.defaultFile = env.dir.path() + "/absent.json";
  KsmError::Kind kind{};
  const std::string none = errorOf([&] { loadConfig(where); }, &kind);
  CHECK(kind == KsmError::Kind::Config);
  CHECK(none.find("--ksm-config") != std::string::npos);
  CHECK(none.find("KSM_CONFIG") != std::string::npos);
  CHECK(none.find("GATEWAY_CONFIG") != std::string::npos);
  CHECK(none.find(where.defaultFile) != std::string::npos);

  where.defaultFile = file;
  CHECK(loadConfig(where).source == "file " + file);

  ::setenv("KSM_CONFIG", base64::encode(json).c_str(), 1);
  CHECK(loadConfig(where).source == "KSM_CONFIG");
  ::setenv("KSM_CONFIG", json.c_str(), 1);
  Config fromEnv = loadConfig(where);
  CHECK(fromEnv.appKey.size() == 32);
  where.explicitFile = file;
  CHECK(loadConfig(where).source == "file " + file);
  ::unsetenv("KSM_CONFIG");

  // Url-safe, unpadded values and a numeric serverPublicKeyId are accepted too.
  Config c = parseConfig(json, "x");
  Poco::JSON::Object o;
  o.set("hostname", c.hostname);
  o.set("clientId", c.clientId);
  o.set("privateKey", base64::encodeUrl(c.privateKey.reveal()));
  o.set("appKey", base64::encodeUrl(c.appKey.reveal()));
  o.set("serverPublicKeyId", env.fake.serverKeyId());
  o.set("serverPublicKey", base64::encode(c.serverPublicKey));
  std::ostringstream alt;
  o.stringify(alt);
  Client client(parseConfig(alt.str(), "alt"), env.options());
  CHECK(client.getSecrets().records.empty());

  CHECK_THROWS_AS(parseConfig(R"({"hostname":"h"})", "partial"), KsmError);
  const std::string partial = errorOf([&] { parseConfig(R"({"hostname":"h"})", "partial"); });
  CHECK(partial.find("clientId") != std::string::npos);
  CHECK(partial.find("privateKey") != std::string::npos);
  CHECK(resolveHostname("EU") == "keepersecurity.eu");
  CHECK(resolveHostname("localhost:8443") == "localhost:8443");
}

TEST_CASE("the fake accepts Python-SDK-style payloads: pretty JSON, null keys, standard base64, transactionType null") {
  FakeEnv env;
  env.fake.putRecord("rec-direct-000000000001", pamUserJson("direct", "pw-1"));
  Client client = env.client();
  Record r = client.getRecord("rec-direct-000000000001");
  setFieldValue(*r.data, "client_secret_id", "text", "py-style");
  const std::string data = base64::encode(crypto::aesGcmEncrypt(r.recordKey.reveal(), toJson(*r.data)));
  const std::string payload = "{\n    \"clientVersion\": \"mp17.3.0\",\n    \"clientId\": \"" + client.config().clientId +
                              "\",\n    \"recordUid\": \"rec-direct-000000000001\",\n    \"data\": \"" + data +
                              "\",\n    \"revision\": " + std::to_string(r.revision) +
                              ",\n    \"transactionType\": null,\n    \"links2Remove\": null\n}";
  const Secret answer = client.post("update_secret", payload, "rec-direct-000000000001");
  CHECK(answer.empty());  // write endpoints answer 200 with an empty body
  CHECK_FALSE(env.fake.stagedRecord("rec-direct-000000000001"));
  CHECK(firstValueByLabel(*client.getRecord("rec-direct-000000000001").data, "client_secret_id") ==
        std::optional<std::string>("py-style"));
}

TEST_CASE("a record that does not decrypt is reported by uid, the others are still delivered") {
  FakeEnv env;
  env.fake.putRecord("rec-direct-000000000001", pamUserJson("direct", "pw-1"));
  env.fake.putRecord("rec-broken-000000000003", pamUserJson("broken", "pw-3"));
  env.fake.corruptRecordData("rec-broken-000000000003");
  Client client = env.client();
  const SecretsResult all = client.getSecrets();
  CHECK(all.records.size() == 1);
  REQUIRE(all.undecryptable.count("rec-broken-000000000003") == 1);
  KsmError::Kind kind{};
  const std::string msg = errorOf([&] { client.getRecord("rec-broken-000000000003"); }, &kind);
  CHECK(kind == KsmError::Kind::Protocol);
  CHECK(msg.find("rec-broken-000000000003") != std::string::npos);
  CHECK(msg.find("does not decrypt") != std::string::npos);
}

TEST_CASE("binding with the IL5-style four-part token takes the server key from the token") {
  FakeEnv env;
  BindOptions b;
  b.token = "IL5:" + env.fake.createOneTimeToken() + ":" + std::to_string(env.fake.serverKeyId()) + ":" +
            env.fake.serverPublicKeyUrlB64();
  b.hostname = env.fake.hostname();  // --hostname overrides the region's host
  b.client = env.options();
  const Config bound = bindToken(b);
  CHECK(bound.serverPublicKey == env.fake.serverPublicKey());
  CHECK(bound.serverPublicKeyId == env.fake.serverKeyId());
  CHECK(bound.hostname == env.fake.hostname());
}

TEST_CASE("an unreachable Keeper host is a transport error naming the host, after one retry of the read") {
  FakeEnv env;
  Config c = env.deviceConfig();
  c.hostname = "127.0.0.1:1";  // nothing listens on port 1
  auto options = env.options();
  options.transportRetryDelay = std::chrono::milliseconds(10);
  std::vector<std::string> logged;
  options.log = [&](const std::string& line) { logged.push_back(line); };
  Client client(std::move(c), options);
  KsmError::Kind kind{};
  const std::string msg = errorOf([&] { client.getSecrets(); }, &kind);
  CHECK(kind == KsmError::Kind::Transport);
  CHECK(msg.find("cannot reach 127.0.0.1:1") != std::string::npos);
  REQUIRE(logged.size() == 1);
  CHECK(logged[0].find("retrying once") != std::string::npos);
}
