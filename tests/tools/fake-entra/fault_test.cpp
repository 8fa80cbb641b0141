// tools/fake-entra's Fault::queryContains (a fault for `$filter` reads only) and faultsApplied(), counted when a
// fault is picked, before its delay, so a test can tell a held request is in flight.
#include "fake_entra.hpp"

#include <keeper_rotate/https_client.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <thread>

namespace fe = keeper_rotate::fake_entra;
namespace https = keeper_rotate::https;

namespace {
struct Env {
  keeper_rotate::testsupport::TempDir dir{"fake-entra-fault"};
  keeper_rotate::testsupport::TestCa ca = keeper_rotate::testsupport::TestCa::create(dir.path() + "/ca");
  fe::FakeEntra fake{ca};
  Env() { fake.start(); }
  https::Client client() const {
    https::Options o;
    o.caFile = ca.caCertFile();
    o.useProxyEnvironment = false;
    return https::Client(o);
  }
  int get(const std::string& pathAndQuery) const {
    auto http = client();
    return http.send(https::Request("GET", fake.baseUrl() + pathAndQuery)).status;
  }
};
}  // namespace

TEST_CASE("fake-entra: a fault with queryContains hits only requests whose query contains it") {
  Env e;
  fe::Fault f;
  f.method = "GET";
  f.pathContains = "/v1.0/applications";
  f.queryContains = "filter";
  f.status = 503;
  f.times = 2;
  e.fake.addFault(f);
  CHECK(e.get("/v1.0/applications/3c3c3c3c-3333-4333-8333-000000000001") != 503);
  CHECK(e.fake.faultsApplied() == 0);
  CHECK(e.get("/v1.0/applications?$filter=appId%20eq%20'x'") == 503);
  CHECK(e.get("/v1.0/applications?$filter=appId%20eq%20'x'") == 503);
  CHECK(e.get("/v1.0/applications?$filter=appId%20eq%20'x'") != 503);
  CHECK(e.fake.faultsApplied() == 2);
}

TEST_CASE("fake-entra: faultsApplied counts a delayed request before it is answered") {
  Env e;
  fe::Fault f;
  f.pathContains = "/v1.0/applications";
  f.delayMs = 600;
  e.fake.addFault(f);
  auto answer = std::async(std::launch::async, [&] { return e.get("/v1.0/applications/x"); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (e.fake.faultsApplied() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(e.fake.faultsApplied() == 1);
  CHECK(answer.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout);  // still held
  CHECK(answer.get() != 0);
}
