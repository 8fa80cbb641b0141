#include "https_server.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>

#include <mutex>

namespace keeper_rotate::testsupport {
namespace {

/// What the server saw, shared by the handlers (Poco's threads) and the owner.
struct Traffic {
  mutable std::mutex mutex;
  std::vector<HttpsServer::Served> served;
  std::size_t connectionsAtClear = 0;
};

class FunctionHandler : public Poco::Net::HTTPRequestHandler {
 public:
  FunctionHandler(const HttpsServer::Handler& handler, Traffic& traffic) : handler_(handler), traffic_(traffic) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
    HttpsServer::Served entry{request.getMethod(), request.getURI(), std::chrono::steady_clock::now(), {}};
    handler_(request, response);
    entry.answered = std::chrono::steady_clock::now();
    const std::lock_guard<std::mutex> lock(traffic_.mutex);
    traffic_.served.push_back(std::move(entry));
  }

 private:
  const HttpsServer::Handler& handler_;
  Traffic& traffic_;
};

class FunctionHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  FunctionHandlerFactory(HttpsServer::Handler handler, Traffic& traffic)
      : handler_(std::move(handler)), traffic_(traffic) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new FunctionHandler(handler_, traffic_);
  }

 private:
  HttpsServer::Handler handler_;
  Traffic& traffic_;
};

}  // namespace

struct HttpsServer::Impl {
  Traffic traffic;  // outlives the server and its handlers (declared before them)
  // A pool of its own, not Poco's default: stopping the server then ends its threads, and a thread that ends
  // frees OpenSSL's per-thread state (error queue, DRBG). Threads of the default pool outlive OPENSSL_cleanup at
  // exit and their state is reported as leaked by LeakSanitizer. Declared first so it is destroyed last.
  std::unique_ptr<Poco::ThreadPool> pool;
  std::unique_ptr<Poco::Net::SecureServerSocket> socket;
  std::unique_ptr<Poco::Net::HTTPServer> server;
  bool running = false;
};

HttpsServer::HttpsServer(const TestCa& ca, Handler handler, std::uint16_t port) : impl_(std::make_unique<Impl>()) {
  Poco::Net::Context::Params params;
  params.privateKeyFile = ca.serverKeyFile();
  params.certificateFile = ca.serverCertFile();
  params.verificationMode = Poco::Net::Context::VERIFY_NONE;  // servers here do not ask for client certificates
  params.loadDefaultCAs = false;
  Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
  context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  impl_->socket =
      std::make_unique<Poco::Net::SecureServerSocket>(Poco::Net::SocketAddress("127.0.0.1", port), 64, context);
  auto* serverParams = new Poco::Net::HTTPServerParams;
  serverParams->setMaxThreads(8);
  serverParams->setKeepAlive(true);
  impl_->pool = std::make_unique<Poco::ThreadPool>(2, 16);
  impl_->server = std::make_unique<Poco::Net::HTTPServer>(
      new FunctionHandlerFactory(std::move(handler), impl_->traffic), *impl_->pool, *impl_->socket, serverParams);
}

HttpsServer::~HttpsServer() {
  stop();
  impl_->server.reset();
  impl_->pool->stopAll();  // joins every thread, so their OpenSSL state is released now
}

void HttpsServer::start() {
  if (!impl_->running) {
    impl_->server->start();
    impl_->running = true;
  }
}

void HttpsServer::stop() {
  if (impl_->running) {
    impl_->server->stopAll(true);
    impl_->running = false;
  }
}

std::uint16_t HttpsServer::port() const { return impl_->socket->address().port(); }

std::string HttpsServer::baseUrl() const { return "https://localhost:" + std::to_string(port()); }

std::vector<HttpsServer::Served> HttpsServer::served() const {
  const std::lock_guard<std::mutex> lock(impl_->traffic.mutex);
  return impl_->traffic.served;
}

std::size_t HttpsServer::connectionsAccepted() const {
  const std::lock_guard<std::mutex> lock(impl_->traffic.mutex);
  return static_cast<std::size_t>(impl_->server->totalConnections()) - impl_->traffic.connectionsAtClear;
}

void HttpsServer::clearTraffic() const {
  const std::lock_guard<std::mutex> lock(impl_->traffic.mutex);
  impl_->traffic.served.clear();
  impl_->traffic.connectionsAtClear = static_cast<std::size_t>(impl_->server->totalConnections());
}

}  // namespace keeper_rotate::testsupport
