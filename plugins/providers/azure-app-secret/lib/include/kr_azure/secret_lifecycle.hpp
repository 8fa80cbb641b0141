// The azure-app-secret rotation steps (docs/contract.md, "The rotation, in order") over the token and Graph clients:
// validate, create, prove, retire, rollback. The plugin class is a thin shell over this; tests drive it directly
// through a keeper_rotate::Context backed by a test host table.
#pragma once

#include "kr_azure/cloud.hpp"
#include "kr_azure/graph_client.hpp"
#include "kr_azure/retry_policy.hpp"
#include "kr_azure/token_client.hpp"

#include <keeper_rotate/https_client.hpp>
#include <keeper_rotate/sdk.hpp>
#include <keeper_rotate/secret.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kr_azure {

/// Knobs that are not record fields: transport, retry timing, and the pause between proof attempts.
struct RotationSettings {
  keeper_rotate::https::Options http;
  RetryPolicy retry;
  std::chrono::milliseconds proveInterval{1000};  ///< "about a second apart" (verify_successes)
  std::chrono::milliseconds progressInterval{10000};  ///< info line while waiting for the new secret
  Sleeper sleeper = realSleeper();
  /// Wait through the host (Context::wait) instead of `sleeper`, so a signal or the run's time budget ends every
  /// pause; fromEnvironment() sets it, tests that record their waits leave it off.
  bool waitThroughHost = false;

  /// Defaults, adjusted by KEEPER_ROTATE_AZURE_VERIFY_INTERVAL_MS and KEEPER_ROTATE_AZURE_RETRY_BASE_MS
  /// (milliseconds; meant for tests and demos that must not wait a second per step).
  static RotationSettings fromEnvironment();
};

/// The PAM User record fields (docs/contract.md, "Record fields") as read after the host validated them and
/// applied the defaults of kFields (kr_azure/plugin_metadata.hpp); the rules and defaults live there only.
struct RotationConfig {
  std::string target;  ///< application_object_id as configured (object id or application id)
  int lifetimeDays = 0;
  std::string oldSecrets;
  std::string displayName;  ///< secret_display_name, may be empty (a unique default is chosen)
  Endpoints endpoints;
  int verifyTimeoutSeconds = 0;
  int verifySuccesses = 0;
  std::string previousKeyId;  ///< client_secret_id as the record held it before this run

  static RotationConfig fromContext(const keeper_rotate::Context& ctx);
};

class SecretLifecycle {
 public:
  explicit SecretLifecycle(RotationSettings settings = RotationSettings::fromEnvironment());
  ~SecretLifecycle();

  void validate(keeper_rotate::Context& ctx);
  void create(keeper_rotate::Context& ctx);
  void prove(keeper_rotate::Context& ctx);
  void retire(keeper_rotate::Context& ctx);
  void rollback(keeper_rotate::Context& ctx);
  /// Remove a secret an earlier, killed run created (the host's crash journal): only a secret of the target app.
  void remove(keeper_rotate::Context& ctx);

  // Inspection for tests.
  const RotationConfig& config() const { return config_; }
  const AppInfo& target() const { return target_; }
  const std::string& newKeyId() const { return newKeyId_; }
  bool selfRotation() const { return selfRotation_; }

 private:
  const keeper_rotate::Secret& graphToken(bool refresh);
  void setUp(keeper_rotate::Context& ctx);
  AppInfo resolveTarget(keeper_rotate::Context& ctx);
  std::vector<std::string> findStrays(keeper_rotate::Context& ctx, bool waitForLaggingReads);
  bool removeKey(keeper_rotate::Context& ctx, const std::string& keyId, bool confirmGone);
  template <class Body>
  void guarded(keeper_rotate::Context& ctx, const char* operation, Body&& body);

  RotationSettings settings_;
  RotationConfig config_;
  std::string tenant_, adminClientId_;
  keeper_rotate::Secret adminSecret_;
  std::unique_ptr<keeper_rotate::https::Client> http_;
  std::unique_ptr<TokenClient> tokens_;
  std::unique_ptr<GraphClient> graph_;
  keeper_rotate::Secret accessToken_;
  std::chrono::steady_clock::time_point tokenRefreshAt_{};
  keeper_rotate::Context* currentCtx_ = nullptr;

  AppInfo target_;
  std::vector<std::string> keyIdsBefore_;
  std::vector<std::string> journaled_;  ///< secrets a killed run left; the host has them removed after validate
  bool selfRotation_ = false;
  std::string displayName_;
  std::string newKeyId_;
  keeper_rotate::Secret newSecret_;
  bool newSecretProven_ = false;
  bool retiring_ = false;
};

}  // namespace kr_azure
