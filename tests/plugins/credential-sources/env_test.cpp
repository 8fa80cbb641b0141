// env: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET. ctest runs every test case in its own process, so
// setting variables here cannot leak into other cases.
#include "plugin_harness.hpp"

#include <doctest/doctest.h>

#include <cstdlib>

using kr_test::errorCode;
using kr_test::errorMessage;
using kr_test::InMemoryHost;
using kr_test::loadPlugin;
using kr_test::putSecret;
using kr_test::resolve;

namespace {

const char* const kEnvSecret = "env~Secret.QWERTYuiop0123456789asdfgh";

void setAll() {
  setenv("AZURE_TENANT_ID", "tttttttt-0000-0000-0000-000000000001", 1);
  setenv("AZURE_CLIENT_ID", "cccccccc-0000-0000-0000-000000000002", 1);
  setenv("AZURE_CLIENT_SECRET", kEnvSecret, 1);
}
void unsetAll() {
  unsetenv("AZURE_TENANT_ID");
  unsetenv("AZURE_CLIENT_ID");
  unsetenv("AZURE_CLIENT_SECRET");
}

}  // namespace

TEST_CASE("env reads the three AZURE_ variables and marks the secret") {
  const auto p = loadPlugin("source", "env");
  setAll();
  InMemoryHost h;
  kr_test::azureHost(h);
  REQUIRE(resolve(p, h) == KR_OK);
  unsetAll();
  CHECK(h.credentials.at("tenant_id") == "tttttttt-0000-0000-0000-000000000001");
  CHECK(h.credentials.at("client_id") == "cccccccc-0000-0000-0000-000000000002");
  CHECK(h.credentials.at("client_secret") == kEnvSecret);
  CHECK(putSecret(h, "client_secret"));
  CHECK_FALSE(putSecret(h, "client_id"));
  CHECK(h.allOutput().find(kEnvSecret) == std::string::npos);
}

TEST_CASE("env is unavailable when none of the variables is set") {
  const auto p = loadPlugin("source", "env");
  unsetAll();
  InMemoryHost h;
  kr_test::azureHost(h);
  CHECK(resolve(p, h) == KR_ERR_UNAVAILABLE);
  CHECK(errorCode(h) == "credential.unavailable");
  CHECK(h.credentials.empty());
}

TEST_CASE("env names the missing variable of a partial set") {
  const auto p = loadPlugin("source", "env");
  setAll();
  unsetenv("AZURE_CLIENT_ID");
  InMemoryHost h;
  kr_test::azureHost(h);
  CHECK(resolve(p, h) == KR_ERR_CONFIG);
  unsetAll();
  CHECK(errorCode(h) == "credential.incomplete");
  CHECK(errorMessage(h).find("'AZURE_CLIENT_ID' is not set") != std::string::npos);
  CHECK(errorMessage(h).find("AZURE_TENANT_ID") == std::string::npos);
  CHECK(h.allOutput().find(kEnvSecret) == std::string::npos);
  CHECK(h.credentials.empty());
}

TEST_CASE("env treats an empty variable as missing") {
  const auto p = loadPlugin("source", "env");
  setAll();
  setenv("AZURE_CLIENT_SECRET", "", 1);
  setenv("AZURE_TENANT_ID", " ", 1);
  InMemoryHost h;
  kr_test::azureHost(h);
  CHECK(resolve(p, h) == KR_ERR_CONFIG);
  unsetAll();
  CHECK(errorMessage(h).find("'AZURE_TENANT_ID' and 'AZURE_CLIENT_SECRET' are not set") != std::string::npos);
}
