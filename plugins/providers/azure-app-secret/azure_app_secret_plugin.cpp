// Provider plugin `azure-app-secret`: rotates an Entra ID application's client secret through Microsoft Graph.
// The logic lives in kr_azure (lib/); this file only declares the record fields (CONTRACT §3) and forwards the
// host's operations.
#include "kr_azure/secret_lifecycle.hpp"

#include <keeper_rotate/sdk.hpp>

namespace {

using keeper_rotate::Context;
using keeper_rotate::CredentialPart;
using keeper_rotate::Field;

constexpr Field uuidInput(const char* label) {
  Field f = Field::input(label);
  f.spec.value_kind = "uuid";
  return f;
}

constexpr Field inAndOut(Field f) {
  f.spec.flags |= KR_FIELD_INPUT;  // read before the run (keep-previous), written after it
  return f;
}

class AzureAppSecretProvider final : public keeper_rotate::Provider {
 public:
  static constexpr const char* kName = "azure-app-secret";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr const char* kDescription =
      "Rotate an Entra ID (Azure AD) application's client secret through Microsoft Graph: add, prove, store, then "
      "retire old secrets";
  static constexpr kr_field_spec kFields[] = {
      uuidInput("application_object_id")
          .required()
          .describe("Target app: its Object ID, or its Application (client) ID (resolved to the object id)"),
      inAndOut(Field::output("client_secret_id"))
          .describe("keyId of the new secret (its value before the run is the secret keep-previous keeps)"),
      Field::output("client_secret").secret().describe("The new client secret value"),
      Field::output("expires").describe("End of validity of the new secret, ISO-8601 UTC"),
      Field::input("secret_lifetime_days")
          .integer(1, 36500)
          .defaultValue("365")
          .describe("Lifetime of the new secret in days"),
      Field::input("old_secrets")
          .oneOf("delete-all|keep-previous|keep-all")
          .defaultValue("delete-all")
          .describe("delete-all: remove every other secret of the app; keep-previous: keep the secret Keeper held "
                    "before this run; keep-all: remove nothing"),
      Field::input("secret_display_name").describe("Display name of the new secret in Entra ID"),
      Field::input("azure_cloud")
          .oneOf("public|usgov|usgov-dod|china")
          .defaultValue("public")
          .describe("Azure cloud: public, usgov (GCC High), usgov-dod (DoD) or china (21Vianet)"),
      Field::input("azure_authority_host")
          .url()
          .describe("Token authority root overriding azure_cloud, e.g. https://login.microsoftonline.us"),
      Field::input("azure_graph_endpoint")
          .url()
          .describe("Microsoft Graph root overriding azure_cloud, e.g. https://graph.microsoft.us"),
      Field::input("verify_timeout_seconds")
          .integer(0, 3600)
          .defaultValue("300")
          .describe("How long to wait for the new secret to work (0 skips the proof, not recommended)"),
      Field::input("verify_successes")
          .integer(1, 100)
          .defaultValue("3")
          .describe("Consecutive successful token requests, about a second apart, that prove the new secret"),
  };
  // The admin credential and where each credential source finds it: the labels of Keeper's own Azure app-secret
  // documentation on an attached record, the Azure PAM Configuration's fields, the Azure SDKs' variables.
  static constexpr const char* kCredentialScheme = "azure-client-secret";
  static constexpr const char* kCredentialSubject = "admin app";
  static constexpr const char* kCredentialConfiguration = "Azure";
  static constexpr kr_credential_part kCredentialParts[] = {
      CredentialPart::named("tenant_id")
          .onAttachedRecord("tenant_id")
          .inPamConfiguration("tenantId")
          .inEnvironment("AZURE_TENANT_ID")
          .describe("the Entra ID tenant (directory) id"),
      CredentialPart::named("client_id")
          .onAttachedRecord("application_client_id")
          .inPamConfiguration("clientId")
          .inEnvironment("AZURE_CLIENT_ID")
          .describe("the admin app's application (client) id"),
      CredentialPart::named("client_secret")
          .secret()
          .onAttachedRecord("client_secret")
          .inPamConfiguration("clientSecret")
          .inEnvironment("AZURE_CLIENT_SECRET")
          .describe("a client secret of the admin app"),
  };

  void validate(Context& ctx) override { lifecycle_.validate(ctx); }
  void create(Context& ctx) override { lifecycle_.create(ctx); }
  void prove(Context& ctx) override { lifecycle_.prove(ctx); }
  void retire(Context& ctx) override { lifecycle_.retire(ctx); }
  void rollback(Context& ctx) override { lifecycle_.rollback(ctx); }

 private:
  kr_azure::SecretLifecycle lifecycle_;
};

}  // namespace

KEEPER_ROTATE_REGISTER_PROVIDER(AzureAppSecretProvider)
