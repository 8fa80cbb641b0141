#include "keeper_rotate/https_client.hpp"

#include <keeper_rotate/text.hpp>

#include "proxy_settings.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <dirent.h>
#include <map>
#include <stdexcept>
#include <string.h>

namespace keeper_rotate::https {
namespace {

// The status as sent. Poco keeps it in its HTTPStatus enum, whose values end at 511, while a status line may carry
// any three digits: reading the enum for, say, 583 would be undefined behaviour. Poco writes the status line back
// from its own copy, so the number is taken from there.
int statusCode(const Poco::Net::HTTPResponse& in) {
  std::ostringstream head;
  in.write(head);  // "HTTP/1.1 583 Reason\r\n..."
  const std::string line = head.str();
  const auto space = line.find(' ');
  int status = 0;
  for (std::size_t i = space == std::string::npos ? line.size() : space + 1; i < line.size() && status < 1000; ++i) {
    if (line[i] < '0' || line[i] > '9') break;
    status = status * 10 + (line[i] - '0');
  }
  return status;
}


void wipe(std::string& text) {
  if (!text.empty()) explicit_bzero(text.data(), text.size());
  text.clear();
}

using keeper_rotate::text::iequals;

bool isLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

Poco::Timespan toTimespan(std::chrono::milliseconds ms) {
  return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000);
}

// Text from a certificate (a server controls it) as it may appear in a message: printable, bounded.
std::string printable(std::string text, std::size_t max = 200) {
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  if (text.size() > max) text = text.substr(0, max) + "...";
  return text;
}

std::string nameText(const X509_NAME* name) {
  if (name == nullptr) return "(none)";
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "(unprintable)";
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string out = size > 0 && data != nullptr ? std::string(data, static_cast<std::size_t>(size)) : std::string();
  BIO_free(bio);
  return printable(out.empty() ? "(empty)" : out);
}

// The DNS and IP subjectAltNames of a certificate, "DNS:a, IP:1.2.3.4", for host name mismatches.
std::string altNames(X509* cert) {
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return "no subjectAltName";
  std::string out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names) && i < 20; ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    std::string item;
    if (name->type == GEN_DNS) {
      const ASN1_STRING* dns = name->d.dNSName;
      item = "DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                  static_cast<std::size_t>(ASN1_STRING_length(dns)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      const unsigned char* b = ASN1_STRING_get0_data(ip);
      if (ASN1_STRING_length(ip) == 4) {
        item = "IP:" + std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + "." +
               std::to_string(b[3]);
      } else if (ASN1_STRING_length(ip) == 16) {
        item = "IP:" + Poco::Net::IPAddress(b, 16).toString();
      }
    }
    if (!item.empty()) out += (out.empty() ? "" : ", ") + item;
  }
  GENERAL_NAMES_free(names);
  return printable(out.empty() ? "no DNS or IP subjectAltName" : out, 300);
}

// What OpenSSL's chain verification saw during the last handshake of one Client (docs: TransportFailure). Filled by
// verifyCallback, read when the handshake failed; a Client is used by one thread at a time, so no lock.
struct VerifyRecord {
  bool failed = false;
  int error = 0;
  int depth = 0;
  std::string reason;           // X509_verify_cert_error_string
  std::string failingSubject;   // the certificate at `depth` when it is not the server's own
  bool haveLeaf = false;        // the server's certificate, whether verification failed or not
  std::string leafSubject, leafIssuer, leafNames;

  void reset() { *this = VerifyRecord(); }
};

int recordIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// Replaces Poco's verify callback on our contexts: it never accepts what OpenSSL rejected (it returns `ok`
// unchanged), and it notes the server's certificate and the first verification error for the message.
int verifyCallback(int ok, X509_STORE_CTX* store) {
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* record = ssl == nullptr ? nullptr
                                : static_cast<VerifyRecord*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), recordIndex()));
  if (record == nullptr) return ok;
  if (X509* leaf = X509_STORE_CTX_get0_cert(store); leaf != nullptr && !record->haveLeaf) {
    record->haveLeaf = true;
    record->leafSubject = nameText(X509_get_subject_name(leaf));
    record->leafIssuer = nameText(X509_get_issuer_name(leaf));
    record->leafNames = altNames(leaf);
  }
  if (!ok && !record->failed) {
    record->failed = true;
    record->error = X509_STORE_CTX_get_error(store);
    record->depth = X509_STORE_CTX_get_error_depth(store);
    record->reason = X509_verify_cert_error_string(record->error);
    if (record->depth > 0)
      if (X509* current = X509_STORE_CTX_get_current_cert(store))
        record->failingSubject = nameText(X509_get_subject_name(current));
  }
  return ok;
}

bool isHostNameError(int error) {
  return error == X509_V_ERR_HOSTNAME_MISMATCH || error == X509_V_ERR_IP_ADDRESS_MISMATCH ||
         error == X509_V_ERR_EMAIL_MISMATCH;
}

// Where trust comes from, for messages and for the context.
struct Trust {
  std::string caFile;       // empty: the system store
  std::string caDir;        // the system store as a hashed directory, read certificate by certificate as needed
  std::string description;  // "trusted CAs: ..."
};

// True when `dir` holds OpenSSL's subject-hash names ("5ad8a5d6.0"), as update-ca-certificates and
// `openssl rehash` write them: then OpenSSL can look a CA up by name instead of parsing a whole bundle.
bool isHashedDirectory(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return false;
  bool hashed = false;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    const auto dot = name.find('.');
    if (dot == 8 && dot + 1 < name.size() &&
        std::all_of(name.begin(), name.begin() + 8, [](unsigned char c) { return std::isxdigit(c) != 0; }) &&
        std::all_of(name.begin() + 9, name.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
      hashed = true;
      break;
    }
  }
  ::closedir(d);
  return hashed;
}

Trust trustFor(const Options& options) {
  Trust t;
  if (!options.caFile.empty()) {
    t.caFile = options.caFile;
    t.description = "trusted CAs: " + options.caFile + " (the client's CA file option)";
    return t;
  }
  if (const char* env = std::getenv("SSL_CERT_FILE"); env != nullptr && *env != '\0') {
    t.caFile = env;
    t.description = "trusted CAs: SSL_CERT_FILE=" + t.caFile;
    return t;
  }
  // The system store. Loading OpenSSL's default bundle parses every certificate in it (150 on Debian 12, a few
  // milliseconds of CPU per TLS context, tools/bench/README.md); the hashed directory next to it holds the same
  // CAs and lets OpenSSL read only the ones a chain names. Trusting the directory alone trusts a subset of what the
  // default paths trust (they are the bundle plus this directory), never more; a system without a hashed
  // directory keeps the default paths.
  const char* dirEnv = std::getenv("SSL_CERT_DIR");
  const std::string dirs = dirEnv != nullptr && *dirEnv != '\0' ? dirEnv : X509_get_default_cert_dir();
  std::string::size_type start = 0;
  while (start <= dirs.size() && t.caDir.empty()) {
    const auto end = std::min(dirs.find(':', start), dirs.size());
    if (isHashedDirectory(dirs.substr(start, end - start))) t.caDir = dirs;
    start = end + 1;
  }
  if (!t.caDir.empty()) {
    t.description = "trusted CAs: the system store (hashed directory " + t.caDir + ", read as needed";
  } else {
    t.description = std::string("trusted CAs: the system store (") + X509_get_default_cert_file() + ", " +
                    X509_get_default_cert_dir();
    if (dirEnv != nullptr && *dirEnv != '\0') t.description += std::string(", SSL_CERT_DIR=") + dirEnv;
  }
  t.description += "; SSL_CERT_FILE is not set)";
  return t;
}

// The one place a TLS context is made: strict verification, TLS 1.2+, never interactive
// (docs/toolchain.md, pitfall 6). Host names are checked by OpenSSL during the handshake (the expected name is set
// before each connection, see Impl::expectHost) and again by Poco afterwards.
Poco::Net::Context::Ptr makeContext(const Trust& trust, VerifyRecord& record) {
  Poco::Net::Context::Params params;
  params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
  params.loadDefaultCAs = trust.caFile.empty() && trust.caDir.empty();
  params.caLocation = trust.caFile;
  params.cipherList = "HIGH:!aNULL:!MD5:!RC4";
  Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
  context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  context->enableExtendedCertificateVerification(true);
  context->setInvalidCertificateHandler(new Poco::Net::RejectCertificateHandler(false));
  SSL_CTX* ctx = context->sslContext();
  if (!trust.caDir.empty() && SSL_CTX_load_verify_dir(ctx, trust.caDir.c_str()) != 1)
    throw Poco::Net::SSLContextException("cannot use the CA directory " + trust.caDir);
  SSL_CTX_set_ex_data(ctx, recordIndex(), &record);
  SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), verifyCallback);
  X509_VERIFY_PARAM_set_hostflags(SSL_CTX_get0_param(ctx), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return context;
}

std::string describe(const Poco::Exception& e) {
  // displayText() of Poco network/TLS exceptions names the cause; it never contains request bodies.
  return e.displayText();
}

// A proxy's non-200 answer to CONNECT (Poco's own tunnel code keeps only the reason phrase, not the status).
struct ProxyAnswer : std::runtime_error {
  int status;
  std::string proxy;
  ProxyAnswer(int s, const std::string& reason, std::string where)
      : std::runtime_error(reason), status(s), proxy(std::move(where)) {}
};

// HTTPSClientSession whose CONNECT through a proxy is our own, so a refusal keeps its status code. The rest
// (direct connections, the TLS handshake over the tunnel) is Poco's.
class TunnelingSession : public Poco::Net::HTTPSClientSession {
 public:
  TunnelingSession(const std::string& host, Poco::UInt16 port, Poco::Net::Context::Ptr context)
      : Poco::Net::HTTPSClientSession(host, port, context), context_(std::move(context)) {}

  void setTimeouts(Poco::Timespan connect, Poco::Timespan io) {
    connectTimeout_ = connect;
    ioTimeout_ = io;
    setTimeout(connect, io, io);
  }

 protected:
  void connect(const Poco::Net::SocketAddress& address) override {
    if (getProxyHost().empty() || bypassProxy()) {
      Poco::Net::HTTPSClientSession::connect(address);
      return;
    }
    Poco::Net::StreamSocket tunnel = openTunnel();
    attachSocket(Poco::Net::SecureStreamSocket::attach(tunnel, getHost(), context_));
  }

 private:
  Poco::Net::StreamSocket openTunnel() {
    Poco::Net::HTTPClientSession proxy(getProxyHost(), getProxyPort(), Poco::Net::HTTPClientSession::ProxyConfig());
    proxy.setTimeout(connectTimeout_, ioTimeout_, ioTimeout_);
    const std::string target = getHost() + ":" + std::to_string(getPort());
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_CONNECT, target, Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Host", target);
    request.set("Proxy-Connection", "keep-alive");
    if (!getProxyUsername().empty())
      Poco::Net::HTTPBasicCredentials(getProxyUsername(), getProxyPassword()).proxyAuthenticate(request);
    proxy.setKeepAlive(true);
    proxy.sendRequest(request);
    Poco::Net::HTTPResponse response;
    proxy.receiveResponse(response);
    if (response.getStatus() != Poco::Net::HTTPResponse::HTTP_OK)
      throw ProxyAnswer(static_cast<int>(response.getStatus()), printable(response.getReason(), 100),
                        getProxyHost() + ":" + std::to_string(getProxyPort()));
    return proxy.detachSocket();
  }

  Poco::Net::Context::Ptr context_;
  Poco::Timespan connectTimeout_, ioTimeout_;
};

}  // namespace

Request::~Request() { wipe(body); }
Response::~Response() { wipe(body); }

std::optional<std::string> Response::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (iequals(key, name)) return value;
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
  Trust trust;
  VerifyRecord verified;  // before `context`, which points at it
  Poco::Net::Context::Ptr context;
  std::map<std::string, std::unique_ptr<Poco::Net::HTTPClientSession>> sessions;  // by scheme://host:port

  // The host name (or IP address) the next handshake must present a certificate for. Set before every attempt:
  // a new connection (and its SSL object, which copies these parameters) is only made inside send().
  void expectHost(const std::string& host) {
    X509_VERIFY_PARAM* param = SSL_CTX_get0_param(context->sslContext());
    Poco::Net::IPAddress ip;
    if (Poco::Net::IPAddress::tryParse(host, ip)) {
      X509_VERIFY_PARAM_set1_host(param, nullptr, 0);
      X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    } else {
      X509_VERIFY_PARAM_set1_ip(param, nullptr, 0);
      X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    }
    verified.reset();
  }

  Poco::Net::HTTPClientSession& session(const Poco::URI& uri, bool& reused) {
    const std::string key = uri.getScheme() + "://" + uri.getHost() + ":" + std::to_string(uri.getPort());
    auto found = sessions.find(key);
    reused = found != sessions.end();
    if (reused) return *found->second;
    std::unique_ptr<Poco::Net::HTTPClientSession> created;
    if (uri.getScheme() == "https") {
      auto tls = std::make_unique<TunnelingSession>(uri.getHost(), uri.getPort(), context);
      tls->setTimeouts(toTimespan(options.connectTimeout), toTimespan(options.ioTimeout));
      created = std::move(tls);
    } else {
      created = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
    }
    created->setKeepAlive(true);
    created->setTimeout(toTimespan(options.connectTimeout), toTimespan(options.ioTimeout),
                        toTimespan(options.ioTimeout));
    if (options.useProxyEnvironment) {
      if (auto proxy = detail::proxyFor(uri.getHost())) {
        created->setProxy(proxy->host, proxy->port);
        if (!proxy->username.empty()) created->setProxyCredentials(proxy->username, proxy->password);
      }
    }
    return *sessions.emplace(key, std::move(created)).first->second;
  }

  void drop(const Poco::URI& uri) {
    sessions.erase(uri.getScheme() + "://" + uri.getHost() + ":" + std::to_string(uri.getPort()));
  }

  Response exchange(Poco::Net::HTTPClientSession& s, const Poco::URI& uri, const Request& request, bool& sent) {
    std::string target = uri.getPathEtc();
    if (target.empty()) target = "/";
    Poco::Net::HTTPRequest out(request.method, target, Poco::Net::HTTPMessage::HTTP_1_1);
    out.setHost(uri.getHost(), uri.getPort());
    out.set("User-Agent", options.userAgent);
    for (const auto& [name, value] : request.headers) out.set(name, value);
    if (!request.body.empty() || request.method == "POST" || request.method == "PATCH" || request.method == "PUT")
      out.setContentLength(static_cast<std::streamsize>(request.body.size()));
    sent = false;
    std::ostream& body = s.sendRequest(out);
    sent = true;  // from here on the server may have received the request: never resend transparently
    body.write(request.body.data(), static_cast<std::streamsize>(request.body.size()));
    body.flush();
    if (!body.good()) {
      // The stream swallowed the cause (a timeout, a TLS failure during a lazy handshake): raise that instead.
      if (const Poco::Exception* cause = s.networkException()) cause->rethrow();
      throw Poco::Net::ConnectionResetException("connection lost while sending the request");
    }

    Poco::Net::HTTPResponse in;
    std::istream& stream = s.receiveResponse(in);
    Response response;
    response.status = statusCode(in);
    response.reason = in.getReason();
    for (const auto& [name, value] : in) response.headers.emplace_back(name, value);
    Poco::StreamCopier::copyToString(stream, response.body);
    // Poco 1.11 with OpenSSL 3 can return a truncated body without an exception (docs/toolchain.md, pitfall 7): check.
    if (stream.bad()) {
      const Poco::Exception* cause = s.networkException();
      throw Poco::Net::ConnectionResetException("response body truncated" +
                                                (cause != nullptr ? " (" + cause->displayText() + ")" : std::string()));
    }
    if (in.hasContentLength() && in.getContentLength64() != static_cast<Poco::Int64>(response.body.size()))
      throw Poco::Net::ConnectionResetException("response body shorter than its Content-Length");
    if (!in.getKeepAlive()) drop(uri);
    return response;
  }

  // The certificate facts of the failed handshake, for Certificate and HostName messages.
  std::string certificateFacts() const {
    if (!verified.haveLeaf) return "the server's certificate was not seen; " + trust.description;
    return "server certificate subject '" + verified.leafSubject + "', issuer '" + verified.leafIssuer + "'; " +
           trust.description;
  }

  TransportError verificationError(const std::string& where, const std::string& host) const {
    const std::string openssl = "OpenSSL verify error " + std::to_string(verified.error) + ": " + verified.reason;
    if (isHostNameError(verified.error))
      return TransportError(where + ": TLS certificate is not valid for host name '" + host + "' (" + openssl +
                                "); it is issued for " + verified.leafNames + "; " + certificateFacts() +
                                ". Use a URL with a name the certificate carries; host name verification cannot be "
                                "switched off",
                            TransportFailure::HostName);
    std::string chain;
    if (verified.depth > 0)
      chain = " at chain depth " + std::to_string(verified.depth) + ", certificate '" + verified.failingSubject + "'";
    return TransportError(where + ": TLS certificate not trusted (" + openssl + chain + "); " + certificateFacts() +
                              ". Add the issuing CA to the trusted bundle (or point SSL_CERT_FILE at a bundle that "
                              "has it) or fix the endpoint; certificate verification cannot be switched off",
                          TransportFailure::Certificate);
  }
};

Client::Client(Options options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->trust = trustFor(impl_->options);
  try {
    impl_->context = makeContext(impl_->trust, impl_->verified);
  } catch (const Poco::Exception& e) {
    throw TransportError("cannot load the trusted CAs (" + impl_->trust.description + "): " + describe(e),
                         TransportFailure::Certificate);
  }
}

Client::~Client() = default;

Response Client::send(const Request& request) {
  Poco::URI uri;
  try {
    uri = Poco::URI(request.url);
  } catch (const Poco::Exception&) {
    throw TransportError("invalid URL '" + request.url + "'", TransportFailure::Invalid);
  }
  const bool plainAllowed =
      isLoopback(uri.getHost()) || std::find(impl_->options.plainHttpHosts.begin(), impl_->options.plainHttpHosts.end(),
                                             uri.getHost()) != impl_->options.plainHttpHosts.end();
  if (uri.getScheme() != "https" && !(uri.getScheme() == "http" && plainAllowed))
    throw TransportError("refusing " + uri.getScheme() + "://" + uri.getHost() +
                             ": only https:// is allowed (plain http only to loopback and to the client's plain-HTTP hosts)",
                         TransportFailure::Invalid);
  const std::string where = uri.getScheme() + "://" + uri.getAuthority();
  // One transparent retry, and only when a REUSED keep-alive connection failed before the request went out: the
  // server closed it while idle and cannot have seen the request. Anything after that is the caller's decision.
  for (int attempt = 0;; ++attempt) {
    bool reused = false;
    bool sent = false;
    impl_->expectHost(uri.getHost());
    try {
      Poco::Net::HTTPClientSession& s = impl_->session(uri, reused);
      return impl_->exchange(s, uri, request, sent);
    } catch (const std::invalid_argument& e) {
      throw TransportError(where + ": " + e.what(), TransportFailure::Invalid);
    } catch (const ProxyAnswer& e) {
      impl_->drop(uri);
      const std::string what = where + ": the proxy " + e.proxy + " (HTTPS_PROXY) answered CONNECT with HTTP " +
                               std::to_string(e.status) + " " + e.what();
      if (e.status >= 400 && e.status < 500)
        throw TransportError(what + ": it refuses the tunnel to " + uri.getAuthority() +
                                 "; allow this host in the proxy, fix the proxy credentials, or list the host in "
                                 "NO_PROXY",
                             TransportFailure::ProxyRefused);
      throw TransportError(what, TransportFailure::Connect);
    } catch (const Poco::Net::CertificateValidationException& e) {
      // Poco's own host name check after a handshake OpenSSL accepted.
      impl_->drop(uri);
      throw TransportError(where + ": TLS certificate rejected for host name '" + uri.getHost() + "' (" +
                               describe(e) + "); it is issued for " +
                               (impl_->verified.haveLeaf ? impl_->verified.leafNames : std::string("(not seen)")) +
                               "; " + impl_->certificateFacts(),
                           TransportFailure::HostName);
    } catch (const Poco::Net::SSLConnectionUnexpectedlyClosedException& e) {
      impl_->drop(uri);
      if (impl_->verified.failed) throw impl_->verificationError(where, uri.getHost());
      if (reused && !sent && attempt == 0) continue;
      throw TransportError(where + ": TLS connection closed unexpectedly (" + describe(e) + ")",
                           TransportFailure::Dropped);
    } catch (const Poco::Net::SSLException& e) {
      impl_->drop(uri);
      if (impl_->verified.failed) throw impl_->verificationError(where, uri.getHost());
      throw TransportError(where + ": TLS failure (" + describe(e) + ")", TransportFailure::Tls);
    } catch (const Poco::TimeoutException& e) {
      impl_->drop(uri);
      throw TransportError(where + ": timed out (" + describe(e) + ")", TransportFailure::Timeout);
    } catch (const Poco::Net::HostNotFoundException& e) {
      impl_->drop(uri);
      throw TransportError(where + ": unknown host name (" + describe(e) +
                               "); DNS has no such name: check the host name in the URL (or HTTPS_PROXY)",
                           TransportFailure::UnknownHost);
    } catch (const Poco::Net::NoAddressFoundException& e) {
      impl_->drop(uri);
      throw TransportError(where + ": unknown host name (" + describe(e) +
                               "); DNS has no address for it: check the host name in the URL (or HTTPS_PROXY)",
                           TransportFailure::UnknownHost);
    } catch (const Poco::Exception& e) {
      impl_->drop(uri);
      if (reused && !sent && attempt == 0) continue;
      const bool dropped = sent || dynamic_cast<const Poco::Net::ConnectionResetException*>(&e) != nullptr ||
                           dynamic_cast<const Poco::Net::ConnectionAbortedException*>(&e) != nullptr ||
                           dynamic_cast<const Poco::Net::MessageException*>(&e) != nullptr;
      throw TransportError(where + ": " + describe(e), dropped ? TransportFailure::Dropped : TransportFailure::Connect);
    } catch (const std::exception& e) {
      impl_->drop(uri);
      throw TransportError(where + ": " + e.what());
    }
  }
}

std::string formEncode(std::string_view value) { return text::percentEncode(value); }

}  // namespace keeper_rotate::https
