// instance-role against the fake EC2 instance metadata service (tools/fake-aws, IMDSv2 over plain HTTP on
// loopback, port 0): role credentials under the declared part names, the failure modes an admin meets (no role,
// hop limit, a refused token, a broken answer), IMDSv2 only, and no secret in anything the source said.
// AWS_EC2_METADATA_SERVICE_ENDPOINT always names the fake, so nothing here can reach the real link-local service.
#include "aws_credential.hpp"
#include "plugin_harness.hpp"

#include <fake_aws.hpp>
#include <keeper_rotate/testing/kit.hpp>
#include <test_ca.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <string>

namespace fa = keeper_rotate::fake_aws;
namespace kt = keeper_rotate::testing;
using kr_test::errorCode;
using kr_test::errorMessage;
using kr_test::InMemoryHost;
using kr_test::resolve;

namespace {

const std::string kRole = "keeper-gateway-rotator";
const std::string kRolePath = "/latest/meta-data/iam/security-credentials/" + kRole;
const std::string kListPath = "/latest/meta-data/iam/security-credentials/";

struct Imds {
  keeper_rotate::testsupport::TempDir dir{"instance-role"};
  keeper_rotate::testsupport::TestCa ca = keeper_rotate::testsupport::TestCa::create(dir.path() + "/ca");
  fa::FakeAws fake{ca};
  kr_test::Plugin plugin = kr_test::loadPlugin("source", "instance-role");
  InMemoryHost host;

  Imds() {
    kr_test::clearImdsEnvironment();
    fake.start();
    fa::InstanceProfile profile;
    profile.roleName = kRole;
    profile.hopLimitHang = std::chrono::milliseconds(2000);
    fake.setInstanceProfile(profile);
    ::setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", fake.imdsBaseUrl().c_str(), 1);
    host.setCredentialSpec(kr_test::awsCredential());
    kr_test::serveInput(host, {{"userRecordUid", "USERuid0001"}},
                        {{{"uid", "USERuid0001"}, {"title", "IAM user key"}, {"login", "deploy-bot"}}});
  }
  ~Imds() {
    fake.stop();
    kr_test::clearImdsEnvironment();
  }
  fa::InstanceProfile profile(const std::string& role) const {
    fa::InstanceProfile p;
    p.roleName = role;
    p.hopLimitHang = std::chrono::milliseconds(2000);
    return p;
  }
  void fault(const std::string& action, int status, const std::string& body = "") {
    fa::Fault f;
    f.service = "imds";
    f.action = action;
    f.status = status;
    f.body = body;
    fake.addFault(f);
  }
  std::size_t count(const std::string& action) const { return fake.countRequests("imds", action); }
  std::size_t gets() const { return count("GET " + kListPath) + count("GET " + kRolePath); }

  /// Nothing secret in any log line or error: the kit's scan (every secret the host knows, also base64), and the
  /// role's secret key and session token by value when the source put them.
  void checkNoLeak() const {
    CHECK_MESSAGE(kr_test::leaks(host).empty(), kr_test::leaks(host));
    for (const char* part : {"secret_access_key", "session_token"})
      if (auto it = host.credentials.find(part); it != host.credentials.end()) {
        REQUIRE(it->second.size() > 10);
        CHECK(host.allOutput().find(it->second) == std::string::npos);
        CHECK(host.allOutput().find(keeper_rotate::text::encodeBase64(it->second)) == std::string::npos);
      }
  }
};

}  // namespace

TEST_CASE("instance-role puts the role's key, secret and session token under the declared parts") {
  Imds imds;
  REQUIRE(resolve(imds.plugin, imds.host) == KR_OK);
  const auto& c = imds.host.credentials;
  REQUIRE(c.count("access_key_id") == 1);
  CHECK(c.at("access_key_id").rfind("ASIA", 0) == 0);  // temporary credentials
  CHECK_FALSE(kr_test::putSecret(imds.host, "access_key_id"));
  CHECK(c.at("secret_access_key").size() == 40);
  CHECK(kr_test::putSecret(imds.host, "secret_access_key"));
  CHECK_FALSE(c.at("session_token").empty());
  CHECK(kr_test::putSecret(imds.host, "session_token"));
  CHECK(c.count("role_arn") == 0);
  // The role name and the expiry at info; never the key id, secret or token.
  CHECK(imds.host.logged("EC2 instance role '" + kRole + "'"));
  CHECK(imds.host.logged("expires 20"));
  CHECK(imds.host.allOutput().find(c.at("access_key_id")) == std::string::npos);
  // IMDSv2: one token, two GETs, all answered (the fake refuses a GET without a token with 401).
  CHECK(imds.count("PUT /latest/api/token") == 1);
  CHECK(imds.count("GET " + kListPath) == 1);
  CHECK(imds.count("GET " + kRolePath) == 1);
  for (const auto& r : imds.fake.requests()) CHECK(r.status == 200);
  imds.checkNoLeak();
}

TEST_CASE("instance-role: the instance without a role is unavailable") {
  Imds imds;
  imds.fake.setInstanceProfile(imds.profile(""));
  CHECK(resolve(imds.plugin, imds.host) == KR_ERR_UNAVAILABLE);
  CHECK(errorCode(imds.host) == "credential.unavailable");
  CHECK(errorMessage(imds.host).find("the instance has no IAM role attached") == 0);
  // The standard reason phrase of the status follows it.
  CHECK(errorMessage(imds.host).find("answered HTTP 404 Not Found") != std::string::npos);
  CHECK(imds.host.credentials.empty());
}

TEST_CASE("instance-role: a token PUT the hop limit swallows is unavailable with the hint, in bounded time") {
  Imds imds;
  auto p = imds.profile(kRole);
  p.hopLimitBlocks = 10;
  imds.fake.setInstanceProfile(p);
  ::setenv("AWS_METADATA_SERVICE_TIMEOUT", "0.2", 1);
  const auto start = std::chrono::steady_clock::now();
  CHECK(resolve(imds.plugin, imds.host) == KR_ERR_UNAVAILABLE);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1500));
  CHECK(errorMessage(imds.host).find("no answer from the instance metadata service at " + imds.fake.imdsBaseUrl() +
                                     " \u2014 not on EC2, or IMDSv2's hop limit is 1 and keeper-rotate runs in a "
                                     "container (set the instance's HttpPutResponseHopLimit to 2)") == 0);
  CHECK(imds.gets() == 0);
  CHECK(imds.host.credentials.empty());
}

TEST_CASE("instance-role asks for the token a second time when the first PUT gets no answer") {
  Imds imds;
  auto p = imds.profile(kRole);
  p.hopLimitBlocks = 1;
  imds.fake.setInstanceProfile(p);
  ::setenv("AWS_METADATA_SERVICE_TIMEOUT", "0.2", 1);
  REQUIRE(resolve(imds.plugin, imds.host) == KR_OK);
  CHECK(imds.host.logged("(attempt 2 of 2): HTTP 200"));
  CHECK(imds.host.credentials.count("session_token") == 1);
  imds.checkNoLeak();
}

TEST_CASE("instance-role never falls back to IMDSv1 when the token PUT is refused") {
  Imds imds;
  auto p = imds.profile(kRole);
  p.v2Only = false;  // the service would even answer without a token
  imds.fake.setInstanceProfile(p);
  for (int status : {403, 404, 405, 400}) {
    INFO(status);
    imds.fault("PUT /latest/api/token", status);
    InMemoryHost& h = imds.host;
    h.clearRecorded();
    CHECK(resolve(imds.plugin, h) == KR_ERR_CONFIG);
    CHECK(errorCode(h) == "imds.token");
    CHECK(errorMessage(h).find("PUT /latest/api/token at " + imds.fake.imdsBaseUrl() + " answered HTTP " +
                               std::to_string(status)) == 0);
    CHECK(errorMessage(h).find("never falls back to IMDSv1") != std::string::npos);
    CHECK(imds.gets() == 0);  // no GET without a token, ever
    CHECK(h.credentials.empty());
  }
}

TEST_CASE("instance-role: a refused token on the role listing is an error naming the path and status") {
  Imds imds;
  imds.fault("GET " + kListPath, 401);
  CHECK(resolve(imds.plugin, imds.host) == KR_ERR_CONFIG);
  CHECK(errorCode(imds.host) == "imds.role");
  CHECK(errorMessage(imds.host).find("GET " + kListPath + " at " + imds.fake.imdsBaseUrl() + " answered HTTP 401") ==
        0);
  CHECK(errorMessage(imds.host).find("token was refused") != std::string::npos);
  CHECK(imds.count("PUT /latest/api/token") == 1);  // not retried, and never without a token
  CHECK(imds.count("GET " + kListPath) == 1);
}

TEST_CASE("instance-role: a broken credential document is an error that shows none of it") {
  const std::string secretish = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYBROKENDOC01";
  struct Case {
    const char* what;
    std::string body;
    const char* expect;
  };
  for (const Case& c :
       {Case{"not JSON", "{\"Code\":\"Success\",\"SecretAccessKey\":\"" + secretish + "\"", "not a JSON object"},
        Case{"an array", "[\"" + secretish + "\"]", "not a JSON object"},
        Case{"Code not Success",
             "{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"Message\":\"denied\",\"SecretAccessKey\":\"" + secretish +
                 "\"}",
             "Code 'AssumeRoleUnauthorizedAccess' instead of 'Success'"},
        Case{"no Token", "{\"Code\":\"Success\",\"AccessKeyId\":\"ASIAFAKE\",\"SecretAccessKey\":\"" + secretish +
                             "\",\"Expiration\":\"2030-01-01T00:00:00Z\"}",
             "without 'Token'"}}) {
    INFO(c.what);
    Imds imds;
    imds.fault("GET " + kRolePath, 200, c.body);
    CHECK(resolve(imds.plugin, imds.host) == KR_ERR_CONFIG);
    CHECK(errorCode(imds.host) == "imds.credentials");
    CHECK(errorMessage(imds.host).find("GET " + kRolePath + " at " + imds.fake.imdsBaseUrl()) == 0);
    CHECK(errorMessage(imds.host).find(c.expect) != std::string::npos);
    CHECK(imds.host.allOutput().find(secretish) == std::string::npos);
    CHECK(imds.host.credentials.empty());
  }
}

TEST_CASE("instance-role: a failing role document is an error naming the path and status") {
  Imds imds;
  imds.fault("GET " + kRolePath, 500);
  CHECK(resolve(imds.plugin, imds.host) == KR_ERR_CONFIG);
  CHECK(errorMessage(imds.host).find("GET " + kRolePath + " at " + imds.fake.imdsBaseUrl() + " answered HTTP 500") ==
        0);

  // With more attempts allowed, a passing 5xx is retried.
  Imds again;
  ::setenv("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2", 1);
  again.fault("GET " + kRolePath, 503);
  REQUIRE(resolve(again.plugin, again.host) == KR_OK);
  CHECK(again.count("GET " + kRolePath) == 2);
  again.checkNoLeak();
}

TEST_CASE("instance-role: an answer larger than 64 KiB is no answer, and none of it is shown") {
  Imds imds;
  const std::string secretish = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYOVERSIZED01";
  std::string body = "{\"Code\":\"Success\",\"SecretAccessKey\":\"" + secretish + "\",\"Pad\":\"";
  body.append(70 * 1024, 'x');
  body += "\"}";
  imds.fault("GET " + kRolePath, 200, body);
  CHECK(resolve(imds.plugin, imds.host) == KR_ERR_FAILED);
  CHECK(errorCode(imds.host) == "imds.no-answer");
  CHECK(errorMessage(imds.host).find("gave a token but no answer to GET " + kRolePath) != std::string::npos);
  CHECK(errorMessage(imds.host).find("is larger than 65536 bytes") != std::string::npos);
  CHECK(imds.host.logged("(attempt 1 of 1): no answer (the answer to GET " + kRolePath + " is larger than 65536"));
  CHECK(imds.host.allOutput().find(secretish) == std::string::npos);
  CHECK(imds.host.credentials.empty());
}

TEST_CASE("instance-role with AWS_EC2_METADATA_DISABLED asks nothing, even with a service there") {
  Imds imds;
  ::setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
  CHECK(resolve(imds.plugin, imds.host) == KR_ERR_UNAVAILABLE);
  CHECK(errorMessage(imds.host).find("AWS_EC2_METADATA_DISABLED is true") == 0);
  CHECK(imds.fake.requests().empty());
}

TEST_CASE("instance-role answers another scheme without asking the metadata service") {
  Imds imds;
  kr_test::azureHost(imds.host);
  CHECK(resolve(imds.plugin, imds.host) == KR_ERR_UNAVAILABLE);
  CHECK(errorMessage(imds.host) ==
        "instance-role produces only aws-access-key credentials; azure-client-secret is not one");
  CHECK(imds.fake.requests().empty());
}

TEST_CASE("conformance: instance-role passes the SDK kit's check with role credentials from the metadata service") {
  Imds imds;
  kt::ConformanceOptions o;
  o.credentialSpec = kr_test::awsCredential();
  o.input = kt::gatewayInput().pamUser(kt::record("ConformancePamUser0001").title("IAM user key"));
  const kt::Report report = kt::checkConformance(imds.plugin, o);
  CHECK_MESSAGE(report.ok(), report.text());
  CHECK(imds.count("PUT /latest/api/token") >= 1);  // the check resolved for real
}
