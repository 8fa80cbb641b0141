// RotationSettings from the environment and RotationConfig from the PAM User record fields.
#include "kr_azure/secret_lifecycle.hpp"

#include <cstdlib>
#include <regex>

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

int intField(const keeper_rotate::Context& ctx, const char* label, int fallback, int min, int max) {
  auto v = ctx.field(label);
  if (!v || v->empty()) return fallback;
  static const std::regex kInt("^\\s*[0-9]{1,9}\\s*$");
  const std::string text(*v);
  if (!std::regex_match(text, kInt) || std::stoi(text) < min || std::stoi(text) > max)
    throw keeper_rotate::configError("field." + std::string(label), std::string(label) + " is '" + text +
                                                                         "'; expected a whole number from " +
                                                                         std::to_string(min) + " to " +
                                                                         std::to_string(max));
  return std::stoi(text);
}

std::string textField(const keeper_rotate::Context& ctx, const char* label, const std::string& fallback = "") {
  auto v = ctx.field(label);
  std::string s = v ? std::string(*v) : std::string();
  const auto b = s.find_first_not_of(" \t\r\n");
  s = b == std::string::npos ? "" : s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
  return s.empty() ? fallback : s;
}

}  // namespace

RotationSettings RotationSettings::fromEnvironment() {
  RotationSettings s;
  if (auto ms = envMillis("KEEPER_ROTATE_AZURE_VERIFY_INTERVAL_MS")) s.proveInterval = std::chrono::milliseconds(*ms);
  if (auto ms = envMillis("KEEPER_ROTATE_AZURE_RETRY_BASE_MS")) s.retry.baseDelay = std::chrono::milliseconds(*ms);
  return s;
}

RotationConfig RotationConfig::fromContext(const keeper_rotate::Context& ctx) {
  RotationConfig c;
  c.target = textField(ctx, "application_object_id");
  static const std::regex kGuid("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
  if (c.target.empty())
    throw keeper_rotate::configError("field.application_object_id",
                                     "The PAM User record has no application_object_id: set it to the target app's "
                                     "Object ID or Application (client) ID");
  if (!std::regex_match(c.target, kGuid))
    throw keeper_rotate::configError("field.application_object_id",
                                     "application_object_id '" + c.target +
                                         "' is not a GUID; use the app's Object ID or Application (client) ID from "
                                         "the Entra ID app registration overview");
  c.lifetimeDays = intField(ctx, "secret_lifetime_days", 365, 1, 36500);
  c.oldSecrets = textField(ctx, "old_secrets", "delete-all");
  if (c.oldSecrets != "delete-all" && c.oldSecrets != "keep-previous" && c.oldSecrets != "keep-all")
    throw keeper_rotate::configError("field.old_secrets", "old_secrets is '" + c.oldSecrets +
                                                              "'; expected delete-all, keep-previous or keep-all");
  c.displayName = textField(ctx, "secret_display_name");
  c.endpoints = resolveEndpoints(textField(ctx, "azure_cloud", "public"), textField(ctx, "azure_authority_host"),
                                 textField(ctx, "azure_graph_endpoint"));
  c.verifyTimeoutSeconds = intField(ctx, "verify_timeout_seconds", 300, 0, 3600);
  c.verifySuccesses = intField(ctx, "verify_successes", 3, 1, 100);
  c.previousKeyId = textField(ctx, "client_secret_id");
  return c;
}

}  // namespace kr_azure
