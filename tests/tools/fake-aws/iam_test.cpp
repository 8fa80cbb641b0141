// IAM access-key actions, GetUser, GetAccessKeyLastUsed and STS GetCallerIdentity through the fake: result shapes
// (docs/aws-iam.md §3), the two-key limit, permissions, and eventual consistency of new keys (§3.4).
#include "fixture.hpp"

#include <doctest/doctest.h>

#include <regex>
#include <thread>

using namespace fake_aws_test;

namespace {

const std::regex kRequestId("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
const std::regex kIsoTime(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$)");

std::string callerArn(Fixture& f, const aws::Credentials& c) {
  auto sts = f.client("sts");
  return sts.call("GetCallerIdentity", {}, c).textOf("GetCallerIdentityResult/Arn");
}

}  // namespace

TEST_CASE("fake-aws: GetCallerIdentity answers the signing user with AWS's result shape") {
  Fixture f;
  auto res = f.post("sts", "GetCallerIdentity", {}, f.bob());
  REQUIRE(res.status == 200);
  CHECK(res.header("Content-Type") == std::optional<std::string>("text/xml"));
  CHECK(res.body.rfind("<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">", 0) == 0);
  const std::string result = between(res.body, "GetCallerIdentityResult");
  CHECK(between(result, "Arn") == "arn:aws:iam::123456789012:user/staff/bob");
  CHECK(between(result, "Account") == "123456789012");
  CHECK(between(result, "UserId").rfind("AIDA", 0) == 0);
  CHECK(between(result, "UserId").size() == 21);
  const std::string requestId = between(between(res.body, "ResponseMetadata"), "RequestId");
  CHECK(std::regex_match(requestId, kRequestId));
  CHECK(res.header("x-amzn-RequestId") == std::optional<std::string>(requestId));
  CHECK(f.fake.countRequests("sts", "GetCallerIdentity") == 1);
}

TEST_CASE("fake-aws: CreateAccessKey returns a new key with its secret, and the new key signs requests") {
  Fixture f;
  auto iam = f.client("iam");
  auto root = iam.call("CreateAccessKey", {{"UserName", "bob"}}, f.admin(), false);
  CHECK(root.name == "CreateAccessKeyResponse");
  const auto* key = root.find("CreateAccessKeyResult/AccessKey");
  REQUIRE(key != nullptr);
  const std::string id = key->textOf("AccessKeyId");
  const std::string secret = key->textOf("SecretAccessKey");
  CHECK(std::regex_match(id, std::regex("^AKIA[A-Z0-9]{16}$")));
  CHECK(std::regex_match(secret, std::regex("^[A-Za-z0-9/+]{40}$")));
  CHECK(key->textOf("UserName") == "bob");
  CHECK(key->textOf("Status") == "Active");
  CHECK(std::regex_match(key->textOf("CreateDate"), kIsoTime));
  CHECK(f.fake.keys("bob").size() == 2);
  CHECK(f.fake.mutations() == 1);
  CHECK(callerArn(f, aws::Credentials(id, secret)) == "arn:aws:iam::123456789012:user/staff/bob");
}

TEST_CASE("fake-aws: CreateAccessKey element order and namespace match IAM's") {
  Fixture f;
  auto res = f.post("iam", "CreateAccessKey", {{"UserName", "bob"}}, f.admin());
  REQUIRE(res.status == 200);
  CHECK(res.body.rfind("<CreateAccessKeyResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">", 0) == 0);
  CHECK(std::regex_search(res.body, std::regex("<CreateAccessKeyResult>\\s*<AccessKey>\\s*<UserName>bob</UserName>\\s*"
                                               "<AccessKeyId>AKIA[A-Z0-9]{16}</AccessKeyId>\\s*<Status>Active</Status>"
                                               "\\s*<SecretAccessKey>[^<]{40}</SecretAccessKey>\\s*<CreateDate>[^<]+"
                                               "</CreateDate>\\s*</AccessKey>\\s*</CreateAccessKeyResult>\\s*"
                                               "<ResponseMetadata>\\s*<RequestId>[0-9a-f-]{36}</RequestId>\\s*"
                                               "</ResponseMetadata>\\s*</CreateAccessKeyResponse>")));
}

TEST_CASE("fake-aws: CreateAccessKey without UserName creates a key for the caller") {
  Fixture f;
  auto iam = f.client("iam");
  auto root = iam.call("CreateAccessKey", {}, f.admin(), false);
  CHECK(root.textOf("CreateAccessKeyResult/AccessKey/UserName") == "admin");
  CHECK(f.fake.keys("admin").size() == 2);
}

TEST_CASE("fake-aws: ListAccessKeys lists every key with its metadata and never a secret") {
  Fixture f;
  f.fake.createKey("bob", "Inactive");
  auto res = f.post("iam", "ListAccessKeys", {{"UserName", "bob"}}, f.admin());
  REQUIRE(res.status == 200);
  CHECK(res.body.find("SecretAccessKey") == std::string::npos);
  CHECK(res.body.find(f.bobSecret) == std::string::npos);
  CHECK(between(res.body, "IsTruncated") == "false");
  CHECK(res.body.find("<Marker>") == std::string::npos);
  auto iam = f.client("iam");
  auto root = iam.call("ListAccessKeys", {{"UserName", "bob"}}, f.admin());
  const auto* metadata = root.find("ListAccessKeysResult/AccessKeyMetadata");
  REQUIRE(metadata != nullptr);
  auto members = metadata->childrenNamed("member");
  REQUIRE(members.size() == 2);
  CHECK(members[0]->textOf("AccessKeyId") == f.bobKeyId);
  CHECK(members[0]->textOf("Status") == "Active");
  CHECK(members[0]->textOf("UserName") == "bob");
  CHECK(members[0]->textOf("CreateDate") == "2026-01-02T03:04:05Z");
  CHECK(members[1]->textOf("Status") == "Inactive");
}

TEST_CASE("fake-aws: ListAccessKeys pages with MaxItems and Marker") {
  Fixture f;
  const auto second = f.fake.createKey("bob");
  auto iam = f.client("iam");
  auto first = iam.call("ListAccessKeys", {{"UserName", "bob"}, {"MaxItems", "1"}}, f.admin());
  CHECK(first.textOf("ListAccessKeysResult/IsTruncated") == "true");
  const std::string marker = first.textOf("ListAccessKeysResult/Marker");
  REQUIRE_FALSE(marker.empty());
  auto members = first.find("ListAccessKeysResult/AccessKeyMetadata")->childrenNamed("member");
  REQUIRE(members.size() == 1);
  CHECK(members[0]->textOf("AccessKeyId") == f.bobKeyId);
  auto rest = iam.call("ListAccessKeys", {{"UserName", "bob"}, {"MaxItems", "1"}, {"Marker", marker}}, f.admin());
  CHECK(rest.textOf("ListAccessKeysResult/IsTruncated") == "false");
  members = rest.find("ListAccessKeysResult/AccessKeyMetadata")->childrenNamed("member");
  REQUIRE(members.size() == 1);
  CHECK(members[0]->textOf("AccessKeyId") == second.accessKeyId);
}

TEST_CASE("fake-aws: DeleteAccessKey removes the key, which then no longer signs") {
  Fixture f;
  auto iam = f.client("iam");
  auto root = iam.call("DeleteAccessKey", {{"UserName", "bob"}, {"AccessKeyId", f.bobKeyId}}, f.admin(), false);
  CHECK(root.name == "DeleteAccessKeyResponse");
  CHECK(root.child("DeleteAccessKeyResult") == nullptr);
  CHECK(std::regex_match(root.textOf("ResponseMetadata/RequestId"), kRequestId));
  CHECK(f.fake.keys("bob").empty());
  CHECK(f.fake.mutations() == 1);
  auto res = f.post("sts", "GetCallerIdentity", {}, f.bob());
  CHECK(res.status == 403);
  CHECK(between(res.body, "Code") == "InvalidClientTokenId");
}

TEST_CASE("fake-aws: UpdateAccessKey deactivates a key, and an Inactive key does not sign") {
  Fixture f;
  auto iam = f.client("iam");
  auto root = iam.call("UpdateAccessKey", {{"UserName", "bob"}, {"AccessKeyId", f.bobKeyId}, {"Status", "Inactive"}},
                       f.admin(), false);
  CHECK(root.name == "UpdateAccessKeyResponse");
  REQUIRE(f.fake.keys("bob").size() == 1);
  CHECK(f.fake.keys("bob")[0].status == "Inactive");
  CHECK(f.post("sts", "GetCallerIdentity", {}, f.bob()).status == 403);
  iam.call("UpdateAccessKey", {{"UserName", "bob"}, {"AccessKeyId", f.bobKeyId}, {"Status", "Active"}}, f.admin(),
           false);
  CHECK(f.post("sts", "GetCallerIdentity", {}, f.bob()).status == 200);
  CHECK(f.fake.mutations() == 2);
}

TEST_CASE("fake-aws: GetUser answers the named user, or the caller without UserName") {
  Fixture f;
  auto iam = f.client("iam");
  auto named = iam.call("GetUser", {{"UserName", "bob"}}, f.admin());
  const auto* user = named.find("GetUserResult/User");
  REQUIRE(user != nullptr);
  CHECK(user->textOf("UserName") == "bob");
  CHECK(user->textOf("Path") == "/staff/");
  CHECK(user->textOf("Arn") == "arn:aws:iam::123456789012:user/staff/bob");
  CHECK(user->textOf("UserId").rfind("AIDA", 0) == 0);
  CHECK(std::regex_match(user->textOf("CreateDate"), kIsoTime));
  auto self = iam.call("GetUser", {}, f.admin());
  CHECK(self.textOf("GetUserResult/User/UserName") == "admin");
}

TEST_CASE("fake-aws: GetAccessKeyLastUsed says N/A before first use, then the service and region") {
  Fixture f;
  const auto fresh = f.fake.createKey("bob");
  auto iam = f.client("iam");
  auto before = iam.call("GetAccessKeyLastUsed", {{"AccessKeyId", fresh.accessKeyId}}, f.admin());
  CHECK(before.textOf("GetAccessKeyLastUsedResult/UserName") == "bob");
  CHECK(before.textOf("GetAccessKeyLastUsedResult/AccessKeyLastUsed/ServiceName") == "N/A");
  CHECK(before.textOf("GetAccessKeyLastUsedResult/AccessKeyLastUsed/Region") == "N/A");
  CHECK(before.find("GetAccessKeyLastUsedResult/AccessKeyLastUsed/LastUsedDate") == nullptr);
  CHECK(callerArn(f, aws::Credentials(fresh.accessKeyId, fresh.secretAccessKey)).find("user/staff/bob") !=
        std::string::npos);
  auto after = iam.call("GetAccessKeyLastUsed", {{"AccessKeyId", fresh.accessKeyId}}, f.admin());
  CHECK(after.textOf("GetAccessKeyLastUsedResult/AccessKeyLastUsed/ServiceName") == "sts");
  CHECK(after.textOf("GetAccessKeyLastUsedResult/AccessKeyLastUsed/Region") == "us-east-1");
  CHECK(std::regex_match(after.textOf("GetAccessKeyLastUsedResult/AccessKeyLastUsed/LastUsedDate"), kIsoTime));
}

TEST_CASE("fake-aws: A third key is refused with LimitExceeded 409, Inactive keys counting") {
  Fixture f;
  f.fake.createKey("bob", "Inactive");
  auto res = f.post("iam", "CreateAccessKey", {{"UserName", "bob"}}, f.admin());
  CHECK(res.status == 409);
  CHECK(between(res.body, "Code") == "LimitExceeded");
  CHECK(between(res.body, "Message") == "Cannot exceed quota for AccessKeysPerUser: 2");
  CHECK(between(res.body, "Type") == "Sender");
  CHECK(f.fake.keys("bob").size() == 2);
  CHECK(f.fake.mutations() == 0);
}

TEST_CASE("fake-aws: Permissions: a user may do only what its permissions and resources allow") {
  Fixture f;
  auto listed = f.post("iam", "ListAccessKeys", {{"UserName", "bob"}}, f.reader());
  CHECK(listed.status == 200);
  auto denied = f.post("iam", "CreateAccessKey", {{"UserName", "bob"}}, f.reader());
  CHECK(denied.status == 403);
  CHECK(between(denied.body, "Code") == "AccessDenied");
  CHECK(between(denied.body, "Message") ==
        "User: arn:aws:iam::123456789012:user/reader is not authorized to perform: iam:CreateAccessKey on resource: "
        "user bob");
  CHECK(f.fake.keys("bob").size() == 1);
  // A user without permissions may still ask who it is.
  CHECK(f.post("sts", "GetCallerIdentity", {}, f.bob()).status == 200);
  CHECK(f.post("iam", "ListAccessKeys", {}, f.bob()).status == 403);

  f.fake.loadSeed(R"({"users":[{"userName":"ops","permissions":["iam:ListAccessKeys"],"resources":["bob"],
                      "keys":[{"accessKeyId":"AKIAOPSFAKE000000001","secretAccessKey":"opsSecret"}]}]})");
  const aws::Credentials ops("AKIAOPSFAKE000000001", "opsSecret");
  CHECK(f.post("iam", "ListAccessKeys", {{"UserName", "bob"}}, ops).status == 200);
  auto other = f.post("iam", "ListAccessKeys", {{"UserName", "admin"}}, ops);
  CHECK(other.status == 403);
  CHECK(between(other.body, "Message").find("iam:ListAccessKeys on resource: user admin") != std::string::npos);
}

TEST_CASE("fake-aws: Consistency: a new key is refused for the delay, then accepted") {
  Fixture f;
  f.fake.setConsistency(fa::Consistency{std::chrono::milliseconds(300), 0, "", false});
  auto iam = f.client("iam");
  auto root = iam.call("CreateAccessKey", {{"UserName", "bob"}}, f.admin(), false);
  const aws::Credentials fresh(root.textOf("CreateAccessKeyResult/AccessKey/AccessKeyId"),
                               root.textOf("CreateAccessKeyResult/AccessKey/SecretAccessKey"));
  auto early = f.post("sts", "GetCallerIdentity", {}, fresh);
  CHECK(early.status == 403);
  CHECK(between(early.body, "Code") == "InvalidClientTokenId");
  CHECK(between(early.body, "Message") == "The security token included in the request is invalid.");
  // IAM calls signed with the new key wait for it too.
  CHECK(f.post("iam", "GetUser", {}, fresh).status == 403);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CHECK(f.post("sts", "GetCallerIdentity", {}, fresh).status == 200);
  // Only the new key is affected.
  CHECK(f.post("sts", "GetCallerIdentity", {}, f.admin()).status == 200);
}

TEST_CASE("fake-aws: Consistency: the first N requests with a new key are refused, then a pattern applies") {
  Fixture f;
  f.fake.setConsistency(fa::Consistency{std::chrono::milliseconds(0), 2, "x.x", false});
  auto iam = f.client("iam");
  auto root = iam.call("CreateAccessKey", {{"UserName", "bob"}}, f.admin(), false);
  const aws::Credentials fresh(root.textOf("CreateAccessKeyResult/AccessKey/AccessKeyId"),
                               root.textOf("CreateAccessKeyResult/AccessKey/SecretAccessKey"));
  std::string seen;
  for (int i = 0; i < 7; ++i) seen += f.post("sts", "GetCallerIdentity", {}, fresh).status == 200 ? '.' : 'x';
  CHECK(seen == "xxx.x..");
}

TEST_CASE("fake-aws: Consistency: never means a new key never works, while old keys do") {
  Fixture f;
  f.fake.setConsistency(fa::Consistency{std::chrono::milliseconds(0), 0, "", true});
  auto iam = f.client("iam");
  auto root = iam.call("CreateAccessKey", {{"UserName", "bob"}}, f.admin(), false);
  const aws::Credentials fresh(root.textOf("CreateAccessKeyResult/AccessKey/AccessKeyId"),
                               root.textOf("CreateAccessKeyResult/AccessKey/SecretAccessKey"));
  for (int i = 0; i < 3; ++i) CHECK(f.post("sts", "GetCallerIdentity", {}, fresh).status == 403);
  CHECK(f.post("sts", "GetCallerIdentity", {}, f.bob()).status == 200);
  // Keys made by createKey (seeding) are not subject to consistency.
  const auto seeded = f.fake.createKey("admin");
  CHECK(f.post("sts", "GetCallerIdentity", {}, aws::Credentials(seeded.accessKeyId, seeded.secretAccessKey)).status ==
        200);
}
