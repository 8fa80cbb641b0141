// URL parsing for the client and for plugins that check configured endpoints (keeper_rotate/https_client.hpp).
// Strict on purpose: what it accepts is what the client sends, byte for byte.
#include "keeper_rotate/https_client.hpp"

#include <cctype>

namespace keeper_rotate::https {
namespace {

bool schemeChar(char c, bool first) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalpha(u) != 0 || (!first && (std::isdigit(u) != 0 || c == '+' || c == '-' || c == '.'));
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

unsigned defaultPort(const std::string& scheme) {
  if (scheme == "https") return 443;
  if (scheme == "http") return 80;
  return 0;
}

}  // namespace

std::string Url::target() const {
  std::string out = path.empty() ? "/" : path;
  if (hasQuery) out += "?" + query;
  return out;
}

std::string Url::authority() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != defaultPort(scheme)) out += ":" + std::to_string(port);
  return out;
}

std::optional<Url> parseUrl(std::string_view text) {
  for (const char c : text)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return std::nullopt;
  Url url;
  const auto colon = text.find("://");
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  for (std::size_t i = 0; i < colon; ++i) {
    if (!schemeChar(text[i], i == 0)) return std::nullopt;
    url.scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
  }
  std::string_view rest = text.substr(colon + 3);
  const auto authorityEnd = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authorityEnd);
  rest = authorityEnd == std::string_view::npos ? std::string_view() : rest.substr(authorityEnd);

  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    url.userInfo = std::string(authority.substr(0, at));
    authority.remove_prefix(at + 1);
  }
  std::string_view portText;
  bool hasPort = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    url.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      hasPort = true;
      portText = after.substr(1);
    }
  } else {
    const auto portColon = authority.find(':');
    url.host = std::string(authority.substr(0, portColon));
    if (portColon != std::string_view::npos) {
      hasPort = true;
      portText = authority.substr(portColon + 1);
    }
    if (url.host.find_first_of("[]") != std::string::npos) return std::nullopt;
  }
  if (url.host.empty()) return std::nullopt;
  url.port = defaultPort(url.scheme);
  if (hasPort && !portText.empty()) {
    if (portText.size() > 5) return std::nullopt;
    unsigned port = 0;
    for (const char c : portText) {
      if (std::isdigit(static_cast<unsigned char>(c)) == 0) return std::nullopt;
      port = port * 10 + static_cast<unsigned>(c - '0');
    }
    if (port == 0 || port > 65535) return std::nullopt;
    url.port = port;
  }

  const auto hash = rest.find('#');
  if (hash != std::string_view::npos) {
    url.hasFragment = true;
    url.fragment = std::string(rest.substr(hash + 1));
    rest = rest.substr(0, hash);
  }
  const auto question = rest.find('?');
  if (question != std::string_view::npos) {
    url.hasQuery = true;
    url.query = std::string(rest.substr(question + 1));
    rest = rest.substr(0, question);
  }
  url.path = std::string(rest);
  return url;
}

std::optional<std::string> percentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());  // never grows: no stray copy of a decoded password
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int high = i + 1 < text.size() ? hexValue(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? hexValue(text[i + 2]) : -1;
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

}  // namespace keeper_rotate::https
