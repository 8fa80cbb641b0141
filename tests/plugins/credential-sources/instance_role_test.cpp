// instance-role without a metadata service: what it decides before and instead of the network. Every case points
// AWS_EC2_METADATA_SERVICE_ENDPOINT at a loopback socket the test owns (listening, never accepting), so a
// connection attempt can be seen and nothing can reach the real link-local service. ctest runs every case in its
// own process, so the variables set here stay inside it. The exchanges with a metadata service are in
// instance_role_imds_test.cpp.
#include "aws_credential.hpp"
#include "plugin_harness.hpp"

#include <doctest/doctest.h>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <chrono>
#include <cstdlib>
#include <string>

using kr_test::errorCode;
using kr_test::errorMessage;
using kr_test::InMemoryHost;
using kr_test::loadPlugin;
using kr_test::resolve;

namespace {

/// A loopback port that accepts TCP connections into its backlog and never answers: the shape of a metadata service
/// the token PUT cannot reach. connected() tells whether anything tried.
struct SilentEndpoint {
  Poco::Net::ServerSocket socket{Poco::Net::SocketAddress("127.0.0.1", 0)};
  std::string url() const { return "http://127.0.0.1:" + std::to_string(socket.address().port()); }
  bool connected() { return socket.poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ); }
};

struct Env {
  SilentEndpoint endpoint;
  Env() {
    kr_test::clearImdsEnvironment();
    ::setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint.url().c_str(), 1);
    ::setenv("AWS_METADATA_SERVICE_TIMEOUT", "0.2", 1);
  }
  ~Env() { kr_test::clearImdsEnvironment(); }
};

void awsHost(InMemoryHost& h) {
  h.setCredentialSpec(kr_test::awsCredential());
  kr_test::serveInput(h, {{"userRecordUid", "USERuid0001"}}, {{{"uid", "USERuid0001"}, {"title", "IAM user key"}}});
}

}  // namespace

TEST_CASE("instance-role answers a provider of another scheme at once, without the network") {
  Env env;
  const auto p = loadPlugin("source", "instance-role");
  InMemoryHost h;
  kr_test::azureHost(h);
  CHECK(resolve(p, h) == KR_ERR_UNAVAILABLE);
  CHECK(errorCode(h) == "credential.unavailable");
  CHECK(errorMessage(h) ==
        "instance-role produces only aws-access-key credentials; azure-client-secret is not one");
  CHECK(h.credentials.empty());
  CHECK_FALSE(env.endpoint.connected());
}

TEST_CASE("instance-role is unavailable when the provider declares no credential") {
  Env env;
  const auto p = loadPlugin("source", "instance-role");
  InMemoryHost h;
  awsHost(h);
  h.setCredentialSpec(nullptr);
  CHECK(resolve(p, h) == KR_ERR_UNAVAILABLE);
  CHECK(errorMessage(h).find("declares no admin credential") != std::string::npos);
  CHECK_FALSE(env.endpoint.connected());
}

TEST_CASE("instance-role is unavailable when the declaration lacks a part it puts") {
  Env env;
  using keeper_rotate::CredentialPart;
  static constexpr kr_credential_part kParts[] = {
      CredentialPart::named("access_key_id").inEnvironment("X_KEY_ID"),
      CredentialPart::named("secret_access_key").secret().inEnvironment("X_SECRET"),
  };
  static constexpr kr_credential_spec kSpec = {sizeof(kr_credential_spec), "aws-access-key", "AWS admin", "AWS",
                                               kParts, 2};
  const auto p = loadPlugin("source", "instance-role");
  InMemoryHost h;
  awsHost(h);
  h.setCredentialSpec(&kSpec);
  CHECK(resolve(p, h) == KR_ERR_UNAVAILABLE);
  CHECK(errorMessage(h).find("no part named 'session_token'") != std::string::npos);
  CHECK_FALSE(env.endpoint.connected());
}

TEST_CASE("instance-role honours AWS_EC2_METADATA_DISABLED in any case") {
  Env env;
  const auto p = loadPlugin("source", "instance-role");
  for (const char* value : {"true", "TRUE", "True"}) {
    INFO(value);
    ::setenv("AWS_EC2_METADATA_DISABLED", value, 1);
    InMemoryHost h;
    awsHost(h);
    CHECK(resolve(p, h) == KR_ERR_UNAVAILABLE);
    CHECK(errorMessage(h) ==
          "AWS_EC2_METADATA_DISABLED is true, so the instance metadata service is not asked");
    CHECK_FALSE(env.endpoint.connected());
  }
}

TEST_CASE("instance-role refuses metadata settings it cannot use, naming the variable") {
  Env env;
  const auto p = loadPlugin("source", "instance-role");
  struct Bad {
    const char* variable;
    const char* value;
  };
  for (const Bad& bad : {Bad{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "https://127.0.0.1:1"},
                         Bad{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1/latest"},
                         Bad{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "not a url at all"},
                         Bad{"AWS_METADATA_SERVICE_TIMEOUT", "soon"}, Bad{"AWS_METADATA_SERVICE_TIMEOUT", "0"},
                         Bad{"AWS_METADATA_SERVICE_NUM_ATTEMPTS", "0"},
                         Bad{"AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2.5"}}) {
    INFO(bad.variable << "=" << bad.value);
    Env fresh;
    ::setenv(bad.variable, bad.value, 1);
    InMemoryHost h;
    awsHost(h);
    CHECK(resolve(p, h) == KR_ERR_CONFIG);
    CHECK(errorCode(h) == "imds.settings");
    CHECK(errorMessage(h).find(bad.variable) != std::string::npos);
    CHECK_FALSE(fresh.endpoint.connected());
  }
  // An endpoint mode other than IPv4/IPv6 only matters without an explicit endpoint.
  ::unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  ::setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5", 1);
  InMemoryHost h;
  awsHost(h);
  CHECK(resolve(p, h) == KR_ERR_CONFIG);
  CHECK(errorMessage(h).find("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE must be IPv4 or IPv6") != std::string::npos);
}

TEST_CASE("instance-role: a token PUT without an answer is unavailable with the hop-limit hint, in bounded time") {
  Env env;
  const auto p = loadPlugin("source", "instance-role");
  InMemoryHost h;
  awsHost(h);
  const auto start = std::chrono::steady_clock::now();
  CHECK(resolve(p, h) == KR_ERR_UNAVAILABLE);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed < std::chrono::seconds(3));  // two attempts of 0.2 s each
  CHECK(env.endpoint.connected());
  const std::string m = errorMessage(h);
  CHECK(m.find("no answer from the instance metadata service at " + env.endpoint.url() +
               " \u2014 not on EC2, or IMDSv2's hop limit is 1 and keeper-rotate runs in a container (set the "
               "instance's HttpPutResponseHopLimit to 2)") == 0);
  CHECK(m.find("2 attempts") != std::string::npos);
  CHECK(h.credentials.empty());
}

TEST_CASE("instance-role: AWS_METADATA_SERVICE_NUM_ATTEMPTS sets the attempts of the token PUT too") {
  Env env;
  ::setenv("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3", 1);
  ::setenv("AWS_METADATA_SERVICE_TIMEOUT", "0.1", 1);
  const auto p = loadPlugin("source", "instance-role");
  InMemoryHost h;
  awsHost(h);
  CHECK(resolve(p, h) == KR_ERR_UNAVAILABLE);
  CHECK(errorMessage(h).find("3 attempts") != std::string::npos);
  CHECK(h.logged("(attempt 3 of 3): no answer"));
}

TEST_CASE("instance-role asks its endpoint over plain HTTP where the client does not know it as loopback, IPv6 in brackets") {
  // What matters is that the request is made at all: plain http:// to a host the HTTPS client does not know as
  // loopback is allowed for the metadata service's host only, which for IPv6 must be named without the URL's
  // brackets. The IPv4-mapped loopback address is such a host that stays on this machine (port 1: nothing listens,
  // or, without IPv6, no socket): the test never sends a packet off loopback.
  for (const char* url : {"http://[::ffff:127.0.0.1]:1"}) {
    INFO(url);
    Env env;
    ::setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
    ::setenv("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "1", 1);
    ::setenv("AWS_METADATA_SERVICE_TIMEOUT", "0.1", 1);
    const auto p = loadPlugin("source", "instance-role");
    InMemoryHost h;
    awsHost(h);
    CHECK(resolve(p, h) == KR_ERR_UNAVAILABLE);
    CHECK(errorMessage(h).find(std::string("no answer from the instance metadata service at ") + url) == 0);
    CHECK(h.logged(std::string("PUT ") + url + "/latest/api/token (attempt 1 of 1): no answer ("));
    CHECK_FALSE(h.logged("only https://"));
  }
}
