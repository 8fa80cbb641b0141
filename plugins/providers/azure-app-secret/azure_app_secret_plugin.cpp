// Provider plugin `azure-app-secret`: rotates an Entra ID application's client secret through Microsoft Graph.
// The logic lives in kr_azure (lib/); this file only registers the metadata of kr_azure/plugin_metadata.hpp (record
// fields as docs/contract.md, "Record fields", lists them, and the admin credential) and forwards the host's
// operations.
#include "kr_azure/plugin_metadata.hpp"
#include "kr_azure/secret_lifecycle.hpp"

#include <keeper_rotate/sdk.hpp>

namespace {

using keeper_rotate::Context;

class AzureAppSecretProvider final : public keeper_rotate::Provider {
 public:
  static constexpr const char* kName = kr_azure::kPluginName;
  static constexpr const char* kVersion = kr_azure::kPluginVersion;
  static constexpr const char* kDescription = kr_azure::kPluginDescription;
  static constexpr auto& kFields = kr_azure::kFields;
  static constexpr const char* kCredentialScheme = kr_azure::kCredentialScheme;
  static constexpr const char* kCredentialSubject = kr_azure::kCredentialSubject;
  static constexpr const char* kCredentialConfiguration = kr_azure::kCredentialConfiguration;
  static constexpr auto& kCredentialParts = kr_azure::kCredentialParts;

  void validate(Context& ctx) override { lifecycle_.validate(ctx); }
  void create(Context& ctx) override { lifecycle_.create(ctx); }
  void prove(Context& ctx) override { lifecycle_.prove(ctx); }
  void retire(Context& ctx) override { lifecycle_.retire(ctx); }
  void rollback(Context& ctx) override { lifecycle_.rollback(ctx); }
  void remove(Context& ctx) override { lifecycle_.remove(ctx); }

 private:
  kr_azure::SecretLifecycle lifecycle_;
};

}  // namespace

KEEPER_ROTATE_REGISTER_PROVIDER(AzureAppSecretProvider)
