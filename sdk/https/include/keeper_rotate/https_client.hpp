// keeper_rotate::https — a strict HTTPS client for plugins and tools (optional SDK component; links OpenSSL only).
//
// Why it exists: one client whose TLS is strict and never interactive (Poco's default client context can prompt on
// stdin and accept a bad certificate, docs/toolchain.md, pitfall 6): TLS 1.2 minimum, certificate chain and host
// name verification always on. It speaks HTTP/1.1 over OpenSSL and sockets itself, so a process that uses it loads
// no Poco network or TLS library (tools/bench/README.md has what that saves). Every wait is bounded by the timeouts
// below; responses are framed by Content-Length or chunked encoding (or end with a proper end of stream) and
// limited to 64 KiB of headers and 16 MiB of body.
//
// Trust: Options::caFile if set, else the file named by SSL_CERT_FILE, else the system store.
// Proxy: HTTPS_PROXY / https_proxy (http://[user:pass@]host:port) unless the host matches NO_PROXY / no_proxy;
// plain http:// requests (loopback, Options::plainHttpHosts) never go through a proxy.
// Connections are kept alive and reused per scheme://host:port within one Client. A Client is used by one thread at
// a time.
//
// Inside a keeper-rotate plugin, during an operation, when the host offers kr_host_api::https_send (ABI 1.4), a
// Client sends through the host instead: the host and every plugin then share kept-alive connections and one TLS
// context per trust, so a run makes one TLS handshake per host. The request, its checks and its answer are the same
// either way (the host runs this same client), and such a Client builds no TLS context of its own.
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
  /// Hosts (names or IP addresses, exactly as in the URL, IPv6 without brackets) that may be reached over plain
  /// http:// besides loopback. Empty by default: for a service that only speaks plain HTTP on the machine itself,
  /// such as the EC2 instance metadata service (169.254.169.254), never for a remote API.
  std::vector<std::string> plainHttpHosts;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

/// A request. The body and the header values are zeroed when the request is destroyed: token requests carry
/// client secrets, and headers carry bearer tokens.
struct Request {
  std::string method = "GET";
  std::string url;  ///< absolute https:// URL (http:// only for loopback and Options::plainHttpHosts)
  Headers headers;
  std::string body;
  /// For this request instead of the Client's Options when nonzero: one Client can serve callers with different
  /// budgets (the host sends every plugin's requests over its own Clients).
  std::chrono::milliseconds connectTimeout{0};
  std::chrono::milliseconds ioTimeout{0};
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

/// What went wrong below HTTP. The permanent kinds are failures no retry can fix (a retry meets the same
/// certificate, the same DNS answer, the same proxy rule): callers stop at once and report them as configuration
/// errors. Each is raised before the request was sent, so even a non-idempotent call was not carried out.
enum class TransportFailure {
  Connect,       ///< TCP connect failed (refused, unreachable), a temporary DNS failure, a proxy's 5xx to CONNECT
  Timeout,       ///< connect, send or receive timed out
  Dropped,       ///< the connection closed or reset during the exchange, or the response was cut short
  Tls,           ///< TLS failure other than certificate verification (handshake alert, protocol, cipher)
  Certificate,   ///< permanent: the server's certificate does not verify against the trusted CAs (or they cannot
                 ///< be loaded)
  HostName,      ///< permanent: the certificate is not issued for the host name in the URL
  UnknownHost,   ///< permanent: DNS says the host name does not exist
  ProxyRefused,  ///< permanent: the HTTPS_PROXY answered CONNECT with a 4xx status (403 forbidden, 407, ...)
  Invalid,       ///< permanent: the request cannot be sent as asked (bad URL, plain http off loopback, bad HTTPS_PROXY)
};

/// True for Certificate, HostName, UnknownHost, ProxyRefused and Invalid.
bool isPermanent(TransportFailure failure) noexcept;
/// A stable error code for summaries: "tls.certificate", "tls.hostname", "net.unknown_host", "proxy.refused",
/// "net.invalid_request", "net.connect", "net.timeout", "net.dropped", "tls.handshake".
const char* failureCode(TransportFailure failure) noexcept;

/// Network-level failure: DNS, connect, TLS handshake or verification, timeout, connection dropped, proxy refusal.
/// `what()` names the host and the cause; it never contains request bodies. HTTP error statuses are NOT thrown.
/// For Certificate and HostName it also names the certificate's subject and issuer, OpenSSL's verify reason and
/// where the trusted CAs come from ("trusted CAs: SSL_CERT_FILE=<path>" or the system store).
class TransportError : public std::runtime_error {
 public:
  /// Without a kind: Connect (retryable), as before kinds existed.
  explicit TransportError(const std::string& what, TransportFailure kind = TransportFailure::Connect)
      : std::runtime_error(what), kind_(kind) {}
  explicit TransportError(const char* what, TransportFailure kind = TransportFailure::Connect)
      : std::runtime_error(what), kind_(kind) {}
  TransportFailure kind() const noexcept { return kind_; }
  /// No retry can fix it: stop now and report it (see TransportFailure).
  bool permanent() const noexcept { return isPermanent(kind_); }
  const char* code() const noexcept { return failureCode(kind_); }

 private:
  TransportFailure kind_;
};

class Client {
 public:
  explicit Client(Options options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Send one request and read the whole response. Throws TransportError; never throws for an HTTP status.
  /// Does not retry: retry policy belongs to the caller, which knows what is safe to repeat (and that a
  /// TransportError::permanent() one is never worth repeating).
  Response send(const Request& request);

  /// Opens the kept-alive connection (TCP, proxy tunnel, TLS handshake) to the https URL's scheme://host:port on a
  /// thread of its own, so that the first request to that host, sent later from the Client's thread, finds it ready
  /// (it waits for a warm-up still under way). Nothing is sent over it. A failure no new attempt can fix (the
  /// certificate, the host name, an unknown host) is what that request then reports, without
  /// connecting again; after any other failure it opens its own connection. The connect (per address) and each wait
  /// of the handshake are bounded by `timeout`; the destructor waits for the thread. One warm-up at a time per Client; further calls are ignored while one runs.
  void warmUp(const std::string& url, std::chrono::milliseconds timeout = std::chrono::seconds(3));

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The parts of an absolute URL, as the client reads request URLs and plugins check configured endpoints. Parts are
/// kept as written (percent escapes included), so the request target sent is exactly the one given.
struct Url {
  std::string scheme;    ///< lowercased, e.g. "https"
  std::string userInfo;  ///< the raw text before '@' in the authority; empty when there is none
  std::string host;      ///< IPv6 literals without their brackets
  unsigned port = 0;     ///< the explicit port, else 443 for https and 80 for http (0 for other schemes)
  std::string path;      ///< raw; empty when the URL has none
  std::string query;     ///< raw text after '?'; empty when there is none
  std::string fragment;  ///< raw text after '#'
  bool hasQuery = false;     ///< a '?' was present (even with nothing after it)
  bool hasFragment = false;  ///< a '#' was present

  /// The request target: the path ("/" when empty) and "?query" when there is one.
  std::string target() const;
  /// host (IPv6 in brackets) and ":port" unless it is the scheme's default: what the Host header carries.
  std::string authority() const;
};

/// Parses scheme://[userinfo@]host[:port][/path][?query][#fragment]. std::nullopt when the text is not such a URL:
/// no scheme or no host, a port outside 1..65535 or not all digits, an unclosed IPv6 bracket, or a space, control
/// character or non-ASCII byte anywhere (an admin's typo is refused, never sent somewhere unexpected).
std::optional<Url> parseUrl(std::string_view text);

/// %XX decoding (the user name and password of HTTPS_PROXY); std::nullopt for a malformed escape.
std::optional<std::string> percentDecode(std::string_view text);

/// application/x-www-form-urlencoded encoding of one component (RFC 3986 unreserved characters kept).
std::string formEncode(std::string_view value);

}  // namespace keeper_rotate::https
