// SigV4 against AWS's published examples and AWS's signature test suite (sdk/docs/aws.md, "Signing", known
// answers), plus the helpers' encoding and ordering rules.
#include "keeper_rotate/aws/sigv4.hpp"

#include <keeper_rotate/https_client.hpp>

#include <doctest/doctest.h>

#include <ctime>

using namespace keeper_rotate::aws;

namespace {

constexpr const char* kKeyId = "AKIDEXAMPLE";
constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kDate = "20150830T123600Z";
constexpr const char* kEmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// The session token of AWS's test-suite case post-sts-header-before.
constexpr const char* kSuiteToken =
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuw"
    "thAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNV"
    "XAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA"
    "==";

std::chrono::system_clock::time_point exampleTime() {
  std::tm t{};
  t.tm_year = 2015 - 1900;
  t.tm_mon = 7;
  t.tm_mday = 30;
  t.tm_hour = 12;
  t.tm_min = 36;
  return std::chrono::system_clock::from_time_t(timegm(&t));
}

const SigningScope kIam{"us-east-1", "iam"};
const SigningScope kSuite{"us-east-1", "service"};

}  // namespace

TEST_CASE("aws sigv4: AWS's IAM ListUsers example - canonical request hash, signing key and signature") {
  Credentials creds(kKeyId, kSecret);
  RequestToSign request;
  request.method = "GET";
  request.path = "/";
  request.query = "Action=ListUsers&Version=2010-05-08";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                     {"Host", "iam.amazonaws.com"},
                     {"X-Amz-Date", kDate}};
  const SignatureParts parts = computeSignature(request, creds, kIam, kDate);
  CHECK(parts.canonicalRequest ==
        std::string("GET\n/\nAction=ListUsers&Version=2010-05-08\n"
                    "content-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\n"
                    "x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n") +
            kEmptyHash);
  CHECK(sha256Hex(parts.canonicalRequest) == "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  CHECK(parts.stringToSign ==
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
        "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  CHECK(toHex(signingKey(kSecret, "20150830", kIam)) ==
        "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
  CHECK(parts.signature == "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  CHECK(parts.signedHeaders == "content-type;host;x-amz-date");
  CHECK(parts.authorization ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, "
        "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST_CASE("aws sigv4: AWS test suite post-x-www-form-urlencoded") {
  Credentials creds(kKeyId, kSecret);
  RequestToSign request;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Host", "example.amazonaws.com"},
                     {"X-Amz-Date", kDate}};
  request.body = "Param1=value1";
  const SignatureParts parts = computeSignature(request, creds, kSuite, kDate);
  CHECK(parts.signedHeaders == "content-type;host;x-amz-date");
  CHECK(parts.signature == "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST_CASE("aws sigv4: AWS test suite post-sts-header-before - the session token is a signed header") {
  Credentials creds(kKeyId, kSecret, kSuiteToken);
  CHECK(creds.temporary());
  RequestToSign request;
  request.headers = {{"Host", "example.amazonaws.com"},
                     {"X-Amz-Date", kDate},
                     {"X-Amz-Security-Token", kSuiteToken}};
  const SignatureParts parts = computeSignature(request, creds, kSuite, kDate);
  CHECK(parts.signedHeaders == "host;x-amz-date;x-amz-security-token");
  CHECK(parts.signature == "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead");
}

TEST_CASE("aws sigv4: CreateAccessKey POST vector, and sign() on a Request gives the same Authorization") {
  const std::string body = "Action=CreateAccessKey&UserName=Bob&Version=2010-05-08";
  const std::string payloadHash = sha256Hex(body);
  CHECK(payloadHash.substr(0, 8) == "c4c1419c");
  CHECK(payloadHash.substr(payloadHash.size() - 6) == "641f7c");

  Credentials creds(kKeyId, kSecret);
  RequestToSign request;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                     {"Host", "iam.amazonaws.com"},
                     {"X-Amz-Date", kDate}};
  request.body = body;
  const SignatureParts parts = computeSignature(request, creds, kIam, kDate);
  CHECK(parts.signature == "02fe0f7a0fc51a42460b50006b54b8e5291427ac04987429ade7adecd61845d9");

  keeper_rotate::https::Request http("POST", "https://iam.amazonaws.com/");
  http.body = body;
  sign(http, creds, kIam, exampleTime());
  auto header = [&](const std::string& name) -> std::string {
    for (const auto& [k, v] : http.headers)
      if (k == name) return v;
    return "<absent>";
  };
  CHECK(header("Authorization") == parts.authorization);
  CHECK(header("Host") == "iam.amazonaws.com");
  CHECK(header("X-Amz-Date") == kDate);
  CHECK(header("Content-Type") == "application/x-www-form-urlencoded; charset=utf-8");
  CHECK(header("X-Amz-Security-Token") == "<absent>");

  // Signing again (a retry) replaces the signature headers instead of adding a second set.
  sign(http, creds, kIam, exampleTime() + std::chrono::seconds(1));
  int authorizations = 0;
  for (const auto& h : http.headers) authorizations += h.first == "Authorization" ? 1 : 0;
  CHECK(authorizations == 1);
  CHECK(header("X-Amz-Date") == "20150830T123601Z");
}

TEST_CASE("aws sigv4: sign() with temporary credentials, a non-default port and a caller's content type") {
  Credentials creds(kKeyId, kSecret, "token/with+chars");
  keeper_rotate::https::Request http("POST", "https://localhost:8443/?a=1");
  http.headers.emplace_back("content-type", "text/plain");
  http.body = "x";
  sign(http, creds, SigningScope{"us-west-2", "sts"}, exampleTime());
  std::string auth, host, token;
  int contentTypes = 0;
  for (const auto& [k, v] : http.headers) {
    if (k == "Authorization") auth = v;
    if (k == "Host") host = v;
    if (k == "X-Amz-Security-Token") token = v;
    if (k == "content-type" || k == "Content-Type") ++contentTypes;
  }
  CHECK(host == "localhost:8443");
  CHECK(token == "token/with+chars");
  CHECK(contentTypes == 1);
  auto parsed = parseAuthorization(auth);
  REQUIRE(parsed);
  CHECK(parsed->signedHeaders == std::vector<std::string>{"content-type", "host", "x-amz-date", "x-amz-security-token"});
  CHECK(parsed->region == "us-west-2");
  CHECK(parsed->service == "sts");

  // A server recomputes the same signature from what it received.
  RequestToSign received;
  received.query = "a=1";
  received.headers = {{"Content-Type", "text/plain"},
                      {"Host", "localhost:8443"},
                      {"X-Amz-Date", kDate},
                      {"X-Amz-Security-Token", "token/with+chars"}};
  received.body = "x";
  CHECK(computeSignature(received, creds, SigningScope{"us-west-2", "sts"}, kDate).signature == parsed->signature);

  // Default port: no ":443".
  keeper_rotate::https::Request plain("GET", "https://Sts.Example.com:443/");
  sign(plain, creds, SigningScope{"us-west-2", "sts"}, exampleTime());
  bool found = false;
  for (const auto& [k, v] : plain.headers)
    if (k == "Host") found = v == "sts.example.com";
  CHECK(found);
  for (const auto& [k, v] : plain.headers) CHECK(k != "Content-Type");  // no body, no content type added
}

TEST_CASE("aws sigv4: parseAuthorization round trip and refusals") {
  Credentials creds(kKeyId, kSecret);
  RequestToSign request;
  request.headers = {{"Host", "iam.amazonaws.com"}, {"X-Amz-Date", kDate}};
  const SignatureParts parts = computeSignature(request, creds, kIam, kDate);
  auto parsed = parseAuthorization(parts.authorization);
  REQUIRE(parsed);
  CHECK(parsed->accessKeyId == kKeyId);
  CHECK(parsed->date8 == "20150830");
  CHECK(parsed->region == "us-east-1");
  CHECK(parsed->service == "iam");
  CHECK(parsed->signedHeaders == std::vector<std::string>{"host", "x-amz-date"});
  CHECK(parsed->signature == parts.signature);

  CHECK_FALSE(parseAuthorization(""));
  CHECK_FALSE(parseAuthorization("AWS4-HMAC-SHA1 Credential=A/20150830/us-east-1/iam/aws4_request, "
                                 "SignedHeaders=host, Signature=" + parts.signature));
  CHECK_FALSE(parseAuthorization("AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/iam/aws4_request, "
                                 "SignedHeaders=host"));
  CHECK_FALSE(parseAuthorization("AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/iam, SignedHeaders=host, "
                                 "Signature=" + parts.signature));
  CHECK_FALSE(parseAuthorization("AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/iam/aws4_request, "
                                 "SignedHeaders=host, Signature=zz"));
  CHECK_FALSE(parseAuthorization("AWS4-HMAC-SHA256 Credential=A/2015083/us-east-1/iam/aws4_request, "
                                 "SignedHeaders=host, Signature=" + parts.signature));
}

TEST_CASE("aws sigv4: uriEncode - space, slash, tilde, plus and UTF-8") {
  CHECK(uriEncode("a b") == "a%20b");
  CHECK(uriEncode("a/b") == "a%2Fb");
  CHECK(uriEncode("a/b", true) == "a/b");
  CHECK(uriEncode("~-._AZaz09") == "~-._AZaz09");
  CHECK(uriEncode("a+b=c&d") == "a%2Bb%3Dc%26d");
  CHECK(uriEncode("\xC3\xA9") == "%C3%A9");  // é
  CHECK(uriEncode("*") == "%2A");
}

TEST_CASE("aws sigv4: canonicalQuery - sorted by name then value, decoded and re-encoded") {
  CHECK(canonicalQuery("") == "");
  CHECK(canonicalQuery("Version=2010-05-08&Action=ListUsers") == "Action=ListUsers&Version=2010-05-08");
  CHECK(canonicalQuery("b=2&a=2&a=1") == "a=1&a=2&b=2");
  CHECK(canonicalQuery("flag&a=") == "a=&flag=");
  CHECK(canonicalQuery("k=a%20b&j=x%2fy") == "j=x%2Fy&k=a%20b");
  CHECK(canonicalQuery("k=a b~") == "k=a%20b~");
  CHECK(canonicalQuery("k=%7E") == "k=~");
  CHECK(canonicalQuery("p=a+b") == "p=a%2Bb");  // '+' is a literal plus in SigV4, not a space
  CHECK(canonicalQuery("Param-3=Value3&Param=Value2&Param-1=Value1") ==
        "Param=Value2&Param-1=Value1&Param-3=Value3");
  CHECK(canonicalQuery("&&a=1&") == "a=1");
}

TEST_CASE("aws sigv4: helpers - sha256Hex, hmacSha256, amzDate, header value folding") {
  CHECK(sha256Hex("") == kEmptyHash);
  CHECK(toHex(hmacSha256("key", "The quick brown fox jumps over the lazy dog")) ==
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  CHECK(amzDate(exampleTime()) == kDate);

  Credentials creds(kKeyId, kSecret);
  RequestToSign spaced;
  spaced.headers = {{"Host", "  iam.amazonaws.com "}, {"X-Amz-Date", kDate}, {"My-Header", "  a   b  c "}};
  const auto parts = computeSignature(spaced, creds, kIam, kDate);
  CHECK(parts.canonicalRequest.find("my-header:a b c\n") != std::string::npos);
  CHECK(parts.canonicalRequest.find("host:iam.amazonaws.com\n") != std::string::npos);
  CHECK_THROWS_AS(computeSignature(spaced, creds, kIam, "2015-08-30"), std::invalid_argument);
}
