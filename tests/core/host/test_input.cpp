// Gateway input decoding, unit level: value shapes, duplicates, unknown keys, base64 variants, secrets.
#include "input/gateway_input.hpp"
#include "util/encoding.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <unistd.h>

using keeper_rotate::host::GatewayInput;
using keeper_rotate::host::InputError;
using keeper_rotate::host::decodeGatewayInput;
namespace util = keeper_rotate::host::util;

namespace {

std::string b64(const std::string& s) { return util::encodeBase64(s, false, true); }

std::string input(const std::string& recordsJson, const std::string& extra = "") {
  return "{\"providerRecordUid\":\"CFG\",\"userRecordUid\":\"U1\",\"newPassword\":\"n3w-Passw0rd\","
         "\"oldPassword\":\"0ld-Passw0rd\",\"user\":\"someone\"" +
         extra + ",\"records\":\"" + b64(recordsJson) + "\"}";
}

}  // namespace

TEST_CASE("input decoding: top-level keys, both value shapes, nested objects, unknown keys ignored") {
  std::string raw = b64(input(
      R"([{"uid":"U1","title":"App","application_object_id":["obj-1","ignored"],"expires":"2027",)"
      R"("host":{"hostName":"h","port":"22"},"hosts":[{"hostName":"a"}],"count":3,"flag":true,"nothing":null,)"
      R"("empty":[],"unknownKey":"kept as a field"}, {"uid":"C","title":"Cfg","clientId":"abc"}])",
      ",\"someFutureKey\":{\"x\":1}"));
  GatewayInput in;
  decodeGatewayInput(raw, in);
  CHECK(raw.empty());  // wiped
  CHECK(in.providerRecordUid == "CFG");
  CHECK(in.userRecordUid == "U1");
  CHECK(in.user == "someone");
  CHECK(in.newPassword.equals("n3w-Passw0rd"));
  CHECK(in.oldPassword.equals("0ld-Passw0rd"));
  REQUIRE(in.records.size() == 2);
  REQUIRE(in.pamUser != nullptr);
  CHECK(in.pamUser->title() == "App");
  CHECK(*in.pamUser->find("application_object_id") == "obj-1");
  CHECK(*in.pamUser->find("expires") == "2027");
  CHECK(*in.pamUser->find("host") == R"({"hostName":"h","port":"22"})");
  CHECK(*in.pamUser->find("hosts") == R"({"hostName":"a"})");
  CHECK(*in.pamUser->find("count") == "3");
  CHECK(*in.pamUser->find("flag") == "true");
  CHECK(in.pamUser->find("nothing") == nullptr);
  CHECK(in.pamUser->find("empty")->empty());
  CHECK(in.pamUser->find("Application_Object_Id") == nullptr);  // labels are case-sensitive
  CHECK(*in.records.byUid("C")->get("clientId") == "abc");
  CHECK(*in.records.at(1).get("title") == "Cfg");
}

TEST_CASE("input decoding: plain JSON, URL-safe base64 without padding, line-wrapped base64") {
  const std::string json = input(R"([{"uid":"U1","title":"???"}])");
  for (std::string raw : {json, util::encodeBase64(json, true, false), b64(json).insert(10, "\n") + "\n"}) {
    GatewayInput in;
    decodeGatewayInput(raw, in);
    CHECK(in.pamUser->title() == "???");
  }
}

TEST_CASE("input decoding: duplicate-suffixed keys are kept apart, a literal repeat keeps the first") {
  std::string raw = input(R"([{"uid":"U1","text":"a","text1":"b","text2":"c"}])");
  GatewayInput in;
  decodeGatewayInput(raw, in);
  CHECK(*in.pamUser->find("text") == "a");
  CHECK(*in.pamUser->find("text1") == "b");
  CHECK(*in.pamUser->find("text2") == "c");
}

TEST_CASE("input decoding: errors name what is wrong and never the values") {
  struct Case {
    std::string raw;
    const char* part;
  };
  const std::vector<Case> cases = {
      {"", "empty"},
      {"   \n", "empty"},
      {"abc$", "invalid base64 at offset 3"},
      {"QQ=A", "invalid base64"},
      {"QUJD", "not valid JSON"},
      {"{\"a\":", "not valid JSON"},
      {"\"str\"", "neither JSON nor valid base64"},
      {std::string(200000, '['), "not valid JSON"},  // nesting depth is bounded, no stack exhaustion
      {"{\"userRecordUid\":\"U1\",\"records\":7}", "JSON array, got number"},
      {"{\"userRecordUid\":\"\",\"records\":\"W10=\"}", "'userRecordUid' is empty"},
      {"{\"userRecordUid\":\"U1\",\"records\":\"" + b64("[{\"uid\":\"U1\",\"title\":5}]") + "\"}", "'title' must be"},
      {"{\"userRecordUid\":\"U1\",\"user\":false,\"records\":\"W10=\"}", "'user' must be a string, got boolean"},
      {"{\"userRecordUid\":\"U1\",\"oldPassword\":{\"a\":\"s3cr3t-value\"},\"records\":\"W10=\"}",
       "'oldPassword' must be a string, got object"},
  };
  for (auto c : cases) {
    GatewayInput in;
    std::string what;
    try {
      decodeGatewayInput(c.raw, in);
    } catch (const InputError& e) {
      what = e.what();
    }
    INFO("input: " << c.raw);
    CHECK_MESSAGE(what.find(c.part) != std::string::npos, what);
    CHECK(what.find("s3cr3t-value") == std::string::npos);
    CHECK(c.raw.empty());  // wiped on error paths too
  }
}

TEST_CASE("input decoding: the records may also arrive as an already-decoded array") {
  std::string raw = R"({"userRecordUid":"U1","records":[{"uid":"U1","title":"T"}]})";
  GatewayInput in;
  decodeGatewayInput(raw, in);
  CHECK(in.pamUser->title() == "T");
}

TEST_CASE("input reading: a file over the size cap is refused") {
  char path[] = "/tmp/kr-input-XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  const std::string big(2048, 'A');
  REQUIRE(::write(fd, big.data(), big.size()) == static_cast<ssize_t>(big.size()));
  ::close(fd);
  CHECK_THROWS_WITH_AS(keeper_rotate::host::readFileBounded(path, 1024), doctest::Contains("larger than 1024"),
                       InputError);
  CHECK(keeper_rotate::host::readFileBounded(path, 4096).size() == 2048);
  ::unlink(path);
}

TEST_CASE("base64 decoder: strictness") {
  CHECK(keeper_rotate::text::decodeBase64("QUJD").value() == "ABC");
  CHECK(keeper_rotate::text::decodeBase64("QUI=").value() == "AB");
  CHECK(keeper_rotate::text::decodeBase64("QUI").value() == "AB");
  CHECK(keeper_rotate::text::decodeBase64("-_8=").value() == keeper_rotate::text::decodeBase64("+/8=").value());
  CHECK_FALSE(keeper_rotate::text::decodeBase64("Q"));
  CHECK_FALSE(keeper_rotate::text::decodeBase64("QU=I"));
  CHECK_FALSE(keeper_rotate::text::decodeBase64("QUI==="));
  CHECK_FALSE(keeper_rotate::text::decodeBase64("QUI*"));
  for (const std::string& s : {std::string(), std::string("a"), std::string("ab"), std::string("abc"),
                             std::string("abcd"), std::string("\xff\xfe\x00\x01", 4)})
    CHECK(keeper_rotate::text::decodeBase64(util::encodeBase64(s, false, true)).value() == s);
}
