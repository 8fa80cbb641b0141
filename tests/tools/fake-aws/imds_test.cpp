// IMDSv2 on the plain-HTTP server (docs/aws-iam.md §6): the token PUT and its TTL header, the role listing and
// the credentials document, 401 without or with a bad token, IMDSv1 when allowed, the hop-limit hang, and the
// instance role's credentials working against STS and IAM.
#include "fixture.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <doctest/doctest.h>

#include <keeper_rotate/text.hpp>

#include <regex>
#include <thread>

using namespace fake_aws_test;

namespace {

const std::string kTtl = "X-aws-ec2-metadata-token-ttl-seconds";
const std::string kToken = "X-aws-ec2-metadata-token";
const std::string kCreds = "/latest/meta-data/iam/security-credentials/";

std::string header(const PlainResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (keeper_rotate::text::iequals(k, name)) return v;
  return "";
}

std::string token(Fixture& f, const std::string& ttl = "21600") {
  auto r = plainHttp(f.fake.imdsBaseUrl(), "PUT", "/latest/api/token", {{kTtl, ttl}});
  REQUIRE(r.status == 200);
  return r.body;
}

fa::InstanceProfile profile(const std::string& role = "rotator") {
  fa::InstanceProfile p;
  p.roleName = role;
  return p;
}

}  // namespace

TEST_CASE("fake-aws: IMDSv2: token, role name, role credentials that STS and IAM accept") {
  Fixture f;
  f.fake.setInstanceProfile(profile());
  CHECK(f.fake.imdsBaseUrl().rfind("http://127.0.0.1:", 0) == 0);
  auto put = plainHttp(f.fake.imdsBaseUrl(), "PUT", "/latest/api/token", {{kTtl, "300"}});
  REQUIRE(put.status == 200);
  CHECK(header(put, kTtl) == "300");
  CHECK(put.body.size() >= 40);
  const std::string t = put.body;

  auto listing = plainHttp(f.fake.imdsBaseUrl(), "GET", kCreds, {{kToken, t}});
  CHECK(listing.status == 200);
  CHECK(listing.body == "rotator");

  auto doc = plainHttp(f.fake.imdsBaseUrl(), "GET", kCreds + "rotator", {{kToken, t}});
  REQUIRE(doc.status == 200);
  auto json = Poco::JSON::Parser().parse(doc.body).extract<Poco::JSON::Object::Ptr>();
  CHECK(json->getValue<std::string>("Code") == "Success");
  CHECK(json->getValue<std::string>("Type") == "AWS-HMAC");
  const std::regex iso(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$)");
  CHECK(std::regex_match(json->getValue<std::string>("LastUpdated"), iso));
  CHECK(std::regex_match(json->getValue<std::string>("Expiration"), iso));
  const aws::Credentials c(json->getValue<std::string>("AccessKeyId"), json->getValue<std::string>("SecretAccessKey"),
                           json->getValue<std::string>("Token"));
  CHECK(c.accessKeyId.rfind("ASIA", 0) == 0);

  auto sts = f.client("sts");
  auto who = sts.call("GetCallerIdentity", {}, c);
  CHECK(who.textOf("GetCallerIdentityResult/Arn") ==
        "arn:aws:sts::123456789012:assumed-role/rotator/i-0a1b2c3d4e5f60718");
  auto iam = f.client("iam");
  CHECK(iam.call("ListAccessKeys", {{"UserName", "bob"}}, c).name == "ListAccessKeysResponse");

  // The same session is handed out again while it is fresh.
  auto again = plainHttp(f.fake.imdsBaseUrl(), "GET", kCreds + "rotator", {{kToken, t}});
  CHECK(again.body.find(c.accessKeyId) != std::string::npos);
  CHECK(f.fake.countRequests("imds", "PUT /latest/api/token") == 1);
  CHECK(f.fake.countRequests("imds", "GET " + kCreds + "rotator") == 2);
}

TEST_CASE("fake-aws: IMDSv2: 401 without a token or with a bad one, IMDSv1 only when allowed") {
  Fixture f;
  f.fake.setInstanceProfile(profile());
  CHECK(plainHttp(f.fake.imdsBaseUrl(), "GET", kCreds, {}).status == 401);
  CHECK(plainHttp(f.fake.imdsBaseUrl(), "GET", kCreds, {{kToken, "AQAEAnot-a-token=="}}).status == 401);
  CHECK(plainHttp(f.fake.imdsBaseUrl(), "GET", kCreds + "rotator", {}).status == 401);
  auto p = profile();
  p.v2Only = false;
  f.fake.setInstanceProfile(p);
  auto v1 = plainHttp(f.fake.imdsBaseUrl(), "GET", kCreds, {});
  CHECK(v1.status == 200);
  CHECK(v1.body == "rotator");
  // A token that is sent is still checked.
  CHECK(plainHttp(f.fake.imdsBaseUrl(), "GET", kCreds, {{kToken, "AQAEAnot-a-token=="}}).status == 401);
}

TEST_CASE("fake-aws: IMDSv2: the token PUT needs a TTL of 1 to 21600 seconds and refuses proxied requests") {
  Fixture f;
  f.fake.setInstanceProfile(profile());
  CHECK(plainHttp(f.fake.imdsBaseUrl(), "PUT", "/latest/api/token", {}).status == 400);
  CHECK(plainHttp(f.fake.imdsBaseUrl(), "PUT", "/latest/api/token", {{kTtl, "0"}}).status == 400);
  CHECK(plainHttp(f.fake.imdsBaseUrl(), "PUT", "/latest/api/token", {{kTtl, "21601"}}).status == 400);
  CHECK(plainHttp(f.fake.imdsBaseUrl(), "PUT", "/latest/api/token", {{kTtl, "abc"}}).status == 400);
  CHECK(plainHttp(f.fake.imdsBaseUrl(), "PUT", "/latest/api/token", {{kTtl, "1"}}).status == 200);
  CHECK(plainHttp(f.fake.imdsBaseUrl(), "PUT", "/latest/api/token", {{kTtl, "60"}, {"X-Forwarded-For", "10.0.0.1"}})
            .status == 403);
  CHECK(plainHttp(f.fake.imdsBaseUrl(), "GET", "/latest/api/token", {{kTtl, "60"}}).status == 405);
}

TEST_CASE("fake-aws: IMDSv2: an expired token is refused") {
  Fixture f;
  f.fake.setInstanceProfile(profile());
  const std::string t = token(f, "1");
  CHECK(plainHttp(f.fake.imdsBaseUrl(), "GET", kCreds, {{kToken, t}}).status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  CHECK(plainHttp(f.fake.imdsBaseUrl(), "GET", kCreds, {{kToken, t}}).status == 401);
}

TEST_CASE("fake-aws: IMDSv2: no role attached means 404 on the listing, and an unknown role name is 404") {
  Fixture f;
  f.fake.setInstanceProfile(profile(""));
  const std::string t = token(f);
  CHECK(plainHttp(f.fake.imdsBaseUrl(), "GET", kCreds, {{kToken, t}}).status == 404);
  f.fake.setInstanceProfile(profile());
  const std::string t2 = token(f);
  CHECK(plainHttp(f.fake.imdsBaseUrl(), "GET", kCreds + "other", {{kToken, t2}}).status == 404);
  auto info = plainHttp(f.fake.imdsBaseUrl(), "GET", "/latest/meta-data/iam/info", {{kToken, t2}});
  CHECK(info.status == 200);
  CHECK(info.body.find("arn:aws:iam::123456789012:instance-profile/rotator") != std::string::npos);
  auto id = plainHttp(f.fake.imdsBaseUrl(), "GET", "/latest/meta-data/instance-id", {{kToken, t2}});
  CHECK(id.body == "i-0a1b2c3d4e5f60718");
}

TEST_CASE("fake-aws: IMDSv2: hopLimitBlocks leaves token PUTs unanswered, then they work") {
  Fixture f;
  auto p = profile();
  p.hopLimitBlocks = 2;
  p.hopLimitHang = std::chrono::milliseconds(1500);
  f.fake.setInstanceProfile(p);
  // A client that gives up first sees a timeout.
  const auto start = std::chrono::steady_clock::now();
  auto first = plainHttp(f.fake.imdsBaseUrl(), "PUT", "/latest/api/token", {{kTtl, "60"}}, std::chrono::milliseconds(300));
  CHECK(first.timedOut);
  CHECK(first.status == 0);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1200));
  // A patient client gets the connection closed without a response once the hang ends.
  auto second = plainHttp(f.fake.imdsBaseUrl(), "PUT", "/latest/api/token", {{kTtl, "60"}}, std::chrono::seconds(5));
  CHECK_FALSE(second.timedOut);
  CHECK(second.status == 0);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(1500));
  auto third = plainHttp(f.fake.imdsBaseUrl(), "PUT", "/latest/api/token", {{kTtl, "60"}});
  CHECK(third.status == 200);
}

TEST_CASE("fake-aws: IMDS faults match by service imds and a prefix of METHOD path") {
  Fixture f;
  f.fake.setInstanceProfile(profile());
  fa::Fault fault;
  fault.service = "imds";
  fault.action = "GET " + kCreds;
  fault.status = 500;
  f.fake.addFault(fault);
  const std::string t = token(f);
  CHECK(plainHttp(f.fake.imdsBaseUrl(), "GET", kCreds + "rotator", {{kToken, t}}).status == 500);
  CHECK(plainHttp(f.fake.imdsBaseUrl(), "GET", kCreds + "rotator", {{kToken, t}}).status == 200);
  fa::Fault drop;
  drop.service = "imds";
  drop.action = "PUT";
  drop.drop = true;
  f.fake.addFault(drop);
  auto dropped = plainHttp(f.fake.imdsBaseUrl(), "PUT", "/latest/api/token", {{kTtl, "60"}});
  CHECK(dropped.status == 0);
  CHECK_FALSE(dropped.timedOut);
  auto log = f.fake.requests();
  REQUIRE_FALSE(log.empty());
  CHECK(log.back().service == "imds");
  CHECK(log.back().faulted);
  CHECK(log.back().status == 0);
}
