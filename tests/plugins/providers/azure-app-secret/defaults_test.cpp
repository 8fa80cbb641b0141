// RotationConfig reads the PAM User fields through the SDK's typed accessors: the defaults and rules are those of
// kFields (kr_azure/plugin_metadata.hpp), applied by the host, here by the SDK test kit's in-memory host.
#include "fixture.hpp"

#include <doctest/doctest.h>

using namespace azure_test;

TEST_CASE("azure settings take every default from kFields") {
  Driver d;
  d.host.fields["application_object_id"] = "3c3c3c3c-3333-4333-8333-000000000001";
  const auto c = kr_azure::RotationConfig::fromContext(d.ctx);
  CHECK(c.target == "3c3c3c3c-3333-4333-8333-000000000001");
  CHECK(c.lifetimeDays == 365);
  CHECK(c.oldSecrets == "delete-all");
  CHECK(c.verifyTimeoutSeconds == 300);
  CHECK(c.verifySuccesses == 3);
  CHECK(c.endpoints.graph == kr_azure::cloudEndpoints("public").graph);
  CHECK(c.displayName.empty());
  CHECK(c.previousKeyId.empty());
}

TEST_CASE("azure settings read values as set, trimmed by the typed accessors") {
  Driver d;
  d.host.fields["application_object_id"] = " 3c3c3c3c-3333-4333-8333-000000000001 ";
  d.host.fields["secret_lifetime_days"] = "90";
  d.host.fields["old_secrets"] = "keep-previous";
  d.host.fields["azure_cloud"] = "usgov";
  d.host.fields["verify_successes"] = "1";
  d.host.fields["client_secret_id"] = "aaaa";
  const auto c = kr_azure::RotationConfig::fromContext(d.ctx);
  CHECK(c.target == "3c3c3c3c-3333-4333-8333-000000000001");
  CHECK(c.lifetimeDays == 90);
  CHECK(c.oldSecrets == "keep-previous");
  CHECK(c.endpoints.graph == kr_azure::cloudEndpoints("usgov").graph);
  CHECK(c.verifySuccesses == 1);
  CHECK(c.previousKeyId == "aaaa");
}

TEST_CASE("azure settings without the metadata's defaults name the field instead of guessing") {
  // A host that did not declare kFields serves no default: the provider has none of its own to fall back to.
  TestHost bare;
  bare.fields["application_object_id"] = "3c3c3c3c-3333-4333-8333-000000000001";
  keeper_rotate::Context ctx = bare.context();
  CHECK_THROWS_WITH_AS(kr_azure::RotationConfig::fromContext(ctx), doctest::Contains("'secret_lifetime_days'"),
                       keeper_rotate::Error);
  Driver d;
  CHECK_THROWS_WITH_AS(kr_azure::RotationConfig::fromContext(d.ctx), doctest::Contains("application_object_id"),
                       keeper_rotate::Error);
}
