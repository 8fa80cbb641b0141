#include "imds_client.hpp"

#include <keeper_rotate/field_rules.hpp>
#include <keeper_rotate/sdk.hpp>

#include <keeper_rotate/https_client.hpp>


#include <string.h>  // explicit_bzero, strcasecmp

#include <cerrno>
#include <cmath>
#include <cstdlib>
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
  const auto uri = https::parseUrl(text);
  if (!uri) throw badVariable(kEndpointVariable, "is not a URL; give the metadata service as http://HOST[:PORT]");
  if (uri->scheme != "http")
    throw badVariable(kEndpointVariable,
                      "must be an http:// URL: the instance metadata service speaks plain HTTP on the instance");
  if (!uri->userInfo.empty() || uri->hasQuery || uri->hasFragment || (!uri->path.empty() && uri->path != "/"))
    throw badVariable(kEndpointVariable, "must be http://HOST[:PORT] without a path, query or user name");
  s.host = uri->host;
  s.port = uri->port;
  const bool ipv6 = s.host.find(':') != std::string::npos;
  s.baseUrl = "http://" + (ipv6 ? "[" + s.host + "]" : s.host);
  if (s.port != 80) s.baseUrl += ":" + std::to_string(s.port);
}

}  // namespace

/// The client and what it was made for: settings changed after the first exchange get a client of their own.
struct ImdsClient {
  std::optional<https::Client> client;
  std::string host;
  std::chrono::milliseconds timeout{0};
};

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
  s.client = std::make_shared<ImdsClient>();
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

/// The standard phrase, not the server's: what messages show should not depend on what a server chose to say.
/// The statuses the metadata service answers with (and the ones a proxy-like box in its place might); empty for the
/// rest, which callers then show as the bare number.
const char* standardReason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

https::Options clientOptions(const ImdsSettings& settings) {
  https::Options options;
  options.connectTimeout = settings.timeout;
  options.ioTimeout = settings.timeout;
  // Never a proxy: the service is on the instance itself, and its answers carry keys.
  options.useProxyEnvironment = false;
  // The bare host (IPv6 without brackets), as the client reads it back from the URL.
  options.plainHttpHosts = {settings.host};
  return options;
}

ImdsResponse once(https::Client& client, const ImdsSettings& settings, const std::string& method,
                  const std::string& path, const Headers& headers) {
  https::Request request(method, settings.baseUrl + path);
  request.headers.assign(headers.begin(), headers.end());  // zeroed with the request (the IMDSv2 token)
  // One connection per attempt, as the service is asked at most a few times per run.
  request.headers.emplace_back("Connection", "close");
  ImdsResponse out;
  try {
    // The response's own destructor zeroes its copy of the body, whichever way this ends.
    const https::Response response = client.send(request);
    if (response.body.size() > kMaxBody)
      throw NoAnswer("the answer to " + method + " " + path + " is larger than " + std::to_string(kMaxBody) +
                     " bytes, which no metadata service answer is");
    out.status = response.status;
    out.reason = standardReason(response.status);
    out.body = response.body;
  } catch (const https::TransportError& e) {
    throw NoAnswer(e.what());
  }
  return out;
}

}  // namespace

ImdsResponse exchange(const ImdsSettings& settings, const std::string& method, const std::string& path,
                      const Headers& headers, int attempts, const std::function<void(const std::string&)>& note) {
  ImdsClient own;
  ImdsClient& shared = settings.client ? *settings.client : own;
  if (shared.client && (shared.host != settings.host || shared.timeout != settings.timeout)) shared.client.reset();
  for (int attempt = 1;; ++attempt) {
    const std::string what = method + " " + settings.baseUrl + path + " (attempt " + std::to_string(attempt) +
                             " of " + std::to_string(attempts) + ")";
    try {
      // Made inside the attempt's try: a client that cannot be set up is that attempt's failure.
      if (!shared.client) {
        try {
          shared.client.emplace(clientOptions(settings));
        } catch (const https::TransportError& e) {
          throw NoAnswer(e.what());
        }
        shared.host = settings.host;
        shared.timeout = settings.timeout;
      }
      ImdsResponse r = once(*shared.client, settings, method, path, headers);
      note(what + ": HTTP " + std::to_string(r.status));
      if (r.status < 500 || attempt >= attempts) return r;
    } catch (const NoAnswer& e) {
      note(what + ": no answer (" + std::string(e.what()) + ")");
      if (attempt >= attempts) throw;
    }
  }
}

}  // namespace keeper_rotate::sources::instance_role
