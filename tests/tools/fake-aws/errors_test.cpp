// Every error the fake answers, with AWS's ErrorResponse shape and HTTP status (docs/aws-iam.md §5), and the SigV4
// checks behind them: unknown key, wrong secret, tampered request, clock skew, wrong scope, unsigned request.
#include "fixture.hpp"

#include <doctest/doctest.h>

#include <mutex>
#include <regex>

using namespace fake_aws_test;

namespace {

struct Expect {
  int status;
  const char* code;
};

void checkError(const https::Response& res, int status, const std::string& code, const std::string& xmlns) {
  CHECK(res.status == status);
  CHECK(res.header("Content-Type") == std::optional<std::string>("text/xml"));
  const std::regex shape("^<ErrorResponse xmlns=\"" + xmlns +
                         "\">\\s*<Error>\\s*<Type>(Sender|Receiver)</Type>\\s*<Code>" + code +
                         "</Code>\\s*<Message>[^<]*</Message>\\s*</Error>\\s*<RequestId>[0-9a-f-]{36}</RequestId>\\s*"
                         "</ErrorResponse>\\s*$");
  CHECK_MESSAGE(std::regex_match(res.body, shape), res.body);
  CHECK(between(res.body, "Type") == (status >= 500 ? "Receiver" : "Sender"));
  CHECK(res.header("x-amzn-RequestId") == std::optional<std::string>(between(res.body, "RequestId")));
}

const std::string kIam = "https://iam.amazonaws.com/doc/2010-05-08/";
const std::string kSts = "https://sts.amazonaws.com/doc/2011-06-15/";

}  // namespace

TEST_CASE("fake-aws: NoSuchEntity 404 for an unknown user and for a key the user does not have") {
  Fixture f;
  auto user = f.post("iam", "CreateAccessKey", {{"UserName", "nobody"}}, f.admin());
  checkError(user, 404, "NoSuchEntity", kIam);
  CHECK(between(user.body, "Message") == "The user with name nobody cannot be found.");
  auto key = f.post("iam", "DeleteAccessKey", {{"UserName", "admin"}, {"AccessKeyId", f.bobKeyId}}, f.admin());
  checkError(key, 404, "NoSuchEntity", kIam);
  CHECK(between(key.body, "Message") == "The Access Key with id " + f.bobKeyId + " cannot be found.");
  checkError(f.post("iam", "UpdateAccessKey",
                    {{"UserName", "bob"}, {"AccessKeyId", "AKIANOSUCHKEY0000001"}, {"Status", "Inactive"}}, f.admin()),
             404, "NoSuchEntity", kIam);
  checkError(f.post("iam", "ListAccessKeys", {{"UserName", "nobody"}}, f.admin()), 404, "NoSuchEntity", kIam);
  checkError(f.post("iam", "GetUser", {{"UserName", "nobody"}}, f.admin()), 404, "NoSuchEntity", kIam);
  checkError(f.post("iam", "GetAccessKeyLastUsed", {{"AccessKeyId", "AKIANOSUCHKEY0000001"}}, f.admin()), 404,
             "NoSuchEntity", kIam);
  CHECK(f.fake.mutations() == 0);
}

TEST_CASE("fake-aws: QueryClient reads the fake's ErrorResponse into a ServiceError") {
  Fixture f;
  auto iam = f.client("iam");
  try {
    iam.call("CreateAccessKey", {{"UserName", "nobody"}}, f.admin(), false);
    FAIL("no error");
  } catch (const aws::ServiceError& e) {
    CHECK(e.httpStatus() == 404);
    CHECK(e.code() == "NoSuchEntity");
    CHECK(e.serviceMessage() == "The user with name nobody cannot be found.");
    CHECK(e.requestId().size() == 36);
    CHECK_FALSE(e.transient());
  }
}

TEST_CASE("fake-aws: InvalidClientTokenId 403 for an unknown key id, in the namespace of the signed service") {
  Fixture f;
  const aws::Credentials unknown("AKIAUNKNOWNFAKE00001", f.adminSecret);
  auto sts = f.post("sts", "GetCallerIdentity", {}, unknown);
  checkError(sts, 403, "InvalidClientTokenId", kSts);
  CHECK(between(sts.body, "Message") == "The security token included in the request is invalid.");
  checkError(f.post("iam", "ListAccessKeys", {}, unknown), 403, "InvalidClientTokenId", kIam);
}

TEST_CASE("fake-aws: SignatureDoesNotMatch 403 for a wrong secret and for a request changed after signing") {
  Fixture f;
  const aws::Credentials wrong(f.adminKeyId, f.bobSecret);
  auto res = f.post("iam", "ListAccessKeys", {}, wrong);
  checkError(res, 403, "SignatureDoesNotMatch", kIam);
  CHECK(between(res.body, "Message") ==
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
        "Access Key and signing method. Consult the service documentation for details.");

  https::Request tampered("POST", f.fake.baseUrl() + "/");
  tampered.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  tampered.body = Fixture::formBody("ListAccessKeys", "2010-05-08", {{"UserName", "bob"}});
  aws::sign(tampered, f.admin(), aws::SigningScope{"us-east-1", "iam"});
  tampered.body = Fixture::formBody("ListAccessKeys", "2010-05-08", {{"UserName", "admin"}});
  checkError(f.http.send(tampered), 403, "SignatureDoesNotMatch", kIam);
  CHECK(f.fake.mutations() == 0);
}

TEST_CASE("fake-aws: SignatureDoesNotMatch 403 with Signature expired for a request signed too long ago or ahead") {
  Fixture f;
  const auto now = std::chrono::system_clock::now();
  auto old = f.post("sts", "GetCallerIdentity", {}, f.admin(), now - std::chrono::minutes(6));
  checkError(old, 403, "SignatureDoesNotMatch", kSts);
  CHECK(std::regex_match(between(old.body, "Message"),
                         std::regex(R"(^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z )"
                                    R"(\(\d{8}T\d{6}Z - 5 min\.\)$)")));
  auto ahead = f.post("sts", "GetCallerIdentity", {}, f.admin(), now + std::chrono::minutes(6));
  checkError(ahead, 403, "SignatureDoesNotMatch", kSts);
  CHECK(between(ahead.body, "Message").rfind("Signature not yet current: ", 0) == 0);
  // Within the limit is fine; the limit can be tightened.
  CHECK(f.post("sts", "GetCallerIdentity", {}, f.admin(), now - std::chrono::minutes(4)).status == 200);
  f.fake.setClockSkewLimit(std::chrono::seconds(60));
  auto tight = f.post("sts", "GetCallerIdentity", {}, f.admin(), now - std::chrono::minutes(2));
  checkError(tight, 403, "SignatureDoesNotMatch", kSts);
  CHECK(between(tight.body, "Message").find("- 1 min.)") != std::string::npos);
}

TEST_CASE("fake-aws: SignatureDoesNotMatch 403 for an IAM request not signed for the partition's IAM region") {
  Fixture f;
  auto res = f.post("iam", "ListAccessKeys", {}, f.admin(), std::chrono::system_clock::now(), "eu-west-1");
  checkError(res, 403, "SignatureDoesNotMatch", kIam);
  CHECK(between(res.body, "Message").find("valid region") != std::string::npos);
  // STS is regional: any region is a valid scope.
  CHECK(f.post("sts", "GetCallerIdentity", {}, f.admin(), std::chrono::system_clock::now(), "eu-west-1").status == 200);
}

TEST_CASE("fake-aws: MissingAuthenticationToken 403 for an unsigned request") {
  Fixture f;
  https::Request r("POST", f.fake.baseUrl() + "/");
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  r.body = "Action=ListAccessKeys&Version=2010-05-08";
  auto iam = f.http.send(r);
  checkError(iam, 403, "MissingAuthenticationToken", kIam);
  CHECK(between(iam.body, "Message") == "Request is missing Authentication Token");
  r.body = "Action=GetCallerIdentity&Version=2011-06-15";
  checkError(f.http.send(r), 403, "MissingAuthenticationToken", kSts);
  r.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 garbage");
  checkError(f.http.send(r), 400, "IncompleteSignature", kSts);
}

TEST_CASE("fake-aws: InvalidAction 400 for an unknown action or version, MissingAction without one") {
  Fixture f;
  auto unknown = f.post("iam", "ListUsersAndMore", {}, f.admin());
  checkError(unknown, 400, "InvalidAction", kIam);
  CHECK(between(unknown.body, "Message") == "Could not find operation ListUsersAndMore for version 2010-05-08");
  checkError(f.post("sts", "CreateAccessKey", {}, f.admin()), 400, "InvalidAction", kSts);
  https::Request r("POST", f.fake.baseUrl() + "/");
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  r.body = "Action=ListAccessKeys&Version=2011-06-15";
  checkError(f.sendSigned(r, "iam", f.admin()), 400, "InvalidAction", kIam);
  r.body = "Version=2010-05-08";
  checkError(f.sendSigned(r, "iam", f.admin()), 400, "MissingAction", kIam);
}

TEST_CASE("fake-aws: ValidationError 400 for malformed parameters") {
  Fixture f;
  auto name = f.post("iam", "CreateAccessKey", {{"UserName", "bad name!"}}, f.admin());
  checkError(name, 400, "ValidationError", kIam);
  CHECK(between(name.body, "Message") ==
        "1 validation error detected: Value 'bad name!' at 'userName' failed to satisfy constraint: Member must "
        "satisfy regular expression pattern: [\\w+=,.@-]+");
  checkError(f.post("iam", "ListAccessKeys", {{"UserName", "bob"}, {"MaxItems", "0"}}, f.admin()), 400,
             "ValidationError", kIam);
  checkError(f.post("iam", "ListAccessKeys", {{"UserName", "bob"}, {"MaxItems", "1001"}}, f.admin()), 400,
             "ValidationError", kIam);
  checkError(f.post("iam", "ListAccessKeys", {{"UserName", "bob"}, {"Marker", "not-a-marker"}}, f.admin()), 400,
             "ValidationError", kIam);
  auto status = f.post("iam", "UpdateAccessKey", {{"UserName", "bob"}, {"AccessKeyId", f.bobKeyId}, {"Status", "On"}},
                       f.admin());
  checkError(status, 400, "ValidationError", kIam);
  CHECK(between(status.body, "Message").find("[Active, Inactive, Expired]") != std::string::npos);
  auto missing = f.post("iam", "DeleteAccessKey", {{"UserName", "bob"}}, f.admin());
  checkError(missing, 400, "ValidationError", kIam);
  CHECK(between(missing.body, "Message").find("Value null at 'accessKeyId'") != std::string::npos);
  checkError(f.post("iam", "DeleteAccessKey", {{"UserName", "bob"}, {"AccessKeyId", "short"}}, f.admin()), 400,
             "ValidationError", kIam);
  CHECK(f.fake.mutations() == 0);
}

TEST_CASE("fake-aws: GET with the parameters in the query string is accepted and verified like POST") {
  Fixture f;
  https::Request r("GET", f.fake.baseUrl() + "/?Action=ListAccessKeys&Version=2010-05-08&UserName=bob");
  auto ok = f.sendSigned(r, "iam", f.admin());
  CHECK(ok.status == 200);
  CHECK(ok.body.find(f.bobKeyId) != std::string::npos);
  https::Request sts("GET", f.fake.baseUrl() + "/?Action=GetCallerIdentity&Version=2011-06-15");
  CHECK(f.sendSigned(sts, "sts", f.bob()).status == 200);
  // The query is signed: another user name invalidates the signature.
  https::Request changed("GET", f.fake.baseUrl() + "/?Action=ListAccessKeys&Version=2010-05-08&UserName=bob");
  aws::sign(changed, f.admin(), aws::SigningScope{"us-east-1", "iam"});
  changed.url = f.fake.baseUrl() + "/?Action=ListAccessKeys&Version=2010-05-08&UserName=admin";
  checkError(f.http.send(changed), 403, "SignatureDoesNotMatch", kIam);
}

TEST_CASE("fake-aws: The request log names actions, key ids and error codes, never a secret") {
  Fixture f;
  std::vector<std::string> lines;
  std::mutex linesMutex;
  f.fake.setLogSink([&](const std::string& line) {
    std::lock_guard<std::mutex> lock(linesMutex);
    lines.push_back(line);
  });
  auto iam = f.client("iam");
  auto root = iam.call("CreateAccessKey", {{"UserName", "bob"}}, f.admin(), false);
  const std::string secret = root.textOf("CreateAccessKeyResult/AccessKey/SecretAccessKey");
  f.post("iam", "CreateAccessKey", {{"UserName", "bob"}}, f.admin());
  auto log = f.fake.requests();
  REQUIRE(log.size() == 2);
  CHECK(log[0].service == "iam");
  CHECK(log[0].action == "CreateAccessKey");
  CHECK(log[0].accessKeyId == f.adminKeyId);
  CHECK(log[0].userName == "bob");
  CHECK(log[0].status == 200);
  CHECK(log[1].status == 409);
  CHECK(log[1].errorCode == "LimitExceeded");
  std::lock_guard<std::mutex> lock(linesMutex);
  REQUIRE(lines.size() == 2);
  CHECK(lines[1] == "iam CreateAccessKey key=" + f.adminKeyId + " user=bob -> 409 LimitExceeded");
  for (const auto& line : lines) {
    CHECK(line.find(secret) == std::string::npos);
    CHECK(line.find(f.adminSecret) == std::string::npos);
  }
  CHECK(f.fake.stateJson().find(secret) == std::string::npos);
  CHECK(f.fake.stateJson().find(f.adminSecret) == std::string::npos);
  f.fake.clearRequests();
  CHECK(f.fake.requests().empty());
}
