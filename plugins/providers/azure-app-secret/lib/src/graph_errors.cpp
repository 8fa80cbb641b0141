#include "kr_azure/graph_errors.hpp"

namespace kr_azure {

keeper_rotate::Error explainGraphError(const GraphError& e, const ErrorContext& c) {
  const std::string graphSaid = " (HTTP " + std::to_string(e.status) + " " + e.code + ": " + e.graphMessage +
                                (e.requestId.empty() ? "" : "; request-id " + e.requestId) +
                                (e.attempts > 1 ? "; after " + std::to_string(e.attempts) + " attempts" : "") + ")";
  const std::string op = "Microsoft Graph " + c.operation + " on application " + c.targetId;
  if (e.code == "Authorization_RequestDenied")
    return keeper_rotate::configError(
        "graph.Authorization_RequestDenied",
        op + " was denied" + graphSaid + ". The admin app (client id " + c.adminClientId +
            ") needs the Microsoft Graph application permission Application.ReadWrite.All with admin consent, or "
            "Application.ReadWrite.OwnedBy with admin consent AND being an owner of the target application.");
  if (e.code == "CredentialInvalidLifetimeAsPerAppPolicy")
    return keeper_rotate::configError(
        "graph.CredentialInvalidLifetimeAsPerAppPolicy",
        op + " was refused by an app management policy that limits client secret lifetime" + graphSaid +
            ". secret_lifetime_days is " + std::to_string(c.lifetimeDays) +
            "; set secret_lifetime_days on the PAM User record to at most the policy's maximum. Nothing was "
            "changed.");
  if (e.code == "TooManyAppPasswords")
    return keeper_rotate::configError(
        "graph.TooManyAppPasswords",
        op + " was refused" + graphSaid +
            ". Apps that allow personal Microsoft accounts can hold at most 2 client secrets, and this app has " +
            std::to_string(c.existingSecrets) +
            ". keeper-rotate adds the new secret before it removes old ones, so it needs one free slot: nothing was "
            "changed. Remove an unused secret of this app in Entra ID, then rotate again.");
  if (e.code == "Directory_ResourceSizeExceeded")
    return keeper_rotate::configError(
        "graph.Directory_ResourceSizeExceeded",
        op + " was refused because the application holds too many credentials" + graphSaid +
            ". Remove unused secrets or certificates of this app in Entra ID. Nothing was changed.");
  if (e.status == 401)
    return keeper_rotate::configError(
        "graph." + e.code, op + " rejected the access token" + graphSaid +
                               ". azure_graph_endpoint must be the Graph root of the same cloud as "
                               "azure_authority_host / azure_cloud.");
  if (e.status == 404)
    return keeper_rotate::configError("graph.Request_ResourceNotFound",
                                      op + ": the application does not exist in this tenant" + graphSaid + ".");
  return keeper_rotate::failure("graph." + e.code, op + " failed" + graphSaid + ".");
}

}  // namespace kr_azure
