// `keeper-rotate ksm init` through the real binary against the fake KSM: the one-time token from KSM_TOKEN, from
// stdin with `--token -`, or (with a warning, because other local users can read argv) from `--token VALUE`; no
// token anywhere is a usage error naming the three ways; the token never appears in the output. Then Keeper behind
// a certificate the trusted CAs do not cover: the host's own PAM User read and the ksm writer end the run with
// exit 3 at validate, at once, naming the host, the certificate's subject and issuer and SSL_CERT_FILE.
#include "support/scenario.hpp"

#include "../../sdk/https/fault_servers.hpp"

#include <fake_ksm.hpp>
#include <test_ca.hpp>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>
#include <sys/stat.h>

using namespace krtest;

namespace {

struct KsmInit {
  keeper_rotate::testsupport::TempDir dir{"ksm-init-cli"};
  keeper_rotate::testsupport::TestCa ca = keeper_rotate::testsupport::TestCa::create(dir.path() + "/ca");
  keeper_rotate::fakeksm::FakeKsm fake{ca};
  std::string out = dir.path() + "/bound.json";

  std::map<std::string, std::string> env(std::map<std::string, std::string> extra = {}) const {
    extra["PATH"] = "/usr/bin:/bin";
    extra["SSL_CERT_FILE"] = ca.caCertFile();
    return extra;
  }
  std::vector<std::string> argv(std::vector<std::string> tokenArgs) const {
    std::vector<std::string> a = {hostBinary(), "ksm", "init"};
    a.insert(a.end(), tokenArgs.begin(), tokenArgs.end());
    a.insert(a.end(), {"--hostname", fake.hostname(), "--server-public-key-id", std::to_string(fake.serverKeyId()),
                       "--server-public-key", fake.serverPublicKeyUrlB64(), "--out", out});
    return a;
  }
  /// The run bound a device and wrote a private configuration.
  void checkBound(const ProcessResult& r, std::size_t devicesBefore) const {
    INFO("stderr: " << r.err);
    CHECK(r.exitCode == 0);
    CHECK(r.out.find("\"status\":\"bound\"") != std::string::npos);
    CHECK(fake.deviceCount() == devicesBefore + 1);
    struct stat st {};
    REQUIRE(::stat(out.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    const auto config = Poco::JSON::Parser().parse(readFile(out)).extract<Poco::JSON::Object::Ptr>();
    CHECK(config->has("appKey"));
    CHECK(config->getValue<std::string>("hostname") == fake.hostname());
  }
};

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void checkTokenNotShown(const ProcessResult& r, const std::string& token) {
  CHECK_MESSAGE(!has(r.out, token), "the token is on stdout");
  CHECK_MESSAGE(!has(r.err, token), "the token is on stderr");
  // Nor its secret part alone (after the region prefix).
  const std::string secretPart = token.substr(token.find(':') + 1);
  CHECK(!has(r.out + r.err, secretPart));
}

const char* kArgvWarning = "other local users can read in /proc";

}  // namespace

TEST_CASE("ksm init cli: the token from KSM_TOKEN binds, without a warning") {
  KsmInit k;
  const std::string token = k.fake.createOneTimeToken();
  const std::size_t before = k.fake.deviceCount();
  const auto r = runProcess(k.argv({}), "", k.env({{"KSM_TOKEN", token}}));
  k.checkBound(r, before);
  CHECK(!has(r.err, kArgvWarning));
  checkTokenNotShown(r, token);
}

TEST_CASE("ksm init cli: --token - reads one line from stdin (LF, CRLF or none) and binds, without a warning") {
  for (const std::string ending : {"\n", "\r\n", ""}) {
    KsmInit k;
    const std::string token = k.fake.createOneTimeToken();
    const std::size_t before = k.fake.deviceCount();
    // stdin wins over KSM_TOKEN: --token names where the token is.
    // Only the first line counts; a token without a line end ends at end of input.
    const std::string input = ending.empty() ? token : token + ending + "ignored second line\n";
    const auto r = runProcess(k.argv({"--token", "-"}), input,
                              k.env({{"KSM_TOKEN", "US:not-the-token"}}));
    CAPTURE(ending.size());
    k.checkBound(r, before);
    CHECK(!has(r.err, kArgvWarning));
    checkTokenNotShown(r, token);
  }
}

TEST_CASE("ksm init cli: --token VALUE still binds but warns that argv is readable by other users") {
  KsmInit k;
  const std::string token = k.fake.createOneTimeToken();
  const std::size_t before = k.fake.deviceCount();
  const auto r = runProcess(k.argv({"--token", token}), "", k.env());
  k.checkBound(r, before);
  CHECK(has(r.err, "warning"));
  CHECK(has(r.err, kArgvWarning));
  CHECK(has(r.err, "KSM_TOKEN"));
  CHECK(has(r.err, "--token -"));
  checkTokenNotShown(r, token);
}

TEST_CASE("ksm init cli: no token anywhere is a usage error naming the three ways, and nothing is contacted") {
  KsmInit k;
  const int requests = k.fake.requestCount("get_secret");
  auto r = runProcess(k.argv({}), "", k.env());
  CHECK(r.exitCode == 2);
  CHECK(has(r.err, "KSM_TOKEN"));
  CHECK(has(r.err, "--token -"));
  CHECK(has(r.err, "--token [REGION:]TOKEN"));
  CHECK(r.out.empty());

  // --token - with nothing on stdin, and an empty --token value, are the same usage error.
  r = runProcess(k.argv({"--token", "-"}), "", k.env({{"KSM_TOKEN", k.fake.createOneTimeToken()}}));
  CHECK(r.exitCode == 2);
  CHECK(has(r.err, "no token on stdin"));
  r = runProcess(k.argv({"--token="}), "", k.env());
  CHECK(r.exitCode == 2);
  CHECK(has(r.err, "KSM_TOKEN"));

  CHECK(k.fake.requestCount("get_secret") == requests);
  CHECK(!std::filesystem::exists(k.out));
}

TEST_CASE("ksm init cli: a malformed token from stdin is exit 2 and is not echoed") {
  KsmInit k;
  const std::string bad = "US:definitely-not-43-characters-of-base64";
  const auto r = runProcess(k.argv({"--token", "-"}), bad + "\n", k.env());
  CHECK(r.exitCode == 2);
  CHECK(!has(r.out + r.err, "definitely-not-43"));
  CHECK(!std::filesystem::exists(k.out));
}

namespace {

/// Keeper at a loopback TLS server whose certificate comes from a CA that SSL_CERT_FILE does not hold.
struct UntrustedKeeper {
  keeper_rotate::testsupport::TempDir dir{"ksm-untrusted"};
  keeper_rotate::testsupport::TestCa trusted = keeper_rotate::testsupport::TestCa::create(dir.path() + "/trusted");
  keeper_rotate::testsupport::TestCa stranger = keeper_rotate::testsupport::TestCa::create(dir.path() + "/stranger");
  keeper_rotate::fakeksm::FakeKsm fake{trusted};  // only to make a valid device configuration
  krtest_faults::CountingTlsServer keeper{stranger};
  std::string configFile = dir.path() + "/ksm-config.json";

  UntrustedKeeper() {
    auto config = Poco::JSON::Parser().parse(fake.createDevice().json).extract<Poco::JSON::Object::Ptr>();
    config->set("hostname", "localhost:" + std::to_string(keeper.port()));
    std::ostringstream text;
    config->stringify(text);
    writeFile(configFile, text.str());
  }
  void checkMessage(const std::string& message) const {
    CHECK(has(message, "localhost:" + std::to_string(keeper.port())));
    CHECK(has(message, "subject 'CN=localhost,O=keeper-rotate tests'"));
    CHECK(has(message, "issuer 'CN=keeper-rotate test CA,O=keeper-rotate tests'"));
    CHECK(has(message, "SSL_CERT_FILE=" + trusted.caCertFile()));
  }
};

std::string errorField(const Poco::JSON::Object::Ptr& summary, const char* key) {
  auto e = summary ? summary->getObject("error") : nullptr;
  return e ? e->optValue<std::string>(key, "") : std::string();
}

}  // namespace

TEST_CASE("ksm untrusted certificate: the host's PAM User read is exit 3 at once, naming the certificate") {
  UntrustedKeeper u;
  Scenario s;
  s.pamUserInRecords = false;
  s.env["SSL_CERT_FILE"] = u.trusted.caCertFile();
  const auto start = std::chrono::steady_clock::now();
  const auto r = s.run({"--ksm-config", u.configFile});
  const auto took = std::chrono::steady_clock::now() - start;
  INFO("stderr: " << r.err);
  CHECK(r.exitCode == 3);
  const auto summary = summaryOf(r);
  CHECK(errorField(summary, "code") == "ksm.tls.certificate");
  CHECK(errorField(summary, "stage") == "validate");
  u.checkMessage(errorField(summary, "message"));
  CHECK(u.keeper.connections() == 1);
  CHECK(took < std::chrono::seconds(3));
  CHECK(s.stateKeys() == std::vector<std::string>{"old-1", "old-2"});
}

TEST_CASE("ksm untrusted certificate: the ksm writer's validate is exit 3 at once, nothing created") {
  if (!std::filesystem::exists(realPluginDir() + "/writer-ksm.so")) {
    MESSAGE("skipped: " << realPluginDir() << "/writer-ksm.so is not built");
    return;
  }
  UntrustedKeeper u;
  Scenario s;
  s.set("record_writer", "ksm");
  s.env["SSL_CERT_FILE"] = u.trusted.caCertFile();
  const auto start = std::chrono::steady_clock::now();
  const auto r = s.run({"--ksm-config", u.configFile});
  const auto took = std::chrono::steady_clock::now() - start;
  INFO("stderr: " << r.err);
  CHECK(r.exitCode == 3);
  const auto summary = summaryOf(r);
  CHECK(errorField(summary, "code") == "tls.certificate");
  CHECK(errorField(summary, "stage") == "validate");
  u.checkMessage(errorField(summary, "message"));
  CHECK(u.keeper.connections() == 1);
  CHECK(took < std::chrono::seconds(3));
  CHECK(s.stateKeys() == std::vector<std::string>{"old-1", "old-2"});
}
