// One HTTPS server on 127.0.0.1 per fuzz process (tools/testsupport's HttpsServer with a throw-away test CA), so a
// target can drive a real client (keeper_rotate::https underneath) against answers made from the fuzz input.
// Clients reuse their connection across inputs (keep-alive), so one input costs one loopback round trip, not a
// TLS handshake.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <functional>
#include <string>

namespace kr_fuzz {

class LoopbackServer {
 public:
  /// Gets the request (its body already read) and writes the answer.
  using Handler =
      std::function<void(Poco::Net::HTTPServerRequest&, const std::string& body, Poco::Net::HTTPServerResponse&)>;

  /// The process's server, started on first use.
  static LoopbackServer& instance();

  /// The handler for the requests of the current input (replaces the previous one).
  void setHandler(Handler handler);
  /// "https://localhost:PORT".
  std::string baseUrl() const;
  /// "localhost:PORT".
  std::string hostAndPort() const;
  /// The test CA's certificate (PEM file) for the clients' https::Options::caFile.
  std::string caFile() const;

  struct Impl;

 private:
  LoopbackServer();
  Impl* impl_;
};

/// Installs the handler for one input and removes it when the input is done, also when an exception escapes.
class AnswerScope {
 public:
  explicit AnswerScope(LoopbackServer::Handler handler) { LoopbackServer::instance().setHandler(std::move(handler)); }
  ~AnswerScope() { LoopbackServer::instance().setHandler({}); }
  AnswerScope(const AnswerScope&) = delete;
  AnswerScope& operator=(const AnswerScope&) = delete;
};

}  // namespace kr_fuzz
