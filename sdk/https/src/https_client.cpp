#include "keeper_rotate/https_client.hpp"

#include <keeper_rotate/text.hpp>

#include "connection.hpp"
#include "failure.hpp"
#include "host_route.hpp"
#include "http_message.hpp"
#include "proxy_settings.hpp"
#include "tls_context.hpp"

#include <string.h>  // explicit_bzero

#include <algorithm>
#include <map>
#include <thread>

// The client speaks HTTP/1.1 over OpenSSL and POSIX sockets itself rather than through Poco::Net/NetSSL: every
// process that rotates loads this code, and Poco's network and TLS libraries (with Poco::Crypto, Util and XML,
// which they pull in) cost thousands of load-time symbol relocations per run (tools/bench/README.md).

namespace keeper_rotate::https {
namespace {

using detail::Connection;
using detail::Failure;

void wipe(std::string& text) {
  if (!text.empty()) explicit_bzero(text.data(), text.size());
  text.clear();
}

bool isLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::string bracketed(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// A proxy's non-200 answer to CONNECT.
struct ProxyAnswer : std::runtime_error {
  int status;
  std::string proxy;
  ProxyAnswer(int s, const std::string& reason, std::string where)
      : std::runtime_error(reason), status(s), proxy(std::move(where)) {}
};

}  // namespace

// Header values go too: they carry bearer tokens and the metadata service's session token.
Request::~Request() {
  wipe(body);
  for (auto& header : headers) wipe(header.second);
}
Response::~Response() { wipe(body); }

std::optional<std::string> Response::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (text::iequals(key, name)) return value;
  return std::nullopt;
}

bool isPermanent(TransportFailure failure) noexcept {
  switch (failure) {
    case TransportFailure::Certificate:
    case TransportFailure::HostName:
    case TransportFailure::UnknownHost:
    case TransportFailure::ProxyRefused:
    case TransportFailure::Invalid:
      return true;
    default:
      return false;
  }
}

const char* failureCode(TransportFailure failure) noexcept {
  switch (failure) {
    case TransportFailure::Connect: return "net.connect";
    case TransportFailure::Timeout: return "net.timeout";
    case TransportFailure::Dropped: return "net.dropped";
    case TransportFailure::Tls: return "tls.handshake";
    case TransportFailure::Certificate: return "tls.certificate";
    case TransportFailure::HostName: return "tls.hostname";
    case TransportFailure::UnknownHost: return "net.unknown_host";
    case TransportFailure::ProxyRefused: return "proxy.refused";
    case TransportFailure::Invalid: return "net.invalid_request";
  }
  return "net.connect";
}

struct Client::Impl {
  Options options;
  detail::Trust trust;
  std::shared_ptr<SSL_CTX> context;  // shared with every Client of this library copy that has the same trust
  detail::VerifyRecord verified;  // of the last handshake
  std::map<std::string, std::unique_ptr<Connection>> connections;  // kept alive, by scheme://host:port

  static std::string key(const Url& uri) {
    return uri.scheme + "://" + uri.host + ":" + std::to_string(uri.port);
  }

  // A TCP connection to the proxy and its CONNECT to host:port; the tunnel it returns carries the TLS session.
  std::unique_ptr<Connection> tunnel(const detail::ProxySettings& proxy, const Url& uri, const Request& request) {
    auto c = Connection::open(proxy.host, proxy.port, connectTimeout(request), ioTimeout(request));
    const std::string target = bracketed(uri.host) + ":" + std::to_string(uri.port);
    std::string connect = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\nUser-Agent: " +
                          options.userAgent + "\r\nProxy-Connection: keep-alive\r\n";
    if (!proxy.username.empty()) {
      // Piece by piece into reserved strings, each zeroed: no stray copy of the proxy password.
      std::string plain;
      plain.reserve(proxy.username.size() + 1 + proxy.password.size());
      plain += proxy.username;
      plain += ':';
      plain += proxy.password;
      std::string credentials = text::encodeBase64(plain);
      wipe(plain);
      connect.reserve(connect.size() + 64 + credentials.size());
      connect += "Proxy-Authorization: Basic ";
      connect += credentials;
      connect += "\r\n";
      wipe(credentials);
    }
    connect += "\r\n";
    try {
      c->writeAll(connect);
    } catch (...) {
      wipe(connect);
      throw;
    }
    wipe(connect);
    detail::ResponseReader reader(*c);
    const detail::ResponseHead head = reader.readHead();
    if (head.status < 200 || head.status > 299)
      throw ProxyAnswer(head.status, detail::printable(head.reason, 100), proxy.host + ":" + std::to_string(proxy.port));
    if (reader.hasLeftover()) throw Failure(TransportFailure::Dropped, "the proxy sent data before the tunnel opened");
    return c;
  }

  std::chrono::milliseconds connectTimeout(const Request& r) const {
    return r.connectTimeout.count() > 0 ? r.connectTimeout : options.connectTimeout;
  }
  std::chrono::milliseconds ioTimeout(const Request& r) const {
    return r.ioTimeout.count() > 0 ? r.ioTimeout : options.ioTimeout;
  }

  // Built when the first connection of this Client needs it: a Client whose requests go through the host never
  // does.
  SSL_CTX* tlsContext() {
    if (!context) {
      try {
        context = detail::sharedContext(trust);
      } catch (const Failure& e) {
        throw TransportError(e.what(), e.kind);
      }
    }
    return context.get();
  }

  // A connection opened ahead of time on a thread of its own (Client::warmUp). The thread writes only its three
  // results; the calling thread reads them after joining it (the join orders the two), and `connections` stays the
  // calling thread's alone. Joining is also the only wait: no condition variable, whose wait() would need a newer
  // libstdc++ than the portable bundle's oldest target (tools/package/check-portable.sh).
  std::thread warmer;
  std::string warmKey;  // the host being warmed up or warmed; the calling thread's
  std::unique_ptr<Connection> warmed;
  // A warm-up that failed in a way no new attempt can fix (isPermanent): the first request reports it as its own.
  std::optional<Failure> warmFailure;
  detail::VerifyRecord warmRecord;

  ~Impl() {
    if (warmer.joinable()) warmer.join();
  }

  // A warm-up for `k` still running is waited for, one that finished is taken over.
  void adoptWarmed(const std::string& k) {
    if (warmKey != k) return;
    if (warmer.joinable()) warmer.join();
    if (warmed && connections.find(k) == connections.end()) connections.emplace(k, std::move(warmed));
    warmed.reset();
    warmKey.clear();
    if (warmFailure) {
      // The same certificate, name or proxy answer would be met again: no second attempt, the same report.
      const Failure failure = *warmFailure;
      warmFailure.reset();
      verified = warmRecord;
      throw failure;
    }
  }

  // TCP (through the proxy when one applies) and the TLS handshake; `record` notes what verification saw.
  std::unique_ptr<Connection> open(const Url& uri, const Request& request, SSL_CTX* ctx,
                                   detail::VerifyRecord& record) {
    const bool tls = uri.scheme == "https";
    std::optional<detail::ProxySettings> proxy;
    // Plain http goes only to loopback and the client's on-machine hosts, which no proxy can reach.
    if (tls && options.useProxyEnvironment) proxy = detail::proxyFor(uri.host);
    std::unique_ptr<Connection> created =
        proxy ? tunnel(*proxy, uri, request)
              : Connection::open(uri.host, uri.port, connectTimeout(request), ioTimeout(request));
    if (tls) created->startTls(ctx, uri.host, record);
    return created;
  }

  Connection& connection(const Url& uri, const Request& request, bool& reused) {
    const std::string k = key(uri);
    adoptWarmed(k);
    if (auto found = connections.find(k); found != connections.end()) {
      // The server may have closed an idle keep-alive connection; a new one is opened before anything is sent.
      if (!found->second->closedByPeer()) {
        reused = true;
        found->second->setIoTimeout(ioTimeout(request));
        return *found->second;
      }
      connections.erase(found);
    }
    reused = false;
    SSL_CTX* ctx = uri.scheme == "https" ? tlsContext() : nullptr;  // a trust that cannot be loaded fails first
    verified = detail::VerifyRecord();
    return *connections.emplace(k, open(uri, request, ctx, verified)).first->second;
  }

  Response exchange(Connection& c, const Url& uri, const Request& request, bool& sent) {
    std::string bytes = detail::requestBytes(request, uri.target(), uri.authority(), options.userAgent);
    try {
      c.writeAll(bytes);
    } catch (...) {
      wipe(bytes);  // a request not written whole cannot have been carried out
      throw;
    }
    wipe(bytes);
    sent = true;  // from here on the server may have received the request: never resend transparently
    detail::ResponseReader reader(c);
    detail::ResponseHead head = reader.readHead();
    Response response;
    response.status = head.status;
    response.reason = head.reason;
    bool untilClose = false;
    reader.readBody(head, request.method == "HEAD", response.body, untilClose);
    if (untilClose || !head.keepAlive() || reader.hasLeftover()) connections.erase(key(uri));
    response.headers = std::move(head.headers);  // the framing above still needed them
    return response;
  }

  TransportError verificationError(const std::string& where, const std::string& host) const {
    const std::string openssl = "OpenSSL verify error " + std::to_string(verified.error) + ": " + verified.reason;
    if (verified.hostNameError())
      return TransportError(where + ": TLS certificate is not valid for host name '" + host + "' (" + openssl +
                                "); it is issued for " + verified.leafNames + "; " + verified.facts(trust) +
                                ". Use a URL with a name the certificate carries; host name verification cannot be "
                                "switched off",
                            TransportFailure::HostName);
    std::string chain;
    if (verified.depth > 0)
      chain = " at chain depth " + std::to_string(verified.depth) + ", certificate '" + verified.failingSubject + "'";
    return TransportError(where + ": TLS certificate not trusted (" + openssl + chain + "); " + verified.facts(trust) +
                              ". Add the issuing CA to the trusted bundle (or point SSL_CERT_FILE at a bundle that "
                              "has it) or fix the endpoint; certificate verification cannot be switched off",
                          TransportFailure::Certificate);
  }
};

Client::Client(Options options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->trust = detail::trustFor(impl_->options);
  // The trusted CAs are loaded now, so that a broken CA file is reported where the client is set up; a Client whose
  // requests go through the host leaves that to the host, which reports it on the first request.
  if (!detail::hostRouteAvailable()) impl_->tlsContext();
}

Client::~Client() = default;

void Client::warmUp(const std::string& url, std::chrono::milliseconds timeout) {
  const std::optional<Url> parsed = parseUrl(url);
  if (!parsed || parsed->scheme != "https" || parsed->host.empty() || !parsed->userInfo.empty()) return;
  const std::string k = Impl::key(*parsed);
  if (!impl_->warmKey.empty() || impl_->connections.count(k) != 0) return;
  SSL_CTX* ctx = nullptr;
  try {
    ctx = impl_->tlsContext();  // built here: the thread must not write the Impl
  } catch (const TransportError&) {
    return;  // the first request reports it
  }
  if (impl_->warmer.joinable()) impl_->warmer.join();
  impl_->warmKey = k;
  Impl* impl = impl_.get();
  impl->warmer = std::thread([impl, uri = *parsed, ctx, timeout] {
    std::unique_ptr<Connection> created;
    std::optional<Failure> permanent;
    detail::VerifyRecord record;
    try {
      Request probe("GET", "");
      probe.connectTimeout = timeout;
      probe.ioTimeout = timeout;
      created = impl->open(uri, probe, ctx, record);
    } catch (const Failure& e) {
      // A certificate that does not verify fails the handshake as Tls, with the verification noted in `record`.
      if (record.failed || isPermanent(e.kind)) permanent = e;
    } catch (...) {
      // Anything else (refused, timed out, any answer of a proxy): the first request to this host tries itself.
    }
    impl->warmFailure = std::move(permanent);
    impl->warmRecord = std::move(record);
    impl->warmed = std::move(created);
  });
}

Response Client::send(const Request& request) {
  const std::optional<Url> parsed = parseUrl(request.url);
  if (!parsed) throw TransportError("invalid URL '" + detail::printable(request.url) + "'", TransportFailure::Invalid);
  const Url& uri = *parsed;
  if (!uri.userInfo.empty())
    throw TransportError("refusing " + uri.scheme + "://" + uri.authority() +
                             ": the URL carries a user name or password, which the client never sends",
                         TransportFailure::Invalid);
  const auto& plainHosts = impl_->options.plainHttpHosts;
  const bool plainAllowed = isLoopback(uri.host) ||
                            std::find(plainHosts.begin(), plainHosts.end(), uri.host) != plainHosts.end();
  if ((uri.scheme != "https" && !(uri.scheme == "http" && plainAllowed)) || uri.host.empty())
    throw TransportError("refusing " + uri.scheme + "://" + uri.host +
                             ": only https:// is allowed (plain http only to loopback and to the client's plain-HTTP "
                             "hosts)",
                         TransportFailure::Invalid);
  const std::string where = uri.scheme + "://" + uri.authority();
  if (std::optional<Response> viaHost = detail::sendThroughHost(request, impl_->options)) return std::move(*viaHost);
  // One transparent retry, and only when a REUSED keep-alive connection failed before the request went out: the
  // server closed it while idle and cannot have seen the request. Anything after that is the caller's decision.
  for (int attempt = 0;; ++attempt) {
    bool reused = false;
    bool sent = false;
    try {
      Connection& c = impl_->connection(uri, request, reused);
      return impl_->exchange(c, uri, request, sent);
    } catch (const std::invalid_argument& e) {
      impl_->connections.erase(Impl::key(uri));
      throw TransportError(where + ": " + e.what(), TransportFailure::Invalid);
    } catch (const ProxyAnswer& e) {
      impl_->connections.erase(Impl::key(uri));
      const std::string what = where + ": the proxy " + e.proxy + " (HTTPS_PROXY) answered CONNECT with HTTP " +
                               std::to_string(e.status) + " " + e.what();
      if (e.status >= 400 && e.status < 500)
        throw TransportError(what + ": it refuses the tunnel to " + uri.authority() +
                                 "; allow this host in the proxy, fix the proxy credentials, or list the host in "
                                 "NO_PROXY",
                             TransportFailure::ProxyRefused);
      throw TransportError(what, TransportFailure::Connect);
    } catch (const Failure& e) {
      impl_->connections.erase(Impl::key(uri));
      if (!reused && impl_->verified.failed) throw impl_->verificationError(where, uri.host);
      if (reused && !sent && attempt == 0 && e.kind != TransportFailure::Invalid) continue;
      throw TransportError(where + ": " + e.what(), e.kind);
    }
  }
}

std::string formEncode(std::string_view value) { return text::percentEncode(value); }

}  // namespace keeper_rotate::https
