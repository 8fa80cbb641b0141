// pam-config, records-array part: the Azure PAM Configuration found by providerRecordUid.
#include "loaded_plugin.hpp"

#include <doctest/doctest.h>

using kr_test::FakeHost;
using kr_test::LoadedPlugin;
using kr_test::pluginPath;
using kr_test::Record;

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

FakeHost hostWith(std::vector<Record> records) {
  FakeHost h;
  h.inputs = {{"userRecordUid", "USERuid0001"}, {"providerRecordUid", "CFGuid0001"}};
  h.records = std::move(records);
  return h;
}

}  // namespace

TEST_CASE("pam-config reads clientId, clientSecret and tenantId of the PAM Configuration") {
  LoadedPlugin p(pluginPath("source", "pam-config"));
  auto h = hostWith({pamUser(), azureConfig()});
  REQUIRE(p.resolve(h) == KR_OK);
  CHECK(h.credentials.at("client_id").value == "cccccccc-1111-2222-3333-444444444444");
  CHECK(h.credentials.at("tenant_id").value == "tttttttt-1111-2222-3333-444444444444");
  CHECK(h.credentials.at("client_secret").value == kConfigSecret);
  CHECK(h.credentials.at("client_secret").secret == true);
  CHECK(h.logged("'Entra ID' (uid CFGuid0001)"));
  CHECK(h.allOutput().find(kConfigSecret) == std::string::npos);
}

TEST_CASE("pam-config ignores a record with the same labels but another uid") {
  LoadedPlugin p(pluginPath("source", "pam-config"));
  auto other = azureConfig();
  other["uid"] = "SOMEOTHER01";
  auto h = hostWith({pamUser(), other});
  CHECK(p.resolve(h) == KR_ERR_UNAVAILABLE);
  CHECK(h.credentials.empty());
}

TEST_CASE("pam-config is unavailable for a configuration that is not an Azure one") {
  LoadedPlugin p(pluginPath("source", "pam-config"));
  Record network{{"uid", "CFGuid0001"}, {"title", "Local Network"}, {"pamResources", "x"}};
  auto h = hostWith({pamUser(), network});
  CHECK(p.resolve(h) == KR_ERR_UNAVAILABLE);
  CHECK(h.errorCode == "credential.unavailable");
  CHECK(h.errorMessage.find("'Local Network' (uid CFGuid0001)") != std::string::npos);
  CHECK(h.credentials.empty());
}

TEST_CASE("pam-config is unavailable without a providerRecordUid") {
  LoadedPlugin p(pluginPath("source", "pam-config"));
  auto h = hostWith({pamUser(), azureConfig()});
  h.inputs.erase("providerRecordUid");
  CHECK(p.resolve(h) == KR_ERR_UNAVAILABLE);
  CHECK(h.credentials.empty());
}

TEST_CASE("pam-config names the missing labels of an incomplete Azure configuration") {
  LoadedPlugin p(pluginPath("source", "pam-config"));
  auto cfg = azureConfig();
  cfg.erase("tenantId");
  auto h = hostWith({pamUser(), cfg});
  CHECK(p.resolve(h) == KR_ERR_CONFIG);
  CHECK(h.errorCode == "credential.incomplete");
  CHECK(h.errorMessage.find("'Entra ID' (uid CFGuid0001)") != std::string::npos);
  CHECK(h.errorMessage.find("'tenantId'") != std::string::npos);
  CHECK(h.errorMessage.find("clientSecret") == std::string::npos);
  CHECK(h.allOutput().find(kConfigSecret) == std::string::npos);
  CHECK(h.credentials.empty());
}
