// A Poco HTTPS server on 127.0.0.1 (port 0 by default) with a certificate from TestCa, dispatching every request to
// one handler function. The base for the fake Entra/Graph and fake KSM servers.
#pragma once

#include "test_ca.hpp"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace keeper_rotate::testsupport {

class HttpsServer {
 public:
  using Handler = std::function<void(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse&)>;

  /// Binds immediately (so port() is known), serves after start().
  HttpsServer(const TestCa& ca, Handler handler, std::uint16_t port = 0);
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  void start();
  void stop();
  std::uint16_t port() const;
  /// "https://localhost:PORT" (the certificate is valid for localhost and 127.0.0.1).
  std::string baseUrl() const;

  /// One request as the server saw it: when its head had arrived and when the handler had answered. For
  /// benchmarks (tools/bench) that break a client's run into its remote steps.
  struct Served {
    std::string method;
    std::string uri;  ///< as sent, undecoded
    std::chrono::steady_clock::time_point received, answered;
  };
  /// Every request served since start() or the last clearTraffic(), in order of arrival.
  std::vector<Served> served() const;
  /// TCP connections accepted since start() or the last clearTraffic(): each one is one full TLS handshake.
  std::size_t connectionsAccepted() const;
  void clearTraffic() const;  // the log is observation, not server state

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keeper_rotate::testsupport
