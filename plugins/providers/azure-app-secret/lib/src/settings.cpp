// RotationSettings from the environment and RotationConfig from the PAM User record fields.
//
// The host (and the SDK test kit) validated every field against kFields (kr_azure/plugin_metadata.hpp) and applied
// its defaults before any operation runs, so the fields are only read here, through the SDK's typed accessors: no
// rule, bound or default of a field is written twice.
#include "kr_azure/secret_lifecycle.hpp"

#include <cstdlib>

namespace kr_azure {
namespace {

std::optional<long long> envMillis(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  char* end = nullptr;
  const long long n = std::strtoll(v, &end, 10);
  if (*end != '\0' || n < 0 || n > 600000) return std::nullopt;
  return n;
}

}  // namespace

RotationSettings RotationSettings::fromEnvironment() {
  RotationSettings s;
  s.waitThroughHost = true;
  if (auto ms = envMillis("KEEPER_ROTATE_AZURE_VERIFY_INTERVAL_MS")) s.proveInterval = std::chrono::milliseconds(*ms);
  if (auto ms = envMillis("KEEPER_ROTATE_AZURE_RETRY_BASE_MS")) s.retry.baseDelay = std::chrono::milliseconds(*ms);
  return s;
}

RotationConfig RotationConfig::fromContext(const keeper_rotate::Context& ctx) {
  RotationConfig c;
  c.target = ctx.text("application_object_id");
  // Required, so the host refuses a record without it; this guards code that runs the steps without a host.
  if (c.target.empty())
    throw keeper_rotate::configError("field.application_object_id",
                                     "The PAM User record has no application_object_id: set it to the target app's "
                                     "Object ID or Application (client) ID");
  // Bounds from kFields (1..36500, 0..3600, 1..100) keep these within int.
  c.lifetimeDays = static_cast<int>(ctx.integer("secret_lifetime_days"));
  c.oldSecrets = ctx.choice("old_secrets");
  c.displayName = ctx.text("secret_display_name");
  c.endpoints = resolveEndpoints(ctx.choice("azure_cloud"), ctx.text("azure_authority_host"),
                                 ctx.text("azure_graph_endpoint"));
  c.verifyTimeoutSeconds = static_cast<int>(ctx.integer("verify_timeout_seconds"));
  c.verifySuccesses = static_cast<int>(ctx.integer("verify_successes"));
  c.previousKeyId = ctx.text("client_secret_id");
  return c;
}

}  // namespace kr_azure
