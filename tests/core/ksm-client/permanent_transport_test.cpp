// The KSM client and transport errors no retry can fix: Keeper's host behind a certificate from a CA the client
// does not trust. A read (get_secret, normally retried once after a network error) and a write each make one
// connection and fail at once with KsmError::Kind::Config and the https code, naming the host, the certificate's
// subject and issuer and the trusted CAs; `ksm init` against such a host ends with exit 3.
#include "fake_env.hpp"

#include "../../sdk/https/fault_servers.hpp"

#include <doctest/doctest.h>

#include <kr_ksm/errors.hpp>
#include <kr_ksm/init.hpp>

#include <cstdlib>
#include <iostream>
#include <sstream>
#include <sys/stat.h>

using namespace keeper_rotate;
using kr_ksm_test::FakeEnv;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("ksm client: an untrusted certificate is a Config error at once, for reads and writes") {
  FakeEnv env;
  const testsupport::TestCa stranger = testsupport::TestCa::create(env.dir.path() + "/stranger");
  krtest_faults::CountingTlsServer keeper(stranger);
  ksm::Config config = env.deviceConfig();
  config.hostname = "localhost:" + std::to_string(keeper.port());
  ksm::ClientOptions options = env.options();
  options.transportRetryDelay = std::chrono::seconds(3);  // a retry would show in the elapsed time
  std::vector<std::string> logged;
  options.log = [&](const std::string& line) { logged.push_back(line); };
  ksm::Client client(std::move(config), options);

  const auto took = krtest_faults::elapsed([&] {
    try {
      client.getRecord("DirectPamUserUid-00001");
      FAIL("the read succeeded");
    } catch (const ksm::KsmError& e) {
      const std::string what = e.what();
      INFO(what);
      CHECK(e.kind() == ksm::KsmError::Kind::Config);
      CHECK(e.code() == "tls.certificate");
      CHECK(has(what, "KSM get_secret"));
      CHECK(has(what, "localhost:" + std::to_string(keeper.port())));
      CHECK(has(what, "subject 'CN=localhost,O=keeper-rotate tests'"));
      CHECK(has(what, "issuer 'CN=keeper-rotate test CA,O=keeper-rotate tests'"));
      CHECK(has(what, "trusted CAs: " + env.ca.caCertFile()));
    }
  });
  CHECK(keeper.connections() == 1);
  CHECK(took < std::chrono::seconds(2));
  CHECK(logged.empty());

  ksm::Record record;
  record.uid = "DirectPamUserUid-00001";
  record.recordKey = Secret(std::string(32, 'k'));
  record.data = std::make_shared<keeper_rotate::json::Object>();
  try {
    client.updateRecord(record);
    FAIL("the write succeeded");
  } catch (const ksm::KsmError& e) {
    CHECK(e.kind() == ksm::KsmError::Kind::Config);
    CHECK(e.code() == "tls.certificate");
    CHECK(has(e.what(), "KSM update_secret"));
  }
  CHECK(keeper.connections() == 2);
}

TEST_CASE("ksm init against a host with an untrusted certificate is exit 3 and writes nothing") {
  FakeEnv env;
  const testsupport::TestCa stranger = testsupport::TestCa::create(env.dir.path() + "/stranger");
  krtest_faults::CountingTlsServer keeper(stranger);
  ::setenv("SSL_CERT_FILE", env.ca.caCertFile().c_str(), 1);
  ksm::InitOptions o;
  o.token = env.fake.createOneTimeToken();
  o.hostname = "localhost:" + std::to_string(keeper.port());
  o.out = env.dir.path() + "/never.json";
  o.serverPublicKeyId = env.fake.serverKeyId();
  o.serverPublicKey = env.fake.serverPublicKeyUrlB64();
  std::ostringstream out, err;
  auto* oldOut = std::cout.rdbuf(out.rdbuf());
  auto* oldErr = std::cerr.rdbuf(err.rdbuf());
  const int rc = ksm::runInit(o);
  std::cout.rdbuf(oldOut);
  std::cerr.rdbuf(oldErr);
  ::unsetenv("SSL_CERT_FILE");
  INFO(err.str());
  CHECK(rc == 3);
  CHECK(out.str().empty());
  CHECK(has(err.str(), "TLS certificate not trusted"));
  CHECK(has(err.str(), "SSL_CERT_FILE=" + env.ca.caCertFile()));
  CHECK(keeper.connections() == 1);
  struct stat st {};
  CHECK(::stat(o.out.c_str(), &st) != 0);
}

TEST_CASE("ksm client: a CA bundle that cannot be loaded is a Config error naming it") {
  FakeEnv env;
  ksm::ClientOptions options = env.options();
  options.https.caFile = env.dir.path() + "/no-such-bundle.pem";
  try {
    ksm::Client client(env.deviceConfig(), options);
    FAIL("the client was made");
  } catch (const ksm::KsmError& e) {
    CHECK(e.kind() == ksm::KsmError::Kind::Config);
    CHECK(e.code() == "tls.certificate");
    CHECK(has(e.what(), "no-such-bundle.pem"));
  }
}
