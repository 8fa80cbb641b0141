// The strict HTTPS client against a real TLS server on 127.0.0.1 with a test CA.
#include "keeper_rotate/https_client.hpp"

#include "https_server.hpp"
#include "test_ca.hpp"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <cstdlib>
#include <set>
#include <thread>

using keeper_rotate::https::Client;
using keeper_rotate::https::Options;
using keeper_rotate::https::Request;
using keeper_rotate::https::TransportError;
using keeper_rotate::testsupport::HttpsServer;
using keeper_rotate::testsupport::TempDir;
using keeper_rotate::testsupport::TestCa;

namespace {

// Echoes method, path and body; remembers the client ports it saw (one per TCP connection).
struct EchoServer {
  TempDir dir;
  TestCa ca;
  std::mutex mutex;
  std::set<int> clientPorts;
  HttpsServer server;

  explicit EchoServer(const std::string& names = "DNS:localhost,IP:127.0.0.1")
      : ca(TestCa::create(dir.path(), names)),
        server(ca, [this](Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res) {
          {
            std::lock_guard<std::mutex> lock(mutex);
            clientPorts.insert(req.clientAddress().port());
          }
          std::string body;
          Poco::StreamCopier::copyToString(req.stream(), body);
          if (req.getURI() == "/truncated") {
            res.setContentLength(100);
            res.send() << "short";
            return;
          }
          res.setContentType("text/plain");
          res.set("X-Echo-Method", req.getMethod());
          const std::string reply = req.getMethod() + " " + req.getURI() + " " + body;
          res.setContentLength(static_cast<std::streamsize>(reply.size()));
          res.send() << reply;
        }) {
    server.start();
  }
  Options trusting() const {
    Options o;
    o.caFile = ca.caCertFile();
    o.useProxyEnvironment = false;
    return o;
  }
};

}  // namespace

TEST_CASE("https client: GET and POST over verified TLS, keep-alive reuses one connection") {
  EchoServer echo;
  Client client(echo.trusting());
  auto first = client.send(Request("GET", echo.server.baseUrl() + "/a?x=1"));
  CHECK(first.status == 200);
  CHECK(first.body == "GET /a?x=1 ");
  CHECK(first.header("x-echo-method").value_or("") == "GET");
  Request post("POST", echo.server.baseUrl() + "/b");
  post.headers.emplace_back("Content-Type", "application/json");
  post.body = R"({"k":"v"})";
  auto second = client.send(post);
  CHECK(second.status == 200);
  CHECK(second.body == R"(POST /b {"k":"v"})");
  std::lock_guard<std::mutex> lock(echo.mutex);
  CHECK(echo.clientPorts.size() == 1);
}

TEST_CASE("https client: 127.0.0.1 works through the IP subjectAltName") {
  EchoServer echo;
  Client client(echo.trusting());
  auto response = client.send(Request("GET", "https://127.0.0.1:" + std::to_string(echo.server.port()) + "/ip"));
  CHECK(response.status == 200);
}

TEST_CASE("https client: SSL_CERT_FILE names the trusted CA when no CA option is given") {
  EchoServer echo;
  ::setenv("SSL_CERT_FILE", echo.ca.caCertFile().c_str(), 1);
  Options o;
  o.useProxyEnvironment = false;
  Client client(o);
  ::unsetenv("SSL_CERT_FILE");
  CHECK(client.send(Request("GET", echo.server.baseUrl() + "/env")).status == 200);
}

TEST_CASE("https client: an untrusted CA is rejected, never prompted for") {
  EchoServer echo;
  TempDir other;
  TestCa stranger = TestCa::create(other.path());
  Options o;
  o.caFile = stranger.caCertFile();
  o.useProxyEnvironment = false;
  Client client(o);
  try {
    client.send(Request("GET", echo.server.baseUrl() + "/"));
    FAIL("an untrusted certificate was accepted");
  } catch (const TransportError& e) {
    CHECK(std::string(e.what()).find("TLS") != std::string::npos);
  }
}

TEST_CASE("https client: a trusted certificate for another host name is rejected") {
  EchoServer echo("DNS:other.example");
  Client client(echo.trusting());
  CHECK_THROWS_AS(client.send(Request("GET", echo.server.baseUrl() + "/")), TransportError);
}

TEST_CASE("https client: plain http is refused except to loopback") {
  Client client(Options{});
  CHECK_THROWS_WITH_AS(client.send(Request("GET", "http://graph.example.com/")),
                       doctest::Contains("only https:// is allowed"), TransportError);
}

TEST_CASE("https client: a body shorter than its Content-Length is an error, not a silent short read") {
  EchoServer echo;
  Options o = echo.trusting();
  o.ioTimeout = std::chrono::milliseconds(1500);
  Client client(o);
  CHECK_THROWS_AS(client.send(Request("GET", echo.server.baseUrl() + "/truncated")), TransportError);
}

TEST_CASE("https client: connection refused is a TransportError naming the endpoint") {
  Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
  const auto port = probe.address().port();
  probe.close();
  Options o;
  o.useProxyEnvironment = false;
  Client client(o);
  const std::string endpoint = "localhost:" + std::to_string(port);
  CHECK_THROWS_WITH_AS(client.send(Request("GET", "https://" + endpoint + "/")), doctest::Contains(endpoint.c_str()),
                       TransportError);
}

TEST_CASE("https client: HTTPS_PROXY tunnels through CONNECT and still verifies the server") {
  EchoServer echo;
  // A minimal CONNECT proxy: one tunnel, bytes pumped both ways, records the CONNECT target.
  Poco::Net::ServerSocket listener(Poco::Net::SocketAddress("127.0.0.1", 0));
  std::string connectLine;
  std::thread proxy([&] {
    Poco::Net::StreamSocket client = listener.acceptConnection();
    std::string head;
    char c;
    while (head.find("\r\n\r\n") == std::string::npos && client.receiveBytes(&c, 1) == 1) head.push_back(c);
    connectLine = head.substr(0, head.find("\r\n"));
    Poco::Net::StreamSocket upstream(Poco::Net::SocketAddress("127.0.0.1", echo.server.port()));
    const std::string ok = "HTTP/1.1 200 Connection established\r\n\r\n";
    client.sendBytes(ok.data(), static_cast<int>(ok.size()));
    std::atomic<bool> done{false};
    auto pump = [&done](Poco::Net::StreamSocket from, Poco::Net::StreamSocket to) {
      char buffer[4096];
      from.setReceiveTimeout(Poco::Timespan(0, 200000));
      while (!done) {
        int n = 0;
        try {
          n = from.receiveBytes(buffer, sizeof buffer);
        } catch (const Poco::TimeoutException&) {
          continue;
        } catch (const Poco::Exception&) {
          break;
        }
        if (n <= 0) break;
        to.sendBytes(buffer, n);
      }
      done = true;
    };
    std::thread up(pump, client, upstream);
    pump(upstream, client);
    up.join();
  });
  ::setenv("HTTPS_PROXY", ("http://127.0.0.1:" + std::to_string(listener.address().port())).c_str(), 1);
  ::unsetenv("NO_PROXY");
  ::unsetenv("no_proxy");
  Options o;
  o.caFile = echo.ca.caCertFile();
  {
    Client client(o);
    auto response = client.send(Request("GET", echo.server.baseUrl() + "/via-proxy"));
    CHECK(response.status == 200);
    CHECK(response.body == "GET /via-proxy ");
  }
  ::unsetenv("HTTPS_PROXY");
  proxy.join();
  CHECK(connectLine == "CONNECT localhost:" + std::to_string(echo.server.port()) + " HTTP/1.1");
}

TEST_CASE("https client: warmUp opens the connection ahead, and the first request uses it") {
  EchoServer echo;
  Client client(echo.trusting());
  client.warmUp(echo.server.baseUrl() + "/ignored-path");
  client.warmUp(echo.server.baseUrl() + "/");  // a second call while one may still run changes nothing
  // The server saw the TCP connection and handshake before any request; wait for it to be accepted.
  for (int i = 0; i < 200 && echo.server.connectionsAccepted() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(echo.server.connectionsAccepted() == 1);
  CHECK(echo.server.served().empty());  // nothing was sent over it
  CHECK(client.send(Request("GET", echo.server.baseUrl() + "/first")).body == "GET /first ");
  CHECK(client.send(Request("GET", echo.server.baseUrl() + "/second")).body == "GET /second ");
  CHECK(echo.server.connectionsAccepted() == 1);
  CHECK(echo.clientPorts.size() == 1);
}

TEST_CASE("https client: a warm-up that fails is silent and the first request reports the failure") {
  EchoServer echo("DNS:elsewhere.example");  // a certificate for another name
  Client client(echo.trusting());
  client.warmUp(echo.server.baseUrl() + "/");
  try {
    (void)client.send(Request("GET", echo.server.baseUrl() + "/x"));
    FAIL("no exception");
  } catch (const TransportError& e) {
    CHECK(e.kind() == keeper_rotate::https::TransportFailure::HostName);
    CHECK(std::string(e.what()).find("elsewhere.example") != std::string::npos);  // what the warm-up saw
  }
  // No retry can fix a certificate for another name: the request did not connect a second time.
  CHECK(echo.server.connectionsAccepted() == 1);
  // Nothing listens on this port: the warm-up gives up, the request reports the refused connection.
  Client other;
  other.warmUp("https://127.0.0.1:1/");
  CHECK_THROWS_AS((void)other.send(Request("GET", "https://127.0.0.1:1/")), TransportError);
  // Not https, or not a URL: ignored.
  other.warmUp("http://127.0.0.1:1/");
  other.warmUp("not a url");
}

TEST_CASE("https client: a connection that only received session tickets is still reused") {
  EchoServer echo;
  Client client(echo.trusting());
  CHECK(client.send(Request("GET", echo.server.baseUrl() + "/one")).status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // any post-handshake records have arrived by now
  CHECK(client.send(Request("GET", echo.server.baseUrl() + "/two")).status == 200);
  CHECK(echo.clientPorts.size() == 1);
}
