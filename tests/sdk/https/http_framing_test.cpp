// The HTTPS client's own HTTP/1.1 framing, through the public Client over plain http:// to a loopback server that
// answers with scripted bytes: chunked and close-delimited bodies, interim responses, Connection: close, a kept-
// alive connection the server closed while idle, malformed and oversized answers, and requests that would break
// the framing.
#include "keeper_rotate/https_client.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using keeper_rotate::https::Client;
using keeper_rotate::https::Options;
using keeper_rotate::https::Request;
using keeper_rotate::https::TransportError;
using keeper_rotate::https::TransportFailure;

namespace {

// Accepts connections on 127.0.0.1:0; for each request read (up to the blank line, plus a Content-Length body) it
// calls `answer(requestIndex, requestText)`, writes what it returns, and closes the connection when told to.
class ScriptedServer {
 public:
  struct Reply {
    std::string bytes;
    bool close = false;
  };
  using Script = std::function<Reply(int, const std::string&)>;

  explicit ScriptedServer(Script script) : script_(std::move(script)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(listener_, 8) == 0);
    socklen_t size = sizeof a;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &size);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  int connections() const { return connections_; }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

 private:
  bool readable(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, ms) > 0;
  }
  void serve() {
    int index = 0;
    while (!stop_) {
      if (!readable(listener_, 50)) continue;
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      ++connections_;
      std::string pending;
      bool open = true;
      while (open && !stop_) {
        if (!readable(fd, 50)) continue;
        char chunk[4096];
        const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
        if (got <= 0) break;
        pending.append(chunk, static_cast<std::size_t>(got));
        const auto end = pending.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        std::size_t length = 0;
        if (const auto cl = pending.find("Content-Length: "); cl != std::string::npos && cl < end)
          length = std::stoul(pending.substr(cl + 16));
        if (pending.size() < end + 4 + length) continue;
        const std::string request = pending.substr(0, end + 4 + length);
        pending.erase(0, end + 4 + length);
        {
          std::lock_guard<std::mutex> lock(mutex_);
          requests_.push_back(request);
        }
        const Reply reply = script_(index++, request);
        ::send(fd, reply.bytes.data(), reply.bytes.size(), MSG_NOSIGNAL);
        open = !reply.close;
      }
      ::close(fd);
    }
  }

  Script script_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::mutex mutex_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

Options quick() {
  Options o;
  o.useProxyEnvironment = false;
  o.connectTimeout = std::chrono::milliseconds(1000);
  o.ioTimeout = std::chrono::milliseconds(1000);
  return o;
}

TransportError failureOf(Client& client, const Request& request) {
  try {
    client.send(request);
  } catch (const TransportError& e) {
    return e;
  }
  FAIL("the request did not fail");
  return TransportError("unreachable");
}

}  // namespace

TEST_CASE("http framing: a chunked body is reassembled and the connection kept for the next request") {
  ScriptedServer server([](int, const std::string&) {
    return ScriptedServer::Reply{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Id: 7\r\n\r\n"
                                 "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nTrailer: x\r\n\r\n"};
  });
  Client client(quick());
  auto first = client.send(Request("GET", server.url("/a")));
  CHECK(first.status == 200);
  CHECK(first.reason == "OK");
  CHECK(first.body == "hello, world");
  CHECK(first.header("x-id") == std::optional<std::string>("7"));
  auto second = client.send(Request("GET", server.url("/b")));
  CHECK(second.body == "hello, world");
  CHECK(server.connections() == 1);
}

TEST_CASE("http framing: the request carries Host, User-Agent, the caller's headers and a Content-Length body") {
  ScriptedServer server([](int, const std::string&) {
    return ScriptedServer::Reply{"HTTP/1.1 204 No Content\r\n\r\n"};
  });
  Client client(quick());
  Request r("POST", server.url("/path?q=1#fragment"));
  r.headers = {{"Content-Type", "application/json"}, {"User-Agent", "custom-agent"}};
  r.body = "{\"a\":1}";
  CHECK(client.send(r).status == 204);
  const auto seen = server.requests();
  REQUIRE(seen.size() == 1);
  const std::string& text = seen[0];
  CHECK(text.rfind("POST /path?q=1 HTTP/1.1\r\n", 0) == 0);
  CHECK(text.find("Host: 127.0.0.1:") != std::string::npos);
  CHECK(text.find("User-Agent: custom-agent\r\n") != std::string::npos);
  CHECK(text.find("User-Agent: keeper-rotate") == std::string::npos);
  CHECK(text.find("Content-Type: application/json\r\n") != std::string::npos);
  CHECK(text.find("Content-Length: 7\r\n\r\n{\"a\":1}") != std::string::npos);
  CHECK(text.find("fragment") == std::string::npos);
}

TEST_CASE("http framing: interim 100 responses are skipped, Connection: close opens a new connection next time") {
  ScriptedServer server([](int, const std::string&) {
    return ScriptedServer::Reply{"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n"
                                 "Connection: close\r\n\r\nok",
                                 true};
  });
  Client client(quick());
  auto first = client.send(Request("GET", server.url("/")));
  CHECK(first.status == 201);
  CHECK(first.body == "ok");
  CHECK(client.send(Request("GET", server.url("/"))).body == "ok");
  CHECK(server.connections() == 2);
}

TEST_CASE("http framing: a kept-alive connection the server closed while idle is replaced before sending") {
  // Every answer says keep-alive, yet the server closes after it: the client must notice before the next request
  // and open a new connection, sending each request exactly once.
  ScriptedServer server([](int, const std::string&) {
    return ScriptedServer::Reply{"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", true};
  });
  Client client(quick());
  CHECK(client.send(Request("POST", server.url("/1"))).body == "x");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the server's close has arrived
  CHECK(client.send(Request("POST", server.url("/2"))).body == "x");
  CHECK(server.connections() == 2);
  CHECK(server.requests().size() == 2);
}

TEST_CASE("http framing: a body without a length runs to the end of the stream") {
  ScriptedServer server([](int, const std::string&) {
    return ScriptedServer::Reply{"HTTP/1.0 200 OK\r\n\r\nall of it", true};
  });
  Client client(quick());
  CHECK(client.send(Request("GET", server.url("/"))).body == "all of it");
}

TEST_CASE("http framing: malformed or oversized answers are Dropped, never half-read as whole") {
  SUBCASE("not HTTP") {
    ScriptedServer server([](int, const std::string&) { return ScriptedServer::Reply{"SSH-2.0-OpenSSH\r\n\r\n", true}; });
    Client client(quick());
    const auto e = failureOf(client, Request("GET", server.url("/")));
    CHECK(e.kind() == TransportFailure::Dropped);
    CHECK(std::string(e.what()).find("not HTTP/1.x") != std::string::npos);
  }
  SUBCASE("a chunk size that is not hexadecimal") {
    ScriptedServer server([](int, const std::string&) {
      return ScriptedServer::Reply{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", true};
    });
    Client client(quick());
    CHECK(failureOf(client, Request("GET", server.url("/"))).kind() == TransportFailure::Dropped);
  }
  SUBCASE("a chunked body cut off by the close") {
    ScriptedServer server([](int, const std::string&) {
      return ScriptedServer::Reply{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc", true};
    });
    Client client(quick());
    CHECK(failureOf(client, Request("GET", server.url("/"))).kind() == TransportFailure::Dropped);
  }
  SUBCASE("a Content-Length that is not a number") {
    ScriptedServer server([](int, const std::string&) {
      return ScriptedServer::Reply{"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", true};
    });
    Client client(quick());
    CHECK(failureOf(client, Request("GET", server.url("/"))).kind() == TransportFailure::Dropped);
  }
  SUBCASE("a body larger than the limit") {
    ScriptedServer server([](int, const std::string&) {
      return ScriptedServer::Reply{"HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n", true};
    });
    Client client(quick());
    const auto e = failureOf(client, Request("GET", server.url("/")));
    CHECK(e.kind() == TransportFailure::Dropped);
    CHECK(std::string(e.what()).find("larger than") != std::string::npos);
  }
  SUBCASE("headers without end") {
    ScriptedServer server([](int, const std::string&) {
      return ScriptedServer::Reply{"HTTP/1.1 200 OK\r\nX: " + std::string(70 * 1024, 'a') + "\r\n\r\n", true};
    });
    Client client(quick());
    CHECK(failureOf(client, Request("GET", server.url("/"))).kind() == TransportFailure::Dropped);
  }
}

TEST_CASE("http framing: a request whose header or method would break the framing is Invalid and never sent") {
  ScriptedServer server([](int, const std::string&) { return ScriptedServer::Reply{"HTTP/1.1 204 No Content\r\n\r\n"}; });
  Client client(quick());
  Request injected("GET", server.url("/"));
  injected.headers = {{"X-Note", "a\r\nX-Evil: 1"}};
  CHECK(failureOf(client, injected).kind() == TransportFailure::Invalid);
  Request badName("GET", server.url("/"));
  badName.headers = {{"Bad Name", "x"}};
  CHECK(failureOf(client, badName).kind() == TransportFailure::Invalid);
  CHECK(failureOf(client, Request("GE T", server.url("/"))).kind() == TransportFailure::Invalid);
  CHECK(server.requests().empty());
}

TEST_CASE("http framing: plain http off loopback is refused unless the host is in Options::plainHttpHosts") {
  Options o = quick();
  o.plainHttpHosts = {"169.254.169.254"};
  Client client(o);
  const auto e = failureOf(client, Request("GET", "http://169.254.169.253/"));
  CHECK(e.kind() == TransportFailure::Invalid);
  CHECK(std::string(e.what()).find("plain-HTTP hosts") != std::string::npos);
}
