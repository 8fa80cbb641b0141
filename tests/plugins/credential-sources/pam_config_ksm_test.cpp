// Credential source `pam-config`, KSM path: the Azure PAM Configuration fetched through the fake KSM when the
// Gateway's records array does not carry it. Loads the real source-pam-config.so.
#include "aws_credential.hpp"
#include "fake_env.hpp"

#include <doctest/doctest.h>
#include <plugin_harness.hpp>

#include <kr_ksm/base64.hpp>

#include <fstream>

using namespace keeper_rotate;
using kr_ksm_test::FakeEnv;

namespace {

const char* kAdminSecret = "admin~app-secret.from-pam-config-0042";

std::string azureConfigJson(bool withTenant) {
  return std::string(R"({"title":"Entra ID","type":"pamAzureConfiguration","fields":[)") +
         R"({"type":"pamResources","value":[{"controllerUid":"GW","folderUid":"F","resourceRef":[]}]},)" +
         R"({"type":"secret","label":"clientId","value":["9a8b7c6d-3333-4444-8555-a66666666666"]},)" +
         R"({"type":"secret","label":"clientSecret","value":[")" + kAdminSecret + R"("]})" +
         (withTenant ? R"(,{"type":"secret","label":"tenantId","value":["c0ffee00-4444-4555-8666-b77777777777"]})" : "") +
         "]}";
}

struct SourceEnv : FakeEnv {
  kr_test::InMemoryHost host;
  kr_test::Plugin plugin = kr_test::loadPlugin("source", "pam-config");
  std::string configFile = dir.path() + "/ksm.json";
  SourceEnv() {
    ::setenv("SSL_CERT_FILE", ca.caCertFile().c_str(), 1);
    ::unsetenv("KSM_CONFIG");
    ::unsetenv("GATEWAY_CONFIG");
    std::ofstream(configFile) << fake.createDevice().json;
    fake.addSharedFolder("SharedFolderUid-000001");
    kr_test::azureHost(host);
    kr_test::serveInput(host, {{"userRecordUid", "UserUid"}, {"providerRecordUid", "AzurePamConfigUid-001"}}, {});
    host.settings["ksm_config"] = configFile;
  }
  void checkNoLeak() {
    CHECK(host.allOutput().find(kAdminSecret) == std::string::npos);
    CHECK_MESSAGE(kr_test::leaks(host).empty(), kr_test::leaks(host));
  }
};

}  // namespace

TEST_CASE("pam-config fetches the Azure PAM Configuration through KSM when records lack it") {
  SourceEnv env;
  env.fake.putRecord("AzurePamConfigUid-001", azureConfigJson(true), "SharedFolderUid-000001");
  REQUIRE(kr_test::resolve(env.plugin, env.host) == KR_OK);
  CHECK(env.host.credentials.at("client_id") == "9a8b7c6d-3333-4444-8555-a66666666666");
  CHECK(env.host.credentials.at("client_secret") == kAdminSecret);
  CHECK(kr_test::putSecret(env.host, "client_secret"));
  CHECK(env.host.credentials.at("tenant_id") == "c0ffee00-4444-4555-8666-b77777777777");
  CHECK(env.host.logged("fetched through KSM"));
  env.checkNoLeak();
}

TEST_CASE("pam-config prefers the records array and does not call Keeper then") {
  SourceEnv env;
  env.fake.putRecord("AzurePamConfigUid-001", azureConfigJson(true), "SharedFolderUid-000001");
  kr_test::serveInput(env.host, env.host.inputs,
                      {{{"uid", "AzurePamConfigUid-001"},
                        {"title", "Entra ID"},
                        {"clientId", "from-records"},
                        {"clientSecret", "records-secret"},
                        {"tenantId", "records-tenant"}}});
  REQUIRE(kr_test::resolve(env.plugin, env.host) == KR_OK);
  CHECK(env.host.credentials.at("client_id") == "from-records");
  CHECK(env.fake.requestCount("get_secret") == 0);
}

TEST_CASE("pam-config over KSM: incomplete configuration is an error, an unshared one is absent") {
  SourceEnv env;
  env.fake.putRecord("AzurePamConfigUid-001", azureConfigJson(false), "SharedFolderUid-000001");
  CHECK(kr_test::resolve(env.plugin, env.host) == KR_ERR_CONFIG);
  CHECK(kr_test::errorMessage(env.host).find("tenantId") != std::string::npos);
  CHECK(kr_test::errorMessage(env.host).find("AzurePamConfigUid-001") != std::string::npos);
  env.checkNoLeak();

  env.host.inputs["providerRecordUid"] = "NotSharedConfigUid-01";
  env.host.errors.clear();
  CHECK(kr_test::resolve(env.plugin, env.host) == KR_ERR_UNAVAILABLE);
}

TEST_CASE("pam-config over KSM: no KSM configuration means nothing to offer, a failing Keeper is an error") {
  SourceEnv env;
  env.fake.putRecord("AzurePamConfigUid-001", azureConfigJson(true), "SharedFolderUid-000001");
  env.host.settings.erase("ksm_config");
  CHECK(kr_test::resolve(env.plugin, env.host) == KR_ERR_UNAVAILABLE);  // no --ksm-config, no KSM_CONFIG, no Gateway config

  env.host.settings["ksm_config"] = env.configFile;
  ::setenv("KEEPER_ROTATE_KSM_CLIENT_VERSION", "xx0.0.0", 1);  // the server rejects this client version
  CHECK(kr_test::resolve(env.plugin, env.host) == KR_ERR_CONFIG);
  CHECK(kr_test::errorMessage(env.host).find("invalid_client_version") != std::string::npos);
  ::unsetenv("KEEPER_ROTATE_KSM_CLIENT_VERSION");
  env.checkNoLeak();
}

TEST_CASE("pam-config over KSM: an AWS PAM Configuration saying USE_INSTANCE_ROLE is unavailable and says so") {
  SourceEnv env;
  env.host.setCredentialSpec(kr_test::awsCredential());
  env.fake.putRecord("AzurePamConfigUid-001",
                     R"({"title":"AWS prod","type":"pamAwsConfiguration","fields":[)"
                     R"({"type":"text","label":"awsId","value":["prod"]},)"
                     R"({"type":"secret","label":"accessKeyId","value":["USE_INSTANCE_ROLE"]},)"
                     R"({"type":"secret","label":"accessSecretKey","value":["USE_INSTANCE_ROLE"]}]})",
                     "SharedFolderUid-000001");
  CHECK(kr_test::resolve(env.plugin, env.host) == KR_ERR_UNAVAILABLE);
  CHECK(kr_test::errorMessage(env.host).find("the AWS PAM Configuration says USE_INSTANCE_ROLE") != std::string::npos);
  CHECK(kr_test::errorMessage(env.host).find("'AWS prod' (AzurePamConfigUid-001, fetched through KSM)") !=
        std::string::npos);
  CHECK(env.host.credentials.empty());
  CHECK(env.host.registeredSecrets.empty());
  CHECK(env.fake.requestCount("get_secret") == 1);
}
