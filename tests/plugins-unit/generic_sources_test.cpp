// The first-party credential sources hold no provider's names: driven with a declaration no first-party provider
// uses (FakeHost::acmeCredential: acme_account_id, acme_api_key, optional acme_region), each reads exactly the
// locations declared for it, honours optional parts, names the declared labels in its errors, and has nothing to
// offer when the provider declares no credential locations at all.
#include "loaded_plugin.hpp"

#include <doctest/doctest.h>

#include <cstdlib>

using kr_test::FakeHost;
using kr_test::LoadedPlugin;
using kr_test::pluginPath;
using kr_test::Record;

namespace {

const char* const kApiKey = "acme~api-key-value.never-printed-0042";

FakeHost acmeHost(std::vector<Record> records) {
  FakeHost h;
  h.credentialSpec = FakeHost::acmeCredential();
  h.inputs = {{"userRecordUid", "USERuid0001"}, {"providerRecordUid", "CFGuid0001"}};
  h.records = std::move(records);
  return h;
}

Record pamUser() { return {{"uid", "USERuid0001"}, {"title", "Acme user"}, {"acme_api_key", "the-users-own-key"}}; }

}  // namespace

TEST_CASE("attached-record reads another provider's labels, with an optional part when present") {
  LoadedPlugin p(pluginPath("source", "attached-record"));
  auto h = acmeHost({pamUser(), {{"uid", "ADMIN1"}, {"title", "Acme admin"}, {"acme_account_id", "acct-7"},
                                 {"acme_api_key", kApiKey}, {"acme_region", "eu-1"}}});
  REQUIRE(p.resolve(h) == KR_OK);
  CHECK(h.credentials.at("account").value == "acct-7");
  CHECK(h.credentials.at("api_key").value == kApiKey);
  CHECK(h.credentials.at("api_key").secret);
  CHECK(h.credentials.at("region").value == "eu-1");
  CHECK(h.allOutput().find(kApiKey) == std::string::npos);
}

TEST_CASE("attached-record: a missing optional part is fine, a missing required one names the declared label") {
  LoadedPlugin p(pluginPath("source", "attached-record"));
  auto ok = acmeHost({pamUser(), {{"uid", "ADMIN1"}, {"title", "Acme admin"}, {"acme_account_id", "acct-7"},
                                  {"acme_api_key", kApiKey}}});
  REQUIRE(p.resolve(ok) == KR_OK);
  CHECK(ok.credentials.count("region") == 0);

  auto bad = acmeHost({pamUser(), {{"uid", "ADMIN1"}, {"title", "Acme admin"}, {"acme_account_id", "acct-7"}}});
  CHECK(p.resolve(bad) == KR_ERR_CONFIG);
  CHECK(bad.errorMessage.find("looks like an Acme service account record") != std::string::npos);
  CHECK(bad.errorMessage.find("'acme_api_key'") != std::string::npos);
  CHECK(bad.errorMessage.find("client_secret") == std::string::npos);

  auto none = acmeHost({pamUser()});  // the PAM User's own secret label does not make it an admin record
  CHECK(p.resolve(none) == KR_ERR_UNAVAILABLE);
  CHECK(none.errorMessage.find("acme_account_id") != std::string::npos);
}

TEST_CASE("pam-config reads another provider's configuration fields and names its configuration kind") {
  LoadedPlugin p(pluginPath("source", "pam-config"));
  auto h = acmeHost({pamUser(), {{"uid", "CFGuid0001"}, {"title", "Acme config"}, {"acmeAccount", "acct-9"},
                                 {"acmeApiKey", kApiKey}}});
  REQUIRE(p.resolve(h) == KR_OK);
  CHECK(h.credentials.at("account").value == "acct-9");
  CHECK(h.credentials.count("region") == 0);  // declared for attached-record and env only

  auto partial = acmeHost({pamUser(), {{"uid", "CFGuid0001"}, {"title", "Acme config"}, {"acmeAccount", "a"}}});
  CHECK(p.resolve(partial) == KR_ERR_CONFIG);
  CHECK(partial.errorMessage.find("'acmeApiKey'") != std::string::npos);
  CHECK(partial.errorMessage.find("the Acme PAM Configuration") != std::string::npos);
}

TEST_CASE("env reads another provider's variables, none set is unavailable, some set is an error") {
  LoadedPlugin p(pluginPath("source", "env"));
  ::unsetenv("ACME_REGION");
  ::setenv("ACME_ACCOUNT_ID", "acct-env", 1);
  ::setenv("ACME_API_KEY", kApiKey, 1);
  auto h = acmeHost({});
  REQUIRE(p.resolve(h) == KR_OK);
  CHECK(h.credentials.at("api_key").secret);
  CHECK(h.credentials.count("region") == 0);
  CHECK(h.allOutput().find(kApiKey) == std::string::npos);

  ::unsetenv("ACME_API_KEY");
  auto partial = acmeHost({});
  CHECK(p.resolve(partial) == KR_ERR_CONFIG);
  CHECK(partial.errorMessage.find("'ACME_API_KEY' is not set") != std::string::npos);

  ::unsetenv("ACME_ACCOUNT_ID");
  auto none = acmeHost({});
  CHECK(p.resolve(none) == KR_ERR_UNAVAILABLE);
  CHECK(none.errorMessage.find("ACME_ACCOUNT_ID and ACME_API_KEY are not set") != std::string::npos);
}

TEST_CASE("every source has nothing to offer when the provider declares no credential locations") {
  for (const char* name : {"attached-record", "pam-config", "env"}) {
    INFO(name);
    LoadedPlugin p(pluginPath("source", name));
    auto h = acmeHost({pamUser()});
    h.credentialSpec = nullptr;
    CHECK(p.resolve(h) == KR_ERR_UNAVAILABLE);
    CHECK(h.errorMessage.find("declares no admin credential locations") != std::string::npos);
    CHECK(h.credentials.empty());
  }
}
