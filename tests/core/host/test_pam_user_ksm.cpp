// The PAM User record read through Keeper Secrets Manager when the Gateway's `records` lack it: the real binary,
// the fake provider and writer, and the fake KSM over HTTPS on 127.0.0.1 with a throw-away CA. Which copy is used,
// that the KSM copy passes the same field validation, and the errors when neither has it.
#include "input/pam_user.hpp"
#include "support/scenario.hpp"

#include <fake_ksm.hpp>
#include <kr_ksm/base64.hpp>
#include <test_ca.hpp>

#include <keeper_rotate/json.hpp>

#include <Poco/JSON/Parser.h>
#include <doctest/doctest.h>

#include <fstream>

using namespace krtest;

namespace {

constexpr const char* kVaultPassword = "VaultPassw0rd-only-in-ksm-7e6d";

struct KsmScenario {
  Scenario s;
  keeper_rotate::testsupport::TempDir ksmDir{"core-ksm"};
  keeper_rotate::testsupport::TestCa ca = keeper_rotate::testsupport::TestCa::create(ksmDir.path() + "/ca");
  keeper_rotate::fakeksm::FakeKsm fake{ca};
  std::string configFile = ksmDir.path() + "/ksm-config.json";
  std::string configJson = fake.createDevice().json;

  KsmScenario() {
    std::ofstream(configFile) << configJson;
    s.env["SSL_CERT_FILE"] = ca.caCertFile();
    s.pamUserInRecords = false;
    fake.addSharedFolder("SharedFolder-0001");
  }

  /// The PAM User as the vault holds it: the scenario's fields as custom fields, plus a login and a password.
  void putVaultCopy(const Fields& fields) {
    Poco::JSON::Object data(Poco::JSON_PRESERVE_KEY_ORDER);
    std::string title;
    Poco::JSON::Array::Ptr custom = new Poco::JSON::Array;
    for (const auto& [k, v] : fields) {
      if (k == "uid" || k == "login" || k == "password") continue;
      if (k == "title") {
        title = v;
        continue;
      }
      Poco::JSON::Object::Ptr f = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
      f->set("type", "text");
      f->set("label", k);
      Poco::JSON::Array::Ptr value = new Poco::JSON::Array;
      value->add(v);
      f->set("value", value);
      custom->add(f);
    }
    data.set("title", title);
    data.set("type", "pamUser");
    Poco::JSON::Array::Ptr standard = new Poco::JSON::Array;
    for (const auto& [type, value] : std::vector<std::pair<std::string, std::string>>{{"login", "app"},
                                                                                         {"password", kVaultPassword}}) {
      Poco::JSON::Object::Ptr f = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
      f->set("type", type);
      Poco::JSON::Array::Ptr v = new Poco::JSON::Array;
      v->add(value);
      f->set("value", v);
      standard->add(f);
    }
    data.set("fields", standard);
    data.set("custom", custom);
    std::ostringstream os;
    data.stringify(os);
    fake.putRecord("USER1", os.str(), "SharedFolder-0001");
  }

  std::vector<std::string> forbidden() const {
    auto all = s.forbidden();
    all.push_back(kVaultPassword);
    all.push_back(base64(kVaultPassword));
    return all;
  }
};

std::string errorField(const Poco::JSON::Object::Ptr& o, const char* key) {
  auto e = o->getObject("error");
  return e ? e->getValue<std::string>(key) : std::string();
}

}  // namespace

TEST_CASE("PAM User through KSM: records lack it, the vault's copy drives the rotation (--ksm-config)") {
  KsmScenario k;
  k.putVaultCopy(k.s.pamUser);
  const auto r = k.s.run({"--ksm-config", k.configFile});
  INFO("stderr: " << r.err);
  REQUIRE(r.exitCode == 0);
  const auto sum = summaryOf(r);
  CHECK(sum->getValue<std::string>("status") == "rotated");
  CHECK(sum->getValue<std::string>("userRecordUid") == "USER1");
  // The fields came from the vault: the fake provider rotated the state file the vault copy names.
  CHECK(k.s.stateKeys().size() == 1);
  CHECK(k.s.storeLines().size() == 3);
  CHECK(k.fake.requestCount("get_secret") >= 1);
  CHECK(r.err.find("reading it through Keeper Secrets Manager") != std::string::npos);
  CHECK(r.err.find("file " + k.configFile) != std::string::npos);
  const std::string leak = findLeak(r, k.forbidden());
  CHECK_MESSAGE(leak.empty(), leak);
}

TEST_CASE("PAM User through KSM: a containerised Gateway's GATEWAY_CONFIG is enough") {
  KsmScenario k;
  k.putVaultCopy(k.s.pamUser);
  k.s.env["GATEWAY_CONFIG"] = keeper_rotate::ksm::base64::encode(k.configJson);
  const auto r = k.s.run();
  INFO("stderr: " << r.err);
  REQUIRE(r.exitCode == 0);
  CHECK(summaryOf(r)->getValue<std::string>("status") == "rotated");
  CHECK(r.err.find("configuration from GATEWAY_CONFIG") != std::string::npos);
  CHECK(findLeak(r, k.forbidden()).empty());
}

TEST_CASE("PAM User through KSM: the records copy wins and KSM is not contacted when the Gateway sent it") {
  KsmScenario k;
  // The vault copy points at another state file: if it were used, that file would change.
  Fields vault = k.s.pamUser;
  for (auto& [key, value] : vault)
    if (key == "fake_state_file") value = (k.s.dir() / "vault-state").string();
  writeFile(k.s.dir() / "vault-state", "vault-1\n");
  k.putVaultCopy(vault);
  k.s.pamUserInRecords = true;
  const auto r = k.s.run({"--ksm-config", k.configFile});
  INFO("stderr: " << r.err);
  REQUIRE(r.exitCode == 0);
  CHECK(k.s.stateKeys().size() == 1);
  CHECK(k.s.stateKeys().front() != "old-1");
  CHECK(readFile(k.s.dir() / "vault-state") == "vault-1\n");
  CHECK(k.fake.requestCount("get_secret") == 0);
}

TEST_CASE("PAM User through KSM: the vault's copy gets the same field validation (exit 3 naming the field)") {
  KsmScenario k;
  Fields bad = k.s.pamUser;
  bad.emplace_back("fake_lifetime_days", "forever");
  k.putVaultCopy(bad);
  auto r = k.s.run({"--ksm-config", k.configFile});
  INFO("stderr: " << r.err);
  CHECK(r.exitCode == 3);
  auto sum = summaryOf(r);
  CHECK(errorField(sum, "code") == "field.invalid");
  CHECK(errorField(sum, "message").find("fake_lifetime_days") != std::string::npos);
  CHECK(errorField(sum, "message").find("USER1") != std::string::npos);
  CHECK(k.s.stateKeys() == std::vector<std::string>{"old-1", "old-2"});

  Fields missing;
  for (const auto& f : k.s.pamUser)
    if (f.first != "fake_state_file") missing.push_back(f);
  k.putVaultCopy(missing);
  r = k.s.run({"--ksm-config", k.configFile});
  CHECK(r.exitCode == 3);
  sum = summaryOf(r);
  CHECK(errorField(sum, "code") == "field.missing");
  CHECK(errorField(sum, "message").find("fake_state_file") != std::string::npos);
  CHECK(findLeak(r, k.forbidden()).empty());
}

TEST_CASE("PAM User through KSM: neither records nor the KSM application have it (exit 3 naming the uid)") {
  KsmScenario k;
  k.fake.putRecord("SOMEONE-ELSE", R"({"title":"other","type":"pamUser","fields":[],"custom":[]})");
  auto r = k.s.run({"--ksm-config", k.configFile});
  INFO("stderr: " << r.err);
  CHECK(r.exitCode == 3);
  auto sum = summaryOf(r);
  CHECK(sum->getValue<std::string>("status") == "config-error");
  CHECK(errorField(sum, "code") == "record.missing");
  const std::string message = errorField(sum, "message");
  CHECK(message.find("USER1") != std::string::npos);
  CHECK(message.find("not among the 2 records") != std::string::npos);
  CHECK(message.find("share the record") != std::string::npos);
  CHECK(k.s.stateKeys() == std::vector<std::string>{"old-1", "old-2"});

  // No usable KSM configuration: the same error code, naming the uid and why KSM could not be asked.
  r = k.s.run({"--ksm-config", k.ksmDir.path() + "/no-such-config.json"});
  CHECK(r.exitCode == 3);
  sum = summaryOf(r);
  CHECK(errorField(sum, "code") == "record.missing");
  CHECK(errorField(sum, "message").find("USER1") != std::string::npos);
  CHECK(errorField(sum, "message").find("no-such-config.json") != std::string::npos);
  CHECK(k.fake.requestCount("get_secret") == 1);  // only the first run asked
}

TEST_CASE("PAM User through KSM: vault records are flattened as the Gateway flattens them") {
  const keeper_rotate::json::Value data = keeper_rotate::json::parse(
      R"({"title":"T","type":"pamUser","fields":[{"type":"login","value":["u"]},)"
      R"({"type":"password","value":[]},{"type":"host","value":[{"hostName":"h"}]}],)"
      R"("custom":[{"type":"text","label":"a","value":["1","2"]},{"type":"text","value":["x"]},)"
      R"({"type":"text","value":["y"]},{"type":"text","label":"a","value":["again"]},)"
      R"({"type":"checkbox","label":"flag","value":[true]}]})");
  const keeper_rotate::host::Record r = keeper_rotate::host::recordFromKsmData("UID9", data.object());
  CHECK(r.uid() == "UID9");
  CHECK(r.title() == "T");
  REQUIRE(r.find("login"));
  CHECK(*r.find("login") == "u");
  REQUIRE(r.find("password"));
  CHECK(r.find("password")->empty());
  CHECK(*r.find("host") == R"({"hostName":"h"})");
  CHECK(*r.find("a") == "1");
  CHECK(*r.find("a1") == "again");
  CHECK(*r.find("text") == "x");
  CHECK(*r.find("text1") == "y");
  CHECK(*r.find("flag") == "true");
}
