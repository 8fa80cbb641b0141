// Shared fixture for KSM tests: a test CA, the fake KSM server and client options trusting that CA.
#pragma once

#include <fake_ksm.hpp>
#include <https_server.hpp>
#include <kr_ksm/client.hpp>
#include <kr_ksm/config.hpp>
#include <test_ca.hpp>

#include <string>

namespace kr_ksm_test {

struct FakeEnv {
  keeper_rotate::testsupport::TempDir dir{"ksm-test"};
  keeper_rotate::testsupport::TestCa ca = keeper_rotate::testsupport::TestCa::create(dir.path() + "/ca");
  keeper_rotate::fakeksm::FakeKsm fake{ca};

  keeper_rotate::ksm::ClientOptions options() const {
    keeper_rotate::ksm::ClientOptions o;
    o.https.caFile = ca.caCertFile();
    o.https.useProxyEnvironment = false;
    o.throttleBaseDelay = std::chrono::milliseconds(10);
    return o;
  }
  keeper_rotate::ksm::Config deviceConfig() { return keeper_rotate::ksm::parseConfig(fake.createDevice().json, "fake device"); }
  keeper_rotate::ksm::Client client() { return keeper_rotate::ksm::Client(deviceConfig(), options()); }
};

/// A PAM User record as the vault stores it (password, login, a few custom fields).
inline std::string pamUserJson(const std::string& title, const std::string& password) {
  return R"({"title":")" + title + R"(","type":"pamUser","fields":[{"type":"login","value":["azure-app"]},)" +
         R"({"type":"password","value":[")" + password + R"("]},{"type":"checkbox","label":"managed","value":[true]}],)" +
         R"("custom":[{"type":"text","label":"application_object_id","value":["11111111-2222-4333-8444-555555555555"]},)" +
         R"({"type":"text","label":"note","value":["ünïcode ✓"]}],"notes":"kept as is"})";
}

}  // namespace kr_ksm_test
