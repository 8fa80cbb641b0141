// The first-party credential sources hold no provider's names: driven with a declaration no first-party provider
// uses (kr_test::acmeCredential: acme_account_id, acme_api_key, optional acme_region), each reads exactly the
// locations declared for it, honours optional parts, names the declared labels in its errors, and has nothing to
// offer when the provider declares no credential locations at all.
#include "plugin_harness.hpp"

#include <doctest/doctest.h>

#include <cstdlib>

using kr_test::errorCode;
using kr_test::errorMessage;
using kr_test::InMemoryHost;
using kr_test::loadPlugin;
using kr_test::putSecret;
using kr_test::Record;
using kr_test::resolve;

namespace {

const char* const kApiKey = "acme~api-key-value.never-printed-0042";

void acmeHost(InMemoryHost& h, const std::vector<Record>& records) {
  h.setCredentialSpec(kr_test::acmeCredential());
  kr_test::serveInput(h, {{"userRecordUid", "USERuid0001"}, {"providerRecordUid", "CFGuid0001"}}, records);
}

Record pamUser() { return {{"uid", "USERuid0001"}, {"title", "Acme user"}, {"acme_api_key", "the-users-own-key"}}; }

}  // namespace

TEST_CASE("attached-record reads another provider's labels, with an optional part when present") {
  const auto p = loadPlugin("source", "attached-record");
  InMemoryHost h;
  acmeHost(h, {pamUser(), {{"uid", "ADMIN1"}, {"title", "Acme admin"}, {"acme_account_id", "acct-7"},
                                 {"acme_api_key", kApiKey}, {"acme_region", "eu-1"}}});
  REQUIRE(resolve(p, h) == KR_OK);
  CHECK(h.credentials.at("account") == "acct-7");
  CHECK(h.credentials.at("api_key") == kApiKey);
  CHECK(putSecret(h, "api_key"));
  CHECK(h.credentials.at("region") == "eu-1");
  CHECK(h.allOutput().find(kApiKey) == std::string::npos);
}

TEST_CASE("attached-record: a missing optional part is fine, a missing required one names the declared label") {
  const auto p = loadPlugin("source", "attached-record");
  InMemoryHost ok;
  acmeHost(ok, {pamUser(), {{"uid", "ADMIN1"}, {"title", "Acme admin"}, {"acme_account_id", "acct-7"},
                                  {"acme_api_key", kApiKey}}});
  REQUIRE(resolve(p, ok) == KR_OK);
  CHECK(ok.credentials.count("region") == 0);

  InMemoryHost bad;
  acmeHost(bad, {pamUser(), {{"uid", "ADMIN1"}, {"title", "Acme admin"}, {"acme_account_id", "acct-7"}}});
  CHECK(resolve(p, bad) == KR_ERR_CONFIG);
  CHECK(errorMessage(bad).find("looks like an Acme service account record") != std::string::npos);
  CHECK(errorMessage(bad).find("'acme_api_key'") != std::string::npos);
  CHECK(errorMessage(bad).find("client_secret") == std::string::npos);

  InMemoryHost none;
  acmeHost(none, {pamUser()});  // the PAM User's own secret label does not make it an admin record
  CHECK(resolve(p, none) == KR_ERR_UNAVAILABLE);
  CHECK(errorMessage(none).find("acme_account_id") != std::string::npos);
}

TEST_CASE("pam-config reads another provider's configuration fields and names its configuration kind") {
  const auto p = loadPlugin("source", "pam-config");
  InMemoryHost h;
  acmeHost(h, {pamUser(), {{"uid", "CFGuid0001"}, {"title", "Acme config"}, {"acmeAccount", "acct-9"},
                                 {"acmeApiKey", kApiKey}}});
  REQUIRE(resolve(p, h) == KR_OK);
  CHECK(h.credentials.at("account") == "acct-9");
  CHECK(h.credentials.count("region") == 0);  // declared for attached-record and env only

  InMemoryHost partial;
  acmeHost(partial, {pamUser(), {{"uid", "CFGuid0001"}, {"title", "Acme config"}, {"acmeAccount", "a"}}});
  CHECK(resolve(p, partial) == KR_ERR_CONFIG);
  CHECK(errorMessage(partial).find("'acmeApiKey'") != std::string::npos);
  CHECK(errorMessage(partial).find("the Acme PAM Configuration") != std::string::npos);
}

TEST_CASE("env reads another provider's variables, none set is unavailable, some set is an error") {
  const auto p = loadPlugin("source", "env");
  ::unsetenv("ACME_REGION");
  ::setenv("ACME_ACCOUNT_ID", "acct-env", 1);
  ::setenv("ACME_API_KEY", kApiKey, 1);
  InMemoryHost h;
  acmeHost(h, {});
  REQUIRE(resolve(p, h) == KR_OK);
  CHECK(putSecret(h, "api_key"));
  CHECK(h.credentials.count("region") == 0);
  CHECK(h.allOutput().find(kApiKey) == std::string::npos);

  ::unsetenv("ACME_API_KEY");
  InMemoryHost partial;
  acmeHost(partial, {});
  CHECK(resolve(p, partial) == KR_ERR_CONFIG);
  CHECK(errorMessage(partial).find("'ACME_API_KEY' is not set") != std::string::npos);

  ::unsetenv("ACME_ACCOUNT_ID");
  InMemoryHost none;
  acmeHost(none, {});
  CHECK(resolve(p, none) == KR_ERR_UNAVAILABLE);
  CHECK(errorMessage(none).find("ACME_ACCOUNT_ID and ACME_API_KEY are not set") != std::string::npos);
}

TEST_CASE("every source has nothing to offer when the provider declares no credential locations") {
  for (const char* name : {"attached-record", "pam-config", "env", "self"}) {
    INFO(name);
    const auto p = loadPlugin("source", name);
    InMemoryHost h;
    acmeHost(h, {pamUser()});
    h.setCredentialSpec(nullptr);
    CHECK(resolve(p, h) == KR_ERR_UNAVAILABLE);
    CHECK(errorMessage(h).find("declares no admin credential locations") != std::string::npos);
    CHECK(h.credentials.empty());
  }
}
