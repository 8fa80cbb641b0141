// Faults (status, code, raw body, delay, drop, afterHandling, service filter) as clients see them, and the admin
// API under /_fake/ that out-of-process tests and the demo use (tools/fake-aws/README.md).
#include "fixture.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>

using namespace fake_aws_test;

namespace {

Poco::JSON::Object::Ptr object(const std::string& json) {
  return Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
}

fa::Fault fault(const std::string& action, int status, const std::string& code = "") {
  fa::Fault f;
  f.action = action;
  f.status = status;
  f.code = code;
  return f;
}

}  // namespace

TEST_CASE("fake-aws: A Throttling fault answers 400 Throttling Rate exceeded, and a retrying client gets through") {
  Fixture f;
  f.fake.addFault(fault("ListAccessKeys", 400));
  auto res = f.post("iam", "ListAccessKeys", {{"UserName", "bob"}}, f.admin());
  CHECK(res.status == 400);
  CHECK(between(res.body, "Code") == "Throttling");
  CHECK(between(res.body, "Message") == "Rate exceeded");
  CHECK(between(res.body, "Type") == "Sender");
  CHECK(f.post("iam", "ListAccessKeys", {{"UserName", "bob"}}, f.admin()).status == 200);

  f.fake.addFault(fault("ListAccessKeys", 400, "Throttling"));
  aws::RetryPolicy retry;
  retry.maxAttempts = 3;
  auto iam = f.client("iam", retry);
  auto root = iam.call("ListAccessKeys", {{"UserName", "bob"}}, f.admin());
  CHECK(root.name == "ListAccessKeysResponse");
  const auto log = f.fake.requests();
  REQUIRE(log.size() == 4);
  CHECK(log[2].faulted);
  CHECK(log[2].errorCode == "Throttling");
  CHECK_FALSE(log[3].faulted);
}

TEST_CASE("fake-aws: A fault matches its action and service only, for `times` requests") {
  Fixture f;
  auto only = fault("GetCallerIdentity", 500);
  only.service = "sts";
  only.times = 2;
  f.fake.addFault(only);
  CHECK(f.post("iam", "ListAccessKeys", {}, f.admin()).status == 200);
  auto first = f.post("sts", "GetCallerIdentity", {}, f.admin());
  CHECK(first.status == 500);
  CHECK(between(first.body, "Code") == "ServiceFailure");
  CHECK(between(first.body, "Type") == "Receiver");
  CHECK(first.body.find("https://sts.amazonaws.com/doc/2011-06-15/") != std::string::npos);
  CHECK(f.post("sts", "GetCallerIdentity", {}, f.admin()).status == 500);
  CHECK(f.post("sts", "GetCallerIdentity", {}, f.admin()).status == 200);
  CHECK(f.fake.countRequests("sts", "GetCallerIdentity") == 3);
  CHECK(f.fake.countRequests("", "") == 4);
}

TEST_CASE("fake-aws: A fault with a raw body and headers is sent as it is") {
  Fixture f;
  auto raw = fault("ListAccessKeys", 503);
  raw.body = "<html>Service Unavailable</html>";
  raw.headers = {{"Retry-After", "1"}};
  f.fake.addFault(raw);
  auto res = f.post("iam", "ListAccessKeys", {}, f.admin());
  CHECK(res.status == 503);
  CHECK(res.body == "<html>Service Unavailable</html>");
  CHECK(res.header("Retry-After") == std::optional<std::string>("1"));
}

TEST_CASE("fake-aws: A dropped connection reaches the client as a transport error, and nothing happened") {
  Fixture f;
  auto drop = fault("CreateAccessKey", 0);
  drop.drop = true;
  f.fake.addFault(drop);
  CHECK_THROWS_AS(f.post("iam", "CreateAccessKey", {{"UserName", "bob"}}, f.admin()), https::TransportError);
  CHECK(f.fake.keys("bob").size() == 1);
  CHECK(f.fake.mutations() == 0);
  REQUIRE(f.fake.requests().size() == 1);
  CHECK(f.fake.requests()[0].status == 0);
}

TEST_CASE("fake-aws: afterHandling: the key is created, then the client sees a 500 or a dropped connection") {
  Fixture f;
  auto after = fault("CreateAccessKey", 500);
  after.afterHandling = true;
  f.fake.addFault(after);
  auto res = f.post("iam", "CreateAccessKey", {{"UserName", "bob"}}, f.admin());
  CHECK(res.status == 500);
  CHECK(between(res.body, "Code") == "ServiceFailure");
  CHECK(f.fake.keys("bob").size() == 2);
  CHECK(f.fake.mutations() == 1);
  // The SDK's client does not repeat a non-idempotent call whose outcome is unknown.
  f.fake.deleteKey("bob", f.fake.keys("bob")[1].accessKeyId);
  auto dropAfter = fault("CreateAccessKey", 0);
  dropAfter.drop = true;
  dropAfter.afterHandling = true;
  f.fake.addFault(dropAfter);
  aws::RetryPolicy retry;
  retry.maxAttempts = 3;
  auto iam = f.client("iam", retry);
  CHECK_THROWS_AS(iam.call("CreateAccessKey", {{"UserName", "bob"}}, f.admin(), false), aws::OutcomeUnknown);
  CHECK(f.fake.keys("bob").size() == 2);
  CHECK(f.fake.countRequests("iam", "CreateAccessKey") == 2);
}

TEST_CASE("fake-aws: A delay fault holds the answer, then the request is carried out normally") {
  Fixture f;
  auto slow = fault("GetCallerIdentity", 0);
  slow.delayMs = 300;
  f.fake.addFault(slow);
  const auto start = std::chrono::steady_clock::now();
  CHECK(f.post("sts", "GetCallerIdentity", {}, f.admin()).status == 200);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(300));
  f.fake.addFault(fault("", 500));
  f.fake.clearFaults();
  CHECK(f.post("sts", "GetCallerIdentity", {}, f.admin()).status == 200);
}

TEST_CASE("fake-aws: Admin API: state without secrets, key creation with its secret, key deletion") {
  Fixture f;
  auto state = f.adminCall("GET", "/_fake/state");
  REQUIRE(state.status == 200);
  CHECK(state.body.find(f.adminSecret) == std::string::npos);
  auto root = object(state.body);
  CHECK(root->getObject("account")->getValue<std::string>("accountId") == "123456789012");
  auto users = root->getArray("users");
  REQUIRE(users->size() == 3);
  CHECK(users->getObject(2)->getValue<std::string>("arn") == "arn:aws:iam::123456789012:user/staff/bob");
  CHECK(users->getObject(2)->getArray("keys")->getObject(0)->getValue<std::string>("accessKeyId") == f.bobKeyId);

  auto created = f.adminCall("POST", "/_fake/users/bob/keys", R"({"status":"Active"})");
  REQUIRE(created.status == 200);
  auto key = object(created.body);
  const aws::Credentials fresh(key->getValue<std::string>("accessKeyId"), key->getValue<std::string>("secretAccessKey"));
  CHECK(key->getValue<std::string>("userName") == "bob");
  CHECK(f.post("sts", "GetCallerIdentity", {}, fresh).status == 200);
  CHECK(f.adminCall("POST", "/_fake/users/bob/keys").status == 409);
  CHECK(f.adminCall("POST", "/_fake/users/nobody/keys").status == 404);
  CHECK(f.fake.stateJson().find(key->getValue<std::string>("secretAccessKey")) == std::string::npos);

  CHECK(f.adminCall("DELETE", "/_fake/users/bob/keys/" + fresh.accessKeyId).status == 204);
  CHECK(f.adminCall("DELETE", "/_fake/users/bob/keys/" + fresh.accessKeyId).status == 404);
  CHECK(f.fake.keys("bob").size() == 1);
  CHECK(f.fake.mutations() == 0);
  // Admin calls are not in the request log.
  CHECK(f.fake.countRequests("", "") == 1);
}

TEST_CASE("fake-aws: Admin API: faults, consistency, requests, seed, clock skew, sessions, instance profile") {
  Fixture f;
  CHECK(f.adminCall("POST", "/_fake/faults", R"([{"action":"ListAccessKeys","status":400,"times":1},
                                                 {"action":"GetUser","code":"ServiceFailure"}])").status == 204);
  auto throttled = f.post("iam", "ListAccessKeys", {}, f.admin());
  CHECK(between(throttled.body, "Code") == "Throttling");
  auto failed = f.post("iam", "GetUser", {}, f.admin());
  CHECK(failed.status == 500);
  CHECK(f.adminCall("POST", "/_fake/faults", R"({"status":500})").status == 204);
  CHECK(f.adminCall("DELETE", "/_fake/faults").status == 204);
  CHECK(f.post("iam", "GetUser", {}, f.admin()).status == 200);

  auto log = f.adminCall("GET", "/_fake/requests");
  REQUIRE(log.status == 200);
  auto entries = Poco::JSON::Parser().parse(log.body).extract<Poco::JSON::Array::Ptr>();
  REQUIRE(entries->size() == 3);
  CHECK(entries->getObject(0)->getValue<std::string>("errorCode") == "Throttling");
  CHECK(entries->getObject(0)->getValue<std::string>("accessKeyId") == f.adminKeyId);
  CHECK(f.adminCall("DELETE", "/_fake/requests").status == 204);
  CHECK(f.fake.requests().empty());

  CHECK(f.adminCall("POST", "/_fake/consistency", R"({"rejectFirstAttempts":1})").status == 204);
  auto iam = f.client("iam");
  auto root = iam.call("CreateAccessKey", {{"UserName", "bob"}}, f.admin(), false);
  const aws::Credentials fresh(root.textOf("CreateAccessKeyResult/AccessKey/AccessKeyId"),
                               root.textOf("CreateAccessKeyResult/AccessKey/SecretAccessKey"));
  CHECK(f.post("sts", "GetCallerIdentity", {}, fresh).status == 403);
  CHECK(f.post("sts", "GetCallerIdentity", {}, fresh).status == 200);
  CHECK(f.adminCall("POST", "/_fake/consistency", R"({"pattern":"xy"})").status == 400);

  CHECK(f.adminCall("POST", "/_fake/seed", R"({"users":[{"userName":"carol","permissions":["*"],
      "keys":[{"accessKeyId":"AKIACAROLFAKE0000001","secretAccessKey":"carolSecret"}]}]})").status == 204);
  CHECK(f.post("iam", "ListAccessKeys", {}, aws::Credentials("AKIACAROLFAKE0000001", "carolSecret")).status == 200);
  CHECK(f.adminCall("POST", "/_fake/seed", "not json").status == 400);
  CHECK(f.adminCall("POST", "/_fake/seed", R"({"users":[{"permissions":[]}]})").status == 400);

  CHECK(f.adminCall("POST", "/_fake/clock-skew", R"({"seconds":30})").status == 204);
  CHECK(f.post("sts", "GetCallerIdentity", {}, f.admin(), std::chrono::system_clock::now() - std::chrono::minutes(1))
            .status == 403);

  auto session = f.adminCall("POST", "/_fake/roles/rotator/sessions", R"({"sessionName":"demo"})");
  REQUIRE(session.status == 200);
  auto s = object(session.body);
  const aws::Credentials temp(s->getValue<std::string>("accessKeyId"), s->getValue<std::string>("secretAccessKey"),
                              s->getValue<std::string>("sessionToken"));
  CHECK(s->getValue<std::string>("arn") == "arn:aws:sts::123456789012:assumed-role/rotator/demo");
  CHECK(f.post("sts", "GetCallerIdentity", {}, temp).status == 200);
  CHECK(f.fake.stateJson().find(s->getValue<std::string>("sessionToken")) == std::string::npos);
  CHECK(f.adminCall("POST", "/_fake/expire-sessions").status == 204);
  CHECK(between(f.post("sts", "GetCallerIdentity", {}, temp).body, "Code") == "ExpiredToken");

  CHECK(f.adminCall("POST", "/_fake/instance-profile", R"({"roleName":"rotator","v2Only":false})").status == 204);
  auto listing = plainHttp(f.fake.imdsBaseUrl(), "GET", "/latest/meta-data/iam/security-credentials/", {});
  CHECK(listing.status == 200);
  CHECK(listing.body == "rotator");
  CHECK(f.adminCall("GET", "/_fake/nothing").status == 404);
}

TEST_CASE("fake-aws: Seeds: validation, generated ids and secrets, merge by name, setAccount") {
  Fixture f;
  CHECK_THROWS_AS(f.fake.loadSeed(R"({"account":{"accountId":"12"}})"), std::invalid_argument);
  CHECK_THROWS_AS(f.fake.loadSeed(R"({"account":{"partition":"aws-moon"}})"), std::invalid_argument);
  CHECK_THROWS_AS(f.fake.loadSeed(R"({"users":[{"userName":"x","keys":[{},{},{}]}]})"), std::invalid_argument);
  CHECK_THROWS_AS(f.fake.loadSeed(R"({"users":[{"userName":"x","keys":[{"status":"Expired"}]}]})"),
                  std::invalid_argument);
  CHECK_THROWS_AS(f.fake.loadSeed("[]"), std::invalid_argument);
  CHECK(f.fake.keys("bob").size() == 1);  // a refused seed changes nothing

  f.fake.loadSeed(R"({"users":[{"userName":"bob","keys":[{},{"status":"Inactive"}]}]})");
  const auto keys = f.fake.keys("bob");
  REQUIRE(keys.size() == 2);
  CHECK(keys[0].accessKeyId.rfind("AKIA", 0) == 0);
  CHECK(keys[0].secretAccessKey.size() == 40);
  CHECK(keys[1].status == "Inactive");
  CHECK(f.post("sts", "GetCallerIdentity", {}, aws::Credentials(keys[0].accessKeyId, keys[0].secretAccessKey))
            .status == 200);

  fa::Account gov;
  gov.accountId = "210987654321";
  gov.partition = "aws-us-gov";
  fa::User u;
  u.userName = "admin";
  u.permissions = {"*"};
  fa::AccessKey k;
  k.accessKeyId = "AKIAGOVFAKE000000001";
  k.secretAccessKey = "govSecret";
  u.keys.push_back(k);
  gov.users.push_back(u);
  f.fake.setAccount(gov);
  const aws::Credentials admin("AKIAGOVFAKE000000001", "govSecret");
  CHECK(f.post("iam", "GetUser", {}, admin).status == 403);  // signed for us-east-1
  auto ok = f.post("iam", "GetUser", {}, admin, std::chrono::system_clock::now(), "us-gov-west-1");
  CHECK(ok.status == 200);
  CHECK(between(ok.body, "Arn") == "arn:aws-us-gov:iam::210987654321:user/admin");
  CHECK(f.fake.keys("bob").empty());
}

TEST_CASE("fake-aws: Idle keep-alive connections of many clients do not delay a new client") {
  Fixture f;
  // Each client keeps its connection open after its request, as SDK client objects do.
  std::vector<std::unique_ptr<https::Client>> idle;
  https::Options o;
  o.caFile = f.ca.caCertFile();
  o.useProxyEnvironment = false;
  for (int i = 0; i < 20; ++i) {
    idle.push_back(std::make_unique<https::Client>(o));
    https::Request r("POST", f.fake.baseUrl() + "/");
    r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    r.body = "Action=GetCallerIdentity&Version=2011-06-15";
    aws::sign(r, f.admin(), aws::SigningScope{"us-east-1", "sts"});
    REQUIRE(idle.back()->send(r).status == 200);
  }
  const auto start = std::chrono::steady_clock::now();
  CHECK(f.post("sts", "GetCallerIdentity", {}, f.admin()).status == 200);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("fake-aws: faultsApplied counts a delayed request before it is answered") {
  Fixture f;
  auto held = fault("ListAccessKeys", 0);
  held.delayMs = 600;
  f.fake.addFault(held);
  CHECK(f.fake.faultsApplied() == 0);
  auto answer = std::async(std::launch::async,
                           [&] { return f.post("iam", "ListAccessKeys", {{"UserName", "bob"}}, f.admin()).status; });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (f.fake.faultsApplied() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(f.fake.faultsApplied() == 1);
  CHECK(answer.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout);  // still held
  CHECK(answer.get() == 200);
}
