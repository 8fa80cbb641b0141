// The azure-app-secret provider's metadata: its PAM User record fields (docs/contract.md, "Record fields") and its
// admin credential. One table for the plugin (which registers it with the host) and for the tests (which give it to
// the SDK test kit's in-memory host), so the rules and defaults the host applies are written once:
// RotationConfig::fromContext reads the fields through the SDK's typed accessors and repeats none of them.
#pragma once

#include <keeper_rotate/sdk.hpp>

namespace kr_azure {

inline constexpr const char* kPluginName = "azure-app-secret";
inline constexpr const char* kPluginVersion = "0.1.0";
inline constexpr const char* kPluginDescription =
    "Rotate an Entra ID (Azure AD) application's client secret through Microsoft Graph: add, prove, store, then "
    "retire old secrets";

inline constexpr kr_field_spec kFields[] = {
    keeper_rotate::Field::input("application_object_id")
        .uuid()
        .required()
        .describe("Target app: its Object ID, or its Application (client) ID (resolved to the object id)"),
    keeper_rotate::Field::output("client_secret_id")
        .alsoInput()  // read before the run (keep-previous), written after it
        .describe("keyId of the new secret (its value before the run is the secret keep-previous keeps)"),
    keeper_rotate::Field::output("client_secret").secret().describe("The new client secret value"),
    keeper_rotate::Field::output("expires").describe("End of validity of the new secret, ISO-8601 UTC"),
    keeper_rotate::Field::input("secret_lifetime_days")
        .integer(1, 36500)
        .defaultValue("365")
        .describe("Lifetime of the new secret in days"),
    keeper_rotate::Field::input("old_secrets")
        .oneOf("delete-all|keep-previous|keep-all")
        .defaultValue("delete-all")
        .describe("delete-all: remove every other secret of the app; keep-previous: keep the secret Keeper held "
                  "before this run; keep-all: remove nothing"),
    keeper_rotate::Field::input("secret_display_name").describe("Display name of the new secret in Entra ID"),
    keeper_rotate::Field::input("azure_cloud")
        .oneOf("public|usgov|usgov-dod|china")
        .defaultValue("public")
        .describe("Azure cloud: public, usgov (GCC High), usgov-dod (DoD) or china (21Vianet)"),
    keeper_rotate::Field::input("azure_authority_host")
        .url()
        .describe("Token authority root overriding azure_cloud, e.g. https://login.microsoftonline.us"),
    keeper_rotate::Field::input("azure_graph_endpoint")
        .url()
        .describe("Microsoft Graph root overriding azure_cloud, e.g. https://graph.microsoft.us"),
    keeper_rotate::Field::input("verify_timeout_seconds")
        .integer(0, 3600)
        .defaultValue("300")
        .describe("How long to wait for the new secret to work (0 skips the proof, not recommended)"),
    keeper_rotate::Field::input("verify_successes")
        .integer(1, 100)
        .defaultValue("3")
        .describe("Consecutive successful token requests, about a second apart, that prove the new secret"),
};

// The admin credential and where each credential source finds it: the labels of Keeper's own Azure app-secret
// documentation on an attached record, the Azure PAM Configuration's fields, the Azure SDKs' variables.
inline constexpr const char* kCredentialScheme = "azure-client-secret";
inline constexpr const char* kCredentialSubject = "admin app";
inline constexpr const char* kCredentialConfiguration = "Azure";
inline constexpr kr_credential_part kCredentialParts[] = {
    keeper_rotate::CredentialPart::named("tenant_id")
        .onAttachedRecord("tenant_id")
        .inPamConfiguration("tenantId")
        .inEnvironment("AZURE_TENANT_ID")
        .describe("the Entra ID tenant (directory) id"),
    keeper_rotate::CredentialPart::named("client_id")
        .onAttachedRecord("application_client_id")
        .inPamConfiguration("clientId")
        .inEnvironment("AZURE_CLIENT_ID")
        .describe("the admin app's application (client) id"),
    keeper_rotate::CredentialPart::named("client_secret")
        .secret()
        .onAttachedRecord("client_secret")
        .inPamConfiguration("clientSecret")
        .inEnvironment("AZURE_CLIENT_SECRET")
        .describe("a client secret of the admin app"),
};

}  // namespace kr_azure
