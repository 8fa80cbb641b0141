// tools/fake-ksm's RequestFault (fake_ksm.hpp): which requests it hits (endpoint, skip, times), what the client sees
// (an error status and code, throttling with retry_after), and a delay that holds a request in flight while other
// requests are served and faultsApplied() already counts it.
#include "fake_env.hpp"

#include <doctest/doctest.h>

#include <kr_ksm/errors.hpp>

#include <chrono>
#include <future>
#include <thread>

using kr_ksm_test::FakeEnv;
using kr_ksm_test::pamUserJson;
namespace fk = keeper_rotate::fakeksm;
using keeper_rotate::ksm::KsmError;

namespace {
const char* kUid = "FaultRecord00000000001";

std::string codeOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const KsmError& e) {
    return e.code();
  }
  return "<no error>";
}
}  // namespace

TEST_CASE("fake-ksm: a request fault skips, then fails `times` requests of its endpoint only") {
  FakeEnv env;
  env.fake.putRecord(kUid, pamUserJson("fault", "pw-1"));
  auto client = env.client();
  fk::RequestFault f;
  f.endpoint = "get_secret";
  f.skip = 1;
  f.times = 2;
  f.status = 500;
  f.error = "internal_error";
  env.fake.addFault(f);
  CHECK(codeOf([&] { client.getRecord(kUid); }) == "<no error>");  // skipped
  CHECK(codeOf([&] { client.getRecord(kUid); }) == "internal_error");
  CHECK(codeOf([&] { client.getRecord(kUid); }) == "internal_error");
  CHECK(codeOf([&] { client.getRecord(kUid); }) == "<no error>");  // used up
  CHECK(env.fake.faultsApplied() == 2);
  CHECK(env.fake.faultsAnswered() == 2);

  // times = -1: every later request of the endpoint; other endpoints are untouched.
  f.skip = 0;
  f.times = -1;
  f.endpoint = "update_secret";
  env.fake.addFault(f);
  auto record = client.getRecord(kUid);
  CHECK(codeOf([&] { client.updateRecord(record); }) == "internal_error");
  CHECK(codeOf([&] { client.updateRecord(record); }) == "internal_error");
  CHECK(codeOf([&] { client.getRecord(kUid); }) == "<no error>");
  env.fake.clearFaults();
  CHECK(codeOf([&] { client.updateRecord(record); }) == "<no error>");
}

TEST_CASE("fake-ksm: a throttled request fault carries retry_after, and the client retries through it") {
  FakeEnv env;
  env.fake.putRecord(kUid, pamUserJson("fault", "pw-1"));
  auto client = env.client();
  fk::RequestFault f;
  f.endpoint = "get_secret";
  f.times = 1;
  f.status = 403;
  f.error = "throttled";
  f.retryAfterSeconds = 0.01;
  env.fake.addFault(f);
  CHECK(codeOf([&] { client.getRecord(kUid); }) == "<no error>");
  CHECK(env.fake.requestCount("get_secret") == 2);
  f.times = -1;
  env.fake.addFault(f);
  CHECK(codeOf([&] { client.getRecord(kUid); }) == "throttled");
}

TEST_CASE("fake-ksm: a delay-only request fault holds the request in flight, then processes it") {
  FakeEnv env;
  env.fake.putRecord(kUid, pamUserJson("fault", "pw-1"));
  auto held = env.client();
  auto other = env.client();
  fk::RequestFault f;
  f.endpoint = "update_secret";
  f.status = 0;
  f.delayMs = 600;
  env.fake.addFault(f);
  auto record = held.getRecord(kUid);
  const auto before = env.fake.revision(kUid);
  auto update = std::async(std::launch::async, [&] { held.updateRecord(record); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (env.fake.faultsApplied() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(env.fake.faultsApplied() == 1);
  CHECK(env.fake.faultsAnswered() == 0);
  CHECK(codeOf([&] { other.getRecord(kUid); }) == "<no error>");  // served meanwhile
  CHECK(env.fake.revision(kUid) == before);
  update.get();
  CHECK(env.fake.faultsAnswered() == 1);
  CHECK(env.fake.revision(kUid) > before);
}
