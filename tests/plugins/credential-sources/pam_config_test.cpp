// pam-config, records-array part: the Azure PAM Configuration found by providerRecordUid.
#include "plugin_harness.hpp"

#include <doctest/doctest.h>

using kr_test::errorCode;
using kr_test::errorMessage;
using kr_test::InMemoryHost;
using kr_test::loadPlugin;
using kr_test::putSecret;
using kr_test::Record;
using kr_test::resolve;

namespace {

const char* const kConfigSecret = "cfg~Secret.ABCdef0123456789ghijklmnop";

Record azureConfig() {
  return {{"uid", "CFGuid0001"},
          {"title", "Entra ID"},
          {"azureId", "Entra ID"},
          {"clientId", "cccccccc-1111-2222-3333-444444444444"},
          {"clientSecret", kConfigSecret},
          {"subscriptionId", "sub-id"},
          {"tenantId", "tttttttt-1111-2222-3333-444444444444"}};
}
Record pamUser() { return {{"uid", "USERuid0001"}, {"title", "Target"}, {"application_object_id", "obj"}}; }

void hostWith(InMemoryHost& h, const std::vector<Record>& records) {
  kr_test::azureHost(h);
  kr_test::serveInput(h, {{"userRecordUid", "USERuid0001"}, {"providerRecordUid", "CFGuid0001"}}, records);
}

}  // namespace

TEST_CASE("pam-config reads clientId, clientSecret and tenantId of the PAM Configuration") {
  const auto p = loadPlugin("source", "pam-config");
  InMemoryHost h;
  hostWith(h, {pamUser(), azureConfig()});
  REQUIRE(resolve(p, h) == KR_OK);
  CHECK(h.credentials.at("client_id") == "cccccccc-1111-2222-3333-444444444444");
  CHECK(h.credentials.at("tenant_id") == "tttttttt-1111-2222-3333-444444444444");
  CHECK(h.credentials.at("client_secret") == kConfigSecret);
  CHECK(putSecret(h, "client_secret"));
  CHECK(h.logged("'Entra ID' (uid CFGuid0001)"));
  CHECK(h.allOutput().find(kConfigSecret) == std::string::npos);
}

TEST_CASE("pam-config ignores a record with the same labels but another uid") {
  const auto p = loadPlugin("source", "pam-config");
  auto other = azureConfig();
  other["uid"] = "SOMEOTHER01";
  InMemoryHost h;
  hostWith(h, {pamUser(), other});
  CHECK(resolve(p, h) == KR_ERR_UNAVAILABLE);
  CHECK(h.credentials.empty());
}

TEST_CASE("pam-config is unavailable for a configuration that is not an Azure one") {
  const auto p = loadPlugin("source", "pam-config");
  Record network{{"uid", "CFGuid0001"}, {"title", "Local Network"}, {"pamResources", "x"}};
  InMemoryHost h;
  hostWith(h, {pamUser(), network});
  CHECK(resolve(p, h) == KR_ERR_UNAVAILABLE);
  CHECK(errorCode(h) == "credential.unavailable");
  CHECK(errorMessage(h).find("'Local Network' (uid CFGuid0001)") != std::string::npos);
  CHECK(h.credentials.empty());
}

TEST_CASE("pam-config is unavailable without a providerRecordUid") {
  const auto p = loadPlugin("source", "pam-config");
  InMemoryHost h;
  hostWith(h, {pamUser(), azureConfig()});
  h.inputs.erase("providerRecordUid");
  CHECK(resolve(p, h) == KR_ERR_UNAVAILABLE);
  CHECK(h.credentials.empty());
}

TEST_CASE("pam-config names the missing labels of an incomplete Azure configuration") {
  const auto p = loadPlugin("source", "pam-config");
  auto cfg = azureConfig();
  cfg.erase("tenantId");
  InMemoryHost h;
  hostWith(h, {pamUser(), cfg});
  CHECK(resolve(p, h) == KR_ERR_CONFIG);
  CHECK(errorCode(h) == "credential.incomplete");
  CHECK(errorMessage(h).find("'Entra ID' (uid CFGuid0001)") != std::string::npos);
  CHECK(errorMessage(h).find("'tenantId'") != std::string::npos);
  CHECK(errorMessage(h).find("clientSecret") == std::string::npos);
  CHECK(h.allOutput().find(kConfigSecret) == std::string::npos);
  CHECK(h.credentials.empty());
}
