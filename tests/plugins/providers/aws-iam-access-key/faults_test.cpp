// aws-iam-access-key against fake-aws faults, remote step by remote step: a transient fault is retried (or, for
// CreateAccessKey, reconciled: never a blind repeat), a persistent one ends the run with the contract's exit code,
// and the fake's final state shows what the contract promises (at most one new key, the held key kept until the
// store, nothing orphaned).
#include "fixture.hpp"

#include <doctest/doctest.h>

using namespace aws_test;
using keeper_rotate::fake_aws::Fault;

namespace {

Fault fault(const std::string& action, int status, const std::string& code, int times) {
  Fault x;
  x.action = action;
  x.status = status;
  x.code = code;
  x.message = code == "Throttling" ? "Rate exceeded" : "injected by the test";
  x.times = times;
  return x;
}

constexpr int kPersistent = 1000;

}  // namespace

TEST_CASE("aws transient faults on every validation call are retried and the rotation completes") {
  for (const auto& [action, code, status] : std::vector<std::tuple<std::string, std::string, int>>{
           {"GetCallerIdentity", "ServiceUnavailable", 503},
           {"GetCallerIdentity", "Throttling", 400},
           {"ListAccessKeys", "ServiceFailure", 500},
           {"ListAccessKeys", "Throttling", 400}}) {
    Fixture f;
    f.fake->addFault(fault(action, status, code, 1));
    auto r = rotate(f);
    INFO(action << " " << code << ": " << r->out.text());
    CHECK(r->out.status == "rotated");
    CHECK(f.targetKeyIds().size() == 1);
  }
}

TEST_CASE("aws persistent faults during validation end the run with exit 4 and nothing changed") {
  for (const std::string action : {"GetCallerIdentity", "ListAccessKeys"}) {
    Fixture f;
    f.fake->addFault(fault(action, 500, "ServiceFailure", kPersistent));
    auto r = rotate(f);
    INFO(action << ": " << r->out.text());
    CHECK(r->out.exitCode == 4);
    CHECK(f.fake->mutations() == 0);
    CHECK(f.targetKeyIds() == std::vector<std::string>{f.held().accessKeyId});
  }
}

TEST_CASE("aws CreateAccessKey: a throttled call is retried, a 500 is reconciled by listing, never blindly repeated") {
  {
    Fixture f;
    f.fake->addFault(fault("CreateAccessKey", 400, "Throttling", 1));
    auto r = rotate(f);
    INFO(r->out.text());
    CHECK(r->out.status == "rotated");
    CHECK(f.targetKeyIds().size() == 1);
  }
  {
    Fixture f;
    f.fake->addFault(fault("CreateAccessKey", 500, "ServiceFailure", 1));
    auto r = rotate(f);
    INFO(r->out.text());
    CHECK(r->out.status == "rotated");
    CHECK(r->host.logged("listing the user's keys before trying again"));
    CHECK(f.targetKeyIds().size() == 1);
  }
}

TEST_CASE("aws CreateAccessKey carried out but its answer lost: the stray key is found and deleted, one key remains") {
  Fixture f;
  Fault lost;
  lost.action = "CreateAccessKey";
  lost.drop = true;
  lost.afterHandling = true;
  f.fake->addFault(lost);
  auto r = rotate(f, {{"old_keys", "keep"}});
  INFO(r->out.text());
  REQUIRE(r->out.status == "rotated");
  // keep: the held key and exactly one new key, the stray one deleted.
  const auto ids = f.targetKeyIds();
  CHECK(ids.size() == 2);
  CHECK(contains(ids, f.held().accessKeyId));
  CHECK(contains(ids, r->stored("aws_access_key_id")));
  CHECK(f.fake->countRequests("iam", "CreateAccessKey") == 2);
  CHECK(r->host.logged("was created by the CreateAccessKey whose answer was lost"));
}

TEST_CASE("aws persistent CreateAccessKey failure: exit 4, no key left behind") {
  Fixture f;
  f.fake->addFault(fault("CreateAccessKey", 500, "ServiceFailure", kPersistent));
  auto r = rotate(f);
  INFO(r->out.text());
  CHECK(r->out.exitCode == 4);
  CHECK(r->out.error.code == "aws.create_unknown");
  CHECK(f.targetKeyIds() == std::vector<std::string>{f.held().accessKeyId});
}

TEST_CASE("aws LimitExceeded on create (a key appeared since validation) is exit 4, not retried") {
  Fixture f;
  f.fake->addFault(fault("CreateAccessKey", 409, "LimitExceeded", 1));
  auto r = rotate(f);
  INFO(r->out.text());
  CHECK(r->out.exitCode == 4);
  CHECK(r->out.error.code == "aws.LimitExceeded");
  CHECK(f.fake->countRequests("iam", "CreateAccessKey") == 1);
  CHECK(f.targetKeyIds() == std::vector<std::string>{f.held().accessKeyId});
}

TEST_CASE("aws retire: a transient DeleteAccessKey fault is retried, a persistent one is exit 5 naming the held key") {
  {
    Fixture f;
    f.fake->addFault(fault("DeleteAccessKey", 503, "ServiceUnavailable", 1));
    auto r = rotate(f);
    INFO(r->out.text());
    CHECK(r->out.status == "rotated");
    CHECK(f.targetKeyIds().size() == 1);
  }
  {
    Fixture f;
    f.fake->addFault(fault("DeleteAccessKey", 500, "ServiceFailure", kPersistent));
    auto r = rotate(f);
    INFO(r->out.text());
    CHECK(r->out.exitCode == 5);
    CHECK(r->host.keys(KR_KEY_REMAINING) == std::vector<std::string>{f.held().accessKeyId});
    // The new key is stored and works; the held key is still there.
    CHECK(f.keyWorks(r->stored("aws_access_key_id"), r->stored("aws_secret_access_key"), f.targetUser));
    CHECK(f.statusOf(f.held().accessKeyId) == "Active");
  }
}

TEST_CASE("aws retire with old_keys=deactivate: a persistent UpdateAccessKey fault is exit 5") {
  Fixture f;
  f.fake->addFault(fault("UpdateAccessKey", 500, "ServiceFailure", kPersistent));
  auto r = rotate(f, {{"old_keys", "deactivate"}});
  INFO(r->out.text());
  CHECK(r->out.exitCode == 5);
  CHECK(f.statusOf(f.held().accessKeyId) == "Active");
}

TEST_CASE("aws rollback that cannot delete the new key is exit 6 with its id reported") {
  Fixture f;
  keeper_rotate::fake_aws::Consistency c;
  c.never = true;
  f.fake->setConsistency(c);
  f.fake->addFault(fault("DeleteAccessKey", 500, "ServiceFailure", kPersistent));
  auto r = rotate(f, {{"verify_timeout_seconds", "1"}});
  INFO(r->out.text());
  CHECK(r->out.exitCode == 6);
  CHECK_FALSE(r->out.rollbackOk);
  const auto created = r->host.keys(KR_KEY_CREATED);
  REQUIRE(created.size() == 1);
  CHECK(r->out.rollbackError.message.find(created.front()) != std::string::npos);
  CHECK(f.targetKeyIds().size() == 2);
}

TEST_CASE("aws an unreachable endpoint is a failure naming it, after bounded retries") {
  Fixture f;
  auto r = rotate(f, {{"aws_sts_endpoint", "https://localhost:1"}});
  INFO(r->out.text());
  CHECK(r->out.exitCode == 4);
  CHECK(r->out.error.code == "aws.unreachable");
  CHECK(r->out.error.message.find("localhost:1") != std::string::npos);
  CHECK(f.fake->mutations() == 0);
}

TEST_CASE("aws AssumeRole for role_arn: a throttled call is retried, a persistent failure is exit 4 with nothing changed") {
  keeper_rotate::fake_aws::Role role;
  role.roleName = "key-rotator";
  role.permissions = {"*"};
  role.trustedUsers = {"keeper-admin"};
  for (const int times : {1, kPersistent}) {
    Fixture f(FixtureOptions::keys({"Active"}).admin({"sts:AssumeRole"}).role(role));
    f.fake->addFault(times == 1 ? fault("AssumeRole", 400, "Throttling", 1)
                                : fault("AssumeRole", 500, "ServiceFailure", kPersistent));
    Run r;
    f.prepare(r.host);
    r.host.credentials["role_arn"] = "arn:aws:iam::" + f.account + ":role/key-rotator";
    r.out = kt::runRotation(r.host, plugin(), r.writer);
    INFO(times << ": " << r.out.text());
    if (times == 1) {
      CHECK(r.out.status == "rotated");
    } else {
      CHECK(r.out.exitCode == 4);
      CHECK(r.out.error.message.find("AssumeRole") != std::string::npos);
      CHECK(f.fake->mutations() == 0);
    }
  }
}
