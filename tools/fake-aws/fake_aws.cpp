// The fake's servers and its in-process API: the HTTPS server for IAM and STS (request decoding, fault injection,
// routing by the SigV4 scope's service, request log), the plain-HTTP server for IMDS, account helpers.
#include "fake_aws_impl.hpp"

#include <keeper_rotate/aws/sigv4.hpp>
#include <keeper_rotate/text.hpp>

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>

#include <algorithm>
#include <istream>
#include <stdexcept>

namespace keeper_rotate::fake_aws {

using keeper_rotate::text::iequals;

// ---- the servers ----

namespace {

using RawHandler = std::function<void(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse&)>;

class FunctionHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit FunctionHandler(const RawHandler& handler) : handler_(handler) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
    handler_(request, response);
  }

 private:
  const RawHandler& handler_;
};

class FunctionHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit FunctionHandlerFactory(RawHandler handler) : handler_(std::move(handler)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new FunctionHandler(handler_);
  }

 private:
  RawHandler handler_;
};

}  // namespace

struct FakeAws::Impl::Server {
  // Its own pool (declared first, destroyed last), so stopping ends its threads and their OpenSSL state. Clients
  // such as the AWS SDKs keep one idle keep-alive connection per client object, and Poco gives each connection a
  // thread: enough threads that idle connections never make a new one wait. The keep-alive timeout stays above
  // Poco's client-side one (8 s), so a client never reuses a connection this server has just closed.
  std::unique_ptr<Poco::ThreadPool> pool;
  std::unique_ptr<Poco::Net::ServerSocket> socket;
  std::unique_ptr<Poco::Net::HTTPServer> server;
  bool running = false;

  Server(RawHandler handler, std::uint16_t port, const testsupport::TestCa* tls) {
    const Poco::Net::SocketAddress address("127.0.0.1", port);
    if (tls) {
      Poco::Net::Context::Params params;
      params.privateKeyFile = tls->serverKeyFile();
      params.certificateFile = tls->serverCertFile();
      params.verificationMode = Poco::Net::Context::VERIFY_NONE;  // no client certificates
      params.loadDefaultCAs = false;
      Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
      context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
      socket = std::make_unique<Poco::Net::SecureServerSocket>(address, 64, context);
    } else {
      socket = std::make_unique<Poco::Net::ServerSocket>(address, 64);
    }
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(64);
    params->setMaxQueued(128);
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(15, 0));
    pool = std::make_unique<Poco::ThreadPool>(2, 68);
    server = std::make_unique<Poco::Net::HTTPServer>(new FunctionHandlerFactory(std::move(handler)), *pool, *socket,
                                                     params);
  }
  ~Server() {
    stop();
    server.reset();
    pool->stopAll();
  }
  void start() {
    if (!running) {
      server->start();
      running = true;
    }
  }
  void stop() {
    if (running) {
      server->stopAll(true);
      running = false;
    }
  }
  std::uint16_t port() const { return socket->address().port(); }
};

FakeAws::Impl::Impl(const testsupport::TestCa& ca, std::uint16_t port, std::uint16_t imdsPort) {
  server = std::make_unique<Server>(
      [this](Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res) { handleQuery(req, res); }, port,
      &ca);
  imds = std::make_unique<Server>(
      [this](Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res) { handleImds(req, res); },
      imdsPort, nullptr);
}

FakeAws::Impl::~Impl() = default;

InFlight::InFlight(FakeAws::Impl& impl) : impl_(impl) {
  std::lock_guard<std::mutex> lock(impl_.lifeMutex);
  ++impl_.inFlight;
}

InFlight::~InFlight() {
  std::lock_guard<std::mutex> lock(impl_.lifeMutex);
  --impl_.inFlight;
  impl_.lifeChanged.notify_all();
}

void FakeAws::Impl::waitForHandlers() {
  std::unique_lock<std::mutex> lock(lifeMutex);
  stopping = true;
  lifeChanged.notify_all();
  lifeChanged.wait(lock, [this] { return inFlight == 0; });
}

void FakeAws::Impl::interruptibleDelay(std::chrono::milliseconds delay) {
  std::unique_lock<std::mutex> lock(lifeMutex);
  lifeChanged.wait_for(lock, delay, [this] { return stopping; });
}

// ---- account helpers ----

User* FakeAws::Impl::findUser(const std::string& name) {
  // IAM names are unique without regard to case, and found the same way.
  for (auto& u : account.users)
    if (iequals(u.userName, name)) return &u;
  return nullptr;
}

Role* FakeAws::Impl::findRole(const std::string& name) {
  for (auto& r : account.roles)
    if (iequals(r.roleName, name)) return &r;
  return nullptr;
}

User* FakeAws::Impl::ownerOfKey(const std::string& accessKeyId, AccessKey** keyOut) {
  for (auto& u : account.users)
    for (auto& k : u.keys)
      if (k.accessKeyId == accessKeyId) {
        if (keyOut) *keyOut = &k;
        return &u;
      }
  return nullptr;
}

void FakeAws::Impl::normalise(User& user) {
  if (user.userId.empty()) user.userId = newUniqueId("AIDA");
  if (user.path.empty()) user.path = "/";
  if (user.createDate.empty()) user.createDate = isoTime(std::chrono::system_clock::now() - std::chrono::hours(24 * 90));
  for (auto& k : user.keys) {
    if (k.accessKeyId.empty()) k.accessKeyId = newKeyId("AKIA");
    if (k.secretAccessKey.empty()) k.secretAccessKey = newSecretKey();
    if (k.status.empty()) k.status = "Active";
    if (k.createDate.empty()) k.createDate = isoTime(std::chrono::system_clock::now() - std::chrono::hours(24 * 30));
  }
}

void FakeAws::Impl::normalise(Role& role) {
  if (role.roleId.empty()) role.roleId = newUniqueId("AROA");
  if (role.path.empty()) role.path = "/";
  if (role.maxSessionDuration <= 0) role.maxSessionDuration = 3600;
}

AccessKey FakeAws::Impl::newKey(const std::string& status) {
  AccessKey k;
  k.accessKeyId = newKeyId("AKIA");
  k.secretAccessKey = newSecretKey();
  k.status = status;
  k.createDate = isoTime(std::chrono::system_clock::now());
  return k;
}

std::string FakeAws::Impl::userArn(const User& user) const {
  return "arn:" + account.partition + ":iam::" + account.accountId + ":user" + user.path + user.userName;
}

std::string FakeAws::Impl::roleArn(const Role& role) const {
  return "arn:" + account.partition + ":iam::" + account.accountId + ":role" + role.path + role.roleName;
}

Session& FakeAws::Impl::startSession(const Role& role, const std::string& sessionName, std::chrono::seconds duration) {
  Session s;
  s.roleName = role.roleName;
  s.sessionName = sessionName;
  s.expires = std::chrono::system_clock::now() + duration;
  s.credentials.accessKeyId = newKeyId("ASIA");
  s.credentials.secretAccessKey = newSecretKey();
  s.credentials.sessionToken = newSessionToken();
  s.credentials.expiration = isoTime(s.expires);
  s.credentials.assumedRoleArn = "arn:" + account.partition + ":sts::" + account.accountId + ":assumed-role/" +
                                 role.roleName + "/" + sessionName;
  const std::string id = s.credentials.accessKeyId;
  return sessions[id] = std::move(s);
}

void FakeAws::Impl::record(const LoggedRequest& entry) { log.push_back(entry); }

// ---- faults ----

namespace {

bool faultMatches(const Fault& f, const std::string& service, const std::string& action) {
  if (!f.service.empty() && f.service != service) return false;
  if (f.action.empty()) return true;
  if (service == "imds") return action.rfind(f.action, 0) == 0;  // IMDS: a path prefix
  return f.action == action;
}

Reply queryFaultReply(const Fault& f, const std::string& xmlns) {
  int status = f.status;
  std::string code = f.code;
  if (status == 0) status = code == "ServiceFailure" || code == "InternalFailure" ? 500 : 400;
  if (!f.body.empty()) {
    Reply r;
    r.status = status;
    r.headers = {{"Content-Type", "text/xml"}, {"x-amzn-RequestId", newRequestId()}};
    r.body = f.body;
    r.errorCode = code;
    for (const auto& h : f.headers) r.headers.push_back(h);
    return r;
  }
  if (code.empty()) {
    switch (status) {
      case 400:
      case 429: code = "Throttling"; break;
      case 403: code = "AccessDenied"; break;
      case 503: code = "ServiceUnavailable"; break;
      default: code = status >= 500 ? "ServiceFailure" : "InvalidRequest";
    }
  }
  std::string message = f.message;
  if (message.empty()) {
    if (code == "Throttling")
      message = "Rate exceeded";
    else if (code == "ServiceFailure")
      message = "The request processing has failed because of an unknown error, exception or failure.";
    else if (code == "ServiceUnavailable")
      message = "Service is unavailable";
    else
      message = code;
  }
  Reply r = errorReply(xmlns, status, code, message);
  for (const auto& h : f.headers) r.headers.push_back(h);
  return r;
}

bool isStsAction(const std::string& action) {
  return action == "GetCallerIdentity" || action == "AssumeRole" || action == "GetSessionToken" ||
         action == "AssumeRoleWithWebIdentity" || action == "GetAccessKeyInfo" || action == "DecodeAuthorizationMessage";
}

constexpr std::size_t kMaxBody = 1024 * 1024;

Incoming readRequest(Poco::Net::HTTPServerRequest& request) {
  Incoming in;
  in.method = request.getMethod();
  const std::string& target = request.getURI();
  const std::size_t q = target.find('?');
  in.path = target.substr(0, q);
  in.rawQuery = q == std::string::npos ? "" : target.substr(q + 1);
  for (const auto& [k, v] : request) in.headers.emplace_back(k, v);
  std::istream& body = request.stream();
  char buf[8192];
  while (body && in.body.size() <= kMaxBody) {
    body.read(buf, sizeof buf);
    in.body.append(buf, static_cast<std::size_t>(body.gcount()));
  }
  parseForm(in.rawQuery, in.params);
  const std::string contentType = text::lower(in.header("Content-Type"));
  if (in.method == "POST" && contentType.rfind("application/x-www-form-urlencoded", 0) == 0)
    parseForm(in.body, in.params);
  return in;
}

}  // namespace

// ---- the IAM/STS entry point ----

void FakeAws::Impl::handleQuery(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
  const InFlight running(*this);
  Incoming in = readRequest(request);

  if (in.path.rfind("/_fake/", 0) == 0) {
    Reply reply;
    {
      std::lock_guard<std::mutex> lock(mutex);
      reply = admin(in);
    }
    send(response, reply);
    return;
  }

  const std::string action = in.param("Action");
  const std::string authorization = in.header("Authorization");
  const auto parsed = authorization.empty() ? std::nullopt : aws::parseAuthorization(authorization);
  // The service is the one the request is signed for; an unsigned request is answered in the namespace of the
  // service its action belongs to.
  std::string service = parsed ? parsed->service : (isStsAction(action) ? "sts" : "iam");
  const std::string xmlns = service == "sts" ? kStsNamespace : kIamNamespace;

  LoggedRequest entry;
  entry.service = service;
  entry.action = action;
  entry.accessKeyId = parsed ? parsed->accessKeyId : "";
  entry.userName = in.param("UserName");

  std::optional<Fault> fault;
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto it = faults.begin(); it != faults.end(); ++it) {
      if (!faultMatches(*it, service, action)) continue;
      fault = *it;
      ++faultsApplied;
      if (--it->times <= 0) faults.erase(it);
      break;
    }
  }
  entry.faulted = fault.has_value();
  if (fault && fault->delayMs > 0) interruptibleDelay(std::chrono::milliseconds(fault->delayMs));

  std::function<void(const std::string&)> sink;
  auto finish = [&](const Reply& reply) {
    entry.status = reply.status;
    entry.errorCode = reply.errorCode;
    {
      std::lock_guard<std::mutex> lock(mutex);
      record(entry);
      sink = logSink;
    }
    if (sink)
      sink(entry.service + " " + (entry.action.empty() ? "-" : entry.action) +
           " key=" + (entry.accessKeyId.empty() ? "-" : entry.accessKeyId) +
           (entry.userName.empty() ? "" : " user=" + entry.userName) + " -> " +
           (entry.status == 0 ? "dropped" : std::to_string(entry.status)) +
           (entry.errorCode.empty() ? "" : " " + entry.errorCode) + (entry.faulted ? " (fault)" : ""));
  };

  Reply reply;
  if (fault && !fault->afterHandling && (fault->drop || fault->status != 0 || !fault->code.empty() ||
                                         !fault->body.empty())) {
    if (fault->drop) {
      finish(Reply{0, {}, "", ""});
      dropConnection(request);
    }
    reply = queryFaultReply(*fault, xmlns);
  } else {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (authorization.empty()) {
        reply = errorReply(xmlns, 403, "MissingAuthenticationToken", "Request is missing Authentication Token");
      } else if (!parsed) {
        reply = errorReply(xmlns, 400, "IncompleteSignature",
                           "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters "
                           "in the form AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=....");
      } else if (service != "iam" && service != "sts") {
        reply = errorReply(kIamNamespace, 403, "SignatureDoesNotMatch",
                           "Credential should be scoped to correct service: 'iam'. ");
        entry.service = service;
      } else {
        Principal who;
        if (auto error = authenticate(in, service, parsed->region, who, entry))
          reply = errorReply(xmlns, error->status, error->code, error->message);
        else if (service == "iam")
          reply = iam(in, who, action, entry);
        else
          reply = sts(in, who, parsed->region, action);
      }
    }
    if (fault && fault->afterHandling) {
      if (fault->drop) {
        finish(Reply{0, {}, "", ""});
        dropConnection(request);
      }
      if (fault->status != 0 || !fault->code.empty() || !fault->body.empty()) reply = queryFaultReply(*fault, xmlns);
    }
  }
  finish(reply);
  send(response, reply);
}

// ---- public API ----

FakeAws::FakeAws(const testsupport::TestCa& ca, std::uint16_t port, std::uint16_t imdsPort)
    : impl_(std::make_unique<Impl>(ca, port, imdsPort)) {}

FakeAws::~FakeAws() { stop(); }

void FakeAws::start() {
  {
    std::lock_guard<std::mutex> lock(impl_->lifeMutex);
    impl_->stopping = false;
  }
  impl_->server->start();
  impl_->imds->start();
}

void FakeAws::stop() {
  {
    // Wake handlers waiting in a fault delay or an IMDS hang first, so the servers' stop does not wait on them.
    std::lock_guard<std::mutex> lock(impl_->lifeMutex);
    impl_->stopping = true;
    impl_->lifeChanged.notify_all();
  }
  impl_->server->stop();
  impl_->imds->stop();
  impl_->waitForHandlers();
}

// The certificate names localhost and 127.0.0.1; the SDKs' endpoint handling prefers a host name.
std::string FakeAws::baseUrl() const { return "https://localhost:" + std::to_string(port()); }
std::string FakeAws::imdsBaseUrl() const { return "http://127.0.0.1:" + std::to_string(imdsPort()); }
std::uint16_t FakeAws::port() const { return impl_->server->port(); }
std::uint16_t FakeAws::imdsPort() const { return impl_->imds->port(); }

void FakeAws::setAccount(Account account) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  for (auto& u : account.users) impl_->normalise(u);
  for (auto& r : account.roles) impl_->normalise(r);
  impl_->account = std::move(account);
  impl_->sessions.clear();
  impl_->instanceSessionKeyId.clear();
}

AccessKey FakeAws::createKey(const std::string& userName, const std::string& status) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  User* user = impl_->findUser(userName);
  if (!user) throw std::invalid_argument("fake-aws: no user named " + userName);
  if (user->keys.size() >= 2) throw std::invalid_argument("fake-aws: user " + userName + " already has 2 access keys");
  user->keys.push_back(impl_->newKey(status));
  return user->keys.back();
}

std::vector<AccessKey> FakeAws::keys(const std::string& userName) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (User* user = impl_->findUser(userName)) return user->keys;
  return {};
}

bool FakeAws::deleteKey(const std::string& userName, const std::string& accessKeyId) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  User* user = impl_->findUser(userName);
  if (!user) return false;
  auto it = std::find_if(user->keys.begin(), user->keys.end(),
                         [&](const AccessKey& k) { return k.accessKeyId == accessKeyId; });
  if (it == user->keys.end()) return false;
  user->keys.erase(it);
  return true;
}

SessionCredentials FakeAws::createSession(const std::string& roleName, const std::string& sessionName,
                                          std::chrono::seconds duration) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const Role* role = impl_->findRole(roleName);
  if (!role) throw std::invalid_argument("fake-aws: no role named " + roleName);
  return impl_->startSession(*role, sessionName, duration).credentials;
}

void FakeAws::expireSessions() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  for (auto& [id, s] : impl_->sessions) s.expires = std::chrono::system_clock::now() - std::chrono::seconds(1);
}

void FakeAws::setConsistency(Consistency c) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->consistency = std::move(c);
}

void FakeAws::setInstanceProfile(InstanceProfile profile) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->instanceProfile = std::move(profile);
  impl_->instanceSessionKeyId.clear();
}

void FakeAws::addFault(Fault fault) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->faults.push_back(std::move(fault));
}

std::size_t FakeAws::faultsApplied() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->faultsApplied;
}

void FakeAws::clearFaults() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->faults.clear();
}

void FakeAws::setClockSkewLimit(std::chrono::seconds limit) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->clockSkewLimit = limit;
}

std::vector<LoggedRequest> FakeAws::requests() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->log;
}

void FakeAws::clearRequests() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->log.clear();
}

std::size_t FakeAws::countRequests(const std::string& service, const std::string& action) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return static_cast<std::size_t>(std::count_if(impl_->log.begin(), impl_->log.end(), [&](const LoggedRequest& r) {
    return (service.empty() || r.service == service) && (action.empty() || r.action == action);
  }));
}

std::size_t FakeAws::mutations() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->mutationCount;
}

void FakeAws::setLogSink(std::function<void(const std::string&)> sink) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->logSink = std::move(sink);
}

}  // namespace keeper_rotate::fake_aws
