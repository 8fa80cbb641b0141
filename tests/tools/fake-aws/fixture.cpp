#include "fixture.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

namespace fake_aws_test {
namespace {

https::Options clientOptions(const std::string& caFile) {
  https::Options o;
  o.caFile = caFile;
  o.useProxyEnvironment = false;
  o.connectTimeout = std::chrono::seconds(5);
  o.ioTimeout = std::chrono::seconds(10);
  return o;
}

}  // namespace

Fixture::Fixture()
    : ca(keeper_rotate::testsupport::TestCa::create(dir.path())), fake(ca), http(clientOptions(ca.caCertFile())) {
  fake.loadSeed(R"({
    "account": {"accountId": ")" + accountId + R"(", "partition": "aws"},
    "users": [
      {"userName": "admin", "permissions": ["*"],
       "keys": [{"accessKeyId": ")" + adminKeyId + R"(", "secretAccessKey": ")" + adminSecret + R"("}]},
      {"userName": "reader", "permissions": ["iam:ListAccessKeys", "iam:GetUser"],
       "keys": [{"accessKeyId": ")" + readerKeyId + R"(", "secretAccessKey": ")" + readerSecret + R"("}]},
      {"userName": "bob", "path": "/staff/",
       "keys": [{"accessKeyId": ")" + bobKeyId + R"(", "secretAccessKey": ")" + bobSecret + R"(",
                 "createDate": "2026-01-02T03:04:05Z"}]}
    ],
    "roles": [{"roleName": "rotator", "permissions": ["iam:*"], "trustedUsers": ["admin"],
               "maxSessionDuration": 7200}]
  })");
  fake.start();
}

Fixture::~Fixture() { fake.stop(); }

aws::RetryPolicy Fixture::noRetry() {
  aws::RetryPolicy r;
  r.maxAttempts = 1;
  return r;
}

aws::QueryClient Fixture::client(const std::string& service, aws::RetryPolicy retry, const std::string& region) {
  aws::Service s;
  s.endpoint = fake.baseUrl();
  s.version = service == "sts" ? "2011-06-15" : "2010-05-08";
  s.scope = aws::SigningScope{region, service};
  return aws::QueryClient(http, s, retry, [](std::chrono::milliseconds) {});
}

std::string Fixture::formBody(const std::string& action, const std::string& version, const Params& params) {
  std::string body = "Action=" + https::formEncode(action) + "&Version=" + version;
  for (const auto& [k, v] : params) body += "&" + https::formEncode(k) + "=" + https::formEncode(v);
  return body;
}

https::Response Fixture::post(const std::string& service, const std::string& action, const Params& params,
                              const aws::Credentials& credentials, std::chrono::system_clock::time_point when,
                              const std::string& region) {
  https::Request r("POST", fake.baseUrl() + "/");
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  r.body = formBody(action, service == "sts" ? "2011-06-15" : "2010-05-08", params);
  return sendSigned(std::move(r), service, credentials, when, region);
}

https::Response Fixture::sendSigned(https::Request request, const std::string& service,
                                    const aws::Credentials& credentials, std::chrono::system_clock::time_point when,
                                    const std::string& region) {
  aws::sign(request, credentials, aws::SigningScope{region, service}, when);
  return http.send(request);
}

https::Response Fixture::adminCall(const std::string& method, const std::string& path, const std::string& body) {
  https::Request r(method, fake.baseUrl() + path);
  if (!body.empty()) {
    r.headers = {{"Content-Type", "application/json"}};
    r.body = body;
  }
  return http.send(r);
}

std::string between(const std::string& body, const std::string& tag) {
  const std::string open = "<" + tag + ">", close = "</" + tag + ">";
  const auto a = body.find(open);
  if (a == std::string::npos) return "";
  const auto b = body.find(close, a);
  if (b == std::string::npos) return "";
  return body.substr(a + open.size(), b - a - open.size());
}

PlainResponse plainHttp(const std::string& baseUrl, const std::string& method, const std::string& path,
                        const std::vector<std::pair<std::string, std::string>>& headers,
                        std::chrono::milliseconds timeout) {
  const Poco::URI uri(baseUrl);
  Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
  session.setTimeout(Poco::Timespan(static_cast<long>(timeout.count() / 1000), static_cast<long>(timeout.count() % 1000) * 1000));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [k, v] : headers) request.add(k, v);
  request.setContentLength(0);
  PlainResponse out;
  try {
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    out.status = static_cast<int>(response.getStatus());
    for (const auto& [k, v] : response) out.headers.emplace_back(k, v);
    Poco::StreamCopier::copyToString(in, out.body);
  } catch (const Poco::TimeoutException&) {
    out.timedOut = true;
  } catch (const Poco::Exception&) {
    out.status = 0;
  }
  return out;
}

}  // namespace fake_aws_test
