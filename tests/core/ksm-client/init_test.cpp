// `ksm init` (keeper_rotate::ksm::runInit) against the fake KSM: binding, file mode, kept server key, exit codes,
// and nothing secret on stdout/stderr.
#include "fake_env.hpp"

#include <doctest/doctest.h>

#include <kr_ksm/base64.hpp>
#include <kr_ksm/init.hpp>

#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/stat.h>

using namespace keeper_rotate;
using kr_ksm_test::FakeEnv;
using kr_ksm_test::pamUserJson;

namespace {

struct Captured {
  int rc;
  std::string out, err;
};

Captured runCaptured(const ksm::InitOptions& o) {
  std::ostringstream out, err;
  auto* oldOut = std::cout.rdbuf(out.rdbuf());
  auto* oldErr = std::cerr.rdbuf(err.rdbuf());
  const int rc = ksm::runInit(o);
  std::cout.rdbuf(oldOut);
  std::cerr.rdbuf(oldErr);
  return {rc, out.str(), err.str()};
}

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

}  // namespace

TEST_CASE("ksm init binds a token and writes a 0600 config that works") {
  FakeEnv env;
  ::setenv("SSL_CERT_FILE", env.ca.caCertFile().c_str(), 1);
  env.fake.putRecord("DirectPamUserUid-00001", pamUserJson("PAM User", "pw"));
  ksm::InitOptions o;
  const std::string token = env.fake.createOneTimeToken();
  o.token = token;
  o.hostname = env.fake.hostname();
  o.out = env.dir.path() + "/bound.json";
  o.serverPublicKeyId = env.fake.serverKeyId();
  o.serverPublicKey = env.fake.serverPublicKeyUrlB64();
  const Captured c = runCaptured(o);
  INFO(c.err);
  REQUIRE(c.rc == 0);
  CHECK(c.out.find("\"status\":\"bound\"") != std::string::npos);
  struct stat st {};
  REQUIRE(::stat(o.out.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  ksm::ConfigLocations where;
  where.explicitFile = o.out;
  const ksm::Config config = ksm::loadConfig(where);
  CHECK(config.serverPublicKey == env.fake.serverPublicKey());
  CHECK(config.serverPublicKeyId == env.fake.serverKeyId());
  const std::string appKey = ksm::base64::encode(config.appKey.reveal());
  const std::string privateKey = ksm::base64::encode(config.privateKey.reveal());
  for (const auto* text : {&c.out, &c.err}) {
    CHECK(text->find(appKey) == std::string::npos);
    CHECK(text->find(privateKey) == std::string::npos);
    CHECK(text->find(token) == std::string::npos);
  }
  ksm::Client client(ksm::loadConfig(where), env.options());
  CHECK(client.getRecord("DirectPamUserUid-00001").title() == "PAM User");

  // The token is used up: a second init is a configuration error and leaves the file alone.
  std::ifstream before(o.out);
  std::stringstream original;
  original << before.rdbuf();
  const Captured again = runCaptured(o);
  CHECK(again.rc == 3);
  CHECK(again.err.find("access_denied") != std::string::npos);
  std::ifstream after(o.out);
  std::stringstream now;
  now << after.rdbuf();
  CHECK(now.str() == original.str());
}

TEST_CASE("ksm init keeps a server key already pinned in --out") {
  FakeEnv env;
  ::setenv("SSL_CERT_FILE", env.ca.caCertFile().c_str(), 1);
  const std::string out = env.dir.path() + "/pinned.json";
  std::ofstream(out) << R"({"serverPublicKeyId":")" << env.fake.serverKeyId() << R"(","serverPublicKey":")"
                     << env.fake.serverPublicKeyUrlB64() << "\"}";
  ksm::InitOptions o;
  o.token = env.fake.createOneTimeToken();
  o.hostname = env.fake.hostname();
  o.out = out;
  const Captured c = runCaptured(o);
  INFO(c.err);
  REQUIRE(c.rc == 0);
  ksm::ConfigLocations where;
  where.explicitFile = out;
  const ksm::Config config = ksm::loadConfig(where);
  CHECK(config.serverPublicKey == env.fake.serverPublicKey());
  CHECK(config.appKey.size() == 32);
}

TEST_CASE("ksm init rejects bad tokens and arguments without writing anything") {
  FakeEnv env;
  ::setenv("SSL_CERT_FILE", env.ca.caCertFile().c_str(), 1);
  ksm::InitOptions o;
  o.out = env.dir.path() + "/never.json";
  o.token = "US:not-a-valid-token";
  CHECK(runCaptured(o).rc == 2);
  o.token = env.fake.createOneTimeToken();  // bare token and no --hostname
  const Captured noHost = runCaptured(o);
  CHECK(noHost.rc == 2);
  CHECK(noHost.err.find("--hostname") != std::string::npos);
  o.hostname = env.fake.hostname();
  o.serverPublicKey = "AAAA";
  o.serverPublicKeyId = 42;
  CHECK(runCaptured(o).rc == 2);
  CHECK_FALSE(exists(o.out));
}
