// The rotation pipeline end to end: the real keeper-rotate binary, the fake provider (real .so), the failing
// durable writer and the fake credential source. Every case also scans all output for every secret value.
#include "support/scenario.hpp"

#include <Poco/JSON/Parser.h>
#include <doctest/doctest.h>

#include <filesystem>

using namespace krtest;

namespace {

std::vector<std::string> strings(const Poco::JSON::Object::Ptr& o, const char* key) {
  std::vector<std::string> out;
  auto a = o->getArray(key);
  for (std::size_t i = 0; a && i < a->size(); ++i) out.push_back(a->getElement<std::string>(static_cast<unsigned>(i)));
  return out;
}

std::string errorField(const Poco::JSON::Object::Ptr& o, const char* key) {
  auto e = o->getObject("error");
  return e ? e->getValue<std::string>(key) : std::string();
}

void checkNoLeak(const Scenario& s, const ProcessResult& r) {
  const std::string leak = findLeak(r, s.forbidden());
  CHECK_MESSAGE(leak.empty(), leak);
}

const std::vector<std::string> kOldKeys = {"old-1", "old-2"};

}  // namespace

TEST_CASE("pipeline: success rotates, stores, reads back, then retires every old key (exit 0)") {
  Scenario s;
  const auto r = s.run();
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  const auto sum = summaryOf(r);
  CHECK(sum->getValue<std::string>("status") == "rotated");
  CHECK(sum->getValue<std::string>("credentialSource") == "fake-vault");
  CHECK(sum->getValue<std::string>("writer") == "fake-durable");
  const std::string keyId = sum->getValue<std::string>("keyId");
  CHECK(keyId.rfind("fake-key-", 0) == 0);
  CHECK(sum->getValue<std::string>("expires") == "2027-11-26T00:00:00Z");
  CHECK(strings(sum, "removed") == kOldKeys);
  CHECK(strings(sum, "remaining").empty());
  CHECK(sum->isNull("error"));
  CHECK(s.stateKeys() == std::vector<std::string>{keyId});
  const auto stored = s.storeLines();
  REQUIRE(stored.size() == 3);
  CHECK(stored[0] == "client_secret_id=" + keyId);
  REQUIRE(s.createdSecrets().size() == 1);
  CHECK(stored[1] == "client_secret=" + s.createdSecrets().front());
  // The fake provider logs its secrets at debug level on purpose; the host must have masked them.
  CHECK(r.err.find("[REDACTED]") != std::string::npos);
  checkNoLeak(s, r);
}

TEST_CASE("pipeline: failure at validate changes nothing (exit 4 for a failure, 3 for configuration)") {
  Scenario s;
  s.set("fake_fail_at", "validate");
  auto r = s.run();
  CHECK(r.exitCode == 4);
  auto sum = summaryOf(r);
  CHECK(sum->getValue<std::string>("status") == "failed");
  CHECK(errorField(sum, "stage") == "validate");
  CHECK(errorField(sum, "code") == "fake.validate");
  CHECK(s.stateKeys() == kOldKeys);
  CHECK(s.createdSecrets().empty());
  CHECK_FALSE(std::filesystem::exists(s.dir() / "store"));
  checkNoLeak(s, r);

  s.set("fake_fail_at", "validate-config");
  r = s.run();
  CHECK(r.exitCode == 3);
  CHECK(summaryOf(r)->getValue<std::string>("status") == "config-error");
  CHECK(s.stateKeys() == kOldKeys);
  checkNoLeak(s, r);
}

TEST_CASE("pipeline: writer validate failure stops before create (exit 4)") {
  Scenario s;
  s.set("fake_writer_fail_at", "validate");
  const auto r = s.run();
  CHECK(r.exitCode == 4);
  CHECK(errorField(summaryOf(r), "stage") == "validate");
  CHECK(s.createdSecrets().empty());
  CHECK(s.stateKeys() == kOldKeys);
  checkNoLeak(s, r);
}

TEST_CASE("pipeline: failure at create leaves everything as it was (exit 4, no rollback needed)") {
  Scenario s;
  s.set("fake_fail_at", "create");
  const auto r = s.run();
  CHECK(r.exitCode == 4);
  const auto sum = summaryOf(r);
  CHECK(errorField(sum, "stage") == "create");
  CHECK_FALSE(sum->has("rollback"));
  CHECK(s.stateKeys() == kOldKeys);
  checkNoLeak(s, r);
}

TEST_CASE("pipeline: create that fails after creating a key is rolled back (exit 4)") {
  Scenario s;
  s.set("fake_fail_at", "create-after-key");
  const auto r = s.run();
  CHECK(r.exitCode == 4);
  const auto sum = summaryOf(r);
  CHECK(errorField(sum, "stage") == "create");
  REQUIRE(sum->getObject("rollback"));
  CHECK(sum->getObject("rollback")->getValue<bool>("ok"));
  CHECK(s.stateKeys() == kOldKeys);
  REQUIRE(s.createdSecrets().size() == 1);
  checkNoLeak(s, r);
}

TEST_CASE("pipeline: failure at prove removes the new key again (exit 4)") {
  Scenario s;
  s.set("fake_fail_at", "prove");
  const auto r = s.run();
  CHECK(r.exitCode == 4);
  const auto sum = summaryOf(r);
  CHECK(errorField(sum, "stage") == "prove");
  CHECK(sum->getObject("rollback")->getValue<bool>("ok"));
  CHECK(s.stateKeys() == kOldKeys);
  CHECK_FALSE(std::filesystem::exists(s.dir() / "store"));
  checkNoLeak(s, r);
}

TEST_CASE("pipeline: failure at store rolls back and never retires (exit 4)") {
  Scenario s;
  s.set("fake_writer_fail_at", "store");
  const auto r = s.run();
  CHECK(r.exitCode == 4);
  CHECK(errorField(summaryOf(r), "stage") == "store");
  CHECK(s.stateKeys() == kOldKeys);
  CHECK(strings(summaryOf(r), "removed").empty());
  checkNoLeak(s, r);
}

TEST_CASE("pipeline: failure at read-back reverts the record, then rolls back (exit 4)") {
  Scenario s;
  writeFile(s.dir() / "store", "client_secret_id=old-2\n");
  s.set("fake_writer_fail_at", "verify");
  const auto r = s.run();
  CHECK(r.exitCode == 4);
  CHECK(errorField(summaryOf(r), "stage") == "verify");
  CHECK(s.storeLines() == std::vector<std::string>{"client_secret_id=old-2"});
  CHECK(s.stateKeys() == kOldKeys);
  checkNoLeak(s, r);
}

TEST_CASE("pipeline: read-back failure whose revert fails keeps the new key so Keeper is never left without one (exit 6)") {
  Scenario s;
  s.set("fake_writer_fail_at", "verify,revert");
  const auto r = s.run();
  CHECK(r.exitCode == 6);
  const auto sum = summaryOf(r);
  CHECK(sum->getValue<std::string>("status") == "rollback-failed");
  const std::string keyId = sum->getValue<std::string>("keyId");
  CHECK(s.stateKeys() == std::vector<std::string>{"old-1", "old-2", keyId});
  CHECK_FALSE(sum->getObject("rollback")->getValue<bool>("ok"));
  checkNoLeak(s, r);
}

TEST_CASE("pipeline: failed rollback reports the new key id (exit 6)") {
  Scenario s;
  s.set("fake_fail_at", "prove,rollback");
  const auto r = s.run();
  CHECK(r.exitCode == 6);
  const auto sum = summaryOf(r);
  CHECK(sum->getValue<std::string>("status") == "rollback-failed");
  const std::string keyId = sum->getValue<std::string>("keyId");
  CHECK(errorField(sum, "stage") == "prove");
  CHECK(sum->getObject("rollback")->getObject("error")->getValue<std::string>("code") == "fake.rollback");
  CHECK(s.stateKeys() == std::vector<std::string>{"old-1", "old-2", keyId});
  CHECK(r.err.find(keyId) != std::string::npos);
  checkNoLeak(s, r);
}

TEST_CASE("pipeline: partial retire reports the remaining key ids (exit 5)") {
  Scenario s;
  s.set("fake_fail_at", "retire");
  const auto r = s.run();
  CHECK(r.exitCode == 5);
  const auto sum = summaryOf(r);
  CHECK(sum->getValue<std::string>("status") == "retire-incomplete");
  CHECK(strings(sum, "removed") == std::vector<std::string>{"old-1"});
  CHECK(strings(sum, "remaining") == std::vector<std::string>{"old-2"});
  CHECK(errorField(sum, "message").find("old-2") != std::string::npos);
  CHECK(s.storeLines().size() == 3);  // the new secret stays stored
  checkNoLeak(s, r);
}

TEST_CASE("pipeline: exceptions thrown by a plugin are contained and treated as failures of their stage") {
  Scenario s;
  SUBCASE("at validate") {
    s.set("fake_throw_at", "validate");
    const auto r = s.run();
    CHECK(r.exitCode == 4);
    CHECK(errorField(summaryOf(r), "code") == "plugin.exception");
    CHECK(s.stateKeys() == kOldKeys);
    checkNoLeak(s, r);
  }
  SUBCASE("at prove: rollback still runs") {
    s.set("fake_throw_at", "prove");
    const auto r = s.run();
    CHECK(r.exitCode == 4);
    CHECK(errorField(summaryOf(r), "stage") == "prove");
    CHECK(s.stateKeys() == kOldKeys);
    checkNoLeak(s, r);
  }
  SUBCASE("at rollback") {
    s.set("fake_fail_at", "prove");
    s.set("fake_throw_at", "rollback");
    const auto r = s.run();
    CHECK(r.exitCode == 6);
    checkNoLeak(s, r);
  }
  SUBCASE("at retire") {
    s.set("fake_throw_at", "retire");
    const auto r = s.run();
    CHECK(r.exitCode == 5);
    checkNoLeak(s, r);
  }
}

TEST_CASE("pipeline: dry run validates and prints the plan without creating anything") {
  Scenario s;
  const auto r = s.run({"--dry-run"});
  INFO(r.err);
  CHECK(r.exitCode == 0);
  const auto sum = summaryOf(r);
  CHECK(sum->getValue<std::string>("status") == "dry-run");
  CHECK(sum->getValue<bool>("dryRun"));
  CHECK(sum->getArray("plan")->size() >= 4);
  CHECK(s.createdSecrets().empty());
  CHECK(s.stateKeys() == kOldKeys);
  CHECK(r.err.find("stage create") == std::string::npos);
  checkNoLeak(s, r);
}

TEST_CASE("pipeline: rehearsal with the non-durable stdout writer creates, proves, shows and removes the key") {
  if (!std::filesystem::exists(realPluginDir() + "/writer-stdout.so")) {
    MESSAGE("writer-stdout.so is not built; rehearsal case skipped");
    return;
  }
  Scenario s;
  s.set("record_writer", "stdout");
  auto r = s.run();
  INFO(r.err);
  CHECK(r.exitCode == 0);
  auto sum = summaryOf(r);
  CHECK(sum->getValue<std::string>("status") == "rehearsed");
  CHECK(sum->getValue<std::string>("writer") == "stdout");
  CHECK(strings(sum, "removed").empty());
  CHECK(s.stateKeys() == kOldKeys);  // new key removed again, old keys untouched
  CHECK(s.createdSecrets().size() == 1);
  CHECK(r.err.find("client_secret_id = " + sum->getValue<std::string>("keyId")) != std::string::npos);
  checkNoLeak(s, r);

  SUBCASE("a failed rollback in a rehearsal is exit 6") {
    s.set("fake_fail_at", "rollback");
    r = s.run();
    CHECK(r.exitCode == 6);
    sum = summaryOf(r);
    CHECK(s.stateKeys().size() == 3);
    checkNoLeak(s, r);
  }
}

TEST_CASE("pipeline: log lines in JSON format are one object per line") {
  Scenario s;
  const auto r = s.run({"--log-format", "json"});
  CHECK(r.exitCode == 0);
  std::size_t start = 0, count = 0;
  while (start < r.err.size()) {
    const auto end = r.err.find('\n', start);
    REQUIRE(end != std::string::npos);
    const std::string line = r.err.substr(start, end - start);
    Poco::JSON::Parser parser;
    auto obj = parser.parse(line).extract<Poco::JSON::Object::Ptr>();
    CHECK(obj->has("level"));
    CHECK(obj->has("message"));
    start = end + 1;
    ++count;
  }
  CHECK(count > 3);
  checkNoLeak(s, r);
}

TEST_CASE("pipeline: options may follow positionals and the Gateway's attached file is accepted and ignored") {
  Scenario s;
  s.args = {"fake", (s.dir() / "attached.sh").string()};
  const auto r = s.run({"--dry-run"});
  CHECK(r.exitCode == 0);
  CHECK(r.err.find("attached file") != std::string::npos);
  CHECK(summaryOf(r)->getValue<std::string>("status") == "dry-run");
}

TEST_CASE("pipeline: options may stand before the provider") {
  Scenario s;
  const auto r = runProcess({hostBinary(), "--dry-run", "--plugin-dir", testPluginDir(), "fake"}, s.gatewayInput(),
                            {{"PATH", "/usr/bin:/bin"}});
  INFO(r.err);
  CHECK(r.exitCode == 0);
  CHECK(summaryOf(r)->getValue<std::string>("status") == "dry-run");
}

TEST_CASE("pipeline: KEEPER_ROTATE_PLUGIN_PATH is searched (colon-separated)") {
  Scenario s;
  const auto r = runProcess({hostBinary(), "fake", "--dry-run"}, s.gatewayInput(),
                            {{"PATH", "/usr/bin:/bin"}, {"KEEPER_ROTATE_PLUGIN_PATH", "/nonexistent:" + testPluginDir()}});
  INFO(r.err);
  CHECK(r.exitCode == 0);
}

TEST_CASE("pipeline: a broken plugin named as provider is exit 3 with the loader's explanation") {
  Scenario s;
  const auto r = runProcess({hostBinary(), "wrong-abi", "--plugin-dir", brokenPluginDir()}, s.gatewayInput(),
                            {{"PATH", "/usr/bin:/bin"}});
  CHECK(r.exitCode == 3);
  const auto sum = summaryOf(r);
  CHECK(sum->getValue<std::string>("status") == "config-error");
  CHECK(sum->getObject("error")->getValue<std::string>("message").find("ABI 99.0") != std::string::npos);
  CHECK(findLeak(r, s.forbidden()).empty());
}
