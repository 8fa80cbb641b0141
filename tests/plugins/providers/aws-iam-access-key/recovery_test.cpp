// The provider side of the host's crash journal (ABI 1.3 kr_provider_ops::remove): a key an earlier, killed run
// created and never stored counts neither against the two-key limit nor as an old key in validate, and remove
// deletes it, but only a key of the rotated user; a run stopped by the host stops waiting at once.
#include "fixture.hpp"

#include <doctest/doctest.h>

using namespace aws_test;

TEST_CASE("aws remove: a killed run's key frees its slot in validate and is deleted by remove, nothing else") {
  Fixture f(FixtureOptions::keys({"Active", "Active"}));
  const std::string stray = f.targetKeys[1].accessKeyId;
  kt::InMemoryHost host;
  f.prepare(host);
  host.declare(plugin());
  host.settings["journaled_key_ids"] = stray;
  kt::Instance instance(plugin(), host);
  // when_full=fail would refuse a full user; the journaled key does not count.
  const auto validated = instance.call(plugin().provider()->validate, "validate");
  INFO(validated.message);
  REQUIRE(validated.ok());
  CHECK(f.fake->mutations() == 0);

  host.settings["remove_key_id"] = stray;
  CHECK(instance.call(plugin().provider()->remove, "recover").ok());
  CHECK(f.statusOf(stray).empty());
  CHECK(f.statusOf(f.held().accessKeyId) == "Active");

  // An id that is not one of the user's journaled keys is left alone, whoever it belongs to.
  for (const std::string& other : {f.held().accessKeyId, f.adminKey.accessKeyId, std::string("AKIANOTTHERE00000000")}) {
    host.settings["remove_key_id"] = other;
    CHECK(instance.call(plugin().provider()->remove, "recover").ok());
  }
  CHECK(f.statusOf(f.held().accessKeyId) == "Active");
  CHECK(f.fake->keys(f.adminUser).size() == 1);
  CHECK(f.fake->countRequests("iam", "DeleteAccessKey") == 1);
}

TEST_CASE("aws a stop requested by the host ends the proof wait at once and the new key is deleted") {
  Fixture f;
  keeper_rotate::fake_aws::Consistency c;
  c.never = true;
  f.fake->setConsistency(c);
  Run r;
  f.prepare(r.host);
  r.host.stopAfterWaits = 2;  // the host's budget runs out after two pauses between proof attempts
  r.out = kt::runRotation(r.host, plugin(), r.writer);
  INFO(r.out.text());
  CHECK(r.out.exitCode == 4);
  CHECK(r.out.error.code == "run.stopped");
  CHECK(r.out.rollbackOk);
  CHECK(f.targetKeyIds() == std::vector<std::string>{f.held().accessKeyId});
  CHECK(r.host.waits.size() == 3);  // the third wait was refused
}
