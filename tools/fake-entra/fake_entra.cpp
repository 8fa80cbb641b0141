// The fake's server: request decoding, fault injection, routing to the token/Graph/admin endpoints, request log,
// and the in-process API used by tests.
#include "fake_entra_impl.hpp"

#include <keeper_rotate/text.hpp>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <regex>
#include <thread>

namespace keeper_rotate::fake_entra {
namespace {

using keeper_rotate::text::iequals;  // Poco::icompare trips UBSan on empty strings

}  // namespace

std::string Incoming::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return "";
}

FakeEntra::Impl::Impl(const testsupport::TestCa& ca, std::uint16_t port) {
  server = std::make_unique<testsupport::HttpsServer>(
      ca, [this](Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res) { handle(req, res); }, port);
}

std::string FakeEntra::Impl::baseUrl() const { return server->baseUrl(); }

Tenant* FakeEntra::Impl::findTenant(const std::string& idOrDomain) {
  for (auto& t : tenants) {
    if (iequals(t.id, idOrDomain)) return &t;
    for (const auto& d : t.domains)
      if (iequals(d, idOrDomain)) return &t;
  }
  return nullptr;
}

Application* FakeEntra::Impl::findAppByAppId(Tenant& tenant, const std::string& appId) {
  for (auto& a : tenant.apps)
    if (iequals(a.appId, appId)) return &a;
  return nullptr;
}

Application* FakeEntra::Impl::findAppById(Tenant& tenant, const std::string& objectId) {
  for (auto& a : tenant.apps)
    if (iequals(a.id, objectId)) return &a;
  return nullptr;
}

PasswordCredential FakeEntra::Impl::newPassword(const std::optional<std::string>& displayName,
                                                std::chrono::system_clock::time_point start,
                                                std::chrono::system_clock::time_point end, const std::string& endText) {
  PasswordCredential p;
  p.keyId = newGuid();
  p.displayName = displayName;
  p.secretText = newSecretText();
  p.hint = p.secretText.substr(0, 3);
  p.startDateTime = graphTime(start);
  p.endDateTime = endText.empty() ? graphTime(end) : endText;  // Graph echoes the caller's precision
  p.created = std::chrono::system_clock::now();
  p.expires = end;
  p.rejectionsLeft = propagation.rejectFirstAttempts;
  p.removeMissesLeft = propagation.removeMissesAfterAdd;
  p.hiddenReadsLeft = propagation.newKeyHiddenReads;
  return p;
}

namespace {

Reply faultReply(const Fault& f, bool tokenPath, const Incoming& in) {
  Reply r;
  if (!f.body.empty()) {
    r.status = f.status;
    r.headers = tokenPath ? tokenHeaders() : graphHeaders(in);
    r.body = f.body;
  } else if (tokenPath) {
    r = tokenError(f.status, f.code.empty() ? "temporarily_unavailable" : f.code, 90006,
                   f.message.empty() ? "The service is temporarily unavailable. Please retry." : f.message);
  } else {
    std::string code = f.code, message = f.message;
    if (code.empty()) {
      switch (f.status) {
        case 429: code = "TooManyRequests"; break;
        case 503: code = "serviceNotAvailable"; break;
        case 504: code = "UnknownError"; break;
        case 409: code = "Directory_ConcurrencyViolation"; break;
        default: code = "UnknownError";
      }
    }
    if (message.empty()) {
      switch (f.status) {
        case 429: message = "Too many requests."; break;
        case 409: message = "Another object with the same value for property keyCredentials already exists."; break;
        default: message = "The service is temporarily unavailable.";
      }
    }
    r = graphError(f.status, code, message, in);
  }
  for (const auto& h : f.headers) r.headers.push_back(h);
  return r;
}

[[noreturn]] void dropConnection(Poco::Net::HTTPServerRequest& request) {
  if (auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request)) {
    try {
      impl->socket().close();
    } catch (...) {
    }
  }
  // Poco ends the connection without writing a response when a handler throws after the socket is gone.
  throw Poco::IOException("fake-entra: connection dropped on purpose (fault injection)");
}

bool matches(const Fault& f, const Incoming& in) {
  return (f.method.empty() || f.method == in.method) &&
         (f.pathContains.empty() || in.path.find(f.pathContains) != std::string::npos) &&
         (f.queryContains.empty() || in.query.find(f.queryContains) != std::string::npos);
}

}  // namespace

void FakeEntra::Impl::waitForHandlers() {
  std::unique_lock<std::mutex> lock(lifeMutex);
  stopping = true;
  lifeChanged.notify_all();
  lifeChanged.wait(lock, [this] { return inFlight == 0; });
}

void FakeEntra::Impl::interruptibleDelay(std::chrono::milliseconds delay) {
  std::unique_lock<std::mutex> lock(lifeMutex);
  lifeChanged.wait_for(lock, delay, [this] { return stopping; });
}

namespace {

/// Counts a handler as running for FakeEntra::stop() (see Impl::waitForHandlers).
class InFlight {
 public:
  explicit InFlight(FakeEntra::Impl& impl) : impl_(impl) {
    std::lock_guard<std::mutex> lock(impl_.lifeMutex);
    ++impl_.inFlight;
  }
  ~InFlight() {
    std::lock_guard<std::mutex> lock(impl_.lifeMutex);
    --impl_.inFlight;
    impl_.lifeChanged.notify_all();
  }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  FakeEntra::Impl& impl_;
};

}  // namespace

void FakeEntra::Impl::handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
  const InFlight running(*this);
  Incoming in;
  in.method = request.getMethod();
  const Poco::URI uri(request.getURI());
  in.path = uri.getPath();
  in.query = uri.getRawQuery();
  for (const auto& [k, v] : uri.getQueryParameters()) in.queryParams[k] = v;
  for (const auto& [k, v] : request) in.headers.emplace_back(k, v);
  Poco::StreamCopier::copyToString(request.stream(), in.body);

  static const std::regex kToken(R"(^/([^/]+)/oauth2/v2\.0/token/?$)");
  static const std::regex kOpenId(R"(^/([^/]+)/v2\.0/\.well-known/openid-configuration$)");
  std::smatch m;
  const bool isAdmin = in.path.rfind("/_fake/", 0) == 0;
  const bool isToken = std::regex_match(in.path, m, kToken);
  const std::string tenantSegment = isToken ? m[1].str() : "";

  std::optional<Fault> fault;
  if (!isAdmin) {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto it = faults.begin(); it != faults.end(); ++it) {
      if (!matches(*it, in)) continue;
      fault = *it;
      ++faultsApplied;
      if (--it->times <= 0) faults.erase(it);
      break;
    }
  }
  if (fault && fault->delayMs > 0) interruptibleDelay(std::chrono::milliseconds(fault->delayMs));

  LoggedRequest entry{in.method, in.path, in.query, 0, "", fault.has_value()};
  Reply reply;
  if (fault && !fault->afterHandling && (fault->drop || fault->status != 0)) {
    if (fault->drop) {
      std::lock_guard<std::mutex> lock(mutex);
      log.push_back(entry);
      dropConnection(request);
    }
    reply = faultReply(*fault, isToken, in);
  } else {
    std::lock_guard<std::mutex> lock(mutex);
    std::smatch om;
    if (isAdmin)
      reply = admin(in);
    else if (isToken)
      reply = token(in, tenantSegment, entry.clientId);
    else if (std::regex_match(in.path, om, kOpenId))
      reply = openIdConfiguration(om[1].str());
    else if (in.path.rfind("/v1.0/", 0) == 0)
      reply = graph(in);
    else
      reply = Reply{404, {{"Content-Type", "text/plain"}}, "not found"};
    if (fault && fault->afterHandling) {
      if (fault->drop) {
        log.push_back(entry);
        dropConnection(request);
      }
      if (fault->status != 0) reply = faultReply(*fault, isToken, in);
    }
  }
  entry.status = reply.status;
  if (!isAdmin) {
    std::lock_guard<std::mutex> lock(mutex);
    log.push_back(entry);
  }

  response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
  for (const auto& [k, v] : reply.headers) {
    if (iequals(k, "Content-Type"))
      response.setContentType(v);
    else
      response.add(k, v);
  }
  response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
  response.send() << reply.body;
}

// ---- public API ----

FakeEntra::FakeEntra(const testsupport::TestCa& ca, std::uint16_t port) : impl_(std::make_unique<Impl>(ca, port)) {}
FakeEntra::~FakeEntra() { stop(); }
void FakeEntra::start() {
  {
    std::lock_guard<std::mutex> lock(impl_->lifeMutex);
    impl_->stopping = false;
  }
  impl_->server->start();
}
void FakeEntra::stop() {
  impl_->server->stop();
  impl_->waitForHandlers();
}
std::uint16_t FakeEntra::port() const { return impl_->server->port(); }
std::string FakeEntra::baseUrl() const { return impl_->baseUrl(); }

void FakeEntra::addTenant(Tenant tenant) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->tenants.push_back(std::move(tenant));
}

FakeEntra::IssuedSecret FakeEntra::addPassword(const std::string& appObjectId, const std::string& displayName,
                                               int lifetimeDays) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  for (auto& t : impl_->tenants)
    if (Application* app = impl_->findAppById(t, appObjectId)) {
      const auto now = std::chrono::system_clock::now();
      PasswordCredential p = impl_->newPassword(displayName, now, now + std::chrono::hours(24) * lifetimeDays, "");
      p.rejectionsLeft = 0;
      p.removeMissesLeft = 0;
      p.hiddenReadsLeft = 0;
      p.created = now - std::chrono::hours(24);  // seeded secrets are long replicated
      app->passwords.push_back(p);
      return {p.keyId, p.secretText};
    }
  throw std::invalid_argument("fake-entra: no application with object id " + appObjectId);
}

bool FakeEntra::removePassword(const std::string& appObjectId, const std::string& keyId) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  for (auto& t : impl_->tenants)
    if (Application* app = impl_->findAppById(t, appObjectId)) {
      auto it = std::find_if(app->passwords.begin(), app->passwords.end(),
                             [&](const PasswordCredential& p) { return p.keyId == keyId; });
      if (it == app->passwords.end()) return false;
      app->passwords.erase(it);
      return true;
    }
  return false;
}

std::vector<PasswordCredential> FakeEntra::passwords(const std::string& appObjectId) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  for (auto& t : impl_->tenants)
    if (Application* app = impl_->findAppById(t, appObjectId)) return app->passwords;
  return {};
}

void FakeEntra::setPropagation(Propagation propagation) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->propagation = propagation;
}

void FakeEntra::addFault(Fault fault) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->faults.push_back(std::move(fault));
}

std::size_t FakeEntra::faultsApplied() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->faultsApplied;
}

void FakeEntra::clearFaults() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->faults.clear();
}

void FakeEntra::expireTokens() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  for (auto& [token, info] : impl_->tokens) info.expires = std::chrono::system_clock::now() - std::chrono::seconds(1);
}

std::vector<LoggedRequest> FakeEntra::requests() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->log;
}

void FakeEntra::clearRequests() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->log.clear();
}

std::size_t FakeEntra::countRequests(const std::string& method, const std::string& pathContains) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return static_cast<std::size_t>(std::count_if(impl_->log.begin(), impl_->log.end(), [&](const LoggedRequest& r) {
    return (method.empty() || r.method == method) && r.path.find(pathContains) != std::string::npos;
  }));
}

const testsupport::HttpsServer& FakeEntra::server() const { return *impl_->server; }

}  // namespace keeper_rotate::fake_entra
