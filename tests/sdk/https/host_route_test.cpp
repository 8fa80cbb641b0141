// A Client inside a plugin operation sends through the host's https_send (ABI 1.4) when the host offers it: what it
// hands the host, how it reads the answer and the failure, and that it uses its own connections when the host has
// no such callback, declines, or no operation runs.
#include "keeper_rotate/https_client.hpp"

#include "https_server.hpp"
#include "test_ca.hpp"

#include <keeper_rotate/sdk.hpp>

#include <Poco/StreamCopier.h>
#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <vector>

using keeper_rotate::https::Client;
using keeper_rotate::https::Options;
using keeper_rotate::https::Request;
using keeper_rotate::https::TransportError;
using keeper_rotate::https::TransportFailure;

namespace {

// What the fake host saw of the last request, and what it answers.
struct Seen {
  int calls = 0;
  std::string method, url, body, caFile, userAgent;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> plainHosts;
  std::uint32_t flags = 0;
  std::uint64_t connectMs = 0, ioMs = 0;
  kr_status answer = KR_OK;
  std::uint32_t failure = KR_HTTPS_FAILURE_NONE;
};
Seen seen;

std::string str(const kr_view& v) { return v.data != nullptr ? std::string(v.data, v.size) : std::string(); }

kr_status fakeHttpsSend(kr_context*, const kr_https_request* r, kr_https_response* out) {
  ++seen.calls;
  seen.method = str(r->method);
  seen.url = str(r->url);
  seen.body = str(r->body);
  seen.caFile = str(r->ca_file);
  seen.userAgent = str(r->user_agent);
  seen.flags = r->flags;
  seen.connectMs = r->connect_timeout_ms;
  seen.ioMs = r->io_timeout_ms;
  seen.headers.clear();
  for (std::size_t i = 0; i < r->header_count; ++i)
    seen.headers.emplace_back(str(r->headers[i].name), str(r->headers[i].value));
  seen.plainHosts.clear();
  for (std::size_t i = 0; i < r->plain_http_host_count; ++i) seen.plainHosts.push_back(str(r->plain_http_hosts[i]));
  REQUIRE(out->struct_size == sizeof(kr_https_response));
  static const std::string reason = "Created", body = "the answer", message = "https://h: not the right certificate";
  static const std::string hName = "X-Answer", hValue = "42";
  static const kr_http_header header{{hName.data(), hName.size()}, {hValue.data(), hValue.size()}};
  if (seen.answer == KR_ERR_FAILED) {
    out->failure = seen.failure;
    out->failure_message = {message.data(), message.size()};
  } else if (seen.answer == KR_OK) {
    out->status = 201;
    out->reason = {reason.data(), reason.size()};
    out->headers = &header;
    out->header_count = 1;
    out->body = {body.data(), body.size()};
  }
  return seen.answer;
}

kr_host_api hostWith(bool offersHttps) {
  kr_host_api api{};
  api.struct_size = offersHttps ? sizeof(kr_host_api) : offsetof(kr_host_api, https_send);
  api.abi_major = KR_ABI_MAJOR;
  api.abi_minor = offersHttps ? KR_ABI_MINOR : 3;
  api.https_send = offersHttps ? &fakeHttpsSend : nullptr;  // past struct_size for the 1.3 host: never read
  return api;
}

int contextStorage = 0;
kr_context* fakeContext() { return reinterpret_cast<kr_context*>(&contextStorage); }

// A real TLS server on 127.0.0.1 that answers "direct <path>".
struct DirectServer {
  keeper_rotate::testsupport::TempDir dir;
  keeper_rotate::testsupport::TestCa ca = keeper_rotate::testsupport::TestCa::create(dir.path());
  keeper_rotate::testsupport::HttpsServer server{
      ca, [](Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res) {
        std::string ignored;
        Poco::StreamCopier::copyToString(req.stream(), ignored);
        const std::string reply = "direct " + req.getURI();
        res.setContentLength(static_cast<std::streamsize>(reply.size()));
        res.send() << reply;
      }};
  DirectServer() { server.start(); }
  Options trusting() const {
    Options o;
    o.caFile = ca.caCertFile();
    o.useProxyEnvironment = false;
    return o;
  }
};

}  // namespace

TEST_CASE("https host route: during an operation the request and its client settings go to the host") {
  seen = Seen();
  const kr_host_api api = hostWith(true);
  const keeper_rotate::detail::OperationScope scope(&api, fakeContext());
  Options options;
  options.caFile = "/no/such/ca-bundle.pem";  // loaded by the host, not here: constructing does not fail
  options.useProxyEnvironment = false;
  options.userAgent = "route-test/1";
  options.connectTimeout = std::chrono::milliseconds(1234);
  options.ioTimeout = std::chrono::milliseconds(5678);
  options.plainHttpHosts = {"169.254.169.254"};
  Client client(options);
  Request request("POST", "https://graph.example.test/v1.0/applications/1/addPassword");
  request.headers = {{"Authorization", "Bearer token-value"}, {"Content-Type", "application/json"}};
  request.body = R"({"passwordCredential":{}})";
  request.ioTimeout = std::chrono::milliseconds(99);
  const auto response = client.send(request);
  CHECK(seen.calls == 1);
  CHECK(seen.method == "POST");
  CHECK(seen.url == request.url);
  CHECK(seen.body == request.body);
  CHECK(seen.headers == request.headers);
  CHECK(seen.caFile == options.caFile);
  CHECK(seen.userAgent == "route-test/1");
  CHECK(seen.flags == KR_HTTPS_NO_PROXY);
  CHECK(seen.connectMs == 1234);
  CHECK(seen.ioMs == 99);  // the request's own budget wins over the client's
  CHECK(seen.plainHosts == std::vector<std::string>{"169.254.169.254"});
  CHECK(response.status == 201);
  CHECK(response.reason == "Created");
  CHECK(response.body == "the answer");
  REQUIRE(response.header("x-answer"));
  CHECK(*response.header("x-answer") == "42");
}

TEST_CASE("https host route: a failure the host reports is the same TransportError kind and message") {
  seen = Seen();
  seen.answer = KR_ERR_FAILED;
  seen.failure = KR_HTTPS_FAILURE_HOST_NAME;
  const kr_host_api api = hostWith(true);
  const keeper_rotate::detail::OperationScope scope(&api, fakeContext());
  Client client;
  try {
    (void)client.send(Request("GET", "https://login.example.test/x"));
    FAIL("no exception");
  } catch (const TransportError& e) {
    CHECK(e.kind() == TransportFailure::HostName);
    CHECK(e.permanent());
    CHECK(std::string(e.what()) == "https://h: not the right certificate");
  }
  seen.failure = KR_HTTPS_FAILURE_TIMEOUT;
  try {
    (void)client.send(Request("GET", "https://login.example.test/x"));
    FAIL("no exception");
  } catch (const TransportError& e) {
    CHECK(e.kind() == TransportFailure::Timeout);
    CHECK_FALSE(e.permanent());
  }
  // A request the client itself refuses never reaches the host.
  CHECK_THROWS_AS((void)client.send(Request("GET", "http://remote.example.test/")), TransportError);
  CHECK(seen.calls == 2);
}

TEST_CASE("https host route: own connections without an operation, with a 1.3 host, or when the host declines") {
  DirectServer direct;
  seen = Seen();
  const std::string url = direct.server.baseUrl() + "/own";
  {
    Client client(direct.trusting());  // no operation runs
    CHECK(client.send(Request("GET", url)).body == "direct /own");
  }
  {
    const kr_host_api old = hostWith(false);
    const keeper_rotate::detail::OperationScope scope(&old, fakeContext());
    Options broken;
    broken.caFile = "/no/such/ca-bundle.pem";
    CHECK_THROWS_AS(Client{broken}, TransportError);  // trust loaded at once, as without a host
    Client client(direct.trusting());
    CHECK(client.send(Request("GET", url)).body == "direct /own");
  }
  {
    seen.answer = KR_ERR_UNAVAILABLE;  // a host without a shared pool for this run
    const kr_host_api api = hostWith(true);
    const keeper_rotate::detail::OperationScope scope(&api, fakeContext());
    Client client(direct.trusting());
    CHECK(client.send(Request("GET", url)).body == "direct /own");
    CHECK(seen.calls == 1);
  }
  CHECK(seen.calls == 1);
  CHECK(keeper_rotate::detail::currentOperation.host == nullptr);  // every scope put back what it found
}
