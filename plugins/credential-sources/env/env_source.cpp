// Credential source `env`: the admin credential from the process environment, named as the Azure SDKs name them
// (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET). Meant for labs, CI and hosts where the Gateway's service
// environment is managed separately; the vault-based sources are preferred because Keeper audits access to them.
#include "credential_text.hpp"

#include <keeper_rotate/sdk.hpp>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace {

using keeper_rotate::Context;
using keeper_rotate::Field;
using keeper_rotate::sources::CredentialPart;

constexpr CredentialPart kVariables[] = {
    {"AZURE_TENANT_ID", "tenant_id", false},
    {"AZURE_CLIENT_ID", "client_id", false},
    {"AZURE_CLIENT_SECRET", "client_secret", true},
};

std::optional<std::string_view> variable(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return std::nullopt;
  auto t = keeper_rotate::sources::trimmed(v);
  if (t.empty()) return std::nullopt;
  return t;
}

class EnvSource final : public keeper_rotate::CredentialSource {
 public:
  static constexpr const char* kName = "env";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr const char* kDescription =
      "Admin app credential from the environment: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET";
  // Not record fields: the ABI has no other way to document what a source reads, and an empty table is not
  // valid C++, so the variables are listed as fields that live outside the PAM User record.
  static constexpr kr_field_spec kFields[] = {
      Field::input("AZURE_TENANT_ID").required().onOtherRecord().describe(
          "Environment variable (not a record field): the Entra ID tenant id"),
      Field::input("AZURE_CLIENT_ID").required().onOtherRecord().describe(
          "Environment variable (not a record field): the admin app's application (client) id"),
      Field::input("AZURE_CLIENT_SECRET").required().secret().onOtherRecord().describe(
          "Environment variable (not a record field): a client secret of the admin app"),
  };

  bool resolve(Context& ctx) override {
    std::vector<std::string> missing;
    for (const auto& v : kVariables)
      if (!variable(v.from)) missing.emplace_back(v.from);
    if (missing.size() == std::size(kVariables)) {
      ctx.setError("credential.unavailable", "AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET are not set");
      return false;
    }
    if (!missing.empty())
      throw keeper_rotate::configError(
          "credential.incomplete", "environment variable" + std::string(missing.size() > 1 ? "s " : " ") +
                                       keeper_rotate::sources::joinQuoted(missing) + (missing.size() > 1 ? " are" : " is") +
                                       " not set or empty, while the other AZURE_* credential variables are; set " +
                                       (missing.size() > 1 ? "them" : "it") + " or unset them all");
    for (const auto& v : kVariables) ctx.putCredential(v.partName, *variable(v.from), v.secret);
    ctx.info("admin credential from AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET");
    return true;
  }
};

}  // namespace

KEEPER_ROTATE_REGISTER_CREDENTIAL_SOURCE(EnvSource)
