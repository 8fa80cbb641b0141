// Proxy selection from the conventional environment variables (HTTPS_PROXY / https_proxy, NO_PROXY / no_proxy).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keeper_rotate::https::detail {

struct ProxySettings {
  std::string host;
  std::uint16_t port = 0;
  std::string username;
  std::string password;
};

/// The proxy to use for `targetHost`, or nothing for a direct connection. Throws std::invalid_argument when the
/// proxy variable is set but unusable (a silent direct connection would surprise an admin behind a proxy).
std::optional<ProxySettings> proxyFor(std::string_view targetHost);

/// NO_PROXY matching: "*" matches everything; "example.com" and ".example.com" match the host and its subdomains;
/// entries may carry a ":port" which is ignored. Exposed for tests.
bool hostMatchesNoProxy(std::string_view host, std::string_view noProxyList);

}  // namespace keeper_rotate::https::detail
