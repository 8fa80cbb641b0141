#include "kr_azure/cloud.hpp"

#include <keeper_rotate/sdk.hpp>

#include <keeper_rotate/https_client.hpp>

namespace kr_azure {

Endpoints cloudEndpoints(const std::string& cloud) {
  // GCC (moderate) tenants use the public cloud; only GCC High (usgov) and DoD (usgov-dod) use the .us hosts.
  if (cloud == "public" || cloud.empty()) return {"https://login.microsoftonline.com", "https://graph.microsoft.com"};
  if (cloud == "usgov") return {"https://login.microsoftonline.us", "https://graph.microsoft.us"};
  if (cloud == "usgov-dod") return {"https://login.microsoftonline.us", "https://dod-graph.microsoft.us"};
  if (cloud == "china") return {"https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"};
  throw keeper_rotate::configError("field.azure_cloud", "azure_cloud is '" + cloud +
                                                            "'; expected one of public, usgov, usgov-dod, china");
}

namespace {

std::string checkedRoot(const std::string& label, std::string value) {
  while (!value.empty() && value.back() == '/') value.pop_back();
  const auto uri = keeper_rotate::https::parseUrl(value);
  if (!uri) throw keeper_rotate::configError("field." + label, label + " '" + value + "' is not a valid URL");
  if (uri->scheme != "https" || uri->hasQuery || uri->hasFragment)
    throw keeper_rotate::configError("field." + label, label + " '" + value +
                                                           "' must be an https:// URL without query or fragment, "
                                                           "e.g. https://login.microsoftonline.us");
  return value;
}

}  // namespace

Endpoints resolveEndpoints(const std::string& cloud, const std::string& authorityOverride,
                           const std::string& graphOverride) {
  Endpoints e = cloudEndpoints(cloud);
  if (!authorityOverride.empty()) e.authority = checkedRoot("azure_authority_host", authorityOverride);
  if (!graphOverride.empty()) e.graph = checkedRoot("azure_graph_endpoint", graphOverride);
  return e;
}

}  // namespace kr_azure
