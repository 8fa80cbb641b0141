// Retries against injected faults: call counts, honoured Retry-After, bounded attempts, and — above all — never a
// second new secret when addPassword's outcome is unknown.
#include "fixture.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace azure_test;
using keeper_rotate::fake_entra::Fault;

namespace {

Fault fault(const std::string& method, const std::string& path, int status, int times = 1) {
  Fault f;
  f.method = method;
  f.pathContains = path;
  f.status = status;
  f.times = times;
  return f;
}

/// After a successful run: exactly one secret besides the kept ones, and it is the one the record got.
void checkExactlyOneNewSecret(Fixture& f, const TestHost& host) {
  std::vector<std::string> fresh;
  for (const auto& id : f.targetKeyIds())
    if (!contains(f.oldKeyIds, id)) fresh.push_back(id);
  REQUIRE(fresh.size() == 1);
  CHECK(fresh[0] == host.results.at("client_secret_id").value);
  CHECK(f.tokenWorks(f.targetAppId, host.results.at("client_secret").value));
}

}  // namespace

TEST_CASE("azure 429 on addPassword is retried after the Retry-After the server asked for") {
  Fixture f;
  Fault x = fault("POST", "/addPassword", 429);
  x.headers = {{"Retry-After", "2"}, {"x-ms-throttle-scope", "Tenant_Application/Write"}};
  f.fake->addFault(x);
  Driver d;
  f.configure(d.host);
  d.host.fields["old_secrets"] = "keep-all";
  kr_azure::SecretLifecycle lc(f.settings());
  const Outcome o = runRotation(d, lc);
  REQUIRE_MESSAGE(o.failedAt == Step::None, o.message);
  CHECK(f.fake->countRequests("POST", "/addPassword") == 2);
  CHECK(std::find(f.sleeps.begin(), f.sleeps.end(), std::chrono::milliseconds(2000)) != f.sleeps.end());
  checkExactlyOneNewSecret(f, d.host);
}

TEST_CASE("azure 503 and 504 on reads are retried") {
  Fixture f;
  Fault x = fault("GET", "/v1.0/applications", 503, 2);
  x.headers = {{"Retry-After", "1"}};
  f.fake->addFault(x);
  f.fake->addFault(fault("GET", "/v1.0/applications", 504));
  Driver d;
  f.configure(d.host);
  kr_azure::SecretLifecycle lc(f.settings());
  const Outcome o = runRotation(d, lc);
  REQUIRE_MESSAGE(o.failedAt == Step::None, o.message);
  CHECK(std::count(f.sleeps.begin(), f.sleeps.end(), std::chrono::milliseconds(1000)) == 2);
  std::size_t faulted = 0;
  for (const auto& r : f.fake->requests()) faulted += r.faulted ? 1 : 0;
  CHECK(faulted == 3);
}

TEST_CASE("azure 400 concurrent requests and 409 conflicts on writes are retried") {
  Fixture f;
  Fault concurrent = fault("POST", "/removePassword", 400, 2);
  concurrent.code = "Request_BadRequest";
  concurrent.message = "Error due to concurrent requests being made to the tenant. Please wait briefly and retry.";
  f.fake->addFault(concurrent);
  f.fake->addFault(fault("POST", "/addPassword", 409));
  Driver d;
  f.configure(d.host);
  kr_azure::SecretLifecycle lc(f.settings());
  const Outcome o = runRotation(d, lc);
  REQUIRE_MESSAGE(o.failedAt == Step::None, o.message);
  CHECK(f.fake->countRequests("POST", "/addPassword") == 2);
  CHECK(f.fake->countRequests("POST", "/removePassword") == 4);  // 2 refused, then the 2 old secrets
  CHECK(f.targetKeyIds().size() == 1);
  checkExactlyOneNewSecret(f, d.host);
}

TEST_CASE("azure 404 right after a write is retried, 404 before any write is not") {
  Fixture f;
  Fault x = fault("POST", "/removePassword", 404);
  x.code = "Request_ResourceNotFound";
  x.message = "Resource '" + f.targetObjectId + "' does not exist or one of its queried reference-property objects are not present.";
  f.fake->addFault(x);
  Driver d;
  f.configure(d.host);
  kr_azure::SecretLifecycle lc(f.settings());
  const Outcome o = runRotation(d, lc);
  REQUIRE_MESSAGE(o.failedAt == Step::None, o.message);
  CHECK(f.targetKeyIds().size() == 1);

  Fixture g;
  Fault y = fault("GET", "/applications/" + g.targetObjectId, 404, 1);
  y.code = x.code;
  y.message = "Resource '" + g.targetObjectId + "' does not exist or one of its queried reference-property objects are not present.";
  g.fake->addFault(y);
  Driver e;
  g.configure(e.host);
  kr_azure::SecretLifecycle lc2(g.settings());
  const Outcome o2 = runRotation(e, lc2);
  CHECK(o2.failedAt == Step::Validate);
  CHECK(o2.code == "target.not_found");
  CHECK(g.fake->countRequests("GET", "/applications") == 2);  // by object id, then by appId filter: no retries
}

TEST_CASE("azure retries stop after the attempt limit with Graph's code in the error") {
  Fixture f;
  f.fake->addFault(fault("GET", "/v1.0/applications", 503, 100));
  Driver d;
  f.configure(d.host);
  kr_azure::SecretLifecycle lc(f.settings());
  const Outcome o = runRotation(d, lc);
  CHECK(o.failedAt == Step::Validate);
  CHECK(o.code == "graph.serviceNotAvailable");
  CHECK(o.message.find("after 6 attempts") != std::string::npos);
  CHECK(f.fake->countRequests("GET", "/v1.0/applications") == 6);
}

TEST_CASE("azure addPassword answered 504 after it happened: the lost secret is removed and exactly one remains") {
  Fixture f;
  Fault x = fault("POST", "/addPassword", 504);
  x.afterHandling = true;
  f.fake->addFault(x);
  Driver d;
  f.configure(d.host);
  d.host.fields["old_secrets"] = "keep-all";
  kr_azure::SecretLifecycle lc(f.settings());
  const Outcome o = runRotation(d, lc);
  REQUIRE_MESSAGE(o.failedAt == Step::None, o.message);
  CHECK(f.fake->countRequests("POST", "/addPassword") == 2);
  CHECK(f.fake->countRequests("POST", "/removePassword") == 1);  // the secret whose value was lost
  CHECK(f.targetKeyIds().size() == 3);
  checkExactlyOneNewSecret(f, d.host);
}

TEST_CASE("azure addPassword connection dropped before it happened: added once more, exactly one new secret") {
  Fixture f;
  Fault x = fault("POST", "/addPassword", 0);
  x.drop = true;
  f.fake->addFault(x);
  Driver d;
  f.configure(d.host);
  d.host.fields["old_secrets"] = "keep-all";
  kr_azure::SecretLifecycle lc(f.settings());
  const Outcome o = runRotation(d, lc);
  REQUIRE_MESSAGE(o.failedAt == Step::None, o.message);
  CHECK(f.fake->countRequests("POST", "/addPassword") == 2);
  CHECK(f.fake->countRequests("POST", "/removePassword") == 0);
  checkExactlyOneNewSecret(f, d.host);
}

TEST_CASE("azure addPassword connection dropped after it happened: exactly one new secret") {
  Fixture f;
  Fault x = fault("POST", "/addPassword", 0, 2);
  x.drop = true;
  x.afterHandling = true;
  f.fake->addFault(x);
  Driver d;
  f.configure(d.host);
  d.host.fields["old_secrets"] = "keep-all";
  kr_azure::SecretLifecycle lc(f.settings());
  const Outcome o = runRotation(d, lc);
  REQUIRE_MESSAGE(o.failedAt == Step::None, o.message);
  CHECK(f.fake->countRequests("POST", "/addPassword") == 3);
  CHECK(f.fake->countRequests("POST", "/removePassword") == 2);
  checkExactlyOneNewSecret(f, d.host);
}

TEST_CASE("azure addPassword that never answers fails after three tries and leaves no secret behind") {
  Fixture f;
  Fault x = fault("POST", "/addPassword", 500, 10);
  x.afterHandling = true;
  f.fake->addFault(x);
  Driver d;
  f.configure(d.host);
  kr_azure::SecretLifecycle lc(f.settings());
  const Outcome o = runRotation(d, lc);
  CHECK(o.failedAt == Step::Create);
  CHECK(o.code == "graph.addPassword.unknown");
  CHECK(f.fake->countRequests("POST", "/addPassword") == 3);
  CHECK(f.targetKeyIds() == f.oldKeyIds);
}

TEST_CASE("azure token endpoint outages are retried for the admin token") {
  Fixture f;
  f.fake->addFault(fault("POST", "/oauth2/v2.0/token", 503, 2));
  Driver d;
  f.configure(d.host);
  kr_azure::SecretLifecycle lc(f.settings());
  const Outcome o = runRotation(d, lc);
  REQUIRE_MESSAGE(o.failedAt == Step::None, o.message);
}

TEST_CASE("azure retire partial failure reports the remaining key ids") {
  Fixture f;
  Driver d;
  f.configure(d.host);
  kr_azure::SecretLifecycle lc(f.settings());
  lc.validate(d.ctx);
  lc.create(d.ctx);
  lc.prove(d.ctx);
  Fault x = fault("POST", "/removePassword", 403);
  x.code = "Authorization_RequestDenied";
  x.message = "Insufficient privileges to complete the operation.";
  f.fake->addFault(x);  // the first removal is refused, the second succeeds
  try {
    lc.retire(d.ctx);
    FAIL("retire should fail");
  } catch (const keeper_rotate::Error& e) {
    CHECK(e.code() == "retire.partial");
    CHECK(std::string(e.what()).find(f.oldKeyIds[0]) != std::string::npos);
    CHECK(std::string(e.what()).find("Authorization_RequestDenied") != std::string::npos);
  }
  CHECK(d.host.keys(KR_KEY_REMAINING) == std::vector<std::string>{f.oldKeyIds[0]});
  CHECK(d.host.keys(KR_KEY_REMOVED) == std::vector<std::string>{f.oldKeyIds[1]});
}

TEST_CASE("azure back-to-back writes refused as concurrent are retried until the directory accepts them") {
  Fixture f;
  keeper_rotate::fake_entra::Propagation p;
  p.concurrentWriteWindow = std::chrono::milliseconds(60);
  f.fake->setPropagation(p);
  Driver d;
  f.configure(d.host);
  d.host.fields["verify_timeout_seconds"] = "0";  // rollback follows addPassword at once
  kr_azure::SecretLifecycle lc(f.settings());
  const Outcome o = runRotation(d, lc, /*durable=*/false);
  REQUIRE_MESSAGE(o.failedAt == Step::None, o.message);
  CHECK(o.rollbackError.empty());
  CHECK(f.fake->countRequests("POST", "/removePassword") >= 2);
  CHECK(f.targetKeyIds() == f.oldKeyIds);
}

TEST_CASE("azure a Graph read that times out is retried") {
  Fixture f;
  Fault slow = fault("GET", "/v1.0/applications/", 0);
  slow.delayMs = 1500;
  f.fake->addFault(slow);
  Driver d;
  f.configure(d.host);
  auto settings = f.settings();
  settings.http.ioTimeout = std::chrono::milliseconds(300);
  kr_azure::SecretLifecycle lc(settings);
  const Outcome o = runRotation(d, lc);
  REQUIRE_MESSAGE(o.failedAt == Step::None, o.message);
  CHECK(d.host.allOutput().find("retrying") != std::string::npos);
  CHECK(f.targetKeyIds().size() == 1);
}

TEST_CASE("azure a lost addPassword answer that reads only show later is still cleaned up") {
  Fixture f;
  keeper_rotate::fake_entra::Propagation p;
  p.newKeyHiddenReads = 3;  // exactly the reads the provider makes before it adds again
  f.fake->setPropagation(p);
  Fault x = fault("POST", "/addPassword", 504);
  x.afterHandling = true;
  f.fake->addFault(x);
  Driver d;
  f.configure(d.host);
  d.host.fields["old_secrets"] = "keep-all";
  kr_azure::SecretLifecycle lc(f.settings());
  const Outcome o = runRotation(d, lc);
  REQUIRE_MESSAGE(o.failedAt == Step::None, o.message);
  CHECK(f.fake->countRequests("POST", "/addPassword") == 2);
  CHECK(f.fake->countRequests("POST", "/removePassword") == 1);  // found by the look after the successful add
  CHECK(d.host.keys(KR_KEY_KEPT) == f.oldKeyIds);
  checkExactlyOneNewSecret(f, d.host);
}
