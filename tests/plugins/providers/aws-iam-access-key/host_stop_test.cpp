// Stopped and killed rotations through the real keeper-rotate binary (docs/contract.md, "Stopped runs and time
// budgets") with aws-iam-access-key against fake-aws and fake-ksm. The fake never lets a new key work, so the proof
// keeps waiting (verify_timeout_seconds 60); once the host logs "created new credential" and the fake refused two
// GetCallerIdentity calls signed by the new key, the test signals the child:
//   - SIGTERM: the run stops at prove (exit 4 within seconds, run.stopped, stoppedBy SIGTERM), the new key is
//     deleted again, the vault record is untouched and no crash journal is left;
//   - SIGKILL: the new key stays at AWS and pending-<uid>.json names it (ids only, mode 0600); the next normal run
//     removes it before it creates its own key, although the user then holds two keys (the host passes
//     journaled_key_ids, so the provider does not count the stray key against the limit with when_full=fail).
// Hermetic: loopback servers on port 0, the child gets exactly the environment the test gives it
// (AWS_EC2_METADATA_DISABLED=true, SSL_CERT_FILE, a per-test KEEPER_ROTATE_STATE_DIR, short pauses).
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
#include <set>
#include <sstream>

namespace {

namespace fs = std::filesystem;
namespace fa = keeper_rotate::fake_aws;
using aws_test::Fixture;
using krtest::Child;
using krtest::forms;
using krtest::SignalAt;
using krtest::Summary;
using krtest::summaryOf;
using krtest::Watch;

const char* kUserUid = "AwsStopPamUser00000001";
const char* kConfigUid = "AwsStopPamConfig000001";
const char* kAdminUid = "AwsStopAdminRecord0001";
const char* kNewPassword = "Gw-generated-Pa55word-unused-by-aws";
const char* kOldPassword = "Gw-previous-Pa55word-unused-by-aws";
const char* kCreatedLine = "created new credential";

std::string base64(const std::string& raw) { return keeper_rotate::text::encodeBase64(raw); }

template <typename T>
std::string json(const T& o) {
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

/// fake-aws with the held key of app-deployer, fake-ksm holding the PAM User, a private state directory.
struct StopE2E {
  Fixture f;
  keeper_rotate::fakeksm::FakeKsm ksm;
  std::string configFile, attachment, stateDir;
  std::set<std::string> seededKeys;
  std::map<std::string, std::string> seenKeys;  ///< key id -> secret of every target key a run created

  StopE2E() : ksm(f.ca) {
    configFile = f.dir.path() + "/ksm-config.json";
    std::ofstream(configFile) << ksm.createDevice().json;
    attachment = f.dir.path() + "/rotate-aws-key.sh";
    std::ofstream(attachment) << "#!/bin/sh\nexec keeper-rotate aws-iam-access-key \"$@\"\n";
    stateDir = f.dir.path() + "/state";
    fs::create_directory(stateDir);
    fs::permissions(stateDir, fs::perms::owner_all);
    for (const auto& k : f.fake->keys(f.targetUser)) seededKeys.insert(k.accessKeyId);
    ksm.putRecord(kUserUid, R"({"title":"app-deployer access key","type":"pamUser","fields":[{"type":"login",)"
                            R"("value":[")" + f.targetUser + R"("]}],"custom":[{"type":"text",)"
                            R"("label":"aws_access_key_id","value":[")" + f.held().accessKeyId + R"("]}]})");
  }

  std::string gatewayLine() const {
    Poco::JSON::Object user(Poco::JSON_PRESERVE_KEY_ORDER);
    user.set("uid", kUserUid);
    user.set("title", "app-deployer access key");
    user.set("login", f.targetUser);
    user.set("aws_access_key_id", f.held().accessKeyId);
    user.set("aws_iam_endpoint", f.fake->baseUrl());
    user.set("aws_sts_endpoint", f.fake->baseUrl());
    user.set("aws_region", "us-east-1");
    user.set("verify_timeout_seconds", "60");
    Poco::JSON::Object admin(Poco::JSON_PRESERVE_KEY_ORDER);
    admin.set("uid", kAdminUid);
    admin.set("title", "AWS rotation admin");
    admin.set("aws_access_key_id", f.adminKey.accessKeyId);
    admin.set("aws_secret_access_key", f.adminKey.secretAccessKey);
    Poco::JSON::Array records;
    records.add(user);
    records.add(admin);
    Poco::JSON::Object input(Poco::JSON_PRESERVE_KEY_ORDER);
    input.set("providerRecordUid", kConfigUid);
    input.set("resourceRecordUid", "");
    input.set("userRecordUid", kUserUid);
    input.set("newPassword", kNewPassword);
    input.set("oldPassword", kOldPassword);
    input.set("user", f.targetUser);
    input.set("records", base64(json(records)));
    return base64(json(input)) + "\n";
  }

  /// Remember every key the run creates (with its secret, for the leak scan) before `then` may signal the child.
  Child run(const Watch& then = {}) {
    const std::map<std::string, std::string> env{{"SSL_CERT_FILE", f.ca.caCertFile()},
                                                 {"AWS_EC2_METADATA_DISABLED", "true"},
                                                 {"KEEPER_ROTATE_STATE_DIR", stateDir},
                                                 {"KEEPER_ROTATE_AWS_VERIFY_INTERVAL_MS", "20"},
                                                 {"KEEPER_ROTATE_AWS_RETRY_BASE_MS", "20"}};
    auto collect = [this] {
      for (const auto& k : f.fake->keys(f.targetUser))
        if (!seededKeys.count(k.accessKeyId)) seenKeys[k.accessKeyId] = k.secretAccessKey;
    };
    Child c = krtest::spawnHost({KR_HOST_BINARY, "aws-iam-access-key", "--ksm-config", configFile, attachment},
                        gatewayLine(), env, [&](pid_t pid, const std::string& err) {
                          collect();
                          if (then) then(pid, err);
                        });
    collect();
    return c;
  }

  /// GetCallerIdentity calls signed by a key this test's runs created that the fake refused: the proof is waiting.
  std::size_t rejectedProofs() const {
    std::size_t n = 0;
    for (const auto& r : f.fake->requests())
      if (r.action == "GetCallerIdentity" && seenKeys.count(r.accessKeyId) && !r.errorCode.empty()) ++n;
    return n;
  }

  std::vector<std::string> journalFiles() const { return krtest::journalFiles(stateDir); }

  std::vector<std::string> secrets() const {
    std::vector<std::string> s{f.adminKey.secretAccessKey, f.held().secretAccessKey, kNewPassword, kOldPassword};
    for (const auto& [id, secret] : seenKeys) s.push_back(secret);
    return s;
  }
  void checkNoLeak(const Child& c) const { krtest::checkNoLeak(c, secrets()); }

  std::string vaultKeyId() const {
    const auto data = Poco::JSON::Parser().parse(ksm.readRecord(kUserUid)).extract<Poco::JSON::Object::Ptr>();
    const auto custom = data->getArray("custom");
    for (std::size_t i = 0; custom && i < custom->size(); ++i)
      if (custom->getObject(i)->optValue<std::string>("label", "") == "aws_access_key_id")
        return custom->getObject(i)->getArray("value")->get(0).toString();
    return "";
  }
  std::string vaultSecret() const {
    const auto data = Poco::JSON::Parser().parse(ksm.readRecord(kUserUid)).extract<Poco::JSON::Object::Ptr>();
    const auto custom = data->getArray("custom");
    for (std::size_t i = 0; custom && i < custom->size(); ++i)
      if (custom->getObject(i)->optValue<std::string>("label", "") == "aws_secret_access_key")
        return custom->getObject(i)->getArray("value")->get(0).toString();
    return "";
  }
};

fa::Consistency neverValid() {
  fa::Consistency c;
  c.never = true;
  return c;
}

}  // namespace

TEST_CASE("aws host stop: SIGTERM while the proof waits deletes the new key, exit 4, vault untouched, no journal") {
  StopE2E e;
  e.f.fake->setConsistency(neverValid());
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
  // The key the run created existed, and is gone again; only the held key is left.
  REQUIRE(e.seenKeys.size() == 1);
  CHECK(s.str("keyId") == e.seenKeys.begin()->first);
  CHECK(e.f.targetKeyIds() == std::vector<std::string>{e.f.held().accessKeyId});
  CHECK(e.f.statusOf(e.f.held().accessKeyId) == "Active");
  CHECK(e.ksm.readRecord(kUserUid) == vaultBefore);
  CHECK(e.ksm.revision(kUserUid) == revisionBefore);
  CHECK(e.ksm.requestCount("update_secret") == 0);
  CHECK(e.journalFiles().empty());
  e.checkNoLeak(c);
}

TEST_CASE("aws host stop: SIGKILL while the proof waits leaves a journal, the next run removes the stray key first") {
  StopE2E e;
  e.f.fake->setConsistency(neverValid());
  const std::string vaultBefore = e.ksm.readRecord(kUserUid);
  SignalAt at{kCreatedLine, SIGKILL, [&] { return e.rejectedProofs() >= 2; }};
  const Child killed = e.run(std::ref(at));
  INFO("killed run stdout: " << killed.out);
  INFO("killed run stderr: " << killed.err);
  REQUIRE(at.sent);
  CHECK(killed.killedBy == SIGKILL);
  CHECK(killed.out.empty());  // no summary: nothing ran after the kill
  REQUIRE(e.seenKeys.size() == 1);
  const std::string strayKey = e.seenKeys.begin()->first;
  const std::string straySecret = e.seenKeys.begin()->second;
  // The stray key stays at AWS next to the held key; the vault never saw it.
  const auto afterKill = e.f.targetKeyIds();
  CHECK(afterKill.size() == 2);
  CHECK(aws_test::contains(afterKill, strayKey));
  CHECK(aws_test::contains(afterKill, e.f.held().accessKeyId));
  CHECK(e.ksm.readRecord(kUserUid) == vaultBefore);

  // The journal: one file for the PAM User, mode 0600, naming the stray key, no secret value.
  REQUIRE(e.journalFiles() == std::vector<std::string>{e.stateDir + "/pending-" + kUserUid + ".json"});
  krtest::checkJournal(e.journalFiles().front(), {strayKey, "aws-iam-access-key", kUserUid}, e.secrets());
  e.checkNoLeak(killed);

  // A normal run for the same PAM User, same state directory: the user has 2 keys and when_full is at its default
  // (fail), but the stray key is journaled, so it does not count; it is removed before the create.
  e.f.fake->setConsistency({});
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
  CHECK(newKey.rfind("AKIA", 0) == 0);
  CHECK(newKey != strayKey);
  CHECK(newKey != e.f.held().accessKeyId);
  CHECK(s.ids("removed") == std::vector<std::string>{e.f.held().accessKeyId});
  CHECK(e.f.targetKeyIds() == std::vector<std::string>{newKey});
  CHECK(e.vaultKeyId() == newKey);
  const std::string stored = e.vaultSecret();
  CHECK(stored == e.seenKeys[newKey]);
  CHECK(stored != straySecret);
  CHECK(e.f.keyWorks(newKey, stored, e.f.targetUser));
  CHECK(e.journalFiles().empty());
  e.checkNoLeak(next);
}
