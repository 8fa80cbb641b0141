#include "proxy_settings.hpp"

#include <keeper_rotate/https_client.hpp>
#include <keeper_rotate/text.hpp>


#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace keeper_rotate::https::detail {
namespace {

using keeper_rotate::text::lower;
using keeper_rotate::text::trim;

const char* firstEnv(const char* upper, const char* lowerName) {
  const char* value = std::getenv(upper);
  if (value == nullptr || *value == '\0') value = std::getenv(lowerName);
  return (value != nullptr && *value != '\0') ? value : nullptr;
}

}  // namespace

bool hostMatchesNoProxy(std::string_view host, std::string_view noProxyList) {
  const std::string target = lower(host);
  std::size_t start = 0;
  while (start <= noProxyList.size()) {
    std::size_t end = noProxyList.find(',', start);
    if (end == std::string_view::npos) end = noProxyList.size();
    std::string entry = lower(trim(noProxyList.substr(start, end - start)));
    start = end + 1;
    if (entry.empty()) continue;
    if (entry == "*") return true;
    // Strip a port, but not from a bare IPv6 literal.
    if (const auto colon = entry.rfind(':'); colon != std::string::npos && entry.find(':') == colon) entry.erase(colon);
    if (!entry.empty() && entry.front() == '.') entry.erase(0, 1);
    if (target == entry) return true;
    if (target.size() > entry.size() && target.compare(target.size() - entry.size(), entry.size(), entry) == 0 &&
        target[target.size() - entry.size() - 1] == '.')
      return true;
  }
  return false;
}

std::optional<ProxySettings> proxyFor(std::string_view targetHost) {
  const char* proxy = firstEnv("HTTPS_PROXY", "https_proxy");
  if (proxy == nullptr) return std::nullopt;
  if (const char* noProxy = firstEnv("NO_PROXY", "no_proxy"); noProxy != nullptr && hostMatchesNoProxy(targetHost, noProxy))
    return std::nullopt;

  std::string spec(proxy);
  if (spec.find("://") == std::string::npos) spec = "http://" + spec;
  const std::optional<Url> uri = parseUrl(spec);
  if (!uri) throw std::invalid_argument("HTTPS_PROXY is not a valid URL (expected http://host:port)");
  if (uri->scheme != "http")
    throw std::invalid_argument("HTTPS_PROXY must use http:// (a TLS tunnel is opened through it with CONNECT)");
  ProxySettings settings;
  settings.host = uri->host;
  settings.port = uri->port != 0 ? uri->port : 80;
  if (const std::string& info = uri->userInfo; !info.empty()) {
    const auto colon = info.find(':');
    const std::string_view whole(info);
    auto user = percentDecode(whole.substr(0, colon));
    auto pass = colon == std::string::npos ? std::optional<std::string>(std::string()) : percentDecode(whole.substr(colon + 1));
    if (!user || !pass) throw std::invalid_argument("HTTPS_PROXY has a malformed %-escape in its user name or password");
    settings.username = std::move(*user);
    settings.password = std::move(*pass);
  }
  return settings;
}

}  // namespace keeper_rotate::https::detail
