// STS AssumeRole and temporary credentials (docs/aws-iam.md §3.3, §4): the result shape, ASIA keys that need their
// session token signed, expiry, the role's permissions on IAM calls, trust, and DurationSeconds limits.
#include "fixture.hpp"

#include <doctest/doctest.h>

#include <regex>

using namespace fake_aws_test;

namespace {

const std::string kRoleArn = "arn:aws:iam::123456789012:role/rotator";

aws::Credentials assume(Fixture& f, const std::string& session = "rotation-1") {
  auto sts = f.client("sts");
  auto root = sts.call("AssumeRole", {{"RoleArn", kRoleArn}, {"RoleSessionName", session}}, f.admin());
  const auto* c = root.find("AssumeRoleResult/Credentials");
  REQUIRE(c != nullptr);
  return aws::Credentials(c->textOf("AccessKeyId"), c->textOf("SecretAccessKey"), c->textOf("SessionToken"));
}

}  // namespace

TEST_CASE("fake-aws: AssumeRole returns temporary ASIA credentials with a session token and an expiration") {
  Fixture f;
  const auto before = std::chrono::system_clock::now();
  auto res = f.post("sts", "AssumeRole", {{"RoleArn", kRoleArn}, {"RoleSessionName", "rotation-1"},
                                          {"DurationSeconds", "900"}}, f.admin());
  REQUIRE(res.status == 200);
  CHECK(res.body.rfind("<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">", 0) == 0);
  CHECK(std::regex_search(res.body, std::regex("<AssumeRoleResult>\\s*<AssumedRoleUser>\\s*<AssumedRoleId>AROA[A-Z0-9]"
                                               "{17}:rotation-1</AssumedRoleId>\\s*<Arn>arn:aws:sts::123456789012:"
                                               "assumed-role/rotator/rotation-1</Arn>\\s*</AssumedRoleUser>\\s*"
                                               "<Credentials>\\s*<AccessKeyId>ASIA[A-Z0-9]{16}</AccessKeyId>\\s*"
                                               "<SecretAccessKey>[A-Za-z0-9/+]{40}</SecretAccessKey>\\s*<SessionToken>"
                                               "[A-Za-z0-9/+=]{100,}</SessionToken>\\s*<Expiration>[^<]+</Expiration>"
                                               "\\s*</Credentials>\\s*</AssumeRoleResult>")));
  const std::string expiration = between(res.body, "Expiration");
  CHECK(std::regex_match(expiration, std::regex(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$)")));
  const std::time_t t = std::chrono::system_clock::to_time_t(before + std::chrono::seconds(900));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char expect[32];
  std::strftime(expect, sizeof expect, "%Y-%m-%dT%H:%M", &tm);
  CHECK(expiration.rfind(expect, 0) == 0);
}

TEST_CASE("fake-aws: Temporary credentials sign GetCallerIdentity as the assumed role") {
  Fixture f;
  const auto temp = assume(f);
  auto sts = f.client("sts");
  auto who = sts.call("GetCallerIdentity", {}, temp);
  CHECK(who.textOf("GetCallerIdentityResult/Arn") == "arn:aws:sts::123456789012:assumed-role/rotator/rotation-1");
  CHECK(std::regex_match(who.textOf("GetCallerIdentityResult/UserId"), std::regex("^AROA[A-Z0-9]{17}:rotation-1$")));
  CHECK(who.textOf("GetCallerIdentityResult/Account") == "123456789012");
}

TEST_CASE("fake-aws: Temporary credentials carry the role's permissions on IAM calls") {
  Fixture f;
  const auto temp = assume(f);
  auto iam = f.client("iam");
  auto root = iam.call("CreateAccessKey", {{"UserName", "bob"}}, temp, false);
  CHECK(root.textOf("CreateAccessKeyResult/AccessKey/UserName") == "bob");
  // A session is not a user: UserName is required.
  auto res = f.post("iam", "ListAccessKeys", {}, temp);
  CHECK(res.status == 400);
  CHECK(between(res.body, "Code") == "ValidationError");
  CHECK(between(res.body, "Message") == "Must specify userName when calling with non-User credentials");
  // A role with fewer permissions gives its sessions fewer.
  f.fake.loadSeed(R"({"roles":[{"roleName":"narrow","permissions":["iam:ListAccessKeys"],"trustedUsers":["admin"]}]})");
  auto sts = f.client("sts");
  auto narrowRoot = sts.call(
      "AssumeRole", {{"RoleArn", "arn:aws:iam::123456789012:role/narrow"}, {"RoleSessionName", "nn"}}, f.admin());
  const auto* c = narrowRoot.find("AssumeRoleResult/Credentials");
  REQUIRE(c != nullptr);
  const aws::Credentials narrow(c->textOf("AccessKeyId"), c->textOf("SecretAccessKey"), c->textOf("SessionToken"));
  CHECK(f.post("iam", "ListAccessKeys", {{"UserName", "bob"}}, narrow).status == 200);
  auto denied = f.post("iam", "DeleteAccessKey", {{"UserName", "bob"}, {"AccessKeyId", f.bobKeyId}}, narrow);
  CHECK(denied.status == 403);
  CHECK(between(denied.body, "Message") ==
        "User: arn:aws:sts::123456789012:assumed-role/narrow/nn is not authorized to perform: iam:DeleteAccessKey on "
        "resource: user bob");
}

TEST_CASE("fake-aws: A temporary key without its session token, with a wrong one, or with it unsigned is refused") {
  Fixture f;
  const auto temp = assume(f);
  // No token at all.
  const aws::Credentials noToken(temp.accessKeyId, temp.secretAccessKey.reveal());
  auto none = f.post("sts", "GetCallerIdentity", {}, noToken);
  CHECK(none.status == 403);
  CHECK(between(none.body, "Code") == "InvalidClientTokenId");
  // Another session's token.
  const auto other = assume(f, "rotation-2");
  const aws::Credentials swapped(temp.accessKeyId, temp.secretAccessKey.reveal(), other.sessionToken.reveal());
  auto wrong = f.post("sts", "GetCallerIdentity", {}, swapped);
  CHECK(wrong.status == 403);
  CHECK(between(wrong.body, "Code") == "InvalidClientTokenId");
  // The right token, sent but left out of the signature.
  https::Request r("POST", f.fake.baseUrl() + "/");
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  r.body = "Action=GetCallerIdentity&Version=2011-06-15";
  aws::sign(r, noToken, aws::SigningScope{"us-east-1", "sts"});
  r.headers.emplace_back("X-Amz-Security-Token", std::string(temp.sessionToken.reveal()));
  auto unsignedToken = f.http.send(r);
  CHECK(unsignedToken.status == 403);
  CHECK(between(unsignedToken.body, "Code") == "SignatureDoesNotMatch");
  // A long-term key with a token is not a session.
  const aws::Credentials longTermWithToken(f.adminKeyId, f.adminSecret, temp.sessionToken.reveal());
  CHECK(between(f.post("sts", "GetCallerIdentity", {}, longTermWithToken).body, "Code") == "InvalidClientTokenId");
  // The wrong secret with the right token.
  const aws::Credentials badSecret(temp.accessKeyId, f.adminSecret, temp.sessionToken.reveal());
  CHECK(between(f.post("sts", "GetCallerIdentity", {}, badSecret).body, "Code") == "SignatureDoesNotMatch");
}

TEST_CASE("fake-aws: An expired session gets ExpiredToken") {
  Fixture f;
  const auto temp = assume(f);
  f.fake.expireSessions();
  auto res = f.post("sts", "GetCallerIdentity", {}, temp);
  CHECK(res.status == 403);
  CHECK(between(res.body, "Code") == "ExpiredToken");
  CHECK(between(res.body, "Message") == "The security token included in the request is expired");
}

TEST_CASE("fake-aws: createSession issues role credentials directly, as the instance role would have them") {
  Fixture f;
  const auto s = f.fake.createSession("rotator", "i-0123", std::chrono::seconds(600));
  CHECK(s.accessKeyId.rfind("ASIA", 0) == 0);
  CHECK(s.assumedRoleArn == "arn:aws:sts::123456789012:assumed-role/rotator/i-0123");
  auto sts = f.client("sts");
  auto who = sts.call("GetCallerIdentity", {}, aws::Credentials(s.accessKeyId, s.secretAccessKey, s.sessionToken));
  CHECK(who.textOf("GetCallerIdentityResult/Arn") == s.assumedRoleArn);
  CHECK_THROWS_AS(f.fake.createSession("nope", "x"), std::invalid_argument);
}

TEST_CASE("fake-aws: AssumeRole refuses an untrusted caller and an unknown role alike with AccessDenied") {
  Fixture f;
  auto untrusted = f.post("sts", "AssumeRole", {{"RoleArn", kRoleArn}, {"RoleSessionName", "s1"}}, f.bob());
  CHECK(untrusted.status == 403);
  CHECK(between(untrusted.body, "Code") == "AccessDenied");
  CHECK(between(untrusted.body, "Message") ==
        "User: arn:aws:iam::123456789012:user/staff/bob is not authorized to perform: sts:AssumeRole on resource: " +
            kRoleArn);
  auto unknown = f.post("sts", "AssumeRole", {{"RoleArn", "arn:aws:iam::123456789012:role/none"},
                                              {"RoleSessionName", "s1"}}, f.admin());
  CHECK(unknown.status == 403);
  CHECK(between(unknown.body, "Code") == "AccessDenied");
  // A role that trusts the whole account leaves it to the caller's own sts:AssumeRole permission.
  f.fake.loadSeed(R"({"roles":[{"roleName":"open","permissions":[],"trustedUsers":["*"]}]})");
  const Params open = {{"RoleArn", "arn:aws:iam::123456789012:role/open"}, {"RoleSessionName", "s1"}};
  CHECK(f.post("sts", "AssumeRole", open, f.admin()).status == 200);
  CHECK(f.post("sts", "AssumeRole", open, f.reader()).status == 403);
}

TEST_CASE("fake-aws: AssumeRole validates its parameters and the role's maximum session duration") {
  Fixture f;
  auto missingArn = f.post("sts", "AssumeRole", {{"RoleSessionName", "s1"}}, f.admin());
  CHECK(missingArn.status == 400);
  CHECK(between(missingArn.body, "Code") == "ValidationError");
  CHECK(between(missingArn.body, "Message").find("Value null at 'roleArn'") != std::string::npos);
  auto missingName = f.post("sts", "AssumeRole", {{"RoleArn", kRoleArn}}, f.admin());
  CHECK(between(missingName.body, "Message").find("Value null at 'roleSessionName'") != std::string::npos);
  auto badName = f.post("sts", "AssumeRole", {{"RoleArn", kRoleArn}, {"RoleSessionName", "has space"}}, f.admin());
  CHECK(between(badName.body, "Code") == "ValidationError");
  auto tooShort = f.post("sts", "AssumeRole", {{"RoleArn", kRoleArn}, {"RoleSessionName", "s1"},
                                               {"DurationSeconds", "899"}}, f.admin());
  CHECK(tooShort.status == 400);
  CHECK(between(tooShort.body, "Message").find("greater than or equal to 900") != std::string::npos);
  auto tooLong = f.post("sts", "AssumeRole", {{"RoleArn", kRoleArn}, {"RoleSessionName", "s1"},
                                              {"DurationSeconds", "7201"}}, f.admin());
  CHECK(tooLong.status == 400);
  CHECK(between(tooLong.body, "Message") ==
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
  CHECK(f.post("sts", "AssumeRole", {{"RoleArn", kRoleArn}, {"RoleSessionName", "s1"}, {"DurationSeconds", "7200"}},
               f.admin()).status == 200);
}
