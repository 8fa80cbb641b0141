// Credential source `pam-config`: the admin credential from the PAM Configuration (uid = providerRecordUid), first
// from the Gateway's `records` array, else fetched from Keeper (pam_config_lookup.hpp). Which fields it reads is
// the selected provider's declaration (for Azure: clientId, clientSecret, tenantId of the Azure PAM Configuration).
#include "credential_text.hpp"
#include "pam_config_lookup.hpp"

#include <keeper_rotate/sdk.hpp>

namespace {

using keeper_rotate::Context;
namespace pc = keeper_rotate::sources::pam_config;
namespace s = keeper_rotate::sources;

class PamConfigSource final : public keeper_rotate::CredentialSource {
 public:
  static constexpr const char* kName = "pam-config";
  static constexpr const char* kVersion = "0.2.0";
  static constexpr const char* kDescription =
      "Admin credential from the PAM Configuration, under the field labels the provider declares (plugins describe "
      "<provider> lists them), taken from the Gateway's records, else fetched from Keeper";

  bool resolve(Context& ctx) override {
    auto uid = ctx.input("providerRecordUid");
    const auto configUid = uid ? s::trim(*uid) : std::string_view();
    if (configUid.empty()) {
      ctx.setError("credential.unavailable", "the Gateway input has no providerRecordUid");
      return false;
    }
    const auto wanted = s::wantedParts(ctx, s::Location::PamConfiguration, "the PAM Configuration");
    if (!wanted) return false;
    if (pc::fromRecords(ctx, configUid, *wanted) == pc::Lookup::Found) return true;
    return pc::fromKeeper(ctx, configUid, *wanted) == pc::Lookup::Found;
  }
};

}  // namespace

KEEPER_ROTATE_REGISTER_CREDENTIAL_SOURCE(PamConfigSource)
