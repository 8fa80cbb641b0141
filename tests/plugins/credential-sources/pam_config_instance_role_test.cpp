// pam-config and Keeper's USE_INSTANCE_ROLE: in a PAM Configuration's key fields the marker means "no stored key,
// the instance role", so it counts as blank; a configuration left with nothing by it is unavailable, saying so,
// and the chain moves on.
#include "aws_credential.hpp"
#include "plugin_harness.hpp"

#include <doctest/doctest.h>

using kr_test::errorCode;
using kr_test::errorMessage;
using kr_test::InMemoryHost;
using kr_test::loadPlugin;
using kr_test::putSecret;
using kr_test::Record;
using kr_test::resolve;

namespace {

const char* const kConfigSecret = "cfg~AwsConfigSecret/0123456789abcdefghijKLMN";

Record awsConfig(const std::string& keyId, const std::string& secret) {
  Record r{{"uid", "CFGuid0001"}, {"title", "AWS us-east"}, {"awsId", "prod"}, {"regionNames", "us-east-1"}};
  if (!keyId.empty()) r["accessKeyId"] = keyId;
  if (!secret.empty()) r["accessSecretKey"] = secret;
  return r;
}
Record pamUser() { return {{"uid", "USERuid0001"}, {"title", "IAM user key"}, {"login", "deploy-bot"}}; }

void awsHost(InMemoryHost& h, const std::vector<Record>& records) {
  h.setCredentialSpec(kr_test::awsCredential());
  kr_test::serveInput(h, {{"userRecordUid", "USERuid0001"}, {"providerRecordUid", "CFGuid0001"}}, records);
}

}  // namespace

TEST_CASE("pam-config: USE_INSTANCE_ROLE in both key fields is unavailable and says so") {
  const auto p = loadPlugin("source", "pam-config");
  InMemoryHost h;
  awsHost(h, {pamUser(), awsConfig("USE_INSTANCE_ROLE", "USE_INSTANCE_ROLE")});
  CHECK(resolve(p, h) == KR_ERR_UNAVAILABLE);
  CHECK(errorCode(h) == "credential.unavailable");
  CHECK(errorMessage(h).find("the AWS PAM Configuration says USE_INSTANCE_ROLE") != std::string::npos);
  CHECK(errorMessage(h).find("'AWS us-east' (uid CFGuid0001)") != std::string::npos);
  CHECK(errorMessage(h).find("instance-role") != std::string::npos);
  CHECK(h.credentials.empty());
  CHECK(h.registeredSecrets.empty());  // the marker is a documented word, never registered as a secret
}

TEST_CASE("pam-config: USE_INSTANCE_ROLE in one key field and the other blank is the same") {
  const auto p = loadPlugin("source", "pam-config");
  InMemoryHost h;
  awsHost(h, {pamUser(), awsConfig(" USE_INSTANCE_ROLE\n", "")});
  CHECK(resolve(p, h) == KR_ERR_UNAVAILABLE);
  CHECK(errorMessage(h).find("the AWS PAM Configuration says USE_INSTANCE_ROLE") != std::string::npos);
  CHECK(h.credentials.empty());
}

TEST_CASE("pam-config: USE_INSTANCE_ROLE beside a stored secret is an incomplete configuration") {
  const auto p = loadPlugin("source", "pam-config");
  InMemoryHost h;
  awsHost(h, {pamUser(), awsConfig("USE_INSTANCE_ROLE", kConfigSecret)});
  CHECK(resolve(p, h) == KR_ERR_CONFIG);
  CHECK(errorCode(h) == "credential.incomplete");
  CHECK(errorMessage(h).find("'accessKeyId'") != std::string::npos);
  CHECK(errorMessage(h).find("the AWS PAM Configuration") != std::string::npos);
  CHECK(h.credentials.empty());
  CHECK(h.allOutput().find(kConfigSecret) == std::string::npos);
}

TEST_CASE("pam-config: only the exact marker counts, a stored key is read as before") {
  const auto p = loadPlugin("source", "pam-config");
  InMemoryHost h;
  awsHost(h, {pamUser(), awsConfig("AKIACONFIGKEY0000001", kConfigSecret)});
  REQUIRE(resolve(p, h) == KR_OK);
  CHECK(h.credentials.at("access_key_id") == "AKIACONFIGKEY0000001");
  CHECK(h.credentials.at("secret_access_key") == kConfigSecret);
  CHECK(putSecret(h, "secret_access_key"));
  CHECK(h.allOutput().find(kConfigSecret) == std::string::npos);

  // Not the marker (case differs): a value like any other.
  InMemoryHost lower;
  awsHost(lower, {pamUser(), awsConfig("use_instance_role", "use_instance_role")});
  REQUIRE(resolve(p, lower) == KR_OK);
  CHECK(lower.credentials.at("access_key_id") == "use_instance_role");
}

TEST_CASE("pam-config: a configuration of another kind keeps its own message, without USE_INSTANCE_ROLE") {
  const auto p = loadPlugin("source", "pam-config");
  InMemoryHost h;
  awsHost(h, {pamUser(), awsConfig("", "")});
  CHECK(resolve(p, h) == KR_ERR_UNAVAILABLE);
  CHECK(errorMessage(h).find("has no accessKeyId or accessSecretKey (not an AWS configuration)") != std::string::npos);
  CHECK(errorMessage(h).find("USE_INSTANCE_ROLE") == std::string::npos);
}

TEST_CASE("pam-config: USE_INSTANCE_ROLE is generic and names the provider's configuration kind") {
  const auto p = loadPlugin("source", "pam-config");
  InMemoryHost h;
  h.setCredentialSpec(kr_test::acmeCredential());
  kr_test::serveInput(h, {{"userRecordUid", "USERuid0001"}, {"providerRecordUid", "CFGuid0001"}},
                      {pamUser(), {{"uid", "CFGuid0001"}, {"title", "Acme config"}, {"acmeAccount", "USE_INSTANCE_ROLE"},
                                   {"acmeApiKey", "USE_INSTANCE_ROLE"}}});
  CHECK(resolve(p, h) == KR_ERR_UNAVAILABLE);
  CHECK(errorMessage(h).find("the Acme PAM Configuration says USE_INSTANCE_ROLE") != std::string::npos);
}
