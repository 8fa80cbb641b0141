// fake-entra's wire shapes that the official JS clients do not look at closely (docs/azure-graph.md §2.2, §2.3, §3.5,
// §3.6, §10): token error body fields and formats, Graph headers, innerError.date, 401 WWW-Authenticate,
// TooManyAppPasswords details, $select.
#include "fixture.hpp"

#include <Poco/JSON/Parser.h>

#include <doctest/doctest.h>

#include <ctime>
#include <regex>

using namespace azure_test;
namespace https = keeper_rotate::https;

namespace {

struct Wire {
  Fixture& f;
  https::Client http;
  explicit Wire(Fixture& fx) : f(fx), http(options(fx)) {}
  static https::Options options(Fixture& fx) {
    https::Options o;
    o.caFile = fx.ca.caCertFile();
    o.useProxyEnvironment = false;
    return o;
  }
  https::Response token(const std::string& tenant, const std::string& clientId, const std::string& secret) {
    https::Request r("POST", f.fake->baseUrl() + "/" + tenant + "/oauth2/v2.0/token");
    r.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    r.body = "grant_type=client_credentials&client_id=" + clientId + "&client_secret=" + https::formEncode(secret) +
             "&scope=" + https::formEncode(f.fake->baseUrl() + "/.default");
    return http.send(r);
  }
  std::string bearer() {
    auto res = token(f.tenantId, f.adminAppId, f.adminSecret);
    return Poco::JSON::Parser().parse(res.body).extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("access_token");
  }
  https::Response graph(const std::string& method, const std::string& path, const std::string& body,
                        const std::string& auth, const std::string& clientRequestId = "") {
    https::Request r(method, f.fake->baseUrl() + path);
    if (!auth.empty()) r.headers.emplace_back("Authorization", "Bearer " + auth);
    if (!clientRequestId.empty()) r.headers.emplace_back("client-request-id", clientRequestId);
    if (!body.empty()) {
      r.headers.emplace_back("Content-Type", "application/json");
      r.body = body;
    }
    return http.send(r);
  }
};

Poco::JSON::Object::Ptr parse(const std::string& s) {
  return Poco::JSON::Parser().parse(s).extract<Poco::JSON::Object::Ptr>();
}

/// now + days, rendered with milliseconds (Graph accepts 0-7 fractional digits).
std::string inDays(int days) {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + std::chrono::hours(24 * days));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.875Z", &tm);
  return buf;
}

const std::regex kGuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

}  // namespace

TEST_CASE("fake-entra token success and error bodies have Entra's exact fields and formats") {
  Fixture f;
  Wire w(f);
  auto ok = w.token(f.tenantId, f.adminAppId, f.adminSecret);
  CHECK(ok.status == 200);
  CHECK(ok.header("Cache-Control") == std::optional<std::string>("no-store, no-cache"));
  CHECK(ok.header("Pragma") == std::optional<std::string>("no-cache"));
  CHECK(ok.header("Expires") == std::optional<std::string>("-1"));
  CHECK(ok.header("Content-Type") == std::optional<std::string>("application/json; charset=utf-8"));
  CHECK(std::regex_match(ok.header("x-ms-request-id").value_or(""), kGuid));
  auto body = parse(ok.body);
  CHECK(body->getValue<std::string>("token_type") == "Bearer");
  CHECK(body->getValue<int>("expires_in") == 3599);
  CHECK(body->getValue<int>("ext_expires_in") == 3599);

  auto bad = w.token(f.tenantId, f.adminAppId, "not-the-secret");
  CHECK(bad.status == 401);
  auto e = parse(bad.body);
  CHECK(e->getValue<std::string>("error") == "invalid_client");
  CHECK(e->getArray("error_codes")->getElement<int>(0) == 7000215);
  const std::string desc = e->getValue<std::string>("error_description");
  CHECK(std::regex_search(desc, std::regex(R"(^AADSTS7000215: .*client secret value, not the client secret ID.*\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$)")));
  CHECK(std::regex_match(e->getValue<std::string>("timestamp"), std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ)")));
  CHECK(std::regex_match(e->getValue<std::string>("trace_id"), kGuid));
  CHECK(std::regex_match(e->getValue<std::string>("correlation_id"), kGuid));
  CHECK(e->getValue<std::string>("error_uri") == "https://login.microsoftonline.com/error?code=7000215");

  auto tenant = w.token("0badbadb-0000-4000-8000-000000000000", f.adminAppId, f.adminSecret);
  CHECK(tenant.status == 400);
  CHECK(parse(tenant.body)->getValue<std::string>("error") == "invalid_tenant");
  auto client = w.token(f.tenantId, "0badbadb-0000-4000-8000-000000000000", f.adminSecret);
  CHECK(client.status == 400);
  CHECK(parse(client.body)->getValue<std::string>("error") == "unauthorized_client");
  auto missing = w.token(f.tenantId, f.adminAppId, "");
  CHECK(missing.status == 400);
  CHECK(parse(missing.body)->getArray("error_codes")->getElement<int>(0) == 7000218);
}

TEST_CASE("fake-entra Graph headers, innerError date, 401 challenge and select") {
  Fixture f;
  Wire w(f);
  auto none = w.graph("GET", "/v1.0/applications/" + f.targetObjectId, "", "");
  CHECK(none.status == 401);
  CHECK(none.header("WWW-Authenticate").value_or("").rfind("Bearer realm=\"\", authorization_uri=", 0) == 0);
  auto err = parse(none.body)->getObject("error");
  CHECK(err->getValue<std::string>("code") == "InvalidAuthenticationToken");
  CHECK(err->getValue<std::string>("message") == "Access token is empty.");
  auto inner = err->getObject("innerError");
  CHECK(std::regex_match(inner->getValue<std::string>("date"), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)")));
  CHECK(std::regex_match(inner->getValue<std::string>("request-id"), kGuid));
  CHECK(w.graph("GET", "/v1.0/applications/" + f.targetObjectId, "", "garbage").status == 401);

  const std::string token = w.bearer();
  auto app = w.graph("GET", "/v1.0/applications/" + f.targetObjectId + "?$select=id,passwordCredentials", "", token,
                     "6c1e4ac0-0000-4000-8000-00000000c11e");
  CHECK(app.status == 200);
  CHECK(app.header("client-request-id") == std::optional<std::string>("6c1e4ac0-0000-4000-8000-00000000c11e"));
  CHECK(std::regex_match(app.header("request-id").value_or(""), kGuid));
  CHECK(app.header("x-ms-ags-diagnostic").has_value());
  CHECK(app.header("Content-Type").value_or("").rfind("application/json;odata.metadata=minimal", 0) == 0);
  auto o = parse(app.body);
  CHECK(o->has("id"));
  CHECK_FALSE(o->has("appId"));  // $select honoured
  auto cred = o->getArray("passwordCredentials")->getObject(0);
  CHECK(cred->get("secretText").isEmpty());
  CHECK(cred->get("customKeyIdentifier").isEmpty());
  CHECK(std::regex_match(cred->getValue<std::string>("startDateTime"), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z)")));
  CHECK(std::regex_match(cred->getValue<std::string>("keyId"), kGuid));
}

TEST_CASE("fake-entra TooManyAppPasswords carries details and lifetime policy names its policy") {
  Fixture f({{"Application.ReadWrite.All"}, false, "AzureADandPersonalMicrosoftAccount", 2, 30});
  Wire w(f);
  const std::string token = w.bearer();
  auto tooMany = w.graph("POST", "/v1.0/applications/" + f.targetObjectId + "/addPassword",
                         R"({"passwordCredential":{"displayName":"x","endDateTime":"2099-01-01T00:00:00Z"}})", token);
  // The lifetime policy is checked before the count, as both would apply here.
  auto e = parse(tooMany.body)->getObject("error");
  CHECK(tooMany.status == 400);
  CHECK(e->getValue<std::string>("code") == "CredentialInvalidLifetimeAsPerAppPolicy");
  CHECK(std::regex_search(e->getValue<std::string>("message"), std::regex(R"(assigned policy '[0-9a-f-]{36}'\.$)")));
  auto count = w.graph("POST", "/v1.0/applications/" + f.targetObjectId + "/addPassword",
                       R"({"passwordCredential":{"displayName":"x","endDateTime":")" + inDays(10) + R"("}})", token);
  e = parse(count.body)->getObject("error");
  CHECK(e->getValue<std::string>("code") == "TooManyAppPasswords");
  CHECK(e->getValue<std::string>("message") == "Not allowed to add 3 passwords. You can only add a maximum of 2 passwords.");
  auto details = e->getArray("details")->getObject(0);
  CHECK(details->getValue<std::string>("target") == "passwordCredentials");
}

TEST_CASE("fake-entra admin API: seed, faults, propagation, state and request log over HTTPS") {
  Fixture f;
  Wire w(f);
  auto admin = [&](const std::string& method, const std::string& path, const std::string& body = "") {
    return w.graph(method, "/_fake/" + path, body, "");
  };
  CHECK(admin("POST", "seed", R"({"tenants":[{"id":"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee","apps":[{"id":"aaaaaaaa-0000-4000-8000-000000000009","appId":"bbbbbbbb-0000-4000-8000-000000000009","passwords":[{"keyId":"cccccccc-0000-4000-8000-000000000009","displayName":"seeded"}]}]}]})").status == 204);
  auto state = admin("GET", "state");
  CHECK(state.status == 200);
  CHECK(state.body.find("cccccccc-0000-4000-8000-000000000009") != std::string::npos);
  CHECK(state.body.find(f.adminSecret) == std::string::npos);  // never secret values
  CHECK(state.body.find("secretText") == std::string::npos);

  CHECK(admin("POST", "faults", R"({"method":"POST","pathContains":"/oauth2/","status":429,"headers":{"Retry-After":"3"}})").status == 204);
  auto throttled = w.token(f.tenantId, f.adminAppId, f.adminSecret);
  CHECK(throttled.status == 429);
  CHECK(throttled.header("Retry-After") == std::optional<std::string>("3"));
  CHECK(w.token(f.tenantId, f.adminAppId, f.adminSecret).status == 200);  // the fault applied once

  CHECK(admin("POST", "propagation", R"({"rejectFirstAttempts":1})").status == 204);
  const std::string token = w.bearer();
  auto added = w.graph("POST", "/v1.0/applications/" + f.targetObjectId + "/addPassword", "{}", token);
  REQUIRE(added.status == 200);
  const std::string secret = parse(added.body)->getValue<std::string>("secretText");
  CHECK(parse(added.body)->get("displayName").isEmpty());  // no displayName sent: null
  CHECK(w.token(f.tenantId, f.targetAppId, secret).status == 401);  // not replicated yet
  CHECK(w.token(f.tenantId, f.targetAppId, secret).status == 200);

  auto log = admin("GET", "requests");
  CHECK(log.status == 200);
  CHECK(log.body.find("\"status\":429") != std::string::npos);
  CHECK(log.body.find(secret) == std::string::npos);
  CHECK(admin("DELETE", "requests").status == 204);
  CHECK(f.fake->requests().empty());
  CHECK(admin("POST", "expire-tokens").status == 204);
  CHECK(w.graph("GET", "/v1.0/applications/" + f.targetObjectId, "", token).status == 401);
}
