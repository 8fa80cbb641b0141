// stdout writer: shows the results with the secret redacted, stores nothing, and validates the PAM User uid.
#include "loaded_plugin.hpp"

#include <doctest/doctest.h>

using kr_test::FakeHost;
using kr_test::LoadedPlugin;
using kr_test::pluginPath;

namespace {

const char* const kNewSecret = "new~Rotated.Secret0123456789ABCDEFGHIJ";

FakeHost hostWithResults() {
  FakeHost h;
  h.inputs = {{"userRecordUid", "USERuid0001"}};
  h.results = {{"client_secret_id", {"7f1c2d3e-0000-4000-8000-123456789abc", false}},
               {"client_secret", {kNewSecret, true}},
               {"expires", {"2027-11-26T01:00:00Z", false}}};
  return h;
}

}  // namespace

TEST_CASE("stdout store shows every result with the secret redacted") {
  LoadedPlugin p(pluginPath("writer", "stdout"));
  auto h = hostWithResults();
  REQUIRE(p.run(h, p.descriptor().record_writer->store) == KR_OK);
  CHECK(h.logged("USERuid0001"));
  CHECK(h.logged("client_secret_id = 7f1c2d3e-0000-4000-8000-123456789abc"));
  CHECK(h.logged("client_secret = [REDACTED]"));
  CHECK(h.logged("expires = 2027-11-26T01:00:00Z"));
  CHECK(h.allOutput().find(kNewSecret) == std::string::npos);
  CHECK(h.allOutput().find(std::string(kNewSecret).substr(0, 12)) == std::string::npos);
}

TEST_CASE("stdout store warns when the provider produced nothing it can show") {
  LoadedPlugin p(pluginPath("writer", "stdout"));
  FakeHost h;
  h.inputs = {{"userRecordUid", "USERuid0001"}};
  REQUIRE(p.run(h, p.descriptor().record_writer->store) == KR_OK);
  bool warned = false;
  for (const auto& [level, line] : h.logs) warned = warned || level == KR_LOG_WARN;
  CHECK(warned);
}

TEST_CASE("stdout validate needs the PAM User uid") {
  LoadedPlugin p(pluginPath("writer", "stdout"));
  auto h = hostWithResults();
  CHECK(p.run(h, p.descriptor().record_writer->validate) == KR_OK);
  h.inputs.clear();
  CHECK(p.run(h, p.descriptor().record_writer->validate) == KR_ERR_CONFIG);
  CHECK(h.errorCode == "input.userRecordUid");
}

TEST_CASE("stdout verify and revert succeed without touching the results") {
  LoadedPlugin p(pluginPath("writer", "stdout"));
  auto h = hostWithResults();
  CHECK(p.run(h, p.descriptor().record_writer->verify) == KR_OK);
  CHECK(p.run(h, p.descriptor().record_writer->revert) == KR_OK);
  CHECK(h.results.size() == 3);
  CHECK(h.errorCode.empty());
  CHECK(h.allOutput().find(kNewSecret) == std::string::npos);
}

#if KR_ABI_MINOR >= 1
TEST_CASE("stdout store shows results of any provider and redacts by the host's secret flag") {
  LoadedPlugin p(pluginPath("writer", "stdout"));
  FakeHost h;
  h.inputs = {{"userRecordUid", "USERuid0001"}};
  h.results = {{"acme_token_id", {"tok-17", false}}, {"acme_token", {kNewSecret, true}}};
  REQUIRE(p.run(h, p.descriptor().record_writer->store) == KR_OK);
  CHECK(h.logged("acme_token_id = tok-17"));
  CHECK(h.logged("acme_token = [REDACTED]"));
  CHECK(h.allOutput().find(kNewSecret) == std::string::npos);
}
#endif
