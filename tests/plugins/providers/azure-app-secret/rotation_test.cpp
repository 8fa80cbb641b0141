// End-to-end rotation steps against fake-entra: both id forms, each old_secrets policy, rehearsal, self-rotation,
// propagation delay and timeout, token refresh, and no secret value in any output.
#include "fixture.hpp"

#include <doctest/doctest.h>

#include <regex>

using namespace azure_test;

namespace {

void checkNoLeaks(const Fixture& f, const TestHost& host) {
  const std::string out = host.allOutput();
  for (const auto& s : f.collectSecrets(host)) {
    if (s.size() < 8) continue;
    CHECK_MESSAGE(out.find(s) == std::string::npos, "a secret value appears in logs or errors");
  }
}

}  // namespace

TEST_CASE("azure rotation by object id with delete-all creates one proven secret and removes the old ones") {
  Fixture f;
  Driver d;
  f.configure(d.host);
  kr_azure::SecretLifecycle lc(f.settings());
  const Outcome o = runRotation(d, lc);
  REQUIRE_MESSAGE(o.failedAt == Step::None, o.message);

  const auto ids = f.targetKeyIds();
  REQUIRE(ids.size() == 1);
  CHECK(d.host.results.at("client_secret_id").value == ids[0]);
  CHECK_FALSE(d.host.results.at("client_secret_id").secret);
  CHECK(d.host.results.at("client_secret").secret);
  CHECK(std::regex_match(d.host.results.at("expires").value, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  CHECK(d.host.keys(KR_KEY_CREATED) == std::vector<std::string>{ids[0]});
  CHECK(d.host.keys(KR_KEY_REMOVED) == f.oldKeyIds);
  CHECK(f.tokenWorks(f.targetAppId, d.host.results.at("client_secret").value));
  for (const auto& old : f.oldSecretValues) CHECK_FALSE(f.tokenWorks(f.targetAppId, old));
  CHECK(contains(d.host.registeredSecrets, d.host.results.at("client_secret").value));
  // One addPassword, and a secret display name of our own.
  CHECK(f.fake->countRequests("POST", "/addPassword") == 1);
  CHECK(f.fake->passwords(f.targetObjectId)[0].displayName.value_or("").rfind("keeper-rotate ", 0) == 0);
  checkNoLeaks(f, d.host);
}

TEST_CASE("azure rotation resolves an application (client) id through the appId filter") {
  Fixture f;
  Driver d;
  f.configure(d.host);
  d.host.fields["application_object_id"] = f.targetAppId;
  d.host.fields["secret_display_name"] = "rotated by keeper";
  kr_azure::SecretLifecycle lc(f.settings());
  const Outcome o = runRotation(d, lc);
  REQUIRE_MESSAGE(o.failedAt == Step::None, o.message);
  CHECK(lc.target().id == f.targetObjectId);
  bool filtered = false;
  for (const auto& r : f.fake->requests())
    if (r.path == "/v1.0/applications" && r.query.find("$filter=appId%20eq%20'" + f.targetAppId + "'") != std::string::npos)
      filtered = true;
  CHECK(filtered);
  // Writes use the object id, never the appId alternate key.
  CHECK(f.fake->countRequests("POST", "/v1.0/applications/" + f.targetObjectId + "/addPassword") == 1);
  const auto pw = f.fake->passwords(f.targetObjectId);
  REQUIRE(pw.size() == 1);
  CHECK(pw[0].displayName.value_or("") == "rotated by keeper");
}

TEST_CASE("azure keep-previous keeps the key id the record held before the run") {
  Fixture f({{"Application.ReadWrite.All"}, false, "AzureADMyOrg", 3});
  Driver d;
  f.configure(d.host);
  d.host.fields["old_secrets"] = "keep-previous";
  d.host.fields["client_secret_id"] = f.oldKeyIds[1];
  kr_azure::SecretLifecycle lc(f.settings());
  const Outcome o = runRotation(d, lc);
  REQUIRE_MESSAGE(o.failedAt == Step::None, o.message);
  const auto ids = f.targetKeyIds();
  CHECK(ids.size() == 2);
  CHECK(contains(ids, f.oldKeyIds[1]));
  CHECK(contains(ids, d.host.results.at("client_secret_id").value));
  CHECK(d.host.keys(KR_KEY_KEPT) == std::vector<std::string>{f.oldKeyIds[1]});
  CHECK(d.host.keys(KR_KEY_REMOVED) == std::vector<std::string>{f.oldKeyIds[0], f.oldKeyIds[2]});
}

TEST_CASE("azure keep-all removes nothing and reports every old key as kept") {
  Fixture f;
  Driver d;
  f.configure(d.host);
  d.host.fields["old_secrets"] = "keep-all";
  kr_azure::SecretLifecycle lc(f.settings());
  const Outcome o = runRotation(d, lc);
  REQUIRE_MESSAGE(o.failedAt == Step::None, o.message);
  CHECK(f.targetKeyIds().size() == 3);
  CHECK(d.host.keys(KR_KEY_KEPT) == f.oldKeyIds);
  CHECK(d.host.keys(KR_KEY_REMOVED).empty());
  CHECK(f.fake->countRequests("POST", "/removePassword") == 0);
}

TEST_CASE("azure rehearsal creates, proves and removes the new secret and leaves old secrets untouched") {
  Fixture f;
  Driver d;
  f.configure(d.host);
  kr_azure::SecretLifecycle lc(f.settings());
  const Outcome o = runRotation(d, lc, /*durable=*/false);
  REQUIRE_MESSAGE(o.failedAt == Step::None, o.message);
  CHECK(o.rolledBack);
  CHECK(o.rollbackError.empty());
  CHECK(f.targetKeyIds() == f.oldKeyIds);
  CHECK_FALSE(f.tokenWorks(f.targetAppId, d.host.results.at("client_secret").value));
  CHECK(f.tokenWorks(f.targetAppId, f.oldSecretValues[0]));
  checkNoLeaks(f, d.host);
}

TEST_CASE("azure self-rotation replaces the admin app's own secret") {
  Fixture f;
  Driver d;
  f.configure(d.host);
  d.host.fields["application_object_id"] = f.adminAppId;  // the admin rotates itself, by client id
  kr_azure::SecretLifecycle lc(f.settings());
  const Outcome o = runRotation(d, lc);
  REQUIRE_MESSAGE(o.failedAt == Step::None, o.message);
  CHECK(lc.selfRotation());
  CHECK(d.host.allOutput().find("the admin credential is a secret of the app being rotated") != std::string::npos);
  const auto pw = f.fake->passwords(f.adminObjectId);
  REQUIRE(pw.size() == 1);
  CHECK(pw[0].keyId == d.host.results.at("client_secret_id").value);
  CHECK(d.host.keys(KR_KEY_REMOVED) == std::vector<std::string>{f.adminKeyId});
  CHECK_FALSE(f.tokenWorks(f.adminAppId, f.adminSecret));
  CHECK(f.tokenWorks(f.adminAppId, d.host.results.at("client_secret").value));
}

TEST_CASE("azure self-rotation refreshes its Graph token with the new secret after the old one is gone") {
  Fixture f;
  Driver d;
  f.configure(d.host);
  d.host.fields["application_object_id"] = f.adminObjectId;
  kr_azure::SecretLifecycle lc(f.settings());
  lc.validate(d.ctx);
  lc.create(d.ctx);
  lc.prove(d.ctx);
  // The admin's old secret disappears and every token issued so far expires: only the new secret can get a token.
  REQUIRE(f.fake->removePassword(f.adminObjectId, f.adminKeyId));
  f.fake->expireTokens();
  CHECK_NOTHROW(lc.retire(d.ctx));
  CHECK(d.host.keys(KR_KEY_REMOVED) == std::vector<std::string>{f.adminKeyId});
  CHECK(f.targetKeyIds().size() == 2);  // the target app is untouched
  CHECK(f.fake->passwords(f.adminObjectId).size() == 1);
}

TEST_CASE("azure propagation delay: the proof waits until the new secret works several times in a row") {
  Fixture f;
  f.fake->setPropagation({std::chrono::milliseconds(0), 4});
  Driver d;
  f.configure(d.host);
  d.host.fields["verify_successes"] = "3";
  kr_azure::SecretLifecycle lc(f.settings());
  const Outcome o = runRotation(d, lc);
  REQUIRE_MESSAGE(o.failedAt == Step::None, o.message);
  std::size_t targetTokenRequests = 0, rejected = 0;
  for (const auto& r : f.fake->requests())
    if (r.clientId == f.targetAppId) {
      ++targetTokenRequests;
      if (r.status == 401) ++rejected;
    }
  CHECK(rejected == 4);
  CHECK(targetTokenRequests == 7);  // 4 rejected, then 3 consecutive successes
  CHECK(f.targetKeyIds().size() == 1);
}

TEST_CASE("azure propagation timeout fails the proof and removes the new secret again") {
  Fixture f;
  f.fake->setPropagation({std::chrono::hours(1), 0});
  Driver d;
  f.configure(d.host);
  d.host.fields["verify_timeout_seconds"] = "1";
  kr_azure::SecretLifecycle lc(f.settings());
  const Outcome o = runRotation(d, lc);
  CHECK(o.failedAt == Step::Prove);
  CHECK(o.status == KR_ERR_FAILED);
  CHECK(o.code == "prove.timeout");
  CHECK(o.message.find("verify_timeout_seconds=1") != std::string::npos);
  CHECK(o.message.find("AADSTS7000215") != std::string::npos);
  CHECK(o.rolledBack);
  CHECK(o.rollbackError.empty());
  CHECK(f.targetKeyIds() == f.oldKeyIds);
  checkNoLeaks(f, d.host);
}

TEST_CASE("azure verify_timeout_seconds 0 skips the proof with a warning") {
  Fixture f;
  f.fake->setPropagation({std::chrono::hours(1), 0});
  Driver d;
  f.configure(d.host);
  d.host.fields["verify_timeout_seconds"] = "0";
  kr_azure::SecretLifecycle lc(f.settings());
  const Outcome o = runRotation(d, lc);
  REQUIRE_MESSAGE(o.failedAt == Step::None, o.message);
  CHECK(d.host.allOutput().find("NOT proven") != std::string::npos);
  for (const auto& r : f.fake->requests()) CHECK(r.clientId != f.targetAppId);
}

TEST_CASE("azure expired Graph token is refreshed once and the call goes on") {
  Fixture f;
  Driver d;
  f.configure(d.host);
  kr_azure::SecretLifecycle lc(f.settings());
  lc.validate(d.ctx);
  f.fake->expireTokens();
  lc.create(d.ctx);
  CHECK(f.targetKeyIds().size() == 3);
  lc.rollback(d.ctx);
  CHECK(f.targetKeyIds() == f.oldKeyIds);
}

TEST_CASE("azure rollback of a secret that is already gone succeeds") {
  Fixture f;
  Driver d;
  f.configure(d.host);
  kr_azure::SecretLifecycle lc(f.settings());
  lc.validate(d.ctx);
  lc.create(d.ctx);
  // Removed behind our back (e.g. by an admin in the portal): Graph answers "No password credential found".
  REQUIRE(f.fake->removePassword(f.targetObjectId, lc.newKeyId()));
  CHECK_NOTHROW(lc.rollback(d.ctx));
  CHECK(f.fake->countRequests("POST", "/removePassword") == 1);
  CHECK(f.targetKeyIds() == f.oldKeyIds);
}

TEST_CASE("azure rollback right after addPassword confirms a not-found answer before believing it") {
  Fixture f;
  f.fake->setPropagation({std::chrono::milliseconds(0), 0, 2});
  Driver d;
  f.configure(d.host);
  d.host.fields["verify_timeout_seconds"] = "0";
  kr_azure::SecretLifecycle lc(f.settings());
  const Outcome o = runRotation(d, lc, /*durable=*/false);
  REQUIRE_MESSAGE(o.failedAt == Step::None, o.message);
  CHECK(o.rollbackError.empty());
  CHECK(f.fake->countRequests("POST", "/removePassword") == 3);  // two stale "not found" answers, then removed
  CHECK(f.targetKeyIds() == f.oldKeyIds);
}
