// A fake tenant with an admin app and a target app on a running fake-entra, plus a host-like driver of the
// rotation steps over the SDK test kit's in-memory host, shared by the azure-app-secret tests.
#pragma once

#include "fake_entra.hpp"

#include "kr_azure/plugin_metadata.hpp"
#include "kr_azure/secret_lifecycle.hpp"

#include <keeper_rotate/sdk.hpp>
#include <keeper_rotate/testing/in_memory_host.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace azure_test {

using TestHost = keeper_rotate::testing::InMemoryHost;

/// The kit's in-memory host with the provider's metadata declared, as the host declares it for a run (field
/// defaults, secret labels, output types, the admin credential), and a Context over it for SecretLifecycle.
struct Driver {
  Driver();
  TestHost host;
  keeper_rotate::Context ctx = host.context();
};

struct FixtureOptions {
  std::vector<std::string> adminPermissions{"Application.ReadWrite.All"};
  bool adminOwnsTarget = false;
  std::string targetAudience = "AzureADMyOrg";
  int targetSecrets = 2;
  int maxLifetimeDays = 0;
};

struct Fixture {
  explicit Fixture(FixtureOptions options = {});

  keeper_rotate::testsupport::TempDir dir{"kr-azure-test"};
  keeper_rotate::testsupport::TestCa ca;
  std::unique_ptr<keeper_rotate::fake_entra::FakeEntra> fake;

  std::string tenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  std::string adminObjectId = "0a0a0a0a-1111-4111-8111-000000000001";
  std::string adminAppId = "1b1b1b1b-2222-4222-8222-000000000001";
  std::string adminSecret;
  std::string adminKeyId;
  std::string targetObjectId = "3c3c3c3c-3333-4333-8333-000000000001";
  std::string targetAppId = "4d4d4d4d-4444-4444-8444-000000000001";
  std::vector<std::string> oldKeyIds;       ///< target's secrets before the run
  std::vector<std::string> oldSecretValues;

  std::vector<std::chrono::milliseconds> sleeps;  ///< every wait the provider asked for

  /// Settings with the test CA, short retry/proof pauses and a sleeper that records (and barely sleeps).
  kr_azure::RotationSettings settings();
  /// PAM User fields pointing at the fake, plus the admin credential.
  void configure(TestHost& host) const;
  /// Does a client-credentials token request with this id and secret succeed now?
  bool tokenWorks(const std::string& clientId, const std::string& secret);
  std::vector<std::string> targetKeyIds() const;
  std::vector<std::string> collectSecrets(const TestHost& host) const;
};

enum class Step { None, Validate, Create, Prove, Retire };

struct Outcome {
  Step failedAt = Step::None;
  kr_status status = KR_OK;
  std::string code, message;
  bool rolledBack = false;
  std::string rollbackError;
};

/// Drive the steps like the host: the PAM User's fields checked against kFields first (nothing runs on a problem),
/// then validate, create, prove, then retire (durable) or rollback (rehearsal); roll back after a failure at create
/// (when a key was reported) or prove.
Outcome runRotation(Driver& d, kr_azure::SecretLifecycle& lifecycle, bool durable = true);

bool contains(const std::vector<std::string>& v, const std::string& x);

}  // namespace azure_test
