// The `ksm` record writer plugin (real .so, loaded through the C ABI) against the fake KSM server: direct and
// shared-folder records, existing and missing fields, a concurrent writer, a failing update, revert, errors, and
// a scan of everything the plugin said for secret values.
#include "fake_env.hpp"
#include "writer_session.hpp"

#include <keeper_rotate/json.hpp>
#include <keeper_rotate/sdk.hpp>
#include <keeper_rotate/testing/conformance.hpp>
#include <keeper_rotate/testing/leak_check.hpp>
#include <keeper_rotate/text.hpp>

#include <doctest/doctest.h>

#include <kr_ksm/base64.hpp>
#include <kr_ksm/record.hpp>

#include <algorithm>
#include <fstream>

using namespace keeper_rotate;
using kr_ksm_test::FakeEnv;
using kr_ksm_test::pamUserJson;
using kr_ksm_test::WriterSession;

namespace {

// The error the last operation set (WriterSession starts each operation with none).
std::string errorCode(const keeper_rotate::testing::InMemoryHost& h) {
  return h.lastError() ? h.lastError()->code : "";
}
std::string errorMessage(const keeper_rotate::testing::InMemoryHost& h) {
  return h.lastError() ? h.lastError()->message : "";
}

const std::string kUid = "pamUserRecordUid000001";
const std::string kSecret = "Zq8~new-client-secret-value-4711";
const std::string kOldSecret = "old-secret-value-never-shown-0815";

std::string pluginPath() { return std::string(KR_PLUGIN_DIR) + "/writer-ksm.so"; }

struct WriterEnv : FakeEnv {
  keeper_rotate::testing::InMemoryHost host;
  std::string configFile = dir.path() + "/ksm-config.json";
  std::string configJson;

  WriterEnv() {
    ::setenv("SSL_CERT_FILE", ca.caCertFile().c_str(), 1);
    ::unsetenv("KSM_CONFIG");
    ::unsetenv("GATEWAY_CONFIG");
    configJson = fake.createDevice().json;
    std::ofstream(configFile) << configJson;
    host.inputs["userRecordUid"] = kUid;
    host.settings["ksm_config"] = configFile;
    host.results["client_secret_id"] = {"5e1f7c2a-0000-4000-8000-00000000beef", false};
    host.results["client_secret"] = {kSecret, true};
    host.results["expires"] = {"2027-11-26T01:00:00Z", false};
  }
  std::shared_ptr<json::Object> stored() { return ksm::parseRecordJson(fake.readRecord(kUid), kUid); }
  std::optional<std::string> field(const std::string& label) { return ksm::firstValueByLabel(*stored(), label); }

  /// Nothing secret in anything the plugin logged or reported.
  void checkNoLeaks() {
    const std::string all = host.allOutput();
    CHECK(all.find(kSecret) == std::string::npos);
    CHECK(all.find(kOldSecret) == std::string::npos);
    const ksm::Config c = ksm::parseConfig(configJson, "x");
    CHECK(all.find(ksm::base64::encode(c.appKey.reveal())) == std::string::npos);
    CHECK(all.find(ksm::base64::encode(c.privateKey.reveal())) == std::string::npos);
    const auto leaks = keeper_rotate::testing::findLeaks(host);
    CHECK_MESSAGE(leaks.empty(), keeper_rotate::text::join(leaks, "\n"));
  }
};

std::string typeOf(const json::Object& data, const std::string& label) {
  const json::Object* f = ksm::findFieldByLabel(data, label);
  if (f == nullptr) return "<missing>";
  const std::string* type = f->findString("type");
  return type != nullptr ? *type : std::string("<no type>");
}

std::size_t customCount(const json::Object& data) {
  const json::Array* custom = data.findArray("custom");
  return custom != nullptr ? custom->size() : 0;
}

std::string stringOf(const json::Object& data, const char* key) {
  const std::string* s = data.findString(key);
  return s != nullptr ? *s : std::string("<missing>");
}

void checkUntouched(const json::Object& data, const std::string& password) {
  CHECK(ksm::firstValue(data, "password") == std::optional<std::string>(password));
  CHECK(ksm::firstValue(data, "login") == std::optional<std::string>("azure-app"));
  CHECK(ksm::firstValueByLabel(data, "managed") == std::optional<std::string>("true"));
  CHECK(ksm::firstValueByLabel(data, "application_object_id") ==
        std::optional<std::string>("11111111-2222-4333-8444-555555555555"));
  CHECK(ksm::firstValueByLabel(data, "note") == std::optional<std::string>("ünïcode ✓"));
  CHECK(stringOf(data, "notes") == "kept as is");
  CHECK(stringOf(data, "title") == "PAM User");
}

}  // namespace

TEST_CASE("ksm writer: metadata says durable writer named ksm") {
  WriterEnv env;
  WriterSession s(pluginPath(), env.host);
  CHECK(std::string(s.descriptor().name) == "ksm");
  CHECK((s.descriptor().record_writer->capabilities & KR_WRITER_DURABLE) != 0);
  CHECK((s.descriptor().record_writer->revert != nullptr) == true);
}

TEST_CASE("ksm writer: stores into a directly shared record, creating missing fields, leaving the rest") {
  WriterEnv env;
  env.fake.putRecord(kUid, pamUserJson("PAM User", "gw-password-1"));
  const auto before = env.fake.revision(kUid);
  WriterSession s(pluginPath(), env.host);
  REQUIRE(s.validate() == KR_OK);
  REQUIRE(s.store() == KR_OK);
  REQUIRE(s.verify() == KR_OK);
  auto data = env.stored();
  CHECK(ksm::firstValueByLabel(*data, "client_secret") == std::optional<std::string>(kSecret));
  CHECK(ksm::firstValueByLabel(*data, "client_secret_id") ==
        std::optional<std::string>("5e1f7c2a-0000-4000-8000-00000000beef"));
  CHECK(ksm::firstValueByLabel(*data, "expires") == std::optional<std::string>("2027-11-26T01:00:00Z"));
  CHECK(typeOf(*data, "client_secret") == "secret");
  CHECK(typeOf(*data, "client_secret_id") == "text");
  CHECK(typeOf(*data, "expires") == "text");
  checkUntouched(*data, "gw-password-1");
  CHECK(customCount(*data) == 5);
  CHECK(env.fake.revision(kUid) > before);
  env.checkNoLeaks();
}

TEST_CASE("ksm writer: stores into a record inside a shared folder, replacing existing values in place") {
  WriterEnv env;
  env.fake.addSharedFolder("sharedFolderUid0000001");
  std::string json = pamUserJson("PAM User", "gw-password-1");
  json.replace(json.find(R"("custom":[)"), 10,
               R"("custom":[{"type":"secret","label":"client_secret","value":[")" + kOldSecret +
                   R"("]},{"type":"text","label":"client_secret_id","value":["old-key"]},)");
  env.fake.putRecord(kUid, json, "sharedFolderUid0000001");
  WriterSession s(pluginPath(), env.host);
  REQUIRE(s.validate() == KR_OK);
  // The value being replaced was registered for redaction.
  CHECK(std::find(env.host.registeredSecrets.begin(), env.host.registeredSecrets.end(), kOldSecret) !=
        env.host.registeredSecrets.end());
  REQUIRE(s.store() == KR_OK);
  REQUIRE(s.verify() == KR_OK);
  auto data = env.stored();
  CHECK(ksm::firstValueByLabel(*data, "client_secret") == std::optional<std::string>(kSecret));
  CHECK(ksm::firstValueByLabel(*data, "client_secret_id") ==
        std::optional<std::string>("5e1f7c2a-0000-4000-8000-00000000beef"));
  CHECK(customCount(*data) == 5);  // 2 replaced in place, expires created
  checkUntouched(*data, "gw-password-1");
  env.checkNoLeaks();
}

TEST_CASE("ksm writer: another writer changes the password right before our update, both changes survive") {
  WriterEnv env;
  env.fake.putRecord(kUid, pamUserJson("PAM User", "gw-password-1"));
  WriterSession s(pluginPath(), env.host);
  REQUIRE(s.validate() == KR_OK);
  env.fake.changePasswordBeforeNextUpdate(kUid, "gw-password-2");
  const int updatesBefore = env.fake.requestCount("update_secret");
  REQUIRE(s.store() == KR_OK);
  CHECK(env.fake.requestCount("update_secret") == updatesBefore + 2);  // conflict, then re-applied
  REQUIRE(s.verify() == KR_OK);
  auto data = env.stored();
  CHECK(ksm::firstValueByLabel(*data, "client_secret") == std::optional<std::string>(kSecret));
  checkUntouched(*data, "gw-password-2");
  CHECK(env.host.logged("changed by another writer"));
  env.checkNoLeaks();
}

TEST_CASE("ksm writer: a failing update leaves the record exactly as it was and says why") {
  WriterEnv env;
  env.fake.putRecord(kUid, pamUserJson("PAM User", "gw-password-1"));
  const std::string before = env.fake.readRecord(kUid);
  const auto revision = env.fake.revision(kUid);
  WriterSession s(pluginPath(), env.host);
  REQUIRE(s.validate() == KR_OK);
  env.fake.failNextUpdate(kUid, 500, "internal_error");
  CHECK(s.store() == KR_ERR_FAILED);
  CHECK(env.fake.readRecord(kUid) == before);
  CHECK(env.fake.revision(kUid) == revision);
  CHECK(errorMessage(env.host).find(kUid) != std::string::npos);
  CHECK(errorMessage(env.host).find("internal_error") != std::string::npos);
  CHECK(errorCode(env.host) == "ksm.internal_error");
  env.checkNoLeaks();
}

TEST_CASE("ksm writer: revert restores previous values, removes created fields, keeps others' changes") {
  WriterEnv env;
  std::string json = pamUserJson("PAM User", "gw-password-1");
  json.replace(json.find(R"("custom":[)"), 10,
               R"("custom":[{"type":"secret","label":"client_secret","value":[")" + kOldSecret + R"("]},)");
  env.fake.putRecord(kUid, json);
  WriterSession s(pluginPath(), env.host);
  REQUIRE(s.validate() == KR_OK);
  REQUIRE(s.store() == KR_OK);
  REQUIRE(s.verify() == KR_OK);
  env.fake.changePasswordBeforeNextUpdate(kUid, "gw-password-3");
  REQUIRE(s.revert() == KR_OK);
  auto data = env.stored();
  CHECK(ksm::firstValueByLabel(*data, "client_secret") == std::optional<std::string>(kOldSecret));
  CHECK(typeOf(*data, "client_secret") == "secret");
  CHECK_FALSE(ksm::firstValueByLabel(*data, "client_secret_id"));
  CHECK_FALSE(ksm::firstValueByLabel(*data, "expires"));
  CHECK(customCount(*data) == 3);
  checkUntouched(*data, "gw-password-3");
  env.checkNoLeaks();
}

TEST_CASE("ksm writer: verify fails when the stored value changed after store") {
  WriterEnv env;
  env.fake.putRecord(kUid, pamUserJson("PAM User", "gw-password-1"));
  WriterSession s(pluginPath(), env.host);
  REQUIRE(s.validate() == KR_OK);
  REQUIRE(s.store() == KR_OK);
  auto data = env.stored();
  ksm::setFieldValue(*data, "client_secret", "secret", "tampered");
  env.fake.putRecord(kUid, ksm::toJson(*data));
  CHECK(s.verify() == KR_ERR_FAILED);
  CHECK(errorMessage(env.host).find("client_secret") != std::string::npos);
  CHECK(errorMessage(env.host).find("tampered") == std::string::npos);
  env.checkNoLeaks();
}

TEST_CASE("ksm writer: a read-only share is a configuration error found at validate") {
  WriterEnv env;
  env.fake.putRecord(kUid, pamUserJson("PAM User", "gw-password-1"));
  env.fake.setEditable(kUid, false);
  WriterSession s(pluginPath(), env.host);
  CHECK(s.validate() == KR_ERR_CONFIG);
  CHECK(errorCode(env.host) == "ksm.read_only");
  CHECK(errorMessage(env.host).find(kUid) != std::string::npos);
  CHECK(errorMessage(env.host).find("edit") != std::string::npos);
}

TEST_CASE("ksm writer: configuration problems are reported before anything changes") {
  WriterEnv env;
  env.fake.putRecord("someOtherRecordUid0001", pamUserJson("Other", "pw"));
  {
    WriterSession s(pluginPath(), env.host);
    CHECK(s.validate() == KR_ERR_CONFIG);
    CHECK(errorMessage(env.host).find(kUid) != std::string::npos);
    CHECK(errorMessage(env.host).find("not shared") != std::string::npos);
  }
  env.host.settings["ksm_config"] = env.dir.path() + "/no-such-config.json";
  {
    WriterSession s(pluginPath(), env.host);
    CHECK(s.validate() == KR_ERR_CONFIG);
    CHECK(errorMessage(env.host).find("no-such-config.json") != std::string::npos);
  }
  env.host.settings.erase("ksm_config");
  ::setenv("KSM_CONFIG", ksm::base64::encode(env.configJson).c_str(), 1);
  env.fake.putRecord(kUid, pamUserJson("PAM User", "gw-password-1"));
  {
    WriterSession s(pluginPath(), env.host);
    CHECK(s.validate() == KR_OK);  // KSM_CONFIG is the fallback when no --ksm-config is given
  }
  ::unsetenv("KSM_CONFIG");
  // A containerised Gateway's device configuration, base64 in GATEWAY_CONFIG, reaches the plugin the same way.
  ::setenv("GATEWAY_CONFIG", ksm::base64::encode(env.configJson).c_str(), 1);
  {
    WriterSession s(pluginPath(), env.host);
    CHECK(s.validate() == KR_OK);
  }
  ::setenv("GATEWAY_CONFIG", "not a configuration", 1);
  {
    WriterSession s(pluginPath(), env.host);
    CHECK(s.validate() == KR_ERR_CONFIG);
    CHECK(errorMessage(env.host).find("GATEWAY_CONFIG") != std::string::npos);
  }
  ::unsetenv("GATEWAY_CONFIG");
  env.checkNoLeaks();
}

// A provider no first-party plugin knows: the writer stores its labels with the types its metadata declares.
namespace {

const std::string kAcmeToken = "acme-token-value-never-shown-31337";

void useAcmeResults(WriterEnv& env) {
  env.host.results.clear();
  env.host.results["acme_token_id"] = {"tok-0042", false};
  env.host.results["acme_token"] = {kAcmeToken, true};
  env.host.results["acme_console"] = {"https://console.acme.example/tokens/tok-0042", false};
  // The provider's OUTPUT declarations, served by result_field_type: text, secret, url.
  static constexpr kr_field_spec kAcmeOutputs[] = {
      keeper_rotate::Field::output("acme_token_id"), keeper_rotate::Field::output("acme_token").secret(),
      keeper_rotate::Field::output("acme_console").keeperType("url")};
  env.host.declareFields(kAcmeOutputs);
}

}  // namespace

TEST_CASE("ksm writer: stores another provider's labels, typed as its metadata declares, and reads them back") {
  WriterEnv env;
  useAcmeResults(env);
  env.fake.putRecord(kUid, pamUserJson("PAM User", "gw-password-1"));
  WriterSession s(pluginPath(), env.host);
  REQUIRE(s.validate() == KR_OK);
  env.fake.changePasswordBeforeNextUpdate(kUid, "gw-password-2");  // a revision conflict on the way
  REQUIRE(s.store() == KR_OK);
  CHECK(s.verify() == KR_OK);
  const auto data = env.stored();
  CHECK(ksm::firstValueByLabel(*data, "acme_token_id") == std::optional<std::string>("tok-0042"));
  CHECK(ksm::firstValueByLabel(*data, "acme_token") == std::optional<std::string>(kAcmeToken));
  CHECK(typeOf(*data, "acme_token") == "secret");
  CHECK(typeOf(*data, "acme_console") == "url");
  CHECK(typeOf(*data, "acme_token_id") == "text");
  CHECK(ksm::firstValueByLabel(*data, "client_secret_id") == std::nullopt);  // nothing Azure-shaped appears
  checkUntouched(*data, "gw-password-2");  // the other writer's change survived the re-apply
  CHECK(env.host.allOutput().find(kAcmeToken) == std::string::npos);
  env.checkNoLeaks();
}

TEST_CASE("ksm writer: another provider's labels, read-back mismatch, then revert removes what it created") {
  WriterEnv env;
  useAcmeResults(env);
  env.fake.putRecord(kUid, pamUserJson("PAM User", "gw-password-1"));
  WriterSession s(pluginPath(), env.host);
  REQUIRE(s.validate() == KR_OK);
  REQUIRE(s.store() == KR_OK);
  auto data = env.stored();
  ksm::setFieldValue(*data, "acme_token_id", "text", "tok-someone-else");  // changed behind our back
  env.fake.putRecord(kUid, ksm::toJson(*data));
  CHECK(s.verify() == KR_ERR_FAILED);
  CHECK(errorCode(env.host) == "ksm.verify_mismatch");
  CHECK(errorMessage(env.host).find("acme_token_id") != std::string::npos);
  REQUIRE(s.revert() == KR_OK);
  data = env.stored();
  // The fields this run created and still hold its values are gone; the one someone else changed is theirs.
  CHECK(ksm::firstValueByLabel(*data, "acme_token") == std::nullopt);
  CHECK(ksm::firstValueByLabel(*data, "acme_console") == std::nullopt);
  CHECK(ksm::firstValueByLabel(*data, "acme_token_id") == std::optional<std::string>("tok-someone-else"));
  checkUntouched(*data, "gw-password-1");
  CHECK(env.host.allOutput().find(kAcmeToken) == std::string::npos);
  env.checkNoLeaks();
}

TEST_CASE("ksm writer: passes the SDK kit's conformance check against the fake KSM") {
  WriterEnv env;
  env.fake.putRecord(kUid, pamUserJson("PAM User", "gw-password-1"));
  keeper_rotate::testing::ConformanceOptions o;
  o.input = keeper_rotate::testing::gatewayInput().pamUser(keeper_rotate::testing::record(kUid).title("PAM User"));
  o.settings = {{"ksm_config", env.configFile}};
  // validate must not write: every update_secret the fake saw counts as a mutation.
  o.backendMutations = [&env] {
    return std::vector<std::string>(static_cast<std::size_t>(env.fake.requestCount("update_secret")), "update_secret");
  };
  const auto report = keeper_rotate::testing::checkConformance(keeper_rotate::testing::load(pluginPath()), o);
  CHECK_MESSAGE(report.ok(), report.text());
  // The kit's rotation stored its results: the check really reached Keeper.
  CHECK(env.field("kit_check_id") == std::optional<std::string>("kit-check-id-0001"));
  CHECK(typeOf(*env.stored(), "kit_check_secret") == "secret");
}
