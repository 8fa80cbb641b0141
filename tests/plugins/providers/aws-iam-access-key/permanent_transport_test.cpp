// aws-iam-access-key and transport errors no retry can fix: an STS endpoint whose certificate comes from a CA that
// SSL_CERT_FILE does not hold, a proxy refusing CONNECT, an IAM host name that does not exist. Each ends validate at
// once (one connection, no retry lines) as a configuration error (exit 3) with the https code and a message naming
// the host, the certificate's subject and issuer and SSL_CERT_FILE; nothing is changed in IAM.
#include "fixture.hpp"

#include "../../../sdk/https/fault_servers.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <iostream>
#include <netdb.h>

using namespace aws_test;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

bool retryLogged(const Run& r) {
  for (const auto& line : r.host.logs)
    if (has(line.text, "retrying")) return true;
  return false;
}

}  // namespace

TEST_CASE("aws permanent transport: an untrusted STS certificate ends validate at once with tls.certificate") {
  Fixture f;
  const keeper_rotate::testsupport::TestCa stranger =
      keeper_rotate::testsupport::TestCa::create(f.dir.path() + "/stranger");
  krtest_faults::CountingTlsServer sts(stranger);
  std::unique_ptr<Run> r;
  const auto took = krtest_faults::elapsed([&] { r = rotate(f, {{"aws_sts_endpoint", sts.url()}}); });
  const std::string message = r->out.error.message;
  INFO(r->out.text());
  CHECK(r->out.exitCode == 3);
  CHECK(r->out.failedStage == "validate");
  CHECK(r->out.error.code == "tls.certificate");
  CHECK(has(message, "GetCallerIdentity (admin credential)"));
  CHECK(has(message, "localhost:" + std::to_string(sts.port())));
  CHECK(has(message, "subject 'CN=localhost,O=keeper-rotate tests'"));
  CHECK(has(message, "issuer 'CN=keeper-rotate test CA,O=keeper-rotate tests'"));
  CHECK(has(message, "SSL_CERT_FILE=" + f.ca.caCertFile()));
  CHECK(has(message, "Nothing was changed."));
  CHECK(sts.connections() == 1);
  CHECK_FALSE(retryLogged(*r));
  CHECK(took < std::chrono::seconds(2));
  CHECK(f.fake->mutations() == 0);
}

TEST_CASE("aws permanent transport: a proxy refusing CONNECT is proxy.refused after one request") {
  Fixture f;
  krtest_faults::RefusingProxy proxy(403, "Forbidden");
  ::setenv("HTTPS_PROXY", proxy.url().c_str(), 1);
  std::unique_ptr<Run> r = rotate(f);
  ::unsetenv("HTTPS_PROXY");
  INFO(r->out.text());
  CHECK(r->out.exitCode == 3);
  CHECK(r->out.error.code == "proxy.refused");
  CHECK(has(r->out.error.message, "HTTP 403 Forbidden"));
  CHECK(has(r->out.error.message, "NO_PROXY"));
  CHECK(proxy.requests() == 1);
  CHECK_FALSE(retryLogged(*r));
  CHECK(f.fake->mutations() == 0);
}

TEST_CASE("aws permanent transport: an IAM endpoint under .invalid is net.unknown_host, not retried") {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo("iam.nothing.invalid", "443", &hints, &found);
  if (found != nullptr) ::freeaddrinfo(found);
  if (rc != EAI_NONAME) {
    std::cerr << "SKIPPED: aws permanent transport unknown host: the resolver answered "
              << (rc == 0 ? "with an address" : ::gai_strerror(rc)) << " for iam.nothing.invalid\n";
    MESSAGE("skipped: the resolver does not answer NXDOMAIN for .invalid names");
    return;
  }
  Fixture f;
  std::unique_ptr<Run> r = rotate(f, {{"aws_iam_endpoint", "https://iam.nothing.invalid"}});
  INFO(r->out.text());
  CHECK(r->out.exitCode == 3);
  CHECK(r->out.error.code == "net.unknown_host");
  CHECK(has(r->out.error.message, "ListAccessKeys"));
  CHECK(has(r->out.error.message, "iam.nothing.invalid"));
  CHECK_FALSE(retryLogged(*r));
  CHECK(f.fake->mutations() == 0);
}

TEST_CASE("aws permanent transport: an SSL_CERT_FILE that cannot be loaded is tls.certificate before any call") {
  Fixture f;
  ::setenv("SSL_CERT_FILE", (f.dir.path() + "/no-such-bundle.pem").c_str(), 1);
  std::unique_ptr<Run> r = rotate(f);
  f.useEnvironment();
  INFO(r->out.text());
  CHECK(r->out.exitCode == 3);
  CHECK(r->out.error.code == "tls.certificate");
  CHECK(has(r->out.error.message, "SSL_CERT_FILE=" + f.dir.path() + "/no-such-bundle.pem"));
  CHECK(f.fake->mutations() == 0);
}
