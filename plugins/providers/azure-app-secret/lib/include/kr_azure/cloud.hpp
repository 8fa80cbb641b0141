// Which token authority and Graph root a run talks to (azure_cloud / azure_authority_host /
// azure_graph_endpoint; docs/azure-graph.md §1.1-§1.2).
#pragma once

#include <keeper_rotate/text.hpp>

#include <string>

namespace kr_azure {

struct Endpoints {
  std::string authority;  ///< e.g. https://login.microsoftonline.com (no trailing slash)
  std::string graph;      ///< e.g. https://graph.microsoft.com (no trailing slash)

  /// The tenant is one path segment, percent-encoded: a tenant_id with '/', '?' or a space is sent as given for
  /// Entra to refuse (AADSTS900023), never turned into another path or an unsendable URL.
  std::string tokenUrl(const std::string& tenant) const {
    return authority + "/" + keeper_rotate::text::percentEncode(tenant) + "/oauth2/v2.0/token";
  }
  std::string scope() const { return graph + "/.default"; }
};

/// Default roots of a cloud name: public | usgov | usgov-dod | china. Throws keeper_rotate::Error (config) for others.
Endpoints cloudEndpoints(const std::string& cloud);

/// The cloud's roots with the explicit overrides applied (empty override: keep the cloud's). Overrides must be
/// https:// URLs without query or fragment; a trailing '/' is dropped. Throws keeper_rotate::Error (config).
Endpoints resolveEndpoints(const std::string& cloud, const std::string& authorityOverride,
                           const std::string& graphOverride);

}  // namespace kr_azure
