// Field validation against plugin metadata, unit level.
#include "records/record.hpp"
#include "selection/config_error.hpp"
#include "selection/field_validation.hpp"

#include <keeper_rotate/sdk.hpp>

#include <doctest/doctest.h>

using keeper_rotate::Field;
using keeper_rotate::host::ConfigError;
using keeper_rotate::host::Record;
using keeper_rotate::host::checkFieldValue;
using keeper_rotate::host::validateFields;

namespace {

constexpr kr_field_spec kSpecs[] = {
    Field::input("object_id").required(),
    Field::input("days").integer(1, 730).defaultValue("365"),
    Field::input("policy").oneOf("delete-all|keep-previous|keep-all"),
    Field::input("endpoint").url(),
    Field::input("token").secret().required(),
    Field::input("admin_secret").secret().onOtherRecord().required(),
    Field::output("client_secret").secret().required(),
};

std::string failure(const Record& r) {
  try {
    validateFields(r, kSpecs, std::size(kSpecs), "provider/test");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return {};
}

Record valid() {
  Record r("UID-1", "My app");
  r.add("object_id", "obj");
  r.add("token", "T0ken-value-secret");
  return r;
}

}  // namespace

TEST_CASE("fields: valid record passes, other-record and output fields are not required on the PAM User") {
  CHECK(failure(valid()).empty());
}

TEST_CASE("fields: missing or empty required input names record, uid, label and plugin") {
  Record r("UID-1", "My app");
  r.add("object_id", "");
  r.add("token", "x1234");
  const std::string m = failure(r);
  CHECK(m.find("'My app' (uid UID-1)") != std::string::npos);
  CHECK(m.find("'object_id'") != std::string::npos);
  CHECK(m.find("provider/test") != std::string::npos);
}

TEST_CASE("fields: value checks") {
  const kr_field_spec days = kSpecs[1], policy = kSpecs[2], endpoint = kSpecs[3], token = kSpecs[4];
  CHECK_FALSE(checkFieldValue(days, "1"));
  CHECK_FALSE(checkFieldValue(days, "730"));
  CHECK(checkFieldValue(days, "0"));
  CHECK(checkFieldValue(days, "731"));
  CHECK(checkFieldValue(days, "-5"));
  CHECK(checkFieldValue(days, "3.5"));
  CHECK(checkFieldValue(days, "99999999999999999999999"));
  CHECK(checkFieldValue(days, " 5"));
  CHECK_FALSE(checkFieldValue(policy, "keep-all"));
  CHECK(checkFieldValue(policy, "Keep-All"));
  CHECK(checkFieldValue(policy, "keep"));
  CHECK_FALSE(checkFieldValue(endpoint, "https://graph.microsoft.us"));
  CHECK(checkFieldValue(endpoint, "http://graph.microsoft.us"));
  CHECK(checkFieldValue(endpoint, "https://"));
  kr_field_spec uuid = Field::input("tenant");
  uuid.value_kind = "uuid";
  CHECK_FALSE(checkFieldValue(uuid, "0f8fad5b-d9cb-469f-a165-70867728950e"));
  CHECK(checkFieldValue(uuid, "0f8fad5b-d9cb-469f-a165-70867728950"));
  // A secret's value is never quoted in the message.
  kr_field_spec secretEnum = Field::input("s").secret().oneOf("a|b");
  const auto m = checkFieldValue(secretEnum, "Sup3rSecretValue");
  REQUIRE(m);
  CHECK(m->find("Sup3rSecretValue") == std::string::npos);
  (void)token;
}

TEST_CASE("fields: invalid values are reported with the label") {
  Record r = valid();
  r.add("policy", "keep-some");
  const std::string m = failure(r);
  CHECK(m.find("'policy' has value 'keep-some', which is not one of delete-all|keep-previous|keep-all") !=
        std::string::npos);
}
