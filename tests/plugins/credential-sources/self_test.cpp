// self: the admin credential is the PAM User's own, under the labels the provider declares for attached records,
// read on the PAM User record itself (for a key that rotates itself). Attached records never count.
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

const char* const kHeldSecret = "held~wJalrXUtnFEMI/K7MDENG/bPxRfiCYSELFKEY01";
const char* const kAttachedSecret = "attached~Zq9AnotherAdminSecret/0123456789ab";

Record pamUser() {
  return {{"uid", "USERuid0001"},
          {"title", "Deploy bot key"},
          {"login", "deploy-bot"},
          {"aws_access_key_id", "AKIASELFHELDKEY00001"},
          {"aws_secret_access_key", kHeldSecret}};
}
Record attachedAdmin() {
  return {{"uid", "ADMINuid01"},
          {"title", "AWS admin"},
          {"aws_access_key_id", "AKIAATTACHEDADMIN001"},
          {"aws_secret_access_key", kAttachedSecret}};
}

void awsHost(InMemoryHost& h, const std::vector<Record>& records) {
  h.setCredentialSpec(kr_test::awsCredential());
  kr_test::serveInput(h, {{"userRecordUid", "USERuid0001"}, {"providerRecordUid", "CFGuid0001"}}, records);
}

void checkNoLeak(const InMemoryHost& h) {
  for (const char* s : {kHeldSecret, kAttachedSecret}) CHECK(h.allOutput().find(s) == std::string::npos);
  CHECK_MESSAGE(kr_test::leaks(h).empty(), kr_test::leaks(h));
}

}  // namespace

TEST_CASE("self takes the PAM User's own key id and secret and marks the secret") {
  const auto p = loadPlugin("source", "self");
  InMemoryHost h;
  awsHost(h, {attachedAdmin(), pamUser()});
  REQUIRE(resolve(p, h) == KR_OK);
  CHECK(h.credentials.at("access_key_id") == "AKIASELFHELDKEY00001");
  CHECK_FALSE(putSecret(h, "access_key_id"));
  CHECK(h.credentials.at("secret_access_key") == kHeldSecret);
  CHECK(putSecret(h, "secret_access_key"));
  CHECK(h.credentials.count("role_arn") == 0);       // optional, not on the record
  CHECK(h.credentials.count("session_token") == 0);  // no record label declared for it
  CHECK(h.logged("the PAM User's own aws_access_key_id and aws_secret_access_key"));
  CHECK(h.logged("'Deploy bot key' (uid USERuid0001)"));
  checkNoLeak(h);
}

TEST_CASE("self reads an optional part when the PAM User has it, trimmed") {
  const auto p = loadPlugin("source", "self");
  auto user = pamUser();
  user["role_arn"] = " arn:aws:iam::123456789012:role/KeyRotator\n";
  user["aws_access_key_id"] = "AKIASELFHELDKEY00001 ";
  InMemoryHost h;
  awsHost(h, {user});
  REQUIRE(resolve(p, h) == KR_OK);
  CHECK(h.credentials.at("role_arn") == "arn:aws:iam::123456789012:role/KeyRotator");
  CHECK(h.credentials.at("access_key_id") == "AKIASELFHELDKEY00001");
}

TEST_CASE("self never takes an attached record: without the PAM User's own key id it is unavailable") {
  const auto p = loadPlugin("source", "self");
  auto user = pamUser();
  user.erase("aws_access_key_id");  // the secret alone does not make a credential: every PAM User has one
  InMemoryHost h;
  awsHost(h, {attachedAdmin(), user});
  CHECK(resolve(p, h) == KR_ERR_UNAVAILABLE);
  CHECK(errorCode(h) == "credential.unavailable");
  CHECK(errorMessage(h).find("the PAM User's own 'aws_access_key_id'") != std::string::npos);
  CHECK(errorMessage(h).find("'Deploy bot key' (uid USERuid0001)") != std::string::npos);
  CHECK(h.credentials.empty());
  checkNoLeak(h);
}

TEST_CASE("self names the PAM User record and the missing label when the key id has no secret") {
  const auto p = loadPlugin("source", "self");
  auto user = pamUser();
  user["aws_secret_access_key"] = "  ";  // blank counts as missing
  InMemoryHost h;
  awsHost(h, {attachedAdmin(), user});
  CHECK(resolve(p, h) == KR_ERR_CONFIG);
  CHECK(errorCode(h) == "credential.incomplete");
  CHECK(errorMessage(h).find("PAM User record 'Deploy bot key' (uid USERuid0001)") != std::string::npos);
  CHECK(errorMessage(h).find("no value in 'aws_secret_access_key'") != std::string::npos);
  CHECK(errorMessage(h).find("the PAM User's own 'aws_access_key_id' and 'aws_secret_access_key'") !=
        std::string::npos);
  CHECK(h.credentials.empty());
  checkNoLeak(h);
}

TEST_CASE("self names the PAM User by uid when the Gateway's records do not carry it") {
  const auto p = loadPlugin("source", "self");
  InMemoryHost h;
  awsHost(h, {pamUser()});
  h.pamUserInRecords = false;  // read through KSM: field_get still serves it
  REQUIRE(resolve(p, h) == KR_OK);
  CHECK(h.logged("PAM User record (uid USERuid0001)"));

  auto user = pamUser();
  user.erase("aws_secret_access_key");
  InMemoryHost bad;
  awsHost(bad, {user});
  bad.pamUserInRecords = false;
  CHECK(resolve(p, bad) == KR_ERR_CONFIG);
  CHECK(errorMessage(bad).find("PAM User record (uid USERuid0001)") != std::string::npos);
}

TEST_CASE("self reads another provider's labels on the PAM User and holds no provider's names") {
  const auto p = loadPlugin("source", "self");
  InMemoryHost h;
  h.setCredentialSpec(kr_test::acmeCredential());
  kr_test::serveInput(h, {{"userRecordUid", "USERuid0001"}},
                      {{{"uid", "USERuid0001"}, {"title", "Acme bot"}, {"acme_account_id", "acct-3"},
                        {"acme_api_key", kHeldSecret}, {"acme_region", "eu-2"}}});
  REQUIRE(resolve(p, h) == KR_OK);
  CHECK(h.credentials.at("account") == "acct-3");
  CHECK(h.credentials.at("api_key") == kHeldSecret);
  CHECK(putSecret(h, "api_key"));
  CHECK(h.credentials.at("region") == "eu-2");
  checkNoLeak(h);
}
