// QueryClient against a loopback HTTPS server with the test CA: the server recomputes every request's SigV4
// signature and answers scripted responses; a fake Sleeper records the retry delays instead of sleeping
// (sdk/docs/aws.md, "Errors and retries").
#include "keeper_rotate/aws/query_client.hpp"

#include <keeper_rotate/https_client.hpp>

#include "https_server.hpp"
#include "test_ca.hpp"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/StreamCopier.h>
#include <doctest/doctest.h>

#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>

using namespace keeper_rotate::aws;
using keeper_rotate::testsupport::HttpsServer;
using keeper_rotate::testsupport::TempDir;
using keeper_rotate::testsupport::TestCa;

namespace {

constexpr const char* kKeyId = "AKIDEXAMPLE";
constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

struct Step {
  int status = 200;
  std::string body;
  std::string retryAfter;     // Retry-After header when not empty
  bool truncate = false;      // announce more bytes than sent: the client sees the connection drop mid-response
};

Step ok(const std::string& action) {
  return {200, "<" + action + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><" + action +
                   "Result><Arn>arn:aws:iam::123456789012:user/Bob</Arn></" + action + "Result><ResponseMetadata>"
                   "<RequestId>req-ok</RequestId></ResponseMetadata></" + action + "Response>",
          "", false};
}

Step error(int status, const std::string& code, const std::string& type = "Sender") {
  return {status,
          "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>" + type + "</Type><Code>" +
              code + "</Code><Message>scripted " + code + "</Message></Error><RequestId>req-" + code +
              "</RequestId></ErrorResponse>",
          "", false};
}

std::string formDecode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::map<std::string, std::string> formFields(const std::string& body) {
  std::map<std::string, std::string> fields;
  std::size_t start = 0;
  while (start < body.size()) {
    std::size_t end = body.find('&', start);
    if (end == std::string::npos) end = body.size();
    const std::string item = body.substr(start, end - start);
    const auto eq = item.find('=');
    fields[formDecode(item.substr(0, eq))] = eq == std::string::npos ? "" : formDecode(item.substr(eq + 1));
    start = end + 1;
  }
  return fields;
}

// What the server saw of one request.
struct Seen {
  bool signatureOk = false;
  std::vector<std::string> signedHeaders;
  std::string amzDate;
  std::string securityToken;
  std::map<std::string, std::string> form;
  std::string contentType;
};

struct FakeQueryServer {
  TempDir dir{"aws-query-test"};
  TestCa ca = TestCa::create(dir.path());
  std::mutex mutex;
  std::deque<Step> script;
  std::vector<Seen> seen;
  std::string expectedToken;
  HttpsServer server{ca, [this](Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res) {
                       handle(req, res);
                     }};

  FakeQueryServer() { server.start(); }

  void handle(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res) {
    std::string body;
    Poco::StreamCopier::copyToString(req.stream(), body);
    Seen s;
    s.form = formFields(body);
    s.amzDate = req.get("X-Amz-Date", "");
    s.securityToken = req.get("X-Amz-Security-Token", "");
    s.contentType = req.get("Content-Type", "");
    if (auto parsed = parseAuthorization(req.get("Authorization", ""))) {
      s.signedHeaders = parsed->signedHeaders;
      RequestToSign toSign;
      toSign.method = req.getMethod();
      const std::string uri = req.getURI();
      const auto q = uri.find('?');
      toSign.path = uri.substr(0, q);
      toSign.query = q == std::string::npos ? "" : uri.substr(q + 1);
      for (const auto& name : parsed->signedHeaders) toSign.headers.emplace_back(name, req.get(name, ""));
      toSign.body = body;
      Credentials creds(kKeyId, kSecret, expectedToken);
      const auto parts = computeSignature(toSign, creds, SigningScope{parsed->region, parsed->service}, s.amzDate);
      s.signatureOk = parsed->accessKeyId == kKeyId && parsed->region == "us-east-1" && parsed->service == "sts" &&
                      parsed->date8 == s.amzDate.substr(0, 8) && parts.signature == parsed->signature;
    }
    Step step;
    {
      std::lock_guard<std::mutex> lock(mutex);
      seen.push_back(std::move(s));
      if (!script.empty()) {
        step = script.front();
        script.pop_front();
      } else {
        step = {599, "script exhausted", "", false};
      }
    }
    res.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(step.status));
    res.setContentType("text/xml");
    if (!step.retryAfter.empty()) res.set("Retry-After", step.retryAfter);
    if (step.truncate) {
      res.setKeepAlive(false);  // the server closes the connection after these few bytes
      res.setContentLength(1000);
      res.send() << "<partial";
      return;
    }
    res.setContentLength(static_cast<std::streamsize>(step.body.size()));
    res.send() << step.body;
  }

  std::size_t requests() {
    std::lock_guard<std::mutex> lock(mutex);
    return seen.size();
  }

  keeper_rotate::https::Options options() const {
    keeper_rotate::https::Options o;
    o.caFile = ca.caCertFile();
    o.useProxyEnvironment = false;
    o.connectTimeout = std::chrono::seconds(5);
    o.ioTimeout = std::chrono::seconds(5);
    return o;
  }
  Service service() const { return Service{server.baseUrl(), "2011-06-15", SigningScope{"us-east-1", "sts"}}; }
};

// One client per test with a recording sleeper and log.
struct Harness {
  FakeQueryServer fake;
  keeper_rotate::https::Client http{fake.options()};
  std::vector<std::chrono::milliseconds> delays;
  std::vector<std::string> logLines;

  QueryClient client(RetryPolicy policy = {}) {
    return QueryClient(
        http, fake.service(), policy, [this](std::chrono::milliseconds d) { delays.push_back(d); },
        [this](const std::string& line) { logLines.push_back(line); });
  }
  void play(std::initializer_list<Step> steps) {
    std::lock_guard<std::mutex> lock(fake.mutex);
    fake.script.insert(fake.script.end(), steps.begin(), steps.end());
  }
  bool allSigned() {
    std::lock_guard<std::mutex> lock(fake.mutex);
    for (const auto& s : fake.seen)
      if (!s.signatureOk) return false;
    return !fake.seen.empty();
  }
};

RetryPolicy quickPolicy(int attempts = 5) {
  RetryPolicy p;
  p.maxAttempts = attempts;
  p.baseDelay = std::chrono::milliseconds(100);
  p.maxDelay = std::chrono::milliseconds(1000);
  p.totalWaitBudget = std::chrono::milliseconds(60000);
  return p;
}

}  // namespace

TEST_CASE("aws query client: a signed form POST, parameters form-encoded, the result root returned") {
  Harness h;
  h.play({ok("GetCallerIdentity")});
  Credentials creds(kKeyId, kSecret);
  const std::string tricky = "a/b+c=d&e f%~";
  XmlElement root = h.client().call("GetCallerIdentity", {{"UserName", "Bob"}, {"Odd Key", tricky}}, creds);
  CHECK(root.name == "GetCallerIdentityResponse");
  CHECK(root.textOf("GetCallerIdentityResult/Arn") == "arn:aws:iam::123456789012:user/Bob");
  REQUIRE(h.fake.seen.size() == 1);
  const Seen& s = h.fake.seen[0];
  CHECK(s.signatureOk);
  CHECK(s.signedHeaders == std::vector<std::string>{"content-type", "host", "x-amz-date"});
  CHECK(s.contentType == "application/x-www-form-urlencoded; charset=utf-8");
  CHECK(s.form.at("Action") == "GetCallerIdentity");
  CHECK(s.form.at("Version") == "2011-06-15");
  CHECK(s.form.at("UserName") == "Bob");
  CHECK(s.form.at("Odd Key") == tricky);
  CHECK(s.securityToken.empty());
  CHECK(h.delays.empty());
  CHECK(h.logLines.empty());
}

TEST_CASE("aws query client: the server's signature check fails for a request signed with another secret") {
  Harness h;
  h.play({ok("GetCallerIdentity")});
  Credentials wrong(kKeyId, "not-the-secret");
  h.client().call("GetCallerIdentity", {}, wrong);
  REQUIRE(h.fake.seen.size() == 1);
  CHECK_FALSE(h.fake.seen[0].signatureOk);
  CHECK_FALSE(h.allSigned());
}

TEST_CASE("aws query client: temporary credentials sign X-Amz-Security-Token") {
  Harness h;
  h.fake.expectedToken = "FwoGZXIvYXdzE/session+token==";
  h.play({ok("GetCallerIdentity")});
  Credentials creds(kKeyId, kSecret, h.fake.expectedToken);
  h.client().call("GetCallerIdentity", {}, creds);
  REQUIRE(h.fake.seen.size() == 1);
  CHECK(h.fake.seen[0].signatureOk);
  CHECK(h.fake.seen[0].securityToken == h.fake.expectedToken);
  CHECK(h.fake.seen[0].signedHeaders ==
        std::vector<std::string>{"content-type", "host", "x-amz-date", "x-amz-security-token"});
}

TEST_CASE("aws query client: LimitExceeded 409 is a ServiceError at once, never retried") {
  Harness h;
  h.play({error(409, "LimitExceeded"), ok("CreateAccessKey")});
  Credentials creds(kKeyId, kSecret);
  auto client = h.client(quickPolicy());
  try {
    client.call("CreateAccessKey", {{"UserName", "Bob"}}, creds, false);
    FAIL("expected a ServiceError");
  } catch (const ServiceError& e) {
    CHECK(e.httpStatus() == 409);
    CHECK(e.code() == "LimitExceeded");
    CHECK(e.serviceMessage() == "scripted LimitExceeded");
    CHECK(e.requestId() == "req-LimitExceeded");
    CHECK(e.action() == "CreateAccessKey");
    CHECK(std::string(e.what()).find("LimitExceeded") != std::string::npos);
  }
  CHECK(h.fake.requests() == 1);
  CHECK(h.delays.empty());
}

TEST_CASE("aws query client: Throttling 400 then success is retried, even for a non-idempotent call") {
  Harness h;
  h.play({error(400, "Throttling"), ok("CreateAccessKey")});
  Credentials creds(kKeyId, kSecret);
  XmlElement root = h.client(quickPolicy()).call("CreateAccessKey", {{"UserName", "Bob"}}, creds, false);
  CHECK(root.name == "CreateAccessKeyResponse");
  CHECK(h.fake.requests() == 2);
  CHECK(h.allSigned());
  REQUIRE(h.delays.size() == 1);
  CHECK(h.delays[0] <= std::chrono::milliseconds(100));
  REQUIRE(h.logLines.size() == 1);
  CHECK(h.logLines[0].find("CreateAccessKey") != std::string::npos);
  CHECK(h.logLines[0].find("Throttling") != std::string::npos);
  CHECK(h.logLines[0].find("attempt 1 of 5") != std::string::npos);
  CHECK(h.logLines[0].find(" ms") != std::string::npos);
  CHECK(h.logLines[0].find("scripted") == std::string::npos);  // never the body
}

TEST_CASE("aws query client: every throttling code is retried") {
  for (const char* code : {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
                           "RequestThrottled", "SlowDown"}) {
    CAPTURE(code);
    Harness h;
    h.play({error(400, code), ok("ListAccessKeys")});
    Credentials creds(kKeyId, kSecret);
    CHECK(h.client(quickPolicy()).call("ListAccessKeys", {}, creds).name == "ListAccessKeysResponse");
    CHECK(h.fake.requests() == 2);
  }
}

TEST_CASE("aws query client: 500 again and again - idempotent retried to maxAttempts, then the ServiceError") {
  Harness h;
  h.play({error(500, "ServiceFailure", "Receiver"), error(502, "ServiceFailure", "Receiver"),
          error(503, "ServiceUnavailable", "Receiver"), ok("ListAccessKeys")});
  Credentials creds(kKeyId, kSecret);
  try {
    h.client(quickPolicy(3)).call("ListAccessKeys", {{"UserName", "Bob"}}, creds);
    FAIL("expected a ServiceError");
  } catch (const ServiceError& e) {
    CHECK(e.httpStatus() == 503);
    CHECK(e.code() == "ServiceUnavailable");
    CHECK(e.transient());
  }
  CHECK(h.fake.requests() == 3);
  CHECK(h.allSigned());
  REQUIRE(h.delays.size() == 2);
  CHECK(h.delays[0] <= std::chrono::milliseconds(100));
  CHECK(h.delays[1] <= std::chrono::milliseconds(200));
  CHECK(h.logLines.size() == 2);
}

TEST_CASE("aws query client: 500 on a non-idempotent call is OutcomeUnknown after one request") {
  Harness h;
  h.play({error(500, "ServiceFailure", "Receiver"), ok("CreateAccessKey")});
  Credentials creds(kKeyId, kSecret);
  CHECK_THROWS_WITH_AS(h.client(quickPolicy()).call("CreateAccessKey", {{"UserName", "Bob"}}, creds, false),
                       doctest::Contains("ServiceFailure"), OutcomeUnknown);
  CHECK(h.fake.requests() == 1);
  CHECK(h.delays.empty());
}

TEST_CASE("aws query client: a dropped connection - non-idempotent OutcomeUnknown, idempotent retried") {
  Credentials creds(kKeyId, kSecret);
  {
    Harness h;
    h.play({Step{200, "", "", true}, ok("CreateAccessKey")});
    try {
      h.client(quickPolicy()).call("CreateAccessKey", {{"UserName", "Bob"}}, creds, false);
      FAIL("expected OutcomeUnknown");
    } catch (const OutcomeUnknown& e) {
      CHECK(std::string(e.what()).find("not repeated") != std::string::npos);
    }
    CHECK(h.fake.requests() == 1);
    CHECK(h.delays.empty());
  }
  {
    Harness h;
    h.play({Step{200, "", "", true}, ok("ListAccessKeys")});
    CHECK(h.client(quickPolicy()).call("ListAccessKeys", {}, creds).name == "ListAccessKeysResponse");
    CHECK(h.fake.requests() == 2);
    REQUIRE(h.logLines.size() == 1);
    CHECK(h.logLines[0].find("transport error") != std::string::npos);
  }
  {
    Harness h;
    h.play({Step{200, "", "", true}, Step{200, "", "", true}});
    CHECK_THROWS_WITH_AS(h.client(quickPolicy(2)).call("ListAccessKeys", {}, creds),
                         doctest::Contains("after 2 attempts"), Unreachable);
    CHECK(h.fake.requests() == 2);
  }
}

TEST_CASE("aws query client: nothing listening is Unreachable (idempotent) or OutcomeUnknown (not idempotent)") {
  TempDir dir{"aws-query-closed"};
  TestCa ca = TestCa::create(dir.path());
  std::string url;
  {
    HttpsServer gone(ca, [](Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse&) {});
    url = gone.baseUrl();
  }  // the port is closed again
  keeper_rotate::https::Options o;
  o.caFile = ca.caCertFile();
  o.useProxyEnvironment = false;
  keeper_rotate::https::Client http(o);
  std::vector<std::chrono::milliseconds> delays;
  QueryClient client(http, Service{url, "2011-06-15", {"us-east-1", "sts"}}, quickPolicy(3),
                     [&](std::chrono::milliseconds d) { delays.push_back(d); });
  Credentials creds(kKeyId, kSecret);
  CHECK_THROWS_AS(client.call("GetCallerIdentity", {}, creds), Unreachable);
  CHECK(delays.size() == 2);
  delays.clear();
  CHECK_THROWS_AS(client.call("CreateAccessKey", {}, creds, false), OutcomeUnknown);
  CHECK(delays.empty());
}

TEST_CASE("aws query client: the total wait budget ends the retries before maxAttempts") {
  Harness h;
  for (int i = 0; i < 60; ++i) h.play({error(503, "ServiceUnavailable", "Receiver")});
  RetryPolicy policy;
  policy.maxAttempts = 50;
  policy.baseDelay = std::chrono::milliseconds(1000);
  policy.maxDelay = std::chrono::milliseconds(20000);
  policy.totalWaitBudget = std::chrono::milliseconds(1500);
  Credentials creds(kKeyId, kSecret);
  CHECK_THROWS_AS(h.client(policy).call("ListAccessKeys", {}, creds), ServiceError);
  std::chrono::milliseconds total{0};
  for (auto d : h.delays) total += d;
  CHECK(total <= policy.totalWaitBudget);
  CHECK(h.fake.requests() < 50);
  CHECK(h.fake.requests() == h.delays.size() + 1);
}

TEST_CASE("aws query client: Retry-After is honoured, and one beyond the budget stops the retries") {
  Credentials creds(kKeyId, kSecret);
  {
    Harness h;
    Step throttled = error(400, "Throttling");
    throttled.retryAfter = "2";
    h.play({throttled, ok("ListAccessKeys")});
    CHECK(h.client(quickPolicy()).call("ListAccessKeys", {}, creds).name == "ListAccessKeysResponse");
    REQUIRE(h.delays.size() == 1);
    CHECK(h.delays[0] == std::chrono::milliseconds(2000));
    REQUIRE(h.logLines.size() == 1);
    CHECK(h.logLines[0].find("Retry-After") != std::string::npos);
  }
  {
    Harness h;
    Step throttled = error(503, "SlowDown");
    throttled.retryAfter = "120";
    h.play({throttled, ok("ListAccessKeys")});
    CHECK_THROWS_WITH_AS(h.client(quickPolicy()).call("ListAccessKeys", {}, creds), doctest::Contains("SlowDown"),
                         ServiceError);
    CHECK(h.fake.requests() == 1);
    CHECK(h.delays.empty());
  }
}

TEST_CASE("aws query client: an HTTP error without an ErrorResponse body is ServiceError HTTP<status>") {
  Credentials creds(kKeyId, kSecret);
  {
    Harness h;
    h.play({Step{403, "<html><body>Forbidden</body></html>", "", false}});
    try {
      h.client(quickPolicy()).call("GetCallerIdentity", {}, creds);
      FAIL("expected a ServiceError");
    } catch (const ServiceError& e) {
      CHECK(e.code() == "HTTP403");
      CHECK(e.httpStatus() == 403);
    }
    CHECK(h.fake.requests() == 1);
  }
  {
    Harness h;
    h.play({Step{502, "", "", false}, ok("GetCallerIdentity")});
    CHECK(h.client(quickPolicy()).call("GetCallerIdentity", {}, creds).name == "GetCallerIdentityResponse");
    CHECK(h.fake.requests() == 2);
    REQUIRE(h.logLines.size() == 1);
    CHECK(h.logLines[0].find("HTTP 502 HTTP502") != std::string::npos);
  }
}

TEST_CASE("aws query client: a 2xx that is not <ActionResponse> - ServiceError, or OutcomeUnknown when not idempotent") {
  Credentials creds(kKeyId, kSecret);
  Harness h;
  h.play({Step{200, "<html>captive portal</html>", "", false}, Step{200, "not xml", "", false}});
  CHECK_THROWS_WITH_AS(h.client(quickPolicy()).call("ListAccessKeys", {}, creds), doctest::Contains("InvalidResponse"),
                       ServiceError);
  CHECK_THROWS_AS(h.client(quickPolicy()).call("CreateAccessKey", {}, creds, false), OutcomeUnknown);
  CHECK(h.fake.requests() == 2);
}

TEST_CASE("aws query client: KEEPER_ROTATE_AWS_RETRY_BASE_MS shortens the base delay, never lengthens it") {
  const char* before = std::getenv("KEEPER_ROTATE_AWS_RETRY_BASE_MS");
  const std::string saved = before ? before : "";
  Credentials creds(kKeyId, kSecret);
  RetryPolicy policy = quickPolicy(3);
  policy.baseDelay = std::chrono::milliseconds(10000);
  policy.maxDelay = std::chrono::milliseconds(20000);
  {
    ::setenv("KEEPER_ROTATE_AWS_RETRY_BASE_MS", "1", 1);
    Harness h;
    h.play({error(500, "InternalFailure"), error(500, "InternalFailure"), ok("ListAccessKeys")});
    h.client(policy).call("ListAccessKeys", {}, creds);
    REQUIRE(h.delays.size() == 2);
    CHECK(h.delays[0] <= std::chrono::milliseconds(1));
    CHECK(h.delays[1] <= std::chrono::milliseconds(2));
  }
  {
    ::setenv("KEEPER_ROTATE_AWS_RETRY_BASE_MS", "50000", 1);
    Harness h;
    h.play({error(500, "InternalFailure"), ok("ListAccessKeys")});
    h.client(quickPolicy()).call("ListAccessKeys", {}, creds);
    REQUIRE(h.delays.size() == 1);
    CHECK(h.delays[0] <= std::chrono::milliseconds(100));
  }
  if (before)
    ::setenv("KEEPER_ROTATE_AWS_RETRY_BASE_MS", saved.c_str(), 1);
  else
    ::unsetenv("KEEPER_ROTATE_AWS_RETRY_BASE_MS");
}
