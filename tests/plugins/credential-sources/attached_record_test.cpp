// attached-record: which records count as the admin record, and the errors an admin sees when it is wrong.
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

const char* const kAdminSecret = "adm~Q8fSecretValue.0123456789abcdefghij";
const char* const kOtherSecret = "oth~Z1xAnotherSecret.9876543210zyxwvuts";

Record pamUser() {
  return {{"uid", "USERuid0001"},
          {"title", "Target app secret"},
          {"application_object_id", "11111111-2222-3333-4444-555555555555"},
          {"client_secret", "target-current-secret-value"}};
}
Record pamConfig() { return {{"uid", "CFGuid0001"}, {"title", "Azure PAM"}, {"clientId", "cfg-client"}}; }
Record adminRecord(const char* uid, const char* title, const char* secret) {
  return {{"uid", uid},
          {"title", title},
          {"application_client_id", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"},
          {"client_secret", secret},
          {"tenant_id", "99999999-8888-7777-6666-555555555555"}};
}

void hostWith(InMemoryHost& h, const std::vector<Record>& records) {
  kr_test::azureHost(h);
  kr_test::serveInput(h, {{"userRecordUid", "USERuid0001"}, {"providerRecordUid", "CFGuid0001"}}, records);
}

void checkNoLeak(const InMemoryHost& h) {
  for (const char* s : {kAdminSecret, kOtherSecret, "target-current-secret-value"})
    CHECK(h.allOutput().find(s) == std::string::npos);
  CHECK_MESSAGE(kr_test::leaks(h).empty(), kr_test::leaks(h));
}

}  // namespace

TEST_CASE("attached-record takes the one attached admin record and marks its secret") {
  const auto p = loadPlugin("source", "attached-record");
  InMemoryHost h;
  hostWith(h, {pamConfig(), adminRecord("ADMINuid01", "Admin app", kAdminSecret), pamUser()});
  REQUIRE(resolve(p, h) == KR_OK);
  CHECK(h.credentials.at("client_id") == "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
  CHECK_FALSE(putSecret(h, "client_id"));
  CHECK(h.credentials.at("tenant_id") == "99999999-8888-7777-6666-555555555555");
  CHECK(h.credentials.at("client_secret") == kAdminSecret);
  CHECK(putSecret(h, "client_secret"));
  CHECK(h.logged("'Admin app' (uid ADMINuid01)"));
  checkNoLeak(h);
}

TEST_CASE("attached-record trims whitespace pasted around values") {
  const auto p = loadPlugin("source", "attached-record");
  auto admin = adminRecord("ADMINuid01", "Admin app", kAdminSecret);
  admin["tenant_id"] = "  99999999-8888-7777-6666-555555555555\n";
  InMemoryHost h;
  hostWith(h, {admin, pamUser()});
  REQUIRE(resolve(p, h) == KR_OK);
  CHECK(h.credentials.at("tenant_id") == "99999999-8888-7777-6666-555555555555");
}

TEST_CASE("attached-record never uses the PAM User record itself") {
  const auto p = loadPlugin("source", "attached-record");
  // The PAM User of an app that rotates itself carries all three labels; it is still not an attached record.
  auto self = adminRecord("USERuid0001", "Self-rotating admin", kAdminSecret);
  InMemoryHost h;
  hostWith(h, {pamConfig(), self});
  CHECK(resolve(p, h) == KR_ERR_UNAVAILABLE);
  CHECK(h.credentials.empty());
}

TEST_CASE("attached-record is unavailable when only the PAM User and other records are present") {
  const auto p = loadPlugin("source", "attached-record");
  // Another rotated PAM User carries client_secret but no admin labels: not a candidate.
  Record otherUser{{"uid", "OTHERuser1"}, {"title", "Other app"}, {"client_secret", kOtherSecret}};
  InMemoryHost h;
  hostWith(h, {pamConfig(), otherUser, pamUser()});
  CHECK(resolve(p, h) == KR_ERR_UNAVAILABLE);
  CHECK(errorCode(h) == "credential.unavailable");
  CHECK(errorMessage(h).find("tenant_id or application_client_id") != std::string::npos);
  CHECK(h.credentials.empty());
  checkNoLeak(h);
}

TEST_CASE("attached-record names the record and the missing labels of an incomplete admin record") {
  const auto p = loadPlugin("source", "attached-record");
  auto admin = adminRecord("ADMINuid01", "Admin app", kAdminSecret);
  admin.erase("client_secret");
  admin["tenant_id"] = "   ";  // blank counts as missing
  InMemoryHost h;
  hostWith(h, {admin, pamUser()});
  CHECK(resolve(p, h) == KR_ERR_CONFIG);
  CHECK(errorCode(h) == "credential.incomplete");
  CHECK(errorMessage(h).find("'Admin app' (uid ADMINuid01)") != std::string::npos);
  CHECK(errorMessage(h).find("'tenant_id' and 'client_secret'") != std::string::npos);
  CHECK(errorMessage(h).find("application_client_id") == std::string::npos);
  CHECK(h.credentials.empty());
}

TEST_CASE("attached-record refuses two attached admin records and names both") {
  const auto p = loadPlugin("source", "attached-record");
  InMemoryHost h;
  hostWith(h, {adminRecord("ADMINuid01", "Admin app", kAdminSecret),
                     adminRecord("ADMINuid02", "Second admin", kOtherSecret), pamUser()});
  CHECK(resolve(p, h) == KR_ERR_CONFIG);
  CHECK(errorCode(h) == "credential.ambiguous");
  CHECK(errorMessage(h).find("'Admin app' (uid ADMINuid01)") != std::string::npos);
  CHECK(errorMessage(h).find("'Second admin' (uid ADMINuid02)") != std::string::npos);
  CHECK(h.credentials.empty());
  checkNoLeak(h);
}

TEST_CASE("attached-record fails with a config error when the input has no userRecordUid") {
  const auto p = loadPlugin("source", "attached-record");
  InMemoryHost h;
  hostWith(h, {adminRecord("ADMINuid01", "Admin app", kAdminSecret)});
  h.inputs.erase("userRecordUid");
  CHECK(resolve(p, h) == KR_ERR_CONFIG);
  CHECK(errorCode(h) == "input.userRecordUid");
  CHECK(h.credentials.empty());
}
