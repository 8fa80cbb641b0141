// The summary line against docs/summary.schema.json. Every Scenario run in these tests validates its summary
// (support/scenario.cpp); this file proves the checker can fail, that the schema uses only what the checker
// enforces, and runs one of each kind of outcome so every status a run can reach is seen validating.
#include "json_schema.hpp"
#include "support/scenario.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <doctest/doctest.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <stdexcept>

using namespace krtest;

namespace {

std::string stringify(const Poco::JSON::Object::Ptr& o) {
  std::ostringstream os;
  o->stringify(os);
  return os.str();
}

Poco::JSON::Object::Ptr copyOf(const Poco::JSON::Object::Ptr& o) {
  return Poco::JSON::Parser().parse(stringify(o)).extract<Poco::JSON::Object::Ptr>();
}

bool mentions(const std::vector<std::string>& errors, const std::string& part) {
  for (const auto& e : errors)
    if (e.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("summary schema checker: type, enum, required, properties, additionalProperties and items can each fail") {
  const SchemaChecker c = SchemaChecker::fromText(R"({
    "type": "object", "required": ["a"], "additionalProperties": false,
    "properties": {
      "a": {"type": "integer", "enum": [1, 2]},
      "b": {"type": ["string", "null"]},
      "c": {"type": "array", "items": {"type": "boolean"}},
      "d": {"type": "object", "additionalProperties": {"type": "number"}}
    }})");
  CHECK(c.errorsInText(R"({"a":1,"b":null,"c":[true,false],"d":{"x":1.5,"y":2}})").empty());
  CHECK(c.errorsInText(R"({"a":2,"b":"s"})").empty());
  CHECK(mentions(c.errorsInText(R"({"b":"s"})"), "lacks required key 'a'"));
  CHECK(mentions(c.errorsInText(R"({"a":3})"), "$.a: 3 is not one of"));
  CHECK(mentions(c.errorsInText(R"({"a":"1"})"), "$.a: is string, expected integer"));
  CHECK(mentions(c.errorsInText(R"({"a":true})"), "expected integer"));  // a JSON boolean is not an integer
  CHECK(mentions(c.errorsInText(R"({"a":1.5})"), "expected integer"));
  CHECK(mentions(c.errorsInText(R"({"a":1,"b":3})"), "expected string or null"));
  CHECK(mentions(c.errorsInText(R"({"a":1,"z":0})"), "key 'z' is not allowed"));
  CHECK(mentions(c.errorsInText(R"({"a":1,"c":[true,"no"]})"), "$.c[1]: is string, expected boolean"));
  CHECK(mentions(c.errorsInText(R"({"a":1,"d":{"x":"1"}})"), "$.d.x: is string, expected number"));
  CHECK(mentions(c.errorsInText(R"([1])"), "$: is array, expected object"));
  CHECK(mentions(c.errorsInText("{"), "not JSON"));

  // A schema keyword the checker does not enforce is refused rather than silently ignored.
  CHECK_THROWS_AS(SchemaChecker::fromText(R"({"type":"string","pattern":"^a"})"), std::invalid_argument);
  CHECK_THROWS_AS(SchemaChecker::fromText(R"({"properties":{"x":{"minimum":1}}})"), std::invalid_argument);
  CHECK_THROWS_AS(SchemaChecker::fromText(R"({"type":"text"})"), std::invalid_argument);
}

TEST_CASE("summary schema: docs/summary.schema.json loads and describes every key it requires") {
  const auto& schema = summarySchema().schema().extract<Poco::JSON::Object::Ptr>();
  const auto props = schema->getObject("properties");
  REQUIRE(props);
  for (const auto& key : *schema->getArray("required")) {
    INFO(key.toString());
    CHECK(props->has(key.toString()));
    CHECK(props->getObject(key.toString())->has("description"));
  }
  CHECK_FALSE(schema->getValue<bool>("additionalProperties"));
}

TEST_CASE("summary schema: representative runs validate, and a broken line is caught") {
  std::set<std::string> statuses;
  const std::size_t before = summariesValidated();
  auto record = [&](const ProcessResult& r) {
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    const auto errors = summarySchemaErrors(r);
    CHECK(errors.empty());
    const auto sum = summaryOf(r);
    statuses.insert(sum->getValue<std::string>("status"));
    CHECK(sum->getValue<int>("schemaVersion") == 1);
    CHECK(sum->getValue<std::string>("toolVersion") == KR_TEST_TOOL_VERSION);
    return sum;
  };

  Scenario ok;
  const auto rotated = record(ok.run());
  CHECK(rotated->getValue<std::string>("status") == "rotated");
  CHECK(rotated->getValue<std::string>("userRecordUid") == "USER1");
  // The fake provider's first required input is fake_state_file: the host reports it as the target.
  CHECK(rotated->getValue<std::string>("targetField") == "fake_state_file");
  CHECK(rotated->getValue<std::string>("target") == (ok.dir() / "state").string());

  Scenario dry;
  const auto dryRun = record(dry.run({"--dry-run"}));
  CHECK(dryRun->getValue<std::string>("status") == "dry-run");
  CHECK(dryRun->has("plan"));

  Scenario config;
  config.set("fake_lifetime_days", "forever");
  CHECK(record(config.run())->getValue<std::string>("status") == "config-error");

  Scenario missingTarget;
  missingTarget.remove("fake_state_file");
  const auto noTarget = record(missingTarget.run());
  CHECK(noTarget->getValue<std::string>("status") == "config-error");
  CHECK(noTarget->isNull("target"));
  CHECK(noTarget->isNull("targetField"));

  Scenario bad;
  const auto badInput = record(bad.runWithStdin("not*base64!\n"));
  CHECK(badInput->getValue<std::string>("status") == "bad-input");
  CHECK(badInput->isNull("userRecordUid"));
  CHECK(badInput->isNull("target"));
  CHECK(badInput->isNull("writer"));

  Scenario failed;
  failed.set("fake_fail_at", "prove");
  CHECK(record(failed.run())->getObject("rollback")->getValue<bool>("ok"));

  Scenario rollbackFailed;
  rollbackFailed.set("fake_fail_at", "prove,rollback");
  CHECK(record(rollbackFailed.run())->getValue<std::string>("status") == "rollback-failed");

  Scenario revertFailed;
  revertFailed.set("fake_writer_fail_at", "verify,revert");
  CHECK(record(revertFailed.run())->getObject("rollback")->getObject("error")->getValue<std::string>("stage") ==
        "revert");

  Scenario retire;
  retire.set("fake_fail_at", "retire");
  CHECK(record(retire.run())->getValue<std::string>("status") == "retire-incomplete");

  Scenario badPlugin;
  badPlugin.args = {"no-such-provider"};
  CHECK(record(badPlugin.run())->getObject("error")->getValue<std::string>("stage") == "load");

  if (std::filesystem::exists(realPluginDir() + "/writer-stdout.so")) {
    Scenario rehearsal;
    rehearsal.set("record_writer", "stdout");
    CHECK(record(rehearsal.run())->getValue<std::string>("status") == "rehearsed");
  } else {
    MESSAGE("writer-stdout.so is not built; rehearsal case skipped");
    statuses.insert("rehearsed");
  }

  for (const char* s : {"rotated", "dry-run", "config-error", "bad-input", "failed", "rollback-failed",
                        "retire-incomplete", "rehearsed"})
    CHECK_MESSAGE(statuses.count(s) == 1, s);
  CHECK(summariesValidated() - before >= 11);  // every run above went through the schema check

  // The checker catches a line that drifts from the schema: a missing key, an unknown key, a wrong type.
  auto broken = copyOf(rotated);
  broken->remove("schemaVersion");
  CHECK(mentions(summarySchema().errorsInText(stringify(broken)), "lacks required key 'schemaVersion'"));
  broken = copyOf(rotated);
  broken->set("surprise", 1);
  CHECK(mentions(summarySchema().errorsInText(stringify(broken)), "key 'surprise' is not allowed"));
  broken = copyOf(rotated);
  broken->set("status", "done");
  CHECK(mentions(summarySchema().errorsInText(stringify(broken)), "$.status"));
  broken = copyOf(rotated);
  broken->set("removed", "old-1");
  CHECK(mentions(summarySchema().errorsInText(stringify(broken)), "$.removed: is string, expected array"));
}
