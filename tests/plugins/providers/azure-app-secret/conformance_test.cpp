// The SDK test kit's conformance check on the built azure-app-secret plugin file, loaded as the host loads it, with
// a fake-entra tenant as the backend: metadata, field validation, no mutation in validate or --dry-run, rollback
// exactly once when the writer fails (the kit's failing writer), and no secret in any output.
#include "fixture.hpp"

#include <keeper_rotate/testing/kit.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>

using namespace azure_test;
namespace kt = keeper_rotate::testing;

namespace {

const kt::Plugin& plugin() {
  static const kt::Plugin p = kt::load(KR_AZURE_PLUGIN);
  return p;
}

/// The plugin builds its HTTPS client and timing from the environment (RotationSettings::fromEnvironment): trust the
/// test CA, never use a proxy, and keep the proof's pauses short.
void useFakeEnvironment(const Fixture& f) {
  setenv("SSL_CERT_FILE", f.ca.caCertFile().c_str(), 1);
  setenv("KEEPER_ROTATE_AZURE_VERIFY_INTERVAL_MS", "20", 1);
  setenv("KEEPER_ROTATE_AZURE_RETRY_BASE_MS", "20", 1);
  unsetenv("HTTPS_PROXY");
  unsetenv("https_proxy");
}

kt::ConformanceOptions options(Fixture& f) {
  kt::ConformanceOptions o;
  o.input = kt::gatewayInput()
                .pamUser(kt::record("PamUser000000000000001")
                             .title("payments-api client secret")
                             .field("application_object_id", f.targetObjectId)
                             .field("azure_authority_host", f.fake->baseUrl())
                             .field("azure_graph_endpoint", f.fake->baseUrl())
                             .field("verify_timeout_seconds", "30"))
                .providerRecordUid("PamConfig0000000000001");
  o.credentials = {{"tenant_id", f.tenantId}, {"client_id", f.adminAppId}, {"client_secret", f.adminSecret}};
  o.prepare = [&f](kt::InMemoryHost& host) {
    for (std::size_t i = 0; i < f.oldSecretValues.size(); ++i)
      host.extraSecrets.push_back({"old target secret #" + std::to_string(i + 1), f.oldSecretValues[i]});
  };
  // Everything but reads and token requests changes Entra ID.
  o.backendMutations = [&f] {
    std::vector<std::string> m;
    for (const auto& r : f.fake->requests())
      if (r.method != "GET" && r.path.find("/oauth2/v2.0/token") == std::string::npos)
        m.push_back(r.method + " " + r.path);
    return m;
  };
  o.keyExists = [&f](const std::string& id) { return contains(f.targetKeyIds(), id); };
  return o;
}

}  // namespace

TEST_CASE("azure plugin file passes the SDK kit's conformance check against fake-entra") {
  Fixture f;
  useFakeEnvironment(f);
  const kt::Report report = kt::checkConformance(plugin(), options(f));
  INFO(report.text());
  CHECK(report.ok());
  for (const char* check : {"metadata", "required-fields", "validate-no-mutation", "rotation",
                            "rollback-on-writer-failure", "errors-explained", "no-secret-in-output"})
    CHECK_MESSAGE(std::find(report.checks().begin(), report.checks().end(), check) != report.checks().end(), check);
  // The rotation (delete-all) left its new secret only; the store and verify failures removed what they created;
  // the failed revert kept its new secret on purpose (the record may hold it).
  CHECK(f.targetKeyIds().size() == 2);
}

TEST_CASE("azure plugin file: the kit's failing writer makes it roll back exactly once, and the secret is gone") {
  Fixture f;
  useFakeEnvironment(f);
  kt::InMemoryHost host;
  const kt::ConformanceOptions o = options(f);
  host.useInput(o.input);
  host.credentials = o.credentials;
  kt::FailingWriter writer(kt::FailAt::Verify);
  const kt::RunOutcome out = kt::runRotation(host, plugin(), writer);
  CHECK(out.failedStage == "verify");
  CHECK(out.exitCode == kt::kExitFailed);
  CHECK(out.count("revert") == 1);
  CHECK(out.count("rollback") == 1);
  CHECK(out.rollbackOk);
  CHECK(out.count("retire") == 0);
  REQUIRE(host.keys(KR_KEY_CREATED).size() == 1);
  CHECK_FALSE(contains(f.targetKeyIds(), host.keys(KR_KEY_CREATED)[0]));
  CHECK(f.targetKeyIds() == f.oldKeyIds);
  const auto leaks = kt::findLeaks(host);
  CHECK_MESSAGE(leaks.empty(), keeper_rotate::text::join(leaks, "\n"));
}

TEST_CASE("azure plugin file: a record without application_object_id is refused before Entra ID is asked") {
  Fixture f;
  useFakeEnvironment(f);
  kt::InMemoryHost host;
  const kt::ConformanceOptions o = options(f);
  host.useInput(o.input);
  host.credentials = o.credentials;
  host.fields.erase("application_object_id");
  kt::InMemoryWriter writer;
  const kt::RunOutcome out = kt::runRotation(host, plugin(), writer);
  CHECK(out.error.code == "field.missing");
  CHECK(out.error.message.find("custom field 'application_object_id' is required by provider/azure-app-secret") !=
        std::string::npos);
  CHECK(out.calls.empty());
  CHECK(f.fake->requests().empty());
}
