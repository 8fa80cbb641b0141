// env: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET. ctest runs every test case in its own process, so
// setting variables here cannot leak into other cases.
#include "loaded_plugin.hpp"

#include <doctest/doctest.h>

#include <cstdlib>

using kr_test::FakeHost;
using kr_test::LoadedPlugin;
using kr_test::pluginPath;

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
  LoadedPlugin p(pluginPath("source", "env"));
  setAll();
  FakeHost h;
  REQUIRE(p.resolve(h) == KR_OK);
  unsetAll();
  CHECK(h.credentials.at("tenant_id").value == "tttttttt-0000-0000-0000-000000000001");
  CHECK(h.credentials.at("client_id").value == "cccccccc-0000-0000-0000-000000000002");
  CHECK(h.credentials.at("client_secret").value == kEnvSecret);
  CHECK(h.credentials.at("client_secret").secret == true);
  CHECK(h.credentials.at("client_id").secret == false);
  CHECK(h.allOutput().find(kEnvSecret) == std::string::npos);
}

TEST_CASE("env is unavailable when none of the variables is set") {
  LoadedPlugin p(pluginPath("source", "env"));
  unsetAll();
  FakeHost h;
  CHECK(p.resolve(h) == KR_ERR_UNAVAILABLE);
  CHECK(h.errorCode == "credential.unavailable");
  CHECK(h.credentials.empty());
}

TEST_CASE("env names the missing variable of a partial set") {
  LoadedPlugin p(pluginPath("source", "env"));
  setAll();
  unsetenv("AZURE_CLIENT_ID");
  FakeHost h;
  CHECK(p.resolve(h) == KR_ERR_CONFIG);
  unsetAll();
  CHECK(h.errorCode == "credential.incomplete");
  CHECK(h.errorMessage.find("'AZURE_CLIENT_ID' is not set") != std::string::npos);
  CHECK(h.errorMessage.find("AZURE_TENANT_ID") == std::string::npos);
  CHECK(h.allOutput().find(kEnvSecret) == std::string::npos);
  CHECK(h.credentials.empty());
}

TEST_CASE("env treats an empty variable as missing") {
  LoadedPlugin p(pluginPath("source", "env"));
  setAll();
  setenv("AZURE_CLIENT_SECRET", "", 1);
  setenv("AZURE_TENANT_ID", " ", 1);
  FakeHost h;
  CHECK(p.resolve(h) == KR_ERR_CONFIG);
  unsetAll();
  CHECK(h.errorMessage.find("'AZURE_TENANT_ID' and 'AZURE_CLIENT_SECRET' are not set") != std::string::npos);
}
