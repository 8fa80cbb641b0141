#include "imds_client.hpp"

#include <keeper_rotate/field_rules.hpp>
#include <keeper_rotate/sdk.hpp>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

#include <string.h>  // explicit_bzero, strcasecmp

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <istream>
#include <optional>
#include <string_view>

namespace keeper_rotate::sources::instance_role {
namespace {

constexpr const char* kIpv4Host = "169.254.169.254";
constexpr const char* kIpv6Host = "fd00:ec2::254";
/// The credential document is a few hundred bytes; anything far larger is not the metadata service.
constexpr std::size_t kMaxBody = 64 * 1024;

std::optional<std::string> variable(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return std::nullopt;
  const auto t = field_rules::trim(v);
  if (t.empty()) return std::nullopt;
  return std::string(t);
}

Error badVariable(const char* name, const std::string& why) {
  return configError("imds.settings", std::string("environment variable ") + name + " " + why);
}

void endpointFromUrl(const std::string& text, ImdsSettings& s) {
  Poco::URI uri;
  try {
    uri = Poco::URI(text);
  } catch (const Poco::Exception&) {
    throw badVariable(kEndpointVariable, "is not a URL; give the metadata service as http://HOST[:PORT]");
  }
  if (uri.getScheme() != "http")
    throw badVariable(kEndpointVariable,
                      "must be an http:// URL: the instance metadata service speaks plain HTTP on the instance");
  if (uri.getHost().empty() || !uri.getUserInfo().empty() || !uri.getRawQuery().empty() ||
      !uri.getFragment().empty() || (!uri.getPath().empty() && uri.getPath() != "/"))
    throw badVariable(kEndpointVariable, "must be http://HOST[:PORT] without a path, query or user name");
  s.host = uri.getHost();
  s.port = uri.getPort();
  const bool ipv6 = s.host.find(':') != std::string::npos;
  s.baseUrl = "http://" + (ipv6 ? "[" + s.host + "]" : s.host);
  if (s.port != 80) s.baseUrl += ":" + std::to_string(s.port);
}

}  // namespace

bool metadataDisabled() {
  const auto v = variable(kDisabledVariable);
  return v && strcasecmp(v->c_str(), "true") == 0;
}

ImdsSettings settingsFromEnvironment() {
  ImdsSettings s;
  if (const auto endpoint = variable(kEndpointVariable)) {
    endpointFromUrl(*endpoint, s);
  } else {
    const auto mode = variable(kEndpointModeVariable);
    const bool ipv6 = mode && strcasecmp(mode->c_str(), "IPv6") == 0;
    if (mode && !ipv6 && strcasecmp(mode->c_str(), "IPv4") != 0)
      throw badVariable(kEndpointModeVariable, "must be IPv4 or IPv6");
    s.host = ipv6 ? kIpv6Host : kIpv4Host;
    s.port = 80;
    s.baseUrl = ipv6 ? std::string("http://[") + kIpv6Host + "]" : std::string("http://") + kIpv4Host;
  }
  if (const auto timeout = variable(kTimeoutVariable)) {
    errno = 0;
    char* end = nullptr;
    const double seconds = std::strtod(timeout->c_str(), &end);
    if (errno != 0 || end == timeout->c_str() || *end != '\0' || !std::isfinite(seconds) || seconds <= 0 ||
        seconds > 300)
      throw badVariable(kTimeoutVariable, "must be a number of seconds greater than 0 and at most 300");
    s.timeout = std::chrono::milliseconds(std::max<long long>(1, std::llround(seconds * 1000)));
  }
  if (const auto attempts = variable(kAttemptsVariable)) {
    const auto n = field_rules::parseInteger(*attempts);
    if (!n || *n < 1 || *n > 10) throw badVariable(kAttemptsVariable, "must be a whole number from 1 to 10");
    s.attempts = static_cast<int>(*n);
    s.tokenAttempts = s.attempts;
  }
  return s;
}

ImdsResponse::ImdsResponse(ImdsResponse&& other) noexcept
    : status(other.status), reason(std::move(other.reason)), body(std::move(other.body)) {
  other.body.clear();
}
ImdsResponse& ImdsResponse::operator=(ImdsResponse&& other) noexcept {
  if (this != &other) {
    if (!body.empty()) explicit_bzero(body.data(), body.size());
    status = other.status;
    reason = std::move(other.reason);
    body = std::move(other.body);
    other.body.clear();
  }
  return *this;
}
ImdsResponse::~ImdsResponse() {
  if (!body.empty()) explicit_bzero(body.data(), body.size());
}

namespace {

ImdsResponse once(const ImdsSettings& settings, const std::string& method, const std::string& path,
                  const Headers& headers) {
  ImdsResponse out;
  try {
    Poco::Net::HTTPClientSession session(settings.host, settings.port);
    // Never a proxy: the service is on the instance itself, and its answers carry keys.
    session.setProxyConfig(Poco::Net::HTTPClientSession::ProxyConfig());
    const Poco::Timespan timeout(std::chrono::duration_cast<std::chrono::microseconds>(settings.timeout).count());
    session.setTimeout(timeout, timeout, timeout);
    session.setKeepAlive(false);

    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [name, value] : headers) request.set(name, value);
    if (method == Poco::Net::HTTPRequest::HTTP_PUT || method == Poco::Net::HTTPRequest::HTTP_POST)
      request.setContentLength(0);
    session.sendRequest(request);

    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    out.status = static_cast<int>(response.getStatus());
    // The standard phrase, not the server's: what messages show should not depend on what a server chose to say.
    out.reason = Poco::Net::HTTPResponse::getReasonForStatus(response.getStatus());
    char buffer[4096];
    while (in) {
      in.read(buffer, sizeof buffer);
      const auto n = static_cast<std::size_t>(in.gcount());
      if (out.body.size() + n > kMaxBody) {
        explicit_bzero(buffer, sizeof buffer);
        throw NoAnswer("the answer to " + method + " " + path + " is larger than " + std::to_string(kMaxBody) +
                       " bytes, which no metadata service answer is");
      }
      out.body.append(buffer, n);
    }
    explicit_bzero(buffer, sizeof buffer);
    if (in.bad()) throw NoAnswer("the answer to " + method + " " + path + " broke off");
    if (response.hasContentLength() && static_cast<std::size_t>(response.getContentLength64()) != out.body.size())
      throw NoAnswer("the answer to " + method + " " + path + " was cut short");
  } catch (const Poco::Exception& e) {
    throw NoAnswer(e.displayText());
  }
  return out;
}

}  // namespace

ImdsResponse exchange(const ImdsSettings& settings, const std::string& method, const std::string& path,
                      const Headers& headers, int attempts, const std::function<void(const std::string&)>& note) {
  for (int attempt = 1;; ++attempt) {
    const std::string what = method + " " + settings.baseUrl + path + " (attempt " + std::to_string(attempt) +
                             " of " + std::to_string(attempts) + ")";
    try {
      ImdsResponse r = once(settings, method, path, headers);
      note(what + ": HTTP " + std::to_string(r.status));
      if (r.status < 500 || attempt >= attempts) return r;
    } catch (const NoAnswer& e) {
      note(what + ": no answer (" + std::string(e.what()) + ")");
      if (attempt >= attempts) throw;
    }
  }
}

}  // namespace keeper_rotate::sources::instance_role
