// The first-party credential sources and the stdout writer inside the real keeper-rotate host, driven like the
// Gateway drives it, with the test provider `fake` (tests/support/plugins: keys in a state file). Every run's stdout
// and stderr are scanned for every secret value involved.
#include "host_runner.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

using kr_test::gatewayInputJson;
using kr_test::gatewayInputLine;
using kr_test::HostRun;
using kr_test::runHost;
using kr_test::ScratchDir;

namespace {

const std::string kUserUid = "PamUserUid000000000001";
const std::string kConfigUid = "PamConfigUid0000000001";
const std::string kAdminSecret = "attached~AdminSecret.4f1d9c0b7e2a";
const std::string kConfigSecret = "pamconfig~AdminSecret.81b3e6d2c9f0";
const std::string kEnvSecret = "environment~AdminSecret.5a7c3e1f0b9d";

struct Scenario {
  ScratchDir dir;
  Scenario() { dir.write("state", "old-key-1\nold-key-2\n"); }

  /// The PAM User record; `extra` is appended inside the JSON object (",\"label\":\"value\"...").
  std::string pamUser(const std::string& extra = "") const {
    return "{\"uid\":\"" + kUserUid + "\",\"title\":\"Payroll API secret\",\"fake_state_file\":\"" +
           dir.file("state") + "\",\"record_writer\":\"stdout\"" + extra + "}";
  }
  static std::string adminRecord(const std::string& uid, const std::string& title, const std::string& secret) {
    return "{\"uid\":\"" + uid + "\",\"title\":\"" + title +
           "\",\"application_client_id\":\"aaaaaaaa-0000-4000-8000-000000000001\",\"client_secret\":\"" + secret +
           "\",\"tenant_id\":\"tttttttt-0000-4000-8000-000000000002\"}";
  }
  static std::string azureConfig() {
    return "{\"uid\":\"" + kConfigUid +
           "\",\"title\":\"Entra ID\",\"clientId\":\"cccccccc-0000-4000-8000-000000000003\",\"clientSecret\":\"" +
           kConfigSecret + "\",\"tenantId\":\"tttttttt-0000-4000-8000-000000000004\"}";
  }
  static std::string networkConfig() { return "{\"uid\":\"" + kConfigUid + "\",\"title\":\"Local Network\"}"; }

  HostRun runFile(const std::vector<std::string>& records, const std::map<std::string, std::string>& env = {}) const {
    dir.write("input.json", gatewayInputJson(kUserUid, kConfigUid, records));
    // --verbose: the debug lines are where a leak would most likely hide (the fake provider logs its secrets there
    // on purpose, plain and base64, to prove the host's redaction).
    return runHost({"--verbose", "--plugin-dir", KR_TEST_FAKE_PLUGIN_DIR, "fake", "--input", dir.file("input.json")},
                   "", env);
  }
  HostRun runStdin(const std::vector<std::string>& records) const {
    return runHost({"--plugin-dir", KR_TEST_FAKE_PLUGIN_DIR, "fake", "-v"},
                   gatewayInputLine(kUserUid, kConfigUid, records));
  }

  /// Every secret of this scenario: the admin secrets and each secret the fake provider created.
  std::vector<std::string> secrets() const {
    std::vector<std::string> all{kAdminSecret, kConfigSecret, kEnvSecret};
    std::string ledger = dir.read("state.secrets");
    for (std::size_t pos = 0; pos < ledger.size();) {
      auto end = ledger.find('\n', pos);
      if (end == std::string::npos) end = ledger.size();
      if (end > pos) all.push_back(ledger.substr(pos, end - pos));
      pos = end + 1;
    }
    return all;
  }
  void checkNoLeak(const HostRun& run) const {
    for (const auto& s : secrets()) {
      for (const auto& form : {s, kr_test::base64(s)}) {
        INFO("a secret value (or its base64 form) appears in the output");
        CHECK(run.out.find(form) == std::string::npos);
        CHECK(run.err.find(form) == std::string::npos);
      }
    }
  }
  /// A rehearsal leaves the identity system exactly as it was.
  void checkUntouched() const { CHECK(dir.read("state") == "old-key-1\nold-key-2\n"); }
};

void checkRehearsed(const Scenario& s, const HostRun& run, const std::string& source) {
  INFO("stdout: " << run.out);
  INFO("stderr: " << run.err);
  REQUIRE(run.exitCode == 0);
  CHECK(run.summaryString("status") == "rehearsed");
  CHECK(run.summaryString("credentialSource") == source);
  CHECK(run.summaryString("writer") == "stdout");
  const std::string keyId = run.summaryString("keyId");
  CHECK(keyId.rfind("fake-key-", 0) == 0);
  CHECK(run.err.find("client_secret_id = " + keyId) != std::string::npos);
  CHECK(run.err.find("client_secret = [REDACTED]") != std::string::npos);
  CHECK(run.err.find("expires = 2027-11-26T00:00:00Z") != std::string::npos);
  // One secret was created and removed again; the old keys were never touched.
  CHECK(s.secrets().size() == 4);
  s.checkUntouched();
  s.checkNoLeak(run);
}

}  // namespace

TEST_CASE("host rehearsal takes the admin credential from the attached record given on stdin") {
  Scenario s;
  const auto run = s.runStdin({s.networkConfig(), s.adminRecord("AdminRecordUid00000001", "Admin app", kAdminSecret),
                               s.pamUser()});
  checkRehearsed(s, run, "attached-record");
  CHECK(run.err.find("'Admin app' (uid AdminRecordUid00000001)") != std::string::npos);
}

TEST_CASE("host rehearsal takes the admin credential from the Azure PAM Configuration") {
  Scenario s;
  const auto run = s.runFile({s.azureConfig(), s.pamUser()});
  checkRehearsed(s, run, "pam-config");
  CHECK(run.err.find("'Entra ID' (uid " + kConfigUid + ")") != std::string::npos);
}

TEST_CASE("host rehearsal takes the admin credential from the environment") {
  Scenario s;
  const auto run = s.runFile({s.networkConfig(), s.pamUser()},
                             {{"AZURE_TENANT_ID", "tttttttt-0000-4000-8000-000000000005"},
                              {"AZURE_CLIENT_ID", "cccccccc-0000-4000-8000-000000000006"},
                              {"AZURE_CLIENT_SECRET", kEnvSecret}});
  checkRehearsed(s, run, "env");
}

TEST_CASE("host default chain prefers the attached record over the PAM Configuration and the environment") {
  Scenario s;
  const auto run = s.runFile({s.azureConfig(), s.adminRecord("AdminRecordUid00000001", "Admin app", kAdminSecret),
                              s.pamUser()},
                             {{"AZURE_TENANT_ID", "t"}, {"AZURE_CLIENT_ID", "c"}, {"AZURE_CLIENT_SECRET", kEnvSecret}});
  checkRehearsed(s, run, "attached-record");
}

TEST_CASE("host uses only the source named in credential_source") {
  Scenario s;
  // An attached admin record is present, but the PAM User asks for pam-config.
  const auto run = s.runFile({s.azureConfig(), s.adminRecord("AdminRecordUid00000001", "Admin app", kAdminSecret),
                              s.pamUser(",\"credential_source\":\"pam-config\"")});
  checkRehearsed(s, run, "pam-config");
}

TEST_CASE("host stops with exit 3 naming an incomplete attached record and creates nothing") {
  Scenario s;
  std::string incomplete = s.adminRecord("AdminRecordUid00000001", "Admin app", kAdminSecret);
  incomplete.replace(incomplete.find("\"tenant_id\""), std::string("\"tenant_id\"").size(), "\"tenant\"");
  const auto run = s.runFile({s.networkConfig(), incomplete, s.pamUser(",\"credential_source\":\"attached-record\"")});
  INFO("stdout: " << run.out);
  CHECK(run.exitCode == 3);
  CHECK(run.summaryString("status") == "config-error");
  CHECK(run.summaryIsNull("keyId"));
  CHECK(run.out.find("'Admin app' (uid AdminRecordUid00000001)") != std::string::npos);
  CHECK(run.out.find("'tenant_id'") != std::string::npos);
  CHECK(s.secrets().size() == 3);  // the fake provider never created a key
  s.checkUntouched();
  s.checkNoLeak(run);
}

TEST_CASE("host default chain warns about a broken attached record when a later source supplies the credential") {
  Scenario s;
  std::string incomplete = s.adminRecord("AdminRecordUid00000001", "Admin app", kAdminSecret);
  incomplete.replace(incomplete.find("\"tenant_id\""), std::string("\"tenant_id\"").size(), "\"tenant\"");
  const auto run = s.runFile({s.azureConfig(), incomplete, s.pamUser()});
  checkRehearsed(s, run, "pam-config");
  // Not fatal in the default chain, but the admin is told which record is broken.
  CHECK(run.err.find("credential source 'attached-record' failed") != std::string::npos);
  CHECK(run.err.find("'tenant_id'") != std::string::npos);
}

TEST_CASE("host stops with exit 3 when two admin records are attached") {
  Scenario s;
  const auto run = s.runFile({s.adminRecord("AdminRecordUid00000001", "Admin app", kAdminSecret),
                              s.adminRecord("AdminRecordUid00000002", "Old admin app", kConfigSecret),
                              s.pamUser(",\"credential_source\":\"attached-record\"")});
  INFO("stdout: " << run.out);
  CHECK(run.exitCode == 3);
  CHECK(run.out.find("AdminRecordUid00000001") != std::string::npos);
  CHECK(run.out.find("AdminRecordUid00000002") != std::string::npos);
  s.checkUntouched();
  s.checkNoLeak(run);
}

TEST_CASE("host stops with exit 3 naming the missing AZURE_ variable") {
  Scenario s;
  const auto run = s.runFile({s.networkConfig(), s.pamUser(",\"credential_source\":\"env\"")},
                             {{"AZURE_TENANT_ID", "tttttttt-0000-4000-8000-000000000005"},
                              {"AZURE_CLIENT_SECRET", kEnvSecret}});
  INFO("stdout: " << run.out);
  CHECK(run.exitCode == 3);
  CHECK(run.out.find("'AZURE_CLIENT_ID' is not set") != std::string::npos);
  s.checkUntouched();
  s.checkNoLeak(run);
}

TEST_CASE("host exits 3 when no source in the default chain has a credential") {
  Scenario s;
  const auto run = s.runFile({s.networkConfig(), s.pamUser()});
  INFO("stdout: " << run.out);
  CHECK(run.exitCode == 3);
  CHECK(run.summaryString("status") == "config-error");
  // Each source says why it had nothing.
  CHECK(run.out.find("tenant_id or application_client_id") != std::string::npos);
  CHECK(run.out.find("'Local Network' (uid " + kConfigUid + ")") != std::string::npos);
  CHECK(run.out.find("AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET are not set") != std::string::npos);
  // The chain ends with instance-role, which answers a provider of another scheme at once, without the network.
  CHECK(run.out.find("instance-role: nothing available (instance-role produces only aws-access-key credentials; "
                     "fake-client-secret is not one)") != std::string::npos);
  s.checkUntouched();
}

TEST_CASE("host default chain asks instance-role last and without delay, and never self") {
  Scenario s;
  const auto start = std::chrono::steady_clock::now();
  // The PAM User carries a complete credential under the attached-record labels: only self would take it.
  const auto run = s.runFile({s.networkConfig(),
                              s.pamUser(",\"application_client_id\":\"aaaaaaaa-0000-4000-8000-000000000009\","
                                        "\"tenant_id\":\"tttttttt-0000-4000-8000-000000000009\"")});
  INFO("stdout: " << run.out);
  INFO("stderr: " << run.err);
  CHECK(run.exitCode == 3);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  const auto envAt = run.out.find("env: nothing available");
  const auto roleAt = run.out.find("instance-role: nothing available");
  REQUIRE(envAt != std::string::npos);
  REQUIRE(roleAt != std::string::npos);
  CHECK(envAt < roleAt);
  CHECK(run.out.find("self:") == std::string::npos);
  s.checkUntouched();
}

TEST_CASE("host rehearsal takes the PAM User's own credential when credential_source is self") {
  Scenario s;
  // An attached admin record is present too; self reads only the PAM User itself.
  const auto run = s.runFile({s.networkConfig(), s.adminRecord("AdminRecordUid00000001", "Admin app", kConfigSecret),
                              s.pamUser(",\"credential_source\":\"self\","
                                        "\"application_client_id\":\"aaaaaaaa-0000-4000-8000-000000000009\","
                                        "\"tenant_id\":\"tttttttt-0000-4000-8000-000000000009\","
                                        "\"client_secret\":\"" +
                                        kAdminSecret + "\"")});
  checkRehearsed(s, run, "self");
  CHECK(run.err.find("admin credential from the PAM User's own tenant_id, application_client_id and client_secret") !=
        std::string::npos);
  CHECK(run.err.find("'Payroll API secret' (uid " + kUserUid + ")") != std::string::npos);
}

TEST_CASE("host stops with exit 3 when self is named and the PAM User lacks its own secret") {
  Scenario s;
  const auto run = s.runFile({s.networkConfig(),
                              s.pamUser(",\"credential_source\":\"self\","
                                        "\"application_client_id\":\"aaaaaaaa-0000-4000-8000-000000000009\","
                                        "\"tenant_id\":\"tttttttt-0000-4000-8000-000000000009\"")});
  INFO("stdout: " << run.out);
  CHECK(run.exitCode == 3);
  CHECK(run.summaryString("status") == "config-error");
  CHECK(run.out.find("PAM User record 'Payroll API secret' (uid " + kUserUid + ") has no value in 'client_secret'") !=
        std::string::npos);
  CHECK(s.secrets().size() == 3);  // the fake provider never created a key
  s.checkUntouched();
  s.checkNoLeak(run);
}

TEST_CASE("host lists and describes the first-party sources and the stdout writer") {
  const auto list = runHost({"plugins", "list"});
  INFO(list.out << list.err);
  CHECK(list.exitCode == 0);
  for (const char* name : {"attached-record", "pam-config", "env", "self", "instance-role", "stdout"})
    CHECK(list.out.find(name) != std::string::npos);
  // Where each source looks is the provider's declaration, shown with the provider.
  const auto describe = runHost({"--plugin-dir", KR_TEST_FAKE_PLUGIN_DIR, "plugins", "describe", "fake"});
  INFO(describe.out << describe.err);
  CHECK(describe.exitCode == 0);
  for (const char* where : {"attached-record: field 'application_client_id'", "pam-config: field 'clientSecret'",
                            "env: AZURE_TENANT_ID"})
    CHECK(describe.out.find(where) != std::string::npos);
  const auto json = runHost({"--plugin-dir", KR_TEST_FAKE_PLUGIN_DIR, "plugins", "describe", "fake", "--json"});
  CHECK(json.exitCode == 0);
  CHECK(json.out.find("\"attached-record\":\"application_client_id\"") != std::string::npos);
  CHECK(json.out.find("\"scheme\":\"fake-client-secret\"") != std::string::npos);
}
