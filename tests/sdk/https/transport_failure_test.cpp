// TransportError kinds: which failures are permanent (certificate, host name, unknown host, proxy refusal, a request
// that cannot be sent) and what their messages say (host, certificate subject and issuer, OpenSSL's reason, where
// the trusted CAs come from); the others stay retryable. Loopback servers only; the unknown-host case asks the
// resolver about a name under .invalid (RFC 6761), which never exists, and is skipped visibly when the resolver
// cannot answer at all.
#include "keeper_rotate/https_client.hpp"

#include "fault_servers.hpp"
#include "https_server.hpp"
#include "test_ca.hpp"

#include <Poco/Net/ServerSocket.h>
#include <doctest/doctest.h>

#include <csignal>
#include <pthread.h>
#include <cstdlib>
#include <iostream>
#include <netdb.h>

using keeper_rotate::https::Client;
using keeper_rotate::https::Options;
using keeper_rotate::https::Request;
using keeper_rotate::https::TransportError;
using keeper_rotate::https::TransportFailure;
using keeper_rotate::testsupport::HttpsServer;
using keeper_rotate::testsupport::TempDir;
using keeper_rotate::testsupport::TestCa;
using krtest_faults::CountingTlsServer;
using krtest_faults::RefusingProxy;

namespace {

Options direct() {
  Options o;
  o.useProxyEnvironment = false;
  return o;
}

TransportError failureOf(Client& client, const std::string& url) {
  try {
    client.send(Request("GET", url));
  } catch (const TransportError& e) {
    return e;
  }
  FAIL("the request succeeded");
  return TransportError("unreachable");
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct EnvGuard {
  std::string name;
  explicit EnvGuard(std::string n, const std::string& value) : name(std::move(n)) {
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~EnvGuard() { ::unsetenv(name.c_str()); }
};

}  // namespace

TEST_CASE("https transport failure: a certificate from a CA not in SSL_CERT_FILE is Certificate, permanent, and named") {
  TempDir dir;
  const TestCa serverCa = TestCa::create(dir.path() + "/server");
  const TestCa trusted = TestCa::create(dir.path() + "/trusted");
  CountingTlsServer server(serverCa);
  EnvGuard trust("SSL_CERT_FILE", trusted.caCertFile());
  Client client(direct());
  const auto took = krtest_faults::elapsed([&] {
    const TransportError e = failureOf(client, server.url() + "/token");
    const std::string what = e.what();
    INFO(what);
    CHECK(e.kind() == TransportFailure::Certificate);
    CHECK(e.permanent());
    CHECK(std::string(e.code()) == "tls.certificate");
    CHECK(contains(what, "https://localhost:" + std::to_string(server.port())));
    CHECK(contains(what, "subject 'CN=localhost,O=keeper-rotate tests'"));
    CHECK(contains(what, "issuer 'CN=keeper-rotate test CA,O=keeper-rotate tests'"));
    CHECK(contains(what, "OpenSSL verify error"));
    CHECK(contains(what, "trusted CAs: SSL_CERT_FILE=" + trusted.caCertFile()));
  });
  CHECK(server.connections() == 1);
  CHECK(took < std::chrono::seconds(2));
}

TEST_CASE("https transport failure: the trust source is named: the client's CA file, or the system store") {
  TempDir dir;
  const TestCa serverCa = TestCa::create(dir.path() + "/server");
  const TestCa other = TestCa::create(dir.path() + "/other");
  CountingTlsServer server(serverCa);
  ::unsetenv("SSL_CERT_FILE");
  {
    Options o = direct();
    o.caFile = other.caCertFile();
    Client client(o);
    const TransportError e = failureOf(client, server.url());
    CHECK(e.kind() == TransportFailure::Certificate);
    CHECK(contains(e.what(), "trusted CAs: " + other.caCertFile() + " (the client's CA file option)"));
  }
  {
    Client client(direct());
    const TransportError e = failureOf(client, server.url());
    INFO(std::string(e.what()));
    CHECK(e.kind() == TransportFailure::Certificate);
    CHECK(contains(e.what(), "trusted CAs: the system store"));
    CHECK(contains(e.what(), "SSL_CERT_FILE is not set"));
  }
}

TEST_CASE("https transport failure: a trusted certificate for another host name is HostName with its names") {
  TempDir dir;
  const TestCa ca = TestCa::create(dir.path() + "/ca", "DNS:other.example");
  CountingTlsServer server(ca);
  Options o = direct();
  o.caFile = ca.caCertFile();
  Client client(o);
  const TransportError e = failureOf(client, server.url() + "/");
  const std::string what = e.what();
  INFO(what);
  CHECK(e.kind() == TransportFailure::HostName);
  CHECK(e.permanent());
  CHECK(std::string(e.code()) == "tls.hostname");
  CHECK(contains(what, "host name 'localhost'"));
  CHECK(contains(what, "DNS:other.example"));
  CHECK(contains(what, "subject 'CN=localhost,O=keeper-rotate tests'"));
  CHECK(contains(what, "issuer 'CN=keeper-rotate test CA,O=keeper-rotate tests'"));
  CHECK(contains(what, "trusted CAs: " + ca.caCertFile()));
  CHECK(server.connections() == 1);
}

TEST_CASE("https transport failure: an IP address the certificate does not carry is HostName") {
  TempDir dir;
  const TestCa ca = TestCa::create(dir.path() + "/ca", "DNS:localhost");
  CountingTlsServer server(ca);
  Options o = direct();
  o.caFile = ca.caCertFile();
  Client client(o);
  const TransportError e = failureOf(client, server.url("127.0.0.1"));
  INFO(std::string(e.what()));
  CHECK(e.kind() == TransportFailure::HostName);
  CHECK(contains(e.what(), "host name '127.0.0.1'"));
  CHECK(contains(e.what(), "DNS:localhost"));
  // The same client still reaches the name the certificate carries.
  CHECK(client.send(Request("GET", server.url("localhost"))).status == 200);
}

TEST_CASE("https transport failure: a name under .invalid is UnknownHost, without a retry") {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo("nothing.invalid", "443", &hints, &found);
  if (found != nullptr) ::freeaddrinfo(found);
  if (rc != EAI_NONAME
#ifdef EAI_NODATA
      && rc != EAI_NODATA
#endif
  ) {
    const std::string why = rc == 0 ? std::string("the resolver claims nothing.invalid exists")
                                    : std::string("the resolver answered: ") + ::gai_strerror(rc);
    std::cerr << "SKIPPED: https transport failure unknown host: " << why << "\n";
    MESSAGE("skipped: " << why);
    return;
  }
  Client client(direct());
  const auto took = krtest_faults::elapsed([&] {
    const TransportError e = failureOf(client, "https://nothing.invalid/");
    INFO(std::string(e.what()));
    CHECK(e.kind() == TransportFailure::UnknownHost);
    CHECK(e.permanent());
    CHECK(std::string(e.code()) == "net.unknown_host");
    CHECK(contains(e.what(), "nothing.invalid"));
  });
  CHECK(took < std::chrono::seconds(5));
}

TEST_CASE("https transport failure: a proxy answering CONNECT with 403 is ProxyRefused, sent once") {
  TempDir dir;
  const TestCa ca = TestCa::create(dir.path() + "/ca");
  RefusingProxy proxy(403, "Forbidden");
  EnvGuard https("HTTPS_PROXY", proxy.url());
  ::unsetenv("NO_PROXY");
  ::unsetenv("no_proxy");
  Options o;
  o.caFile = ca.caCertFile();
  Client client(o);
  const TransportError e = failureOf(client, "https://localhost:1/never");
  const std::string what = e.what();
  INFO(what);
  CHECK(e.kind() == TransportFailure::ProxyRefused);
  CHECK(e.permanent());
  CHECK(std::string(e.code()) == "proxy.refused");
  CHECK(contains(what, "127.0.0.1:" + std::to_string(proxy.port())));
  CHECK(contains(what, "HTTP 403 Forbidden"));
  CHECK(contains(what, "localhost:1"));
  CHECK(proxy.requests() == 1);
  REQUIRE(proxy.requestLines().size() == 1);
  CHECK(proxy.requestLines()[0] == "CONNECT localhost:1 HTTP/1.1");
}

TEST_CASE("https transport failure: a proxy's 502 to CONNECT stays retryable") {
  RefusingProxy proxy(502, "Bad Gateway");
  EnvGuard https("HTTPS_PROXY", proxy.url());
  ::unsetenv("NO_PROXY");
  ::unsetenv("no_proxy");
  Client client(Options{});
  const TransportError e = failureOf(client, "https://localhost:1/");
  INFO(std::string(e.what()));
  CHECK(e.kind() == TransportFailure::Connect);
  CHECK_FALSE(e.permanent());
  CHECK(contains(e.what(), "HTTP 502"));
}

TEST_CASE("https transport failure: refused connections, timeouts and dropped connections are not permanent") {
  Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
  const auto port = probe.address().port();
  probe.close();
  Client client(direct());
  const TransportError refused = failureOf(client, "https://localhost:" + std::to_string(port) + "/");
  CHECK(refused.kind() == TransportFailure::Connect);
  CHECK_FALSE(refused.permanent());

  // A listener that accepts and never speaks: the TLS handshake times out.
  Poco::Net::ServerSocket silent(Poco::Net::SocketAddress("127.0.0.1", 0));
  Options o = direct();
  o.connectTimeout = std::chrono::milliseconds(300);
  o.ioTimeout = std::chrono::milliseconds(300);
  Client impatient(o);
  const TransportError timeout = failureOf(impatient, "https://localhost:" + std::to_string(silent.address().port()));
  INFO(std::string(timeout.what()));
  CHECK(timeout.kind() == TransportFailure::Timeout);
  CHECK_FALSE(timeout.permanent());

  TempDir dir;
  const TestCa ca = TestCa::create(dir.path() + "/ca");
  // A body shorter than its Content-Length, then the server closes: Dropped. The same body from a server that
  // then keeps the connection open and says nothing: a Timeout while reading it.
  HttpsServer truncating(ca, [](Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res) {
    res.setKeepAlive(req.getURI() == "/stall");
    res.setContentLength(100);
    res.send() << "short";
  });
  truncating.start();
  Options t = direct();
  t.caFile = ca.caCertFile();
  t.ioTimeout = std::chrono::milliseconds(1500);
  Client reader(t);
  const TransportError dropped = failureOf(reader, truncating.baseUrl() + "/close");
  INFO(std::string(dropped.what()));
  CHECK(dropped.kind() == TransportFailure::Dropped);
  CHECK(contains(dropped.what(), "shorter than its Content-Length"));
  CHECK_FALSE(dropped.permanent());
  const TransportError stalled = failureOf(reader, truncating.baseUrl() + "/stall");
  INFO(std::string(stalled.what()));
  CHECK(stalled.kind() == TransportFailure::Timeout);
  CHECK_FALSE(stalled.permanent());
}

TEST_CASE("https transport failure: a request that cannot be sent is Invalid and permanent") {
  Client client(direct());
  const TransportError plain = failureOf(client, "http://graph.example.com/");
  CHECK(plain.kind() == TransportFailure::Invalid);
  CHECK(plain.permanent());
  CHECK(std::string(plain.code()) == "net.invalid_request");
  EnvGuard https("HTTPS_PROXY", "socks5://127.0.0.1:1");
  Client proxied(Options{});
  const TransportError proxy = failureOf(proxied, "https://localhost:1/");
  CHECK(proxy.kind() == TransportFailure::Invalid);
  CHECK(contains(proxy.what(), "HTTPS_PROXY"));
}

TEST_CASE("https transport failure: the message-only constructor still works and means a retryable Connect") {
  const TransportError legacy("somewhere: connection refused");
  CHECK(legacy.kind() == TransportFailure::Connect);
  CHECK_FALSE(legacy.permanent());
  CHECK(std::string(legacy.what()) == "somewhere: connection refused");
  const TransportError typed(std::string("x"), TransportFailure::UnknownHost);
  CHECK(typed.permanent());
  for (auto kind : {TransportFailure::Certificate, TransportFailure::HostName, TransportFailure::UnknownHost,
                    TransportFailure::ProxyRefused, TransportFailure::Invalid})
    CHECK(keeper_rotate::https::isPermanent(kind));
  for (auto kind : {TransportFailure::Connect, TransportFailure::Timeout, TransportFailure::Dropped,
                    TransportFailure::Tls})
    CHECK_FALSE(keeper_rotate::https::isPermanent(kind));
}

TEST_CASE("https transport failure: a server that hangs up while a large request is sent is Dropped, no SIGPIPE") {
  // SIGPIPE with its default action and unblocked in this thread (which would end this test program; Poco's
  // Foundation blocks it in the main thread when it loads, which the client must not rely on): the client must not
  // let a write raise it.
  const auto previous = std::signal(SIGPIPE, SIG_DFL);
  sigset_t pipe, oldMask;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_UNBLOCK, &pipe, &oldMask);
  TempDir dir;
  const TestCa ca = TestCa::create(dir.path() + "/ca");
  HttpsServer rude(ca, [](Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& res) {
    res.setKeepAlive(false);  // answers at once, without reading the body, and closes
    res.setStatus(Poco::Net::HTTPResponse::HTTP_REQUEST_ENTITY_TOO_LARGE);
    res.setContentLength(0);
    res.send();
  });
  rude.start();
  Options o = direct();
  o.caFile = ca.caCertFile();
  o.ioTimeout = std::chrono::milliseconds(5000);
  Client client(o);
  Request big("POST", rude.baseUrl() + "/upload");
  big.body.assign(std::size_t{64} * 1024 * 1024, 'x');
  try {
    const auto response = client.send(big);
    CHECK(response.status == 413);  // the kernel took the whole body before the close arrived
  } catch (const TransportError& e) {
    INFO(std::string(e.what()));
    CHECK(e.kind() == TransportFailure::Dropped);
  }
  pthread_sigmask(SIG_SETMASK, &oldMask, nullptr);
  std::signal(SIGPIPE, previous);
}
