#include "keeper_rotate/https_client.hpp"

#include <keeper_rotate/text.hpp>

#include "proxy_settings.hpp"

#include <Poco/Net/AcceptCertificateHandler.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLException.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <string.h>

namespace keeper_rotate::https {
namespace {

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

// The one place a TLS context is made: strict verification, TLS 1.2+, never interactive
// (docs/toolchain.md, pitfall 6).
Poco::Net::Context::Ptr makeContext(const Options& options) {
  std::string caFile = options.caFile;
  if (caFile.empty()) {
    if (const char* env = std::getenv("SSL_CERT_FILE"); env != nullptr && *env != '\0') caFile = env;
  }
  Poco::Net::Context::Params params;
  params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
  params.loadDefaultCAs = caFile.empty();
  params.caLocation = caFile;
  params.cipherList = "HIGH:!aNULL:!MD5:!RC4";
  Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
  context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  context->enableExtendedCertificateVerification(true);
  context->setInvalidCertificateHandler(new Poco::Net::RejectCertificateHandler(false));
  return context;
}

std::string describe(const Poco::Exception& e) {
  // displayText() of Poco network/TLS exceptions names the cause; it never contains request bodies.
  return e.displayText();
}

}  // namespace

Request::~Request() { wipe(body); }
Response::~Response() { wipe(body); }

std::optional<std::string> Response::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (iequals(key, name)) return value;
  return std::nullopt;
}

struct Client::Impl {
  Options options;
  Poco::Net::Context::Ptr context;
  std::map<std::string, std::unique_ptr<Poco::Net::HTTPClientSession>> sessions;  // by scheme://host:port

  Poco::Net::HTTPClientSession& session(const Poco::URI& uri, bool& reused) {
    const std::string key = uri.getScheme() + "://" + uri.getHost() + ":" + std::to_string(uri.getPort());
    auto found = sessions.find(key);
    reused = found != sessions.end();
    if (reused) return *found->second;
    std::unique_ptr<Poco::Net::HTTPClientSession> created;
    if (uri.getScheme() == "https") {
      created = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), context);
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
    if (!body.good()) throw Poco::Net::ConnectionResetException("connection lost while sending the request");

    Poco::Net::HTTPResponse in;
    std::istream& stream = s.receiveResponse(in);
    Response response;
    response.status = static_cast<int>(in.getStatus());
    response.reason = in.getReason();
    for (const auto& [name, value] : in) response.headers.emplace_back(name, value);
    Poco::StreamCopier::copyToString(stream, response.body);
    // Poco 1.11 with OpenSSL 3 can return a truncated body without an exception (docs/toolchain.md, pitfall 7): check.
    if (stream.bad()) throw Poco::Net::ConnectionResetException("response body truncated");
    if (in.hasContentLength() && in.getContentLength64() != static_cast<Poco::Int64>(response.body.size()))
      throw Poco::Net::ConnectionResetException("response body shorter than its Content-Length");
    if (!in.getKeepAlive()) drop(uri);
    return response;
  }
};

Client::Client(Options options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->context = makeContext(impl_->options);
}

Client::~Client() = default;

Response Client::send(const Request& request) {
  Poco::URI uri;
  try {
    uri = Poco::URI(request.url);
  } catch (const Poco::Exception&) {
    throw TransportError("invalid URL '" + request.url + "'");
  }
  if (uri.getScheme() != "https" && !(uri.getScheme() == "http" && isLoopback(uri.getHost())))
    throw TransportError("refusing " + uri.getScheme() + "://" + uri.getHost() +
                         ": only https:// is allowed (plain http only to loopback test servers)");
  const std::string where = uri.getScheme() + "://" + uri.getAuthority();
  // One transparent retry, and only when a REUSED keep-alive connection failed before the request went out: the
  // server closed it while idle and cannot have seen the request. Anything after that is the caller's decision.
  for (int attempt = 0;; ++attempt) {
    bool reused = false;
    bool sent = false;
    try {
      Poco::Net::HTTPClientSession& s = impl_->session(uri, reused);
      return impl_->exchange(s, uri, request, sent);
    } catch (const std::invalid_argument& e) {
      throw TransportError(where + ": " + e.what());
    } catch (const Poco::Net::CertificateValidationException& e) {
      impl_->drop(uri);
      throw TransportError(where + ": TLS certificate rejected (" + describe(e) +
                           "); check the server name and the trusted CAs (SSL_CERT_FILE)");
    } catch (const Poco::Net::SSLException& e) {
      impl_->drop(uri);
      throw TransportError(where + ": TLS failure (" + describe(e) + ")");
    } catch (const Poco::TimeoutException& e) {
      impl_->drop(uri);
      throw TransportError(where + ": timed out (" + describe(e) + ")");
    } catch (const Poco::Exception& e) {
      impl_->drop(uri);
      if (reused && !sent && attempt == 0) continue;
      throw TransportError(where + ": " + describe(e));
    } catch (const std::exception& e) {
      impl_->drop(uri);
      throw TransportError(where + ": " + e.what());
    }
  }
}

std::string formEncode(std::string_view value) { return text::percentEncode(value); }

}  // namespace keeper_rotate::https
