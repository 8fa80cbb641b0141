// Credential source `env`: the admin credential from the process environment, under the variable names the
// selected provider declares for each part (the Azure provider: AZURE_TENANT_ID, AZURE_CLIENT_ID,
// AZURE_CLIENT_SECRET, as the Azure SDKs name them). Meant for labs, CI and hosts where the Gateway's service
// environment is managed separately; the vault-based sources are preferred because Keeper audits access to them.
#include "credential_text.hpp"

#include <keeper_rotate/sdk.hpp>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace {

using keeper_rotate::Context;
namespace s = keeper_rotate::sources;

std::optional<std::string_view> variable(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  auto t = s::trim(v);
  if (t.empty()) return std::nullopt;
  return t;
}

class EnvSource final : public keeper_rotate::CredentialSource {
 public:
  static constexpr const char* kName = "env";
  static constexpr const char* kVersion = "0.2.0";
  static constexpr const char* kDescription =
      "Admin credential from the environment, under the variable names the provider declares (plugins describe "
      "<provider> lists them)";

  bool resolve(Context& ctx) override {
    const auto wanted = s::wantedParts(ctx, s::Location::Environment, "environment variables");
    if (!wanted) return false;
    const std::vector<std::string> required = wanted->requiredFrom();
    std::vector<std::string> missing;
    for (const auto& name : required)
      if (!variable(name)) missing.push_back(name);
    if (!required.empty() && missing.size() == required.size()) {
      ctx.setError("credential.unavailable", s::joinList(required, false) + " are not set");
      return false;
    }
    if (!missing.empty())
      throw keeper_rotate::configError(
          "credential.incomplete", "environment variable" + std::string(missing.size() > 1 ? "s " : " ") +
                                       s::joinQuoted(missing) + (missing.size() > 1 ? " are" : " is") +
                                       " not set or empty, while the provider's other credential variables are; set " +
                                       (missing.size() > 1 ? "them" : "it") + " or unset them all");
    std::vector<std::string> used;
    for (const auto& part : wanted->parts)
      if (auto v = variable(part.from)) {
        ctx.putCredential(part.partName.c_str(), *v, part.secret);
        used.push_back(part.from);
      }
    ctx.info("admin credential from " + s::joinList(used, false));
    return true;
  }
};

}  // namespace

KEEPER_ROTATE_REGISTER_CREDENTIAL_SOURCE(EnvSource)
