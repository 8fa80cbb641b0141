// Loopback servers for permanent transport failures, shared by the https, aws, ksm-client and provider tests:
// a TLS server that only counts connections (its certificate is for whatever the test asks, from a CA the client
// may or may not trust), and an HTTP proxy that answers every CONNECT with a fixed status. Both listen on
// 127.0.0.1, port 0, and count what reaches them, so a test can prove that a client did not retry.
#pragma once

#include "test_ca.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace krtest_faults {

/// A TLS server with a certificate from `ca`. Every connection is counted; the handshake is attempted (a client
/// that rejects the certificate aborts it) and a request that gets through is answered 200 "ok".
class CountingTlsServer {
 public:
  explicit CountingTlsServer(const keeper_rotate::testsupport::TestCa& ca)
      : context_(serverContext(ca)), socket_(Poco::Net::SocketAddress("127.0.0.1", 0), 64, context_) {
    thread_ = std::thread([this] { serve(); });
  }
  ~CountingTlsServer() {
    stop_ = true;
    thread_.join();
  }
  CountingTlsServer(const CountingTlsServer&) = delete;
  CountingTlsServer& operator=(const CountingTlsServer&) = delete;

  std::uint16_t port() const { return socket_.address().port(); }
  std::string url(const std::string& host = "localhost") const { return "https://" + host + ":" + std::to_string(port()); }
  int connections() const { return connections_; }

 private:
  static Poco::Net::Context::Ptr serverContext(const keeper_rotate::testsupport::TestCa& ca) {
    Poco::Net::Context::Params params;
    params.certificateFile = ca.serverCertFile();
    params.privateKeyFile = ca.serverKeyFile();
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;
    return new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
  }

  void serve() {
    while (!stop_) {
      try {
        if (!socket_.poll(Poco::Timespan(0, 50000), Poco::Net::Socket::SELECT_READ)) continue;
        Poco::Net::StreamSocket accepted = socket_.acceptConnection();
        ++connections_;
        Poco::Net::SecureStreamSocket tls(accepted);
        tls.setReceiveTimeout(Poco::Timespan(2, 0));
        tls.completeHandshake();
        std::string head;
        char c;
        while (head.find("\r\n\r\n") == std::string::npos && tls.receiveBytes(&c, 1) == 1) head.push_back(c);
        const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
        tls.sendBytes(reply.data(), static_cast<int>(reply.size()));
      } catch (...) {
        // the client rejected the certificate (or went away): that is what these tests provoke
      }
    }
  }

  Poco::Net::Context::Ptr context_;
  Poco::Net::SecureServerSocket socket_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

/// An HTTP proxy that answers every CONNECT with `status` and closes; it remembers the request lines it got.
class RefusingProxy {
 public:
  explicit RefusingProxy(int status = 403, std::string reason = "Forbidden")
      : status_(status), reason_(std::move(reason)), socket_(Poco::Net::SocketAddress("127.0.0.1", 0)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~RefusingProxy() {
    stop_ = true;
    thread_.join();
  }
  RefusingProxy(const RefusingProxy&) = delete;
  RefusingProxy& operator=(const RefusingProxy&) = delete;

  std::uint16_t port() const { return socket_.address().port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
  int requests() const { return requests_; }
  std::vector<std::string> requestLines() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

 private:
  void serve() {
    while (!stop_) {
      try {
        if (!socket_.poll(Poco::Timespan(0, 50000), Poco::Net::Socket::SELECT_READ)) continue;
        Poco::Net::StreamSocket client = socket_.acceptConnection();
        client.setReceiveTimeout(Poco::Timespan(2, 0));
        std::string head;
        char c;
        while (head.find("\r\n\r\n") == std::string::npos && client.receiveBytes(&c, 1) == 1) head.push_back(c);
        ++requests_;
        {
          std::lock_guard<std::mutex> lock(mutex_);
          lines_.push_back(head.substr(0, head.find("\r\n")));
        }
        const std::string reply = "HTTP/1.1 " + std::to_string(status_) + " " + reason_ +
                                  "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        client.sendBytes(reply.data(), static_cast<int>(reply.size()));
        client.shutdown();
      } catch (...) {
      }
    }
  }

  int status_;
  std::string reason_;
  Poco::Net::ServerSocket socket_;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
  std::thread thread_;
};

/// How long `body` takes.
template <class Body>
std::chrono::milliseconds elapsed(Body&& body) {
  const auto start = std::chrono::steady_clock::now();
  body();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

}  // namespace krtest_faults
