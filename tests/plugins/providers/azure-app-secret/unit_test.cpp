// Pure units: default endpoints per cloud, overrides, retry delays (no network).
#include "kr_azure/cloud.hpp"
#include "kr_azure/retry_policy.hpp"

#include <keeper_rotate/sdk.hpp>

#include <doctest/doctest.h>

using namespace std::chrono_literals;

TEST_CASE("azure cloud names map to the documented token authority and Graph root") {
  struct Row {
    const char* cloud;
    const char* authority;
    const char* graph;
  };
  const Row rows[] = {
      {"public", "https://login.microsoftonline.com", "https://graph.microsoft.com"},
      {"usgov", "https://login.microsoftonline.us", "https://graph.microsoft.us"},
      {"usgov-dod", "https://login.microsoftonline.us", "https://dod-graph.microsoft.us"},
      {"china", "https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.cloud);
    const auto e = kr_azure::cloudEndpoints(r.cloud);
    CHECK(e.authority == r.authority);
    CHECK(e.graph == r.graph);
    CHECK(e.tokenUrl("contoso.onmicrosoft.com") == std::string(r.authority) + "/contoso.onmicrosoft.com/oauth2/v2.0/token");
    CHECK(e.scope() == std::string(r.graph) + "/.default");
  }
  CHECK_THROWS_WITH_AS(kr_azure::cloudEndpoints("azure-germany"), doctest::Contains("azure_cloud"), keeper_rotate::Error);
}

TEST_CASE("azure endpoint overrides replace the cloud roots and must be https") {
  const auto e = kr_azure::resolveEndpoints("usgov", "https://proxy.example/login/", "");
  CHECK(e.authority == "https://proxy.example/login");
  CHECK(e.graph == "https://graph.microsoft.us");
  const auto g = kr_azure::resolveEndpoints("public", "", "https://graph.example:8443");
  CHECK(g.graph == "https://graph.example:8443");
  CHECK_THROWS_WITH_AS(kr_azure::resolveEndpoints("public", "http://login.example", ""),
                       doctest::Contains("azure_authority_host"), keeper_rotate::Error);
  CHECK_THROWS_WITH_AS(kr_azure::resolveEndpoints("public", "", "https://graph.example?x=1"),
                       doctest::Contains("azure_graph_endpoint"), keeper_rotate::Error);
}

TEST_CASE("azure retry delays double with jitter, are capped, and Retry-After wins") {
  kr_azure::RetryPolicy p;
  p.baseDelay = 1000ms;
  p.maxDelay = 8000ms;
  for (int i = 0; i < 50; ++i) {
    const auto d1 = p.delayFor(1, std::nullopt);
    CHECK(d1 >= 500ms);
    CHECK(d1 <= 1000ms);
    const auto d3 = p.delayFor(3, std::nullopt);
    CHECK(d3 >= 2000ms);
    CHECK(d3 <= 4000ms);
    CHECK(p.delayFor(10, std::nullopt) <= 8000ms);
  }
  CHECK(p.delayFor(1, 17000ms) == 17000ms);
  CHECK(kr_azure::parseRetryAfter(std::string("7")) == 7000ms);
  CHECK_FALSE(kr_azure::parseRetryAfter(std::string("Wed, 21 Oct 2026 07:28:00 GMT")).has_value());
  CHECK_FALSE(kr_azure::parseRetryAfter(std::nullopt).has_value());
}

TEST_CASE("azure retry budget bounds attempts and total wait") {
  kr_azure::RetryPolicy p;
  p.maxAttempts = 4;
  p.baseDelay = 100ms;
  p.totalWaitBudget = 10000ms;
  std::vector<std::chrono::milliseconds> waits;
  kr_azure::RetryBudget b(p, [&](std::chrono::milliseconds d) { waits.push_back(d); });
  CHECK(b.waitBeforeRetry(std::nullopt));
  CHECK(b.waitBeforeRetry(std::nullopt));
  CHECK(b.waitBeforeRetry(std::nullopt));
  CHECK_FALSE(b.waitBeforeRetry(std::nullopt));
  CHECK(waits.size() == 3);
  kr_azure::RetryBudget tight(p, [&](std::chrono::milliseconds d) { waits.push_back(d); });
  CHECK_FALSE(tight.waitBeforeRetry(20000ms));  // a Retry-After beyond the budget ends the call instead of waiting
}
