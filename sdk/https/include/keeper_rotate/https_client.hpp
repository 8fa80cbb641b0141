// keeper_rotate::https — a strict HTTPS client for plugins and tools (optional SDK component, links Poco NetSSL).
//
// Why it exists: Poco's default client context can prompt on stdin and accept a bad certificate when used inside
// a Poco::Util::Application (docs/toolchain.md, pitfall 6). This client always builds its own context:
// TLS 1.2 minimum, certificate chain and host name verification always on, never interactive.
//
// Trust: Options::caFile if set, else the file named by SSL_CERT_FILE, else the system store.
// Proxy: HTTPS_PROXY / https_proxy (http://[user:pass@]host:port) unless the host matches NO_PROXY / no_proxy.
// Connections are kept alive and reused per scheme://host:port within one Client.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keeper_rotate::https {

struct Options {
  std::chrono::milliseconds connectTimeout{std::chrono::seconds(10)};
  /// Per send/receive operation, not per request.
  std::chrono::milliseconds ioTimeout{std::chrono::seconds(30)};
  /// PEM bundle to trust instead of the system store; empty: SSL_CERT_FILE, else system store.
  std::string caFile;
  /// Honour HTTPS_PROXY / NO_PROXY.
  bool useProxyEnvironment = true;
  std::string userAgent = "keeper-rotate";
};

using Headers = std::vector<std::pair<std::string, std::string>>;

/// A request. The body is zeroed when the request is destroyed, because token requests carry client secrets.
struct Request {
  std::string method = "GET";
  std::string url;  ///< absolute https:// URL (http:// only for loopback hosts, for tests of plain proxies)
  Headers headers;
  std::string body;
  Request() = default;
  Request(std::string m, std::string u) : method(std::move(m)), url(std::move(u)) {}
  Request(const Request&) = default;
  Request& operator=(const Request&) = default;
  ~Request();
};

/// A response. The body is zeroed on destruction (it may carry a new secret or an access token).
struct Response {
  int status = 0;
  std::string reason;
  Headers headers;
  std::string body;
  /// Case-insensitive header lookup.
  std::optional<std::string> header(std::string_view name) const;
  Response() = default;
  Response(const Response&) = default;
  Response(Response&&) = default;
  Response& operator=(const Response&) = default;
  Response& operator=(Response&&) = default;
  ~Response();
};

/// Network-level failure: DNS, connect, TLS handshake or verification, timeout, connection dropped.
/// `what()` names the host and the cause; it never contains request bodies. HTTP error statuses are NOT thrown.
class TransportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Client {
 public:
  explicit Client(Options options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Send one request and read the whole response. Throws TransportError; never throws for an HTTP status.
  /// Does not retry: retry policy belongs to the caller, which knows what is safe to repeat.
  Response send(const Request& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// application/x-www-form-urlencoded encoding of one component (RFC 3986 unreserved characters kept).
std::string formEncode(std::string_view value);

}  // namespace keeper_rotate::https
