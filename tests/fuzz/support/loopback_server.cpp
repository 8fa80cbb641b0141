#include "loopback_server.hpp"

#include <Poco/StreamCopier.h>

#include <cstdlib>
#include <filesystem>
#include <istream>
#include <memory>
#include <mutex>
#include <sstream>

#include "https_server.hpp"
#include "test_ca.hpp"

namespace kr_fuzz {

namespace ts = keeper_rotate::testsupport;

struct LoopbackServer::Impl {
  ts::TempDir dir{"kr-fuzz"};
  ts::TestCa ca = ts::TestCa::create(dir.path());
  std::mutex mutex;
  Handler handler;
  std::unique_ptr<ts::HttpsServer> server;

  void serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    std::string body;
    Poco::StreamCopier::copyToString(request.stream(), body);
    Handler current;
    {
      std::lock_guard<std::mutex> lock(mutex);
      current = handler;
    }
    if (current) {
      current(request, body, response);
    } else {
      response.setStatus(Poco::Net::HTTPResponse::HTTP_SERVICE_UNAVAILABLE);
      response.setContentLength(0);
      response.send();
    }
  }
};

LoopbackServer::LoopbackServer() : impl_(new Impl) {
  impl_->server = std::make_unique<ts::HttpsServer>(
      impl_->ca,
      [impl = impl_](Poco::Net::HTTPServerRequest& rq, Poco::Net::HTTPServerResponse& rs) { impl->serve(rq, rs); });
  impl_->server->start();
  // The server is never destroyed (see instance()), so its temporary directory goes at exit instead.
  static std::string directory = impl_->dir.path();
  std::atexit([] {
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);
  });
}

LoopbackServer& LoopbackServer::instance() {
  // Never destroyed: libFuzzer may end the process from any thread, and the clients of the targets (also
  // function-local statics) must never outlive the server they talk to. The pointer keeps it reachable, so
  // LeakSanitizer does not count it.
  static LoopbackServer* server = new LoopbackServer;
  return *server;
}

void LoopbackServer::setHandler(Handler handler) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->handler = std::move(handler);
}

std::string LoopbackServer::baseUrl() const { return impl_->server->baseUrl(); }
std::string LoopbackServer::hostAndPort() const { return "localhost:" + std::to_string(impl_->server->port()); }
std::string LoopbackServer::caFile() const { return impl_->ca.caCertFile(); }

}  // namespace kr_fuzz
