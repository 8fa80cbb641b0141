// QueryClient and permanent transport errors: an untrusted certificate or a proxy refusing CONNECT is never retried
// (one connection or CONNECT at the server, no sleep), not even for a non-idempotent call, and surfaces as
// PermanentlyUnreachable with the https client's code and message; a transient transport error is still retried.
#include "keeper_rotate/aws/query_client.hpp"

#include <keeper_rotate/https_client.hpp>

#include "../https/fault_servers.hpp"
#include "test_ca.hpp"

#include <doctest/doctest.h>

#include <Poco/Net/ServerSocket.h>

#include <cstdlib>
#include <vector>

using namespace keeper_rotate::aws;
using keeper_rotate::testsupport::TempDir;
using keeper_rotate::testsupport::TestCa;
namespace https = keeper_rotate::https;

namespace {

struct Harness {
  TempDir dir;
  TestCa serverCa = TestCa::create(dir.path() + "/server");
  TestCa trusted = TestCa::create(dir.path() + "/trusted");
  std::vector<std::chrono::milliseconds> sleeps;

  https::Options options() const {
    https::Options o;
    o.caFile = trusted.caCertFile();
    o.useProxyEnvironment = false;
    return o;
  }
  QueryClient client(https::Client& http, const std::string& endpoint) {
    RetryPolicy policy;
    policy.maxAttempts = 5;
    policy.baseDelay = std::chrono::milliseconds(1000);
    return QueryClient(http, Service{endpoint, "2011-06-15", SigningScope{"us-east-1", "sts"}}, policy,
                       [this](std::chrono::milliseconds d) { sleeps.push_back(d); });
  }
};

const Credentials& credentials() {
  static const Credentials c("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  return c;
}

}  // namespace

TEST_CASE("aws query client: an untrusted certificate is not retried and is PermanentlyUnreachable") {
  Harness h;
  krtest_faults::CountingTlsServer server(h.serverCa);
  https::Client http(h.options());
  QueryClient sts = h.client(http, server.url());
  for (const bool idempotent : {true, false}) {
    CAPTURE(idempotent);
    const int before = server.connections();
    try {
      sts.call("GetCallerIdentity", {}, credentials(), idempotent);
      FAIL("the call succeeded");
    } catch (const PermanentlyUnreachable& e) {
      const std::string what = e.what();
      INFO(what);
      CHECK(e.failure() == https::TransportFailure::Certificate);
      CHECK(std::string(e.code()) == "tls.certificate");
      CHECK(what.rfind("GetCallerIdentity: https://localhost:", 0) == 0);
      CHECK(what.find("subject 'CN=localhost,O=keeper-rotate tests'") != std::string::npos);
      CHECK(what.find("issuer 'CN=keeper-rotate test CA,O=keeper-rotate tests'") != std::string::npos);
      CHECK(what.find("trusted CAs: " + h.trusted.caCertFile()) != std::string::npos);
    }
    CHECK(server.connections() == before + 1);
  }
  CHECK(h.sleeps.empty());
}

TEST_CASE("aws query client: a proxy refusing CONNECT is one request and a PermanentlyUnreachable, also an Unreachable") {
  Harness h;
  krtest_faults::RefusingProxy proxy(403, "Forbidden");
  ::setenv("HTTPS_PROXY", proxy.url().c_str(), 1);
  ::unsetenv("NO_PROXY");
  ::unsetenv("no_proxy");
  https::Options o = h.options();
  o.useProxyEnvironment = true;
  https::Client http(o);
  QueryClient iam = h.client(http, "https://iam.amazonaws.com");
  try {
    iam.call("CreateAccessKey", {{"UserName", "bob"}}, credentials(), /*idempotent=*/false);
    FAIL("the call succeeded");
  } catch (const Unreachable& e) {  // callers that only know Unreachable still catch it
    const auto* permanent = dynamic_cast<const PermanentlyUnreachable*>(&e);
    REQUIRE(permanent != nullptr);
    CHECK(permanent->failure() == https::TransportFailure::ProxyRefused);
    CHECK(std::string(e.what()).find("HTTP 403") != std::string::npos);
  }
  ::unsetenv("HTTPS_PROXY");
  CHECK(proxy.requests() == 1);
  CHECK(h.sleeps.empty());
}

TEST_CASE("aws query client: a refused connection is still retried to the end") {
  Harness h;
  Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
  const std::string endpoint = "https://localhost:" + std::to_string(probe.address().port());
  probe.close();
  https::Client http(h.options());
  QueryClient sts = h.client(http, endpoint);
  try {
    sts.call("GetCallerIdentity", {}, credentials());
    FAIL("the call succeeded");
  } catch (const PermanentlyUnreachable&) {
    FAIL("a refused connection is not permanent");
  } catch (const Unreachable& e) {
    CHECK(std::string(e.what()).find("after 5 attempts") != std::string::npos);
  }
  CHECK(h.sleeps.size() == 4);
}
