// stdout writer: shows the results with the secret redacted, stores nothing, and validates the PAM User uid.
#include "plugin_harness.hpp"

#include <doctest/doctest.h>

using kr_test::errorCode;
using kr_test::InMemoryHost;
using kr_test::loadPlugin;
using kr_test::runOnce;

namespace {

const char* const kNewSecret = "new~Rotated.Secret0123456789ABCDEFGHIJ";

void hostWithResults(InMemoryHost& h) {
  kr_test::azureHost(h);
  h.inputs = {{"userRecordUid", "USERuid0001"}};
  h.results = {{"client_secret_id", {"7f1c2d3e-0000-4000-8000-123456789abc", false}},
               {"client_secret", {kNewSecret, true}},
               {"expires", {"2027-11-26T01:00:00Z", false}}};
}

}  // namespace

TEST_CASE("stdout store shows every result with the secret redacted") {
  const auto p = loadPlugin("writer", "stdout");
  InMemoryHost h;
  hostWithResults(h);
  REQUIRE(runOnce(p, h, p.recordWriter()->store) == KR_OK);
  CHECK(h.logged("USERuid0001"));
  CHECK(h.logged("client_secret_id = 7f1c2d3e-0000-4000-8000-123456789abc"));
  CHECK(h.logged("client_secret = [REDACTED]"));
  CHECK(h.logged("expires = 2027-11-26T01:00:00Z"));
  CHECK(h.allOutput().find(kNewSecret) == std::string::npos);
  CHECK(h.allOutput().find(std::string(kNewSecret).substr(0, 12)) == std::string::npos);
}

TEST_CASE("stdout store warns when the provider produced nothing it can show") {
  const auto p = loadPlugin("writer", "stdout");
  InMemoryHost h;
  kr_test::azureHost(h);
  h.inputs = {{"userRecordUid", "USERuid0001"}};
  REQUIRE(runOnce(p, h, p.recordWriter()->store) == KR_OK);
  bool warned = false;
  for (const auto& line : h.logs) warned = warned || line.level == KR_LOG_WARN;
  CHECK(warned);
}

TEST_CASE("stdout validate needs the PAM User uid") {
  const auto p = loadPlugin("writer", "stdout");
  InMemoryHost h;
  hostWithResults(h);
  CHECK(runOnce(p, h, p.recordWriter()->validate) == KR_OK);
  h.inputs.clear();
  CHECK(runOnce(p, h, p.recordWriter()->validate) == KR_ERR_CONFIG);
  CHECK(errorCode(h) == "input.userRecordUid");
}

TEST_CASE("stdout verify and revert succeed without touching the results") {
  const auto p = loadPlugin("writer", "stdout");
  InMemoryHost h;
  hostWithResults(h);
  CHECK(runOnce(p, h, p.recordWriter()->verify) == KR_OK);
  CHECK(runOnce(p, h, p.recordWriter()->revert) == KR_OK);
  CHECK(h.results.size() == 3);
  CHECK(h.errors.empty());
  CHECK(h.allOutput().find(kNewSecret) == std::string::npos);
}

#if KR_ABI_MINOR >= 1
TEST_CASE("stdout store shows results of any provider and redacts by the host's secret flag") {
  const auto p = loadPlugin("writer", "stdout");
  InMemoryHost h;
  kr_test::azureHost(h);
  h.inputs = {{"userRecordUid", "USERuid0001"}};
  h.results = {{"acme_token_id", {"tok-17", false}}, {"acme_token", {kNewSecret, true}}};
  REQUIRE(runOnce(p, h, p.recordWriter()->store) == KR_OK);
  CHECK(h.logged("acme_token_id = tok-17"));
  CHECK(h.logged("acme_token = [REDACTED]"));
  CHECK(h.allOutput().find(kNewSecret) == std::string::npos);
}
#endif
