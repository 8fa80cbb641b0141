// azure-app-secret and transport errors no retry can fix: a token endpoint whose certificate comes from a CA the
// client does not trust, a Graph endpoint whose (trusted) certificate is for another host name, a proxy refusing
// CONNECT. Each ends validate at once (one connection or CONNECT, no retry wait) as a configuration error with the
// https code and a message naming the host, the certificate's subject and issuer and the trusted CAs; nothing is
// created in the fake tenant.
#include "fixture.hpp"

#include "../../../sdk/https/fault_servers.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>

using namespace azure_test;

namespace {

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

struct Result {
  Outcome outcome;
  std::chrono::milliseconds took{0};
};

Result rotate(Fixture& f, kr_azure::RotationSettings settings, const std::map<std::string, std::string>& fields) {
  Driver d;
  f.configure(d.host);
  for (const auto& [k, v] : fields) d.host.fields[k] = v;
  kr_azure::SecretLifecycle lc(std::move(settings));
  Result r;
  r.took = krtest_faults::elapsed([&] { r.outcome = runRotation(d, lc); });
  const std::string out = d.host.allOutput();
  for (const auto& s : f.collectSecrets(d.host)) CHECK(out.find(s) == std::string::npos);
  return r;
}

}  // namespace

TEST_CASE("azure permanent transport: an untrusted token endpoint certificate ends validate at once") {
  Fixture f;
  const auto stranger = keeper_rotate::testsupport::TestCa::create(f.dir.path() + "/stranger");
  krtest_faults::CountingTlsServer login(stranger);
  const Result r = rotate(f, f.settings(), {{"azure_authority_host", login.url()}});
  INFO(r.outcome.message);
  CHECK(r.outcome.failedAt == Step::Validate);
  CHECK(r.outcome.status == KR_ERR_CONFIG);
  CHECK(r.outcome.code == "tls.certificate");
  CHECK(has(r.outcome.message, "localhost:" + std::to_string(login.port())));
  CHECK(has(r.outcome.message, "subject 'CN=localhost,O=keeper-rotate tests'"));
  CHECK(has(r.outcome.message, "issuer 'CN=keeper-rotate test CA,O=keeper-rotate tests'"));
  CHECK(has(r.outcome.message, "trusted CAs: " + f.ca.caCertFile()));
  CHECK(has(r.outcome.message, "Nothing was changed."));
  CHECK(login.connections() == 1);
  CHECK(f.sleeps.empty());
  CHECK(r.took < std::chrono::seconds(2));
  CHECK(f.targetKeyIds() == f.oldKeyIds);
}

TEST_CASE("azure permanent transport: a token endpoint certificate for another host name is tls.hostname") {
  Fixture f;
  const auto other = keeper_rotate::testsupport::TestCa::create(f.dir.path() + "/other", "DNS:login.other.example");
  krtest_faults::CountingTlsServer login(other);
  // Trust both CAs: the fake's and the one that issued the stand-in's certificate.
  const std::string bundle = f.dir.path() + "/bundle.pem";
  {
    std::ofstream out(bundle);
    out << std::ifstream(f.ca.caCertFile()).rdbuf() << std::ifstream(other.caCertFile()).rdbuf();
  }
  kr_azure::RotationSettings settings = f.settings();
  settings.http.caFile = bundle;
  const Result r = rotate(f, std::move(settings), {{"azure_authority_host", login.url()}});
  INFO(r.outcome.message);
  CHECK(r.outcome.failedAt == Step::Validate);
  CHECK(r.outcome.status == KR_ERR_CONFIG);
  CHECK(r.outcome.code == "tls.hostname");
  CHECK(has(r.outcome.message, "host name 'localhost'"));
  CHECK(has(r.outcome.message, "DNS:login.other.example"));
  CHECK(has(r.outcome.message, "issuer 'CN=keeper-rotate test CA,O=keeper-rotate tests'"));
  CHECK(login.connections() == 1);
  CHECK(f.sleeps.empty());
  CHECK(r.took < std::chrono::seconds(2));
  CHECK(f.targetKeyIds() == f.oldKeyIds);
}

TEST_CASE("azure permanent transport: the Graph client does not retry an untrusted certificate, not even addPassword") {
  keeper_rotate::testsupport::TempDir dir;
  const auto serverCa = keeper_rotate::testsupport::TestCa::create(dir.path() + "/server");
  const auto trusted = keeper_rotate::testsupport::TestCa::create(dir.path() + "/trusted");
  krtest_faults::CountingTlsServer graphServer(serverCa);
  keeper_rotate::https::Options o;
  o.caFile = trusted.caCertFile();
  o.useProxyEnvironment = false;
  keeper_rotate::https::Client http(o);
  const keeper_rotate::Secret token("not-a-real-token");
  std::vector<std::chrono::milliseconds> sleeps;
  std::vector<std::string> logged;
  kr_azure::RetryPolicy policy;
  kr_azure::GraphClient graph(
      http, graphServer.url(), [&](bool) -> const keeper_rotate::Secret& { return token; }, policy,
      [&](std::chrono::milliseconds d) { sleeps.push_back(d); }, [&](const std::string& line) { logged.push_back(line); });
  try {
    graph.getById("3c3c3c3c-3333-4333-8333-000000000001");
    FAIL("the read succeeded");
  } catch (const keeper_rotate::https::TransportError& e) {
    CHECK(e.kind() == keeper_rotate::https::TransportFailure::Certificate);
  }
  CHECK(graphServer.connections() == 1);
  try {
    graph.addPassword("3c3c3c3c-3333-4333-8333-000000000001", "keeper-rotate", "2030-01-01T00:00:00Z");
    FAIL("addPassword succeeded");
  } catch (const kr_azure::AddOutcomeUnknown&) {
    FAIL("a certificate failure is not an unknown outcome: nothing was sent");
  } catch (const keeper_rotate::https::TransportError& e) {
    CHECK(e.permanent());
  }
  CHECK(graphServer.connections() == 2);
  CHECK(graph.requestCount() == 2);
  CHECK(sleeps.empty());
  CHECK(logged.empty());
}

TEST_CASE("azure permanent transport: a proxy refusing CONNECT is proxy.refused after one request") {
  Fixture f;
  krtest_faults::RefusingProxy proxy(403, "Forbidden");
  ::setenv("HTTPS_PROXY", proxy.url().c_str(), 1);
  ::unsetenv("NO_PROXY");
  ::unsetenv("no_proxy");
  kr_azure::RotationSettings settings = f.settings();
  settings.http.useProxyEnvironment = true;
  const Result r = rotate(f, std::move(settings), {});
  ::unsetenv("HTTPS_PROXY");
  INFO(r.outcome.message);
  CHECK(r.outcome.status == KR_ERR_CONFIG);
  CHECK(r.outcome.code == "proxy.refused");
  CHECK(has(r.outcome.message, "HTTP 403 Forbidden"));
  CHECK(proxy.requests() == 1);
  CHECK(f.sleeps.empty());
  CHECK(f.targetKeyIds() == f.oldKeyIds);
}

TEST_CASE("azure permanent transport: a CA bundle that cannot be loaded is tls.certificate before any request") {
  Fixture f;
  kr_azure::RotationSettings settings = f.settings();
  settings.http.caFile = f.dir.path() + "/no-such-bundle.pem";
  const Result r = rotate(f, std::move(settings), {});
  INFO(r.outcome.message);
  CHECK(r.outcome.failedAt == Step::Validate);
  CHECK(r.outcome.status == KR_ERR_CONFIG);
  CHECK(r.outcome.code == "tls.certificate");
  CHECK(has(r.outcome.message, "no-such-bundle.pem"));
  CHECK(f.fake->requests().empty());
}
