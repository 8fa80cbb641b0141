// aws-iam-access-key through the SDK kit's host order against fake-aws: every old_keys and when_full value,
// Keeper's delete_all_keys_before_rotating, the held key missing, rehearsals, dry runs, self-rotation, AssumeRole,
// and eventual consistency of new keys. Each case checks the fake's final state, not only the exit code.
#include "fixture.hpp"

#include <doctest/doctest.h>

using namespace aws_test;

namespace {

void checkNoLeaks(const Run& r) {
  const auto leaks = kt::findLeaks(r.host);
  for (const auto& l : leaks) INFO(l);
  CHECK(leaks.empty());
}

}  // namespace

TEST_CASE("aws rotation with the default old_keys=delete: new key stored and working, held key deleted") {
  Fixture f;
  const std::string held = f.held().accessKeyId;
  auto r = rotate(f);
  INFO(r->out.text());
  REQUIRE(r->out.status == "rotated");
  const std::string newId = r->stored("aws_access_key_id");
  CHECK(newId != held);
  CHECK(newId.rfind("AKIA", 0) == 0);
  CHECK(f.targetKeyIds() == std::vector<std::string>{newId});
  CHECK(f.keyWorks(newId, r->stored("aws_secret_access_key"), f.targetUser));
  CHECK_FALSE(f.keyWorks(held, f.held().secretAccessKey, f.targetUser));
  CHECK(r->stored("Access_Key_ID_Removed_during_previous_rotation") == held);
  CHECK(r->stored("CreateDate").size() == 20);
  CHECK(r->stored("CreateDate").back() == 'Z');
  CHECK(r->host.keys(KR_KEY_CREATED) == std::vector<std::string>{newId});
  CHECK(r->host.keys(KR_KEY_REMOVED) == std::vector<std::string>{held});
  CHECK(f.fake->countRequests("iam", "CreateAccessKey") == 1);
  checkNoLeaks(*r);
}

TEST_CASE("aws old_keys=deactivate keeps the old key Inactive, and the next run deletes it to free the slot") {
  Fixture f;
  const std::string first = f.held().accessKeyId;
  auto r1 = rotate(f, {{"old_keys", "deactivate"}});
  INFO(r1->out.text());
  REQUIRE(r1->out.status == "rotated");
  const std::string second = r1->stored("aws_access_key_id");
  CHECK(f.statusOf(first) == "Inactive");
  CHECK(f.statusOf(second) == "Active");
  CHECK(r1->stored("Access_Key_ID_Removed_during_previous_rotation") == first);

  // The user is full now (Active + Inactive); the Inactive key this tool retired is always eligible.
  auto r2 = rotate(f, {{"old_keys", "deactivate"},
                       {"aws_access_key_id", second},
                       {"Access_Key_ID_Removed_during_previous_rotation", first}});
  INFO(r2->out.text());
  REQUIRE(r2->out.status == "rotated");
  const std::string third = r2->stored("aws_access_key_id");
  CHECK(f.statusOf(first).empty());
  CHECK(f.statusOf(second) == "Inactive");
  CHECK(f.statusOf(third) == "Active");
  CHECK(r2->stored("Access_Key_ID_Removed_during_previous_rotation") == first + ", " + second);
  checkNoLeaks(*r2);
}

TEST_CASE("aws old_keys=keep-previous keeps the held key Active and records it, the next run may delete it") {
  Fixture f(FixtureOptions::keys({"Active", "Inactive"}));
  const std::string held = f.held().accessKeyId;
  const std::string stray = f.targetKeys[1].accessKeyId;
  auto r1 = rotate(f, {{"old_keys", "keep-previous"}, {"when_full", "delete-inactive"}});
  INFO(r1->out.text());
  REQUIRE(r1->out.status == "rotated");
  const std::string second = r1->stored("aws_access_key_id");
  CHECK(f.statusOf(stray).empty());  // freed the slot: Inactive and not held
  CHECK(f.statusOf(held) == "Active");
  CHECK(r1->stored("aws_previous_access_key_id") == held);

  auto r2 = rotate(f, {{"old_keys", "keep-previous"}, {"aws_access_key_id", second},
                       {"aws_previous_access_key_id", held}});
  INFO(r2->out.text());
  REQUIRE(r2->out.status == "rotated");
  CHECK(f.statusOf(held).empty());
  CHECK(f.statusOf(second) == "Active");
  CHECK(f.targetKeyIds().size() == 2);
}

TEST_CASE("aws old_keys=keep leaves every key, and a full user then stops the next run with exit 3, unchanged") {
  Fixture f;
  auto r1 = rotate(f, {{"old_keys", "keep"}});
  REQUIRE(r1->out.status == "rotated");
  CHECK(f.targetKeyIds().size() == 2);
  CHECK(r1->host.keys(KR_KEY_KEPT) == std::vector<std::string>{f.held().accessKeyId});
  const std::size_t mutationsBefore = f.fake->mutations();
  auto r2 = rotate(f, {{"old_keys", "keep"}, {"aws_access_key_id", r1->stored("aws_access_key_id")}});
  INFO(r2->out.text());
  CHECK(r2->out.exitCode == 3);
  CHECK(r2->out.error.code == "aws.user_full");
  CHECK(r2->out.error.message.find("when_full") != std::string::npos);
  CHECK(f.fake->mutations() == mutationsBefore);
}

TEST_CASE("aws when_full=delete-unheld deletes the Active key Keeper does not hold, never the held one") {
  Fixture f(FixtureOptions::keys({"Active", "Active"}));
  const std::string held = f.held().accessKeyId, other = f.targetKeys[1].accessKeyId;
  auto r = rotate(f, {{"when_full", "delete-unheld"}, {"old_keys", "keep"}});
  INFO(r->out.text());
  REQUIRE(r->out.status == "rotated");
  CHECK(f.statusOf(other).empty());
  CHECK(f.statusOf(held) == "Active");
  CHECK(contains(r->host.keys(KR_KEY_REMOVED), other));
  CHECK(r->stored("Access_Key_ID_Removed_during_previous_rotation") == other);
}

TEST_CASE("aws Keeper's delete_all_keys_before_rotating=True frees the slot as delete-unheld, retiring the held key only after the store") {
  Fixture f(FixtureOptions::keys({"Active", "Active"}));
  const std::string held = f.held().accessKeyId, other = f.targetKeys[1].accessKeyId;
  auto r = rotate(f, {{"delete_all_keys_before_rotating", "True"}});
  INFO(r->out.text());
  REQUIRE(r->out.status == "rotated");
  CHECK(f.targetKeyIds() == std::vector<std::string>{r->stored("aws_access_key_id")});
  // Order in the fake's log: the unheld key goes before the create, the held one after it.
  std::vector<std::string> order;
  for (const auto& q : f.fake->requests())
    if (q.action == "DeleteAccessKey" || q.action == "CreateAccessKey") order.push_back(q.action);
  CHECK(order == std::vector<std::string>{"DeleteAccessKey", "CreateAccessKey", "DeleteAccessKey"});

  Fixture g;
  auto bad = rotate(g, {{"delete_all_keys_before_rotating", "maybe"}});
  CHECK(bad->out.exitCode == 3);
  CHECK(bad->out.error.message.find("delete_all_keys_before_rotating") != std::string::npos);
  CHECK(g.fake->requests().empty());
}

TEST_CASE("aws a full user whose only other key is Active stops with when_full=delete-inactive, nothing changed") {
  Fixture f(FixtureOptions::keys({"Active", "Active"}));
  auto r = rotate(f, {{"when_full", "delete-inactive"}});
  INFO(r->out.text());
  CHECK(r->out.exitCode == 3);
  CHECK(r->out.error.code == "aws.user_full");
  CHECK(f.fake->mutations() == 0);
  CHECK(f.targetKeyIds().size() == 2);
}

TEST_CASE("aws the held key missing from the user is a warning, and the rotation goes on") {
  Fixture f;
  auto r = rotate(f, {{"aws_access_key_id", "AKIAGONE000000000000"}});
  INFO(r->out.text());
  REQUIRE(r->out.status == "rotated");
  CHECK(r->host.logged("is not a key of IAM user"));
  CHECK(f.targetKeyIds() == std::vector<std::string>{r->stored("aws_access_key_id")});
}

TEST_CASE("aws first rotation of a user without keys") {
  Fixture f(FixtureOptions::keys({}));
  auto r = rotate(f, {{"aws_access_key_id", ""}});
  INFO(r->out.text());
  REQUIRE(r->out.status == "rotated");
  CHECK(f.targetKeyIds().size() == 1);
  CHECK(r->stored("Access_Key_ID_Removed_during_previous_rotation").empty());
}

TEST_CASE("aws rehearsal: the new key is created, proven and deleted again, old keys untouched") {
  Fixture f;
  auto r = rotate(f, {}, /*durable=*/false);
  INFO(r->out.text());
  REQUIRE(r->out.status == "rehearsed");
  CHECK(f.targetKeyIds() == std::vector<std::string>{f.held().accessKeyId});
  CHECK(f.fake->countRequests("iam", "CreateAccessKey") == 1);
  CHECK(f.fake->countRequests("iam", "DeleteAccessKey") == 1);
  checkNoLeaks(*r);
}

TEST_CASE("aws rehearsal never frees a slot: a full user is exit 3 with no mutation") {
  Fixture f(FixtureOptions::keys({"Active", "Inactive"}));
  auto r = rotate(f, {{"when_full", "delete-inactive"}}, /*durable=*/false);
  INFO(r->out.text());
  CHECK(r->out.exitCode == 3);
  CHECK(r->out.error.message.find("rehearsal") != std::string::npos);
  CHECK(f.fake->mutations() == 0);
}

TEST_CASE("aws dry run: validation calls only, zero mutations") {
  Fixture f(FixtureOptions::keys({"Active", "Inactive"}));
  auto r = rotate(f, {{"when_full", "delete-inactive"}}, true, /*dryRun=*/true);
  INFO(r->out.text());
  CHECK(r->out.status == "dry-run");
  CHECK(f.fake->mutations() == 0);
  CHECK(f.fake->countRequests("iam", "ListAccessKeys") >= 1);
  CHECK(f.fake->countRequests("sts", "GetCallerIdentity") >= 1);
}

TEST_CASE("aws missing or bad fields are exit 3 before any request to AWS") {
  for (const auto& fields : std::vector<std::map<std::string, std::string>>{
           {{"login", ""}},
           {{"login", "arn:aws:iam::123456789012:user/app-deployer"}},
           {{"old_keys", "shred"}},
           {{"when_full", "panic"}},
           {{"aws_partition", "aws-mars"}},
           {{"aws_region", "moon-1"}},
           {{"aws_region", "us-gov-west-1"}, {"aws_partition", "aws"}},
           {{"aws_iam_endpoint", "http://localhost:1"}},
           {{"verify_timeout_seconds", "-1"}}}) {
    Fixture f;
    auto r = rotate(f, fields);
    INFO(fields.begin()->first << " -> " << r->out.text());
    CHECK(r->out.exitCode == 3);
    CHECK(f.fake->requests().empty());
  }
}

TEST_CASE("aws an incomplete admin credential is exit 3 naming what is missing") {
  Fixture f;
  Run r;
  f.prepare(r.host);
  r.host.credentials.erase("secret_access_key");
  r.out = kt::runRotation(r.host, plugin(), r.writer);
  CHECK(r.out.exitCode == 3);
  CHECK(f.fake->requests().empty());
}

TEST_CASE("aws a wrong admin secret is exit 3 (SignatureDoesNotMatch), an unknown key id too") {
  Fixture f;
  Run r;
  f.prepare(r.host);
  r.host.credentials["secret_access_key"] = "wrongwrongwrongwrongwrongwrongwrongwrong";
  r.out = kt::runRotation(r.host, plugin(), r.writer);
  INFO(r.out.text());
  CHECK(r.out.exitCode == 3);
  CHECK(r.out.error.code == "aws.SignatureDoesNotMatch");
  Run u;
  f.prepare(u.host);
  u.host.credentials["access_key_id"] = "AKIAUNKNOWN000000000";
  u.out = kt::runRotation(u.host, plugin(), u.writer);
  CHECK(u.out.exitCode == 3);
  CHECK(u.out.error.code == "aws.InvalidClientTokenId");
  CHECK(f.fake->mutations() == 0);
}

TEST_CASE("aws AccessDenied on ListAccessKeys is exit 3, on CreateAccessKey exit 4, and nothing changes") {
  {
    Fixture f(FixtureOptions::keys({"Active"}).admin({}));
    auto r = rotate(f);
    INFO(r->out.text());
    CHECK(r->out.exitCode == 3);
    CHECK(r->out.error.code == "aws.AccessDenied");
    CHECK(r->out.error.message.find("iam:ListAccessKeys") != std::string::npos);
  }
  {
    Fixture f(FixtureOptions::keys({"Active"}).admin({"iam:ListAccessKeys", "iam:GetUser"}));
    auto r = rotate(f);
    INFO(r->out.text());
    CHECK(r->out.exitCode == 4);
    CHECK(r->out.error.code == "aws.AccessDenied");
    CHECK(f.fake->mutations() == 0);
    CHECK(f.targetKeyIds() == std::vector<std::string>{f.held().accessKeyId});
  }
}

TEST_CASE("aws self-rotation: the held key is the admin credential and old keys are retired with the new key") {
  Fixture f(FixtureOptions::keys({"Active"}).self({"iam:ListAccessKeys", "iam:CreateAccessKey", "iam:DeleteAccessKey"}));
  Run r;
  f.prepare(r.host);
  r.host.credentials = {{"access_key_id", f.held().accessKeyId}, {"secret_access_key", f.held().secretAccessKey}};
  r.out = kt::runRotation(r.host, plugin(), r.writer);
  INFO(r.out.text());
  REQUIRE(r.out.status == "rotated");
  const std::string newId = r.stored("aws_access_key_id");
  CHECK(f.targetKeyIds() == std::vector<std::string>{newId});
  bool deletedWithNewKey = false;
  for (const auto& q : f.fake->requests())
    if (q.action == "DeleteAccessKey" && q.accessKeyId == newId) deletedWithNewKey = true;
  CHECK(deletedWithNewKey);
  CHECK(r.host.logged("rotates its own key"));
}

TEST_CASE("aws role_arn: the admin key assumes the role and the role's session calls IAM") {
  keeper_rotate::fake_aws::Role role;
  role.roleName = "key-rotator";
  role.permissions = {"*"};
  role.trustedUsers = {"keeper-admin"};
  Fixture f(FixtureOptions::keys({"Active"}).admin({"sts:AssumeRole"}).role(role));
  Run r;
  f.prepare(r.host);
  r.host.credentials["role_arn"] = "arn:aws:iam::" + f.account + ":role/key-rotator";
  r.out = kt::runRotation(r.host, plugin(), r.writer);
  INFO(r.out.text());
  REQUIRE(r.out.status == "rotated");
  CHECK(f.fake->countRequests("sts", "AssumeRole") == 1);
  bool iamWithSession = false;
  for (const auto& q : f.fake->requests())
    if (q.service == "iam" && q.accessKeyId.rfind("ASIA", 0) == 0) iamWithSession = true;
  CHECK(iamWithSession);
  CHECK(kt::findLeaks(r.host).empty());

  // Without role_arn the same admin key cannot list keys: the role is what grants it.
  auto plain = rotate(f);
  CHECK(plain->out.exitCode == 3);
  CHECK(plain->out.error.code == "aws.AccessDenied");
}

TEST_CASE("aws eventual consistency: rejected first attempts and a flapping key are waited out") {
  {
    Fixture f;
    keeper_rotate::fake_aws::Consistency c;
    c.rejectFirstAttempts = 4;
    f.fake->setConsistency(c);
    auto r = rotate(f);
    INFO(r->out.text());
    REQUIRE(r->out.status == "rotated");
    CHECK(r->host.logged("proven"));
  }
  {
    Fixture f;
    keeper_rotate::fake_aws::Consistency c;
    c.pattern = ".x.x..x...";  // needs 3 in a row: only the last stretch counts
    f.fake->setConsistency(c);
    auto r = rotate(f);
    INFO(r->out.text());
    REQUIRE(r->out.status == "rotated");
    CHECK(f.fake->countRequests("sts", "GetCallerIdentity") >= 10);
  }
}

TEST_CASE("aws a new key that never works is deleted again: exit 4, Keeper and the old key untouched") {
  Fixture f;
  keeper_rotate::fake_aws::Consistency c;
  c.never = true;
  f.fake->setConsistency(c);
  auto r = rotate(f, {{"verify_timeout_seconds", "1"}});
  INFO(r->out.text());
  CHECK(r->out.exitCode == 4);
  CHECK(r->out.error.code == "prove.timeout");
  CHECK(r->out.rollbackOk);
  CHECK(f.targetKeyIds() == std::vector<std::string>{f.held().accessKeyId});
  CHECK(r->writer.storeCalls == 0);
}
