// attached-record: which records count as the admin record, and the errors an admin sees when it is wrong.
#include "loaded_plugin.hpp"

#include <doctest/doctest.h>

using kr_test::FakeHost;
using kr_test::LoadedPlugin;
using kr_test::pluginPath;
using kr_test::Record;

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

FakeHost hostWith(std::vector<Record> records) {
  FakeHost h;
  h.inputs = {{"userRecordUid", "USERuid0001"}, {"providerRecordUid", "CFGuid0001"}};
  h.records = std::move(records);
  return h;
}

void checkNoLeak(const FakeHost& h) {
  for (const char* s : {kAdminSecret, kOtherSecret, "target-current-secret-value"})
    CHECK(h.allOutput().find(s) == std::string::npos);
}

}  // namespace

TEST_CASE("attached-record takes the one attached admin record and marks its secret") {
  LoadedPlugin p(pluginPath("source", "attached-record"));
  auto h = hostWith({pamConfig(), adminRecord("ADMINuid01", "Admin app", kAdminSecret), pamUser()});
  REQUIRE(p.resolve(h) == KR_OK);
  CHECK(h.credentials.at("client_id").value == "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
  CHECK(h.credentials.at("client_id").secret == false);
  CHECK(h.credentials.at("tenant_id").value == "99999999-8888-7777-6666-555555555555");
  CHECK(h.credentials.at("client_secret").value == kAdminSecret);
  CHECK(h.credentials.at("client_secret").secret == true);
  CHECK(h.logged("'Admin app' (uid ADMINuid01)"));
  checkNoLeak(h);
}

TEST_CASE("attached-record trims whitespace pasted around values") {
  LoadedPlugin p(pluginPath("source", "attached-record"));
  auto admin = adminRecord("ADMINuid01", "Admin app", kAdminSecret);
  admin["tenant_id"] = "  99999999-8888-7777-6666-555555555555\n";
  auto h = hostWith({admin, pamUser()});
  REQUIRE(p.resolve(h) == KR_OK);
  CHECK(h.credentials.at("tenant_id").value == "99999999-8888-7777-6666-555555555555");
}

TEST_CASE("attached-record never uses the PAM User record itself") {
  LoadedPlugin p(pluginPath("source", "attached-record"));
  // The PAM User of an app that rotates itself carries all three labels; it is still not an attached record.
  auto self = adminRecord("USERuid0001", "Self-rotating admin", kAdminSecret);
  auto h = hostWith({pamConfig(), self});
  CHECK(p.resolve(h) == KR_ERR_UNAVAILABLE);
  CHECK(h.credentials.empty());
}

TEST_CASE("attached-record is unavailable when only the PAM User and other records are present") {
  LoadedPlugin p(pluginPath("source", "attached-record"));
  // Another rotated PAM User carries client_secret but no admin labels: not a candidate.
  Record otherUser{{"uid", "OTHERuser1"}, {"title", "Other app"}, {"client_secret", kOtherSecret}};
  auto h = hostWith({pamConfig(), otherUser, pamUser()});
  CHECK(p.resolve(h) == KR_ERR_UNAVAILABLE);
  CHECK(h.errorCode == "credential.unavailable");
  CHECK(h.errorMessage.find("tenant_id or application_client_id") != std::string::npos);
  CHECK(h.credentials.empty());
  checkNoLeak(h);
}

TEST_CASE("attached-record names the record and the missing labels of an incomplete admin record") {
  LoadedPlugin p(pluginPath("source", "attached-record"));
  auto admin = adminRecord("ADMINuid01", "Admin app", kAdminSecret);
  admin.erase("client_secret");
  admin["tenant_id"] = "   ";  // blank counts as missing
  auto h = hostWith({admin, pamUser()});
  CHECK(p.resolve(h) == KR_ERR_CONFIG);
  CHECK(h.errorCode == "credential.incomplete");
  CHECK(h.errorMessage.find("'Admin app' (uid ADMINuid01)") != std::string::npos);
  CHECK(h.errorMessage.find("'tenant_id' and 'client_secret'") != std::string::npos);
  CHECK(h.errorMessage.find("application_client_id") == std::string::npos);
  CHECK(h.credentials.empty());
}

TEST_CASE("attached-record refuses two attached admin records and names both") {
  LoadedPlugin p(pluginPath("source", "attached-record"));
  auto h = hostWith({adminRecord("ADMINuid01", "Admin app", kAdminSecret),
                     adminRecord("ADMINuid02", "Second admin", kOtherSecret), pamUser()});
  CHECK(p.resolve(h) == KR_ERR_CONFIG);
  CHECK(h.errorCode == "credential.ambiguous");
  CHECK(h.errorMessage.find("'Admin app' (uid ADMINuid01)") != std::string::npos);
  CHECK(h.errorMessage.find("'Second admin' (uid ADMINuid02)") != std::string::npos);
  CHECK(h.credentials.empty());
  checkNoLeak(h);
}

TEST_CASE("attached-record fails with a config error when the input has no userRecordUid") {
  LoadedPlugin p(pluginPath("source", "attached-record"));
  auto h = hostWith({adminRecord("ADMINuid01", "Admin app", kAdminSecret)});
  h.inputs.erase("userRecordUid");
  CHECK(p.resolve(h) == KR_ERR_CONFIG);
  CHECK(h.errorCode == "input.userRecordUid");
  CHECK(h.credentials.empty());
}
