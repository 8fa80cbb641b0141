// Errors before any change, through the real binary: bad input (exit 2, no plugin touched), configuration
// problems in fields and plugin choice (exit 3), with messages that name what to fix.
#include "support/scenario.hpp"
#include "util/encoding.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using namespace krtest;

namespace {

const std::vector<std::string> kOldKeys = {"old-1", "old-2"};

// Exit 2, one summary line with status bad-input, and no plugin was involved.
void expectBadInput(Scenario& s, const std::string& stdinData, const std::string& messagePart) {
  const auto r = s.runWithStdin(stdinData);
  INFO("stderr: " << r.err);
  CHECK(r.exitCode == 2);
  const auto sum = summaryOf(r);
  CHECK(sum->getValue<std::string>("status") == "bad-input");
  const std::string message = sum->getObject("error")->getValue<std::string>("message");
  CHECK_MESSAGE(message.find(messagePart) != std::string::npos, message);
  CHECK(r.err.find("provider/fake") == std::string::npos);
  CHECK(s.stateKeys() == kOldKeys);
  CHECK(s.createdSecrets().empty());
  CHECK(findLeak(r, s.forbidden()).empty());
}

std::string b64json(const std::string& json) { return base64(json) + "\n"; }

}  // namespace

TEST_CASE("input: malformed base64, JSON, types and missing keys are exit 2 and contact nothing") {
  Scenario s;
  expectBadInput(s, "", "empty");
  expectBadInput(s, "not*base64!\n", "neither JSON nor valid base64");
  expectBadInput(s, b64json("{\"userRecordUid\": "), "not valid JSON");
  expectBadInput(s, b64json("[1,2]"), "must be a JSON object");
  expectBadInput(s, b64json("{\"records\":\"W10=\"}"), "'userRecordUid'");
  expectBadInput(s, b64json("{\"userRecordUid\":\"USER1\"}"), "'records'");
  expectBadInput(s, b64json("{\"userRecordUid\":42,\"records\":\"W10=\"}"), "must be a string, got number");
  expectBadInput(s, b64json("{\"userRecordUid\":\"USER1\",\"records\":\"%%%\"}"), "input key 'records'");
  expectBadInput(s, b64json("{\"userRecordUid\":\"USER1\",\"records\":\"" + base64("{\"a\":1}") + "\"}"),
                 "JSON array");
  expectBadInput(s, b64json("{\"userRecordUid\":\"USER1\",\"records\":\"" + base64("[\"x\"]") + "\"}"),
                 "records[0] must be an object");
  expectBadInput(s, b64json("{\"userRecordUid\":\"USER1\",\"records\":\"" + base64("[{\"title\":\"t\"}]") + "\"}"),
                 "records[0] has no string 'uid'");
  expectBadInput(s, b64json("{\"userRecordUid\":\"USER1\",\"newPassword\":[1],\"records\":\"W10=\"}"),
                 "'newPassword' must be a string");
}

TEST_CASE("input: oversized input is refused before parsing (exit 2)") {
  Scenario s;
  expectBadInput(s, std::string(1024 * 1024 + 10, 'A'), "larger than");
}

TEST_CASE("input: --input FILE takes plain JSON or base64") {
  Scenario s;
  const std::string b64 = s.gatewayInput();
  writeFile(s.dir() / "in.b64", b64);
  const auto json = keeper_rotate::text::decodeBase64(b64, /*skipWhitespace=*/true);
  REQUIRE(json);
  writeFile(s.dir() / "in.json", *json);
  for (const char* file : {"in.b64", "in.json"}) {
    const auto r = s.runWithStdin("", {"--input", (s.dir() / file).string(), "--dry-run"});
    INFO(file << ": " << r.err);
    CHECK(r.exitCode == 0);
    CHECK(summaryOf(r)->getValue<std::string>("status") == "dry-run");
  }
  auto r = s.runWithStdin("", {"--input", (s.dir() / "missing.json").string()});
  r = s.runWithStdin("", {"--input", (s.dir() / "missing.json").string()});
  CHECK(r.exitCode == 2);
  CHECK(summaryOf(r)->getObject("error")->getValue<std::string>("message").find("cannot open --input file") !=
        std::string::npos);
}

TEST_CASE("fields: a missing required field is exit 3 naming the record, its uid and the label") {
  Scenario s;
  s.remove("fake_state_file");
  const auto r = s.run();
  CHECK(r.exitCode == 3);
  const auto sum = summaryOf(r);
  CHECK(sum->getValue<std::string>("status") == "config-error");
  const std::string message = sum->getObject("error")->getValue<std::string>("message");
  CHECK(message.find("'Test app' (uid USER1)") != std::string::npos);
  CHECK(message.find("'fake_state_file'") != std::string::npos);
  CHECK(message.find("provider/fake") != std::string::npos);
  CHECK(s.createdSecrets().empty());
}

TEST_CASE("fields: enum, integer range and URL are validated before anything runs (exit 3)") {
  Scenario s;
  struct Case {
    const char* label;
    const char* value;
    const char* expected;
  };
  for (const Case& c : {Case{"fake_mode", "lenient", "not one of normal|strict"},
                        Case{"fake_lifetime_days", "9999", "outside the allowed range 1..730"},
                        Case{"fake_lifetime_days", "12x", "not a whole number"},
                        Case{"fake_endpoint", "http://insecure.example", "not an https:// URL"}}) {
    Scenario t;
    t.set(c.label, c.value);
    const auto r = t.run();
    INFO(c.label << "=" << c.value);
    CHECK(r.exitCode == 3);
    const std::string message = summaryOf(r)->getObject("error")->getValue<std::string>("message");
    CHECK_MESSAGE(message.find(c.expected) != std::string::npos, message);
    CHECK(message.find(std::string("'") + c.label + "'") != std::string::npos);
    CHECK(t.stateKeys() == kOldKeys);
  }
}

TEST_CASE("fields: defaults from metadata are applied and valid values pass") {
  Scenario s;
  s.set("fake_mode", "strict");
  s.set("fake_lifetime_days", "30");
  s.set("fake_endpoint", "https://login.example");
  const auto r = s.run({"--dry-run"});
  INFO(r.err);
  CHECK(r.exitCode == 0);
}

TEST_CASE("selection: unknown provider, writer or source is exit 3 and lists what is available") {
  Scenario s;
  SUBCASE("provider") {
    s.args = {"no-such-provider"};
    const auto r = s.run();
    CHECK(r.exitCode == 3);
    const std::string message = summaryOf(r)->getObject("error")->getValue<std::string>("message");
    CHECK(message.find("unknown provider 'no-such-provider'") != std::string::npos);
    CHECK(message.find("fake") != std::string::npos);
  }
  SUBCASE("writer") {
    s.set("record_writer", "no-such-writer");
    const auto r = s.run();
    CHECK(r.exitCode == 3);
    const std::string message = summaryOf(r)->getObject("error")->getValue<std::string>("message");
    CHECK(message.find("fake-durable") != std::string::npos);
    CHECK(message.find("record_writer") != std::string::npos);
  }
  SUBCASE("writer name that is a path") {
    s.set("record_writer", "../../tmp/evil");
    const auto r = s.run();
    CHECK(r.exitCode == 3);
    CHECK(summaryOf(r)->getObject("error")->getValue<std::string>("message").find("not a valid record writer name") !=
          std::string::npos);
  }
  SUBCASE("source") {
    s.set("credential_source", "no-such-source");
    const auto r = s.run();
    CHECK(r.exitCode == 3);
    CHECK(summaryOf(r)->getObject("error")->getValue<std::string>("message").find("credential_source") !=
          std::string::npos);
  }
  CHECK(s.stateKeys() == kOldKeys);
}

TEST_CASE("selection: a credential source that yields an incomplete credential is rejected (exit 3)") {
  Scenario s;
  s.otherRecords.front() = {{"uid", "ADMIN1"}, {"title", "Admin app"}, {"fake_admin_id", "admin-client"}};
  const auto r = s.run();
  CHECK(r.exitCode == 3);
  const std::string message = summaryOf(r)->getObject("error")->getValue<std::string>("message");
  CHECK(message.find("fake-vault: incomplete, missing client_secret") != std::string::npos);
  CHECK(s.createdSecrets().empty());
}

TEST_CASE("selection: a credential source with nothing to offer is reported (exit 3)") {
  Scenario s;
  s.otherRecords.erase(s.otherRecords.begin());
  const auto r = s.run();
  CHECK(r.exitCode == 3);
  CHECK(summaryOf(r)->getObject("error")->getValue<std::string>("message").find("fake-vault: nothing available") !=
        std::string::npos);
}

TEST_CASE("selection: the default chain is used when credential_source is absent") {
  Scenario s;
  s.remove("credential_source");
  const auto r = s.run();
  // The first-party sources (attached-record, pam-config, env) supply Azure credential parts, not the fake
  // provider's client_id/client_secret from fake_admin_* fields: every source is tried and reported.
  CHECK(r.exitCode == 3);
  const std::string message = summaryOf(r)->getObject("error")->getValue<std::string>("message");
  CHECK(message.find("no admin credential with tenant_id, client_id, client_secret found") != std::string::npos);
  CHECK(findLeak(r, s.forbidden()).empty());
}

TEST_CASE("selection: the env credential source completes the fake provider's credential in the default chain") {
  if (!std::filesystem::exists(realPluginDir() + "/source-env.so")) {
    MESSAGE("source-env.so is not built; case skipped");
    return;
  }
  Scenario s;
  s.remove("credential_source");
  std::vector<std::string> argv = {hostBinary(), "fake", "--plugin-dir", testPluginDir(), "--dry-run"};
  const std::string envSecret = "EnvClientS3cret-abcdef123456";
  const auto r = runProcess(argv, s.gatewayInput(),
                            {{"PATH", "/usr/bin:/bin"},
                             {"AZURE_TENANT_ID", "tenant-1"},
                             {"AZURE_CLIENT_ID", "client-1"},
                             {"AZURE_CLIENT_SECRET", envSecret}});
  INFO(r.err);
  CHECK(r.exitCode == 0);
  CHECK(summaryOf(r)->getValue<std::string>("credentialSource") == "env");
  auto forbidden = s.forbidden();
  forbidden.push_back(envSecret);
  forbidden.push_back(base64(envSecret));
  CHECK(findLeak(r, forbidden).empty());
}
