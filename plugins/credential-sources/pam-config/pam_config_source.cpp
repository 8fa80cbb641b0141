// Credential source `pam-config`: the admin credential from the Azure PAM Configuration (uid = providerRecordUid),
// first from the Gateway's `records` array, else fetched from Keeper (pam_config_lookup.hpp).
#include "credential_text.hpp"
#include "pam_config_lookup.hpp"

#include <keeper_rotate/sdk.hpp>

namespace {

using keeper_rotate::Context;
using keeper_rotate::Field;
namespace pc = keeper_rotate::sources::pam_config;

class PamConfigSource final : public keeper_rotate::CredentialSource {
 public:
  static constexpr const char* kName = "pam-config";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr const char* kDescription =
      "Admin app credential from the Azure PAM Configuration (clientId, clientSecret, tenantId), taken from the "
      "Gateway's records, else fetched from Keeper";
  static constexpr kr_field_spec kFields[] = {
      Field::input("clientId").required().onOtherRecord().describe(
          "On the Azure PAM Configuration (Client ID, a hidden field there): the admin app's client id"),
      Field::input("clientSecret").required().secret().onOtherRecord().describe(
          "On the Azure PAM Configuration (Client Secret): a client secret of the admin app"),
      Field::input("tenantId").required().onOtherRecord().describe(
          "On the Azure PAM Configuration (Tenant ID, a hidden field there): the Entra ID tenant id"),
  };

  bool resolve(Context& ctx) override {
    auto uid = ctx.input("providerRecordUid");
    const auto configUid = uid ? keeper_rotate::sources::trimmed(*uid) : std::string_view();
    if (configUid.empty()) {
      ctx.setError("credential.unavailable", "the Gateway input has no providerRecordUid");
      return false;
    }
    if (pc::fromRecords(ctx, configUid) == pc::Lookup::Found) return true;
    return pc::fromKeeper(ctx, configUid) == pc::Lookup::Found;
  }
};

}  // namespace

KEEPER_ROTATE_REGISTER_CREDENTIAL_SOURCE(PamConfigSource)
