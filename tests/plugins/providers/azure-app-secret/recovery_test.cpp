// The provider side of the host's crash journal (ABI 1.3 kr_provider_ops::remove) for azure-app-secret, on the
// built plugin file against fake-entra: a secret a killed run created is not an old secret of this run and is
// removed by remove; an id that is not a secret of the target app is left alone.
#include "fixture.hpp"

#include <keeper_rotate/testing/kit.hpp>

#include <doctest/doctest.h>

#include <cstdlib>

using namespace azure_test;
namespace kt = keeper_rotate::testing;

TEST_CASE("azure remove: a killed run's secret is removed after validate, and only a secret of the target app") {
  Fixture f;
  setenv("SSL_CERT_FILE", f.ca.caCertFile().c_str(), 1);
  setenv("KEEPER_ROTATE_AZURE_RETRY_BASE_MS", "10", 1);
  unsetenv("HTTPS_PROXY");
  unsetenv("https_proxy");
  static const kt::Plugin plugin = kt::load(KR_AZURE_PLUGIN);
  const std::string stray = f.fake->addPassword(f.targetObjectId, "keeper-rotate 2026-12-01 10:00:00Z").keyId;
  kt::InMemoryHost host;
  host.declare(plugin);
  f.configure(host);
  host.settings["journaled_key_ids"] = stray;
  kt::Instance instance(plugin, host);
  const auto validated = instance.call(plugin.provider()->validate, "validate");
  INFO(validated.message);
  REQUIRE(validated.ok());
  CHECK(host.logged("left by a killed run will be removed first"));

  host.settings["remove_key_id"] = stray;
  CHECK(instance.call(plugin.provider()->remove, "recover").ok());
  CHECK_FALSE(contains(f.targetKeyIds(), stray));
  for (const auto& id : f.oldKeyIds) CHECK(contains(f.targetKeyIds(), id));

  // Not journaled (an old secret, the admin's own secret): left alone.
  for (const std::string& other : {f.oldKeyIds.front(), f.adminKeyId}) {
    host.settings["remove_key_id"] = other;
    CHECK(instance.call(plugin.provider()->remove, "recover").ok());
  }
  CHECK(contains(f.targetKeyIds(), f.oldKeyIds.front()));
  CHECK(f.fake->passwords(f.adminObjectId).size() == 1);
}
