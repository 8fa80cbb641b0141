// Stopped and killed rotations through the real keeper-rotate binary (docs/contract.md, "Stopped runs and time
// budgets") with azure-app-secret against fake-entra and fake-ksm. A new secret stays unknown to the token endpoint
// for an hour (propagation delay), so the proof keeps waiting (verify_timeout_seconds 60); once the host logs
// "created new credential" and the token endpoint refused the new secret twice, the test signals the child:
//   - SIGTERM: the run stops at prove (exit 4 within seconds, run.stopped, stoppedBy SIGTERM), the new secret is
//     removed again, the old secrets and the vault record are untouched and no crash journal is left;
//   - SIGKILL: the new secret stays in Entra ID and pending-<uid>.json names it (ids only, mode 0600); the next
//     normal run removes it right after validate, before it adds its own secret, and ends with only that one.
// Hermetic: one loopback fake-entra and fake-ksm on port 0, the child gets exactly the environment the test gives
// it (SSL_CERT_FILE, a per-test KEEPER_ROTATE_STATE_DIR, short pauses, no proxy).
#include "fixture.hpp"
#include "host_process.hpp"

#include <fake_ksm.hpp>
#include <keeper_rotate/text.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <sstream>

namespace {

namespace fs = std::filesystem;
using azure_test::Fixture;
using krtest::Child;
using krtest::forms;
using krtest::SignalAt;
using krtest::Summary;
using krtest::summaryOf;
using krtest::Watch;

const char* kUserUid = "AzureStopPamUser000001";
const char* kConfigUid = "AzureStopPamConfig0001";
const char* kAdminUid = "AzureStopAdminRecord01";
const char* kCreatedLine = "created new credential";

std::string base64(const std::string& raw) { return keeper_rotate::text::encodeBase64(raw); }

template <typename T>
std::string json(const T& o) {
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

/// fake-entra with the target app's two secrets (the first is the one Keeper holds), fake-ksm holding the PAM User,
/// a private state directory.
struct StopE2E {
  Fixture f;
  keeper_rotate::fakeksm::FakeKsm ksm;
  std::string configFile, stateDir;
  std::map<std::string, std::string> seenSecrets;  ///< key id -> secret text of every secret a run added

  StopE2E() : ksm(f.ca) {
    configFile = f.dir.path() + "/ksm-config.json";
    std::ofstream(configFile) << ksm.createDevice().json;
    stateDir = f.dir.path() + "/state";
    fs::create_directory(stateDir);
    fs::permissions(stateDir, fs::perms::owner_all);
    ksm.putRecord(kUserUid,
                  R"({"title":"payments-api client secret","type":"pamUser",)"
                  R"("fields":[{"type":"login","value":["payments-api"]}],"custom":[)"
                  R"({"type":"text","label":"application_object_id","value":[")" + f.targetObjectId + R"("]},)"
                  R"({"type":"text","label":"client_secret_id","value":[")" + f.oldKeyIds[0] + R"("]},)"
                  R"({"type":"secret","label":"client_secret","value":[")" + f.oldSecretValues[0] + R"("]}]})");
  }

  std::string gatewayLine() const {
    Poco::JSON::Object user(Poco::JSON_PRESERVE_KEY_ORDER);
    user.set("uid", kUserUid);
    user.set("title", "payments-api client secret");
    user.set("application_object_id", f.targetObjectId);
    user.set("client_secret_id", f.oldKeyIds[0]);
    user.set("azure_authority_host", f.fake->baseUrl());
    user.set("azure_graph_endpoint", f.fake->baseUrl());
    user.set("verify_timeout_seconds", "60");
    Poco::JSON::Object admin(Poco::JSON_PRESERVE_KEY_ORDER);
    admin.set("uid", kAdminUid);
    admin.set("title", "rotation admin");
    admin.set("application_client_id", f.adminAppId);
    admin.set("client_secret", f.adminSecret);
    admin.set("tenant_id", f.tenantId);
    Poco::JSON::Array records;
    records.add(user);
    records.add(admin);
    Poco::JSON::Object input(Poco::JSON_PRESERVE_KEY_ORDER);
    input.set("providerRecordUid", kConfigUid);
    input.set("resourceRecordUid", "");
    input.set("userRecordUid", kUserUid);
    input.set("newPassword", "unused-by-azure-app-secret");
    input.set("oldPassword", "");
    input.set("user", "payments-api");
    input.set("records", base64(json(records)));
    return base64(json(input)) + "\n";
  }

  /// Remember every secret the run adds (for the leak scan) before `then` may signal the child.
  Child run(const Watch& then = {}) {
    const std::map<std::string, std::string> env{{"SSL_CERT_FILE", f.ca.caCertFile()},
                                                 {"AWS_EC2_METADATA_DISABLED", "true"},
                                                 {"KEEPER_ROTATE_STATE_DIR", stateDir},
                                                 {"KEEPER_ROTATE_AZURE_VERIFY_INTERVAL_MS", "20"},
                                                 {"KEEPER_ROTATE_AZURE_RETRY_BASE_MS", "20"}};
    auto collect = [this] {
      for (const auto& p : f.fake->passwords(f.targetObjectId))
        if (!azure_test::contains(f.oldKeyIds, p.keyId)) seenSecrets[p.keyId] = p.secretText;
    };
    Child c = krtest::spawnHost({KR_HOST_BINARY, "azure-app-secret", "--ksm-config", configFile}, gatewayLine(), env,
                        [&](pid_t pid, const std::string& err) {
                          collect();
                          if (then) then(pid, err);
                        });
    collect();
    return c;
  }

  /// Token requests of the target app the fake refused (the new secret has not propagated): the proof is waiting.
  std::size_t rejectedProofs() const {
    std::size_t n = 0;
    for (const auto& r : f.fake->requests()) n += r.clientId == f.targetAppId && r.status >= 400 ? 1 : 0;
    return n;
  }

  std::vector<std::string> journalFiles() const { return krtest::journalFiles(stateDir); }

  std::vector<std::string> secrets() const {
    std::vector<std::string> s{f.adminSecret};
    for (const auto& v : f.oldSecretValues) s.push_back(v);
    for (const auto& [id, secret] : seenSecrets) s.push_back(secret);
    return s;
  }
  void checkNoLeak(const Child& c) const { krtest::checkNoLeak(c, secrets()); }

  std::string vaultField(const std::string& label) const {
    const auto data = Poco::JSON::Parser().parse(ksm.readRecord(kUserUid)).extract<Poco::JSON::Object::Ptr>();
    const auto custom = data->getArray("custom");
    for (std::size_t i = 0; custom && i < custom->size(); ++i)
      if (custom->getObject(i)->optValue<std::string>("label", "") == label) {
        const auto values = custom->getObject(i)->getArray("value");
        return values && values->size() > 0 ? values->get(0).toString() : std::string();
      }
    return "";
  }
};

keeper_rotate::fake_entra::Propagation anHourLate() {
  keeper_rotate::fake_entra::Propagation p;
  p.delay = std::chrono::hours(1);
  return p;
}

}  // namespace

TEST_CASE("azure host stop: SIGTERM while the proof waits removes the new secret, exit 4, vault untouched") {
  StopE2E e;
  e.f.fake->setPropagation(anHourLate());
  const std::string vaultBefore = e.ksm.readRecord(kUserUid);
  const auto revisionBefore = e.ksm.revision(kUserUid);
  SignalAt at{kCreatedLine, SIGTERM, [&] { return e.rejectedProofs() >= 2; }};
  const Child c = e.run(std::ref(at));
  INFO("stdout: " << c.out);
  INFO("stderr: " << c.err);
  REQUIRE(at.sent);
  CHECK_FALSE(c.timedOut);
  CHECK(c.exitCode == 4);
  CHECK(c.endedAt - at.sentAt < std::chrono::seconds(5));  // not the 60 s proof wait
  const Summary s = summaryOf(c);
  REQUIRE(s.o);
  CHECK(s.str("status") == "failed");
  CHECK(s.error("stage") == "prove");
  CHECK(s.error("code") == "run.stopped");
  CHECK(s.str("stoppedBy") == "SIGTERM");
  CHECK(s.rollbackOk());
  REQUIRE(e.seenSecrets.size() == 1);
  CHECK(s.str("keyId") == e.seenSecrets.begin()->first);
  CHECK(e.f.fake->countRequests("POST", "/addPassword") == 1);
  CHECK(e.f.fake->countRequests("POST", "/removePassword") == 1);
  CHECK(e.f.targetKeyIds() == e.f.oldKeyIds);  // only the old secrets, which still work
  for (const auto& old : e.f.oldSecretValues) CHECK(e.f.tokenWorks(e.f.targetAppId, old));
  CHECK(e.ksm.readRecord(kUserUid) == vaultBefore);
  CHECK(e.ksm.revision(kUserUid) == revisionBefore);
  CHECK(e.ksm.requestCount("update_secret") == 0);
  CHECK(e.journalFiles().empty());
  e.checkNoLeak(c);
}

TEST_CASE("azure host stop: SIGKILL while the proof waits leaves a journal, the next run removes the stray secret") {
  StopE2E e;
  e.f.fake->setPropagation(anHourLate());
  const std::string vaultBefore = e.ksm.readRecord(kUserUid);
  SignalAt at{kCreatedLine, SIGKILL, [&] { return e.rejectedProofs() >= 2; }};
  const Child killed = e.run(std::ref(at));
  INFO("killed run stdout: " << killed.out);
  INFO("killed run stderr: " << killed.err);
  REQUIRE(at.sent);
  CHECK(killed.killedBy == SIGKILL);
  CHECK(killed.out.empty());
  REQUIRE(e.seenSecrets.size() == 1);
  const std::string strayKey = e.seenSecrets.begin()->first;
  const auto afterKill = e.f.targetKeyIds();
  CHECK(afterKill.size() == 3);  // the two old secrets and the stray one
  CHECK(azure_test::contains(afterKill, strayKey));
  CHECK(e.ksm.readRecord(kUserUid) == vaultBefore);

  REQUIRE(e.journalFiles() == std::vector<std::string>{e.stateDir + "/pending-" + kUserUid + ".json"});
  krtest::checkJournal(e.journalFiles().front(), {strayKey, "azure-app-secret", kUserUid}, e.secrets());
  e.checkNoLeak(killed);

  // A normal run for the same PAM User with the same state directory (old_secrets at its default, delete-all).
  e.f.fake->setPropagation({});
  const Child next = e.run();
  INFO("next run stdout: " << next.out);
  INFO("next run stderr: " << next.err);
  CHECK(next.exitCode == 0);
  const Summary s = summaryOf(next);
  REQUIRE(s.o);
  CHECK(s.str("status") == "rotated");
  CHECK(s.ids("recovered") == std::vector<std::string>{strayKey});
  CHECK(next.err.find("crash journal: removed credential " + strayKey) != std::string::npos);
  const std::string newKey = s.str("keyId");
  CHECK_FALSE(newKey.empty());
  CHECK(newKey != strayKey);
  CHECK_FALSE(azure_test::contains(e.f.oldKeyIds, newKey));
  CHECK(e.f.targetKeyIds() == std::vector<std::string>{newKey});
  CHECK(e.vaultField("client_secret_id") == newKey);
  const std::string stored = e.vaultField("client_secret");
  CHECK(stored == e.seenSecrets[newKey]);
  CHECK(e.f.tokenWorks(e.f.targetAppId, stored));
  CHECK(e.journalFiles().empty());
  e.checkNoLeak(next);
}
