// The key decisions as units: which key may be deleted to free a slot (never the held one), and what old_keys
// retires after the store.
#include "kr_aws_iam/key_policy.hpp"

#include <doctest/doctest.h>

using namespace kr_aws_iam;

namespace {

RotationConfig config(WhenFull whenFull, OldKeys oldKeys = OldKeys::Delete) {
  RotationConfig c;
  c.heldKeyId = "AKIAHELD";
  c.whenFull = whenFull;
  c.whenFullText = "x";
  c.oldKeys = oldKeys;
  return c;
}

}  // namespace

TEST_CASE("slot: the held key is never chosen, whatever when_full says") {
  const std::vector<KeyInfo> keys{{"AKIAHELD", "Inactive", "2020-01-01T00:00:00Z"},
                                  {"AKIAOTHER", "Active", "2021-01-01T00:00:00Z"}};
  CHECK_FALSE(chooseKeyToFree(keys, config(WhenFull::Fail)));
  CHECK_FALSE(chooseKeyToFree(keys, config(WhenFull::DeleteInactive)));
  const auto unheld = chooseKeyToFree(keys, config(WhenFull::DeleteUnheld));
  REQUIRE(unheld);
  CHECK(unheld->keyId == "AKIAOTHER");
}

TEST_CASE("slot: keys this tool retired or kept as previous are eligible even with when_full=fail") {
  const std::vector<KeyInfo> keys{{"AKIAHELD", "Active", "2021-01-01T00:00:00Z"},
                                  {"AKIAOLD", "Inactive", "2020-01-01T00:00:00Z"}};
  RotationConfig c = config(WhenFull::Fail);
  CHECK_FALSE(chooseKeyToFree(keys, c));
  c.previouslyRetired = {"AKIAOLD"};
  REQUIRE(chooseKeyToFree(keys, c));
  CHECK(chooseKeyToFree(keys, c)->keyId == "AKIAOLD");

  // Listed as retired but Active again (someone re-activated it): not eligible on that ground.
  const std::vector<KeyInfo> reactivated{{"AKIAHELD", "Active", "2021"}, {"AKIAOLD", "Active", "2020"}};
  CHECK_FALSE(chooseKeyToFree(reactivated, c));
  RotationConfig p = config(WhenFull::Fail);
  p.previousKeyId = "AKIAOLD";
  REQUIRE(chooseKeyToFree(reactivated, p));
}

TEST_CASE("slot: delete-unheld prefers an Inactive key, then the oldest") {
  RotationConfig c = config(WhenFull::DeleteUnheld);
  c.heldKeyId = "";
  const std::vector<KeyInfo> keys{{"AKIANEW", "Active", "2022-01-01T00:00:00Z"},
                                  {"AKIAOLD", "Active", "2020-01-01T00:00:00Z"}};
  CHECK(chooseKeyToFree(keys, c)->keyId == "AKIAOLD");
  const std::vector<KeyInfo> mixed{{"AKIAOLD", "Active", "2020-01-01T00:00:00Z"},
                                   {"AKIAINACTIVE", "Inactive", "2022-01-01T00:00:00Z"}};
  CHECK(chooseKeyToFree(mixed, c)->keyId == "AKIAINACTIVE");
}

TEST_CASE("retire plan per old_keys") {
  const std::vector<KeyInfo> keys{{"AKIAHELD", "Active", ""}, {"AKIANEW", "Active", ""}, {"AKIAX", "Inactive", ""}};
  const auto del = planRetire(keys, "AKIANEW", config(WhenFull::Fail, OldKeys::Delete));
  CHECK(del.remove == std::vector<std::string>{"AKIAHELD", "AKIAX"});
  const auto deact = planRetire(keys, "AKIANEW", config(WhenFull::Fail, OldKeys::Deactivate));
  CHECK(deact.deactivate == std::vector<std::string>{"AKIAHELD"});
  CHECK(deact.keep == std::vector<std::string>{"AKIAX"});
  const auto prev = planRetire(keys, "AKIANEW", config(WhenFull::Fail, OldKeys::KeepPrevious));
  CHECK(prev.keep == std::vector<std::string>{"AKIAHELD"});
  CHECK(prev.remove == std::vector<std::string>{"AKIAX"});
  const auto keep = planRetire(keys, "AKIANEW", config(WhenFull::Fail, OldKeys::Keep));
  CHECK(keep.keep.size() == 2);
  CHECK(keep.remove.empty());
}

TEST_CASE("key id lists in Keeper's format, and CreateDate normalisation") {
  CHECK(joinKeyIds({"A", "B"}) == "A, B");
  CHECK(joinKeyIds({}).empty());
  CHECK(splitKeyIds(" A, B,,C ") == std::vector<std::string>{"A", "B", "C"});
  CHECK(normaliseIsoDate("2015-03-09T18:39:23.411Z") == "2015-03-09T18:39:23Z");
  CHECK(normaliseIsoDate("2020-10-13T17:38:43Z") == "2020-10-13T17:38:43Z");
  CHECK(normaliseIsoDate("2020-10-13T19:38:43+02:00") == "2020-10-13T17:38:43Z");
  CHECK(normaliseIsoDate("not a date") == "not a date");
  CHECK(validUserName("app-deployer@corp.example"));
  CHECK_FALSE(validUserName("arn:aws:iam::1:user/x"));
  CHECK_FALSE(validUserName(std::string(129, 'a')));
}
