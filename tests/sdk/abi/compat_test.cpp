// Plugins of other minors in today's host, through the production loader (PluginRegistry) and through the real
// keeper-rotate executable:
//   - providers built against the frozen 1.0 and 1.1 headers (fixtures/legacy_provider.c) load, describe themselves
//     with their own ABI and run a whole rehearsal with the stdout writer;
//   - providers that claim the next minor (fixtures/future_provider.cpp) load when their tag's min_host_minor is
//     this host's minor, and are refused from the tag alone, naming the ABI they need, when it is newer.
#include "support/host_process.hpp"

#include "loader/plugin.hpp"
#include "loader/registry.hpp"

#include <keeper_rotate/abi.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using kr_abi_test::HostRun;
using kr_abi_test::runHost;
using kr_abi_test::ScratchDir;
using keeper_rotate::host::LoadedPlugin;
using keeper_rotate::host::LoadError;
using keeper_rotate::host::PluginRegistry;

namespace {

const std::string kUserUid = "AbiPamUserUid000000001";
const std::string kHostAbi = "1." + std::to_string(KR_ABI_MINOR);
const std::string kNextAbi = "1." + std::to_string(KR_ABI_MINOR + 1);

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// The summary line: stdout must be exactly one JSON object line.
Poco::JSON::Object::Ptr summaryOf(const HostRun& run) {
  const auto newline = run.out.find('\n');
  REQUIRE_MESSAGE((newline != std::string::npos && newline + 1 == run.out.size()),
                  "stdout is not exactly one line: " << run.out);
  return Poco::JSON::Parser().parse(run.out.substr(0, newline)).extract<Poco::JSON::Object::Ptr>();
}

std::string str(const Poco::JSON::Object::Ptr& o, const std::string& key) {
  return o->has(key) && !o->isNull(key) ? o->getValue<std::string>(key) : std::string();
}

/// A rehearsal of `provider` from `pluginDir`: the PAM User names the stdout writer (from the real plugin
/// directory next to the executable) and carries `accountField` = `account`.
HostRun rehearse(const ScratchDir& dir, const std::string& pluginDir, const std::string& provider,
                 const std::string& accountField, const std::string& account) {
  const std::string pamUser = "{\"uid\":\"" + kUserUid + "\",\"title\":\"ABI test user\",\"" + accountField +
                              "\":\"" + account + "\",\"record_writer\":\"stdout\"}";
  const std::string config = "{\"uid\":\"AbiConfigUid0000000001\",\"title\":\"Local Network\"}";
  dir.write("input.json", kr_abi_test::gatewayInputJson(kUserUid, {config, pamUser}));
  // --verbose: the fixtures log their new secret at debug level; it must reach stderr only redacted.
  return runHost({"--verbose", "--plugin-dir", pluginDir, provider, "--input", dir.file("input.json")});
}

void checkRehearsed(const HostRun& run, const std::string& provider, const std::string& idLabel,
                    const std::string& secretLabel, const std::string& keyId, const std::string& secret) {
  INFO("stdout: " << run.out);
  INFO("stderr: " << run.err);
  REQUIRE(run.exitCode == 0);
  const auto summary = summaryOf(run);
  CHECK(str(summary, "status") == "rehearsed");
  CHECK(str(summary, "provider") == provider);
  CHECK(str(summary, "writer") == "stdout");
  CHECK(str(summary, "credentialSource").empty());  // needs no admin credential: no source consulted
  CHECK(str(summary, "keyId") == keyId);
  REQUIRE(summary->has("rollback"));
  CHECK(summary->getObject("rollback")->getValue<bool>("ok"));
  // The stdout writer shows what a durable writer would store: the id in clear, the secret redacted.
  CHECK(contains(run.err, idLabel + " = " + keyId));
  CHECK(contains(run.err, secretLabel + " = [REDACTED]"));
  CHECK(contains(run.err, "created token [REDACTED]"));  // the debug line was written, and redacted
  CHECK_FALSE(contains(run.out, secret));
  CHECK_FALSE(contains(run.err, secret));
}

std::string loadError(const std::string& dir, const std::string& name) {
  PluginRegistry registry({dir});
  try {
    registry.load(KR_KIND_PROVIDER, name);
  } catch (const LoadError& e) {
    return e.what();
  }
  return {};
}

// ---- Providers built against the frozen 1.0 and 1.1 headers ----------------------------------------------------

struct Legacy {
  unsigned minor;
  std::string name() const { return "abi-legacy-1-" + std::to_string(minor); }
};

void checkLegacyLoads(const Legacy& legacy) {
  PluginRegistry registry({KR_ABI_FROZEN_PLUGIN_DIR});
  const LoadedPlugin& p = registry.load(KR_KIND_PROVIDER, legacy.name());
  CHECK(p.tag.abi_major == 1);
  CHECK(p.tag.abi_minor == legacy.minor);
  CHECK(p.tag.descriptor_size == 96u);  // the 1.0 descriptor, unchanged in 1.1
  // The tag symbol is followed by 0xFFFF bytes: the loader copies a pre-1.2 tag only as far as it goes.
  CHECK(p.tag.min_host_minor == 0);
  CHECK(p.tag.reserved == 0);
  REQUIRE(p.descriptor != nullptr);
  CHECK(p.descriptor->struct_size == 96u);
  CHECK(p.descriptor->abi_minor == legacy.minor);
  CHECK(p.descriptor->provider->struct_size == 56u);  // ends with required_credentials
  CHECK(p.requiredCredentials.empty());
  CHECK_FALSE(p.credential.has_value());
  REQUIRE(p.fields.size() == 3);
  CHECK(std::string(p.fields[0].label) == "legacy_account");
  CHECK((p.fields[0].flags & KR_FIELD_REQUIRED) != 0);
  CHECK(std::string(p.fields[1].label) == "legacy_token_id");
  CHECK(std::string(p.fields[2].label) == "legacy_token");
  CHECK((p.fields[2].flags & (KR_FIELD_OUTPUT | KR_FIELD_SECRET)) == (KR_FIELD_OUTPUT | KR_FIELD_SECRET));
}

void checkLegacyDescribed(const Legacy& legacy) {
  const std::string abi = "1." + std::to_string(legacy.minor);
  const HostRun text = runHost({"--plugin-dir", KR_ABI_FROZEN_PLUGIN_DIR, "plugins", "describe", legacy.name()});
  INFO("stdout: " << text.out);
  INFO("stderr: " << text.err);
  CHECK(text.exitCode == 0);
  CHECK(contains(text.out, "provider " + legacy.name() + " 1.0.0 (ABI " + abi + ")"));
  CHECK(contains(text.out, "file: " + std::string(KR_ABI_FROZEN_PLUGIN_DIR) + "/provider-" + legacy.name() + ".so"));
  CHECK(contains(text.out, "admin credential parts: (none)"));
  CHECK(contains(text.out, "legacy_token  (secret, out, secret)"));
  const HostRun json =
      runHost({"--plugin-dir", KR_ABI_FROZEN_PLUGIN_DIR, "plugins", "describe", "provider/" + legacy.name(), "--json"});
  INFO("json: " << json.out);
  CHECK(json.exitCode == 0);
  CHECK(contains(json.out, "\"abi\":\"" + abi + "\""));
  CHECK(contains(json.out, "\"requiredCredentials\":[]"));
  CHECK(contains(json.out, "\"credential\":null"));
}

void checkLegacyRehearses(const Legacy& legacy) {
  ScratchDir dir;
  const std::string account = "acct" + std::to_string(legacy.minor);
  const std::string keyId = account + "-" + legacy.name() + "-key";
  const std::string secret = "LegacyT0ken." + account + "." + std::to_string(legacy.minor) + ".s3cr3t";
  const HostRun run = rehearse(dir, KR_ABI_FROZEN_PLUGIN_DIR, legacy.name(), "legacy_account", account);
  checkRehearsed(run, legacy.name(), "legacy_token_id", "legacy_token", keyId, secret);
  CHECK(contains(run.err, legacy.name() + " (built against ABI 1." + std::to_string(legacy.minor) + ")"));
  CHECK(contains(run.err, "rollback removed key " + keyId));
  if (legacy.minor >= 1) CHECK(contains(run.err, "proved through result_count/result_at (ABI 1.1)"));
}

}  // namespace

TEST_CASE("abi compat: the frozen 1.0 provider loads through the production loader with its 1.0 layout") {
  checkLegacyLoads({0});
}

TEST_CASE("abi compat: the frozen 1.1 provider loads through the production loader with its 1.1 layout") {
  checkLegacyLoads({1});
}

TEST_CASE("abi compat: plugins describe shows the frozen 1.0 provider with ABI 1.0") { checkLegacyDescribed({0}); }

TEST_CASE("abi compat: plugins describe shows the frozen 1.1 provider with ABI 1.1") { checkLegacyDescribed({1}); }

TEST_CASE("abi compat: the frozen 1.0 provider rehearses with the stdout writer") { checkLegacyRehearses({0}); }

TEST_CASE("abi compat: the frozen 1.1 provider rehearses with the stdout writer") { checkLegacyRehearses({1}); }

// ---- Providers that claim the next minor ----------------------------------------------------------------------------

TEST_CASE("abi min-host-minor: a newer-minor plugin that needs only this host's minor loads with its bigger layouts") {
  PluginRegistry registry({KR_ABI_FUTURE_PLUGIN_DIR});
  const LoadedPlugin& p = registry.load(KR_KIND_PROVIDER, "abi-future-ok");
  CHECK(p.tag.abi_minor == KR_ABI_MINOR + 1);
  CHECK(p.tag.min_host_minor == KR_ABI_MINOR);
  CHECK(p.tag.descriptor_size == sizeof(kr_plugin_descriptor) + 8);
  REQUIRE(p.descriptor != nullptr);
  CHECK(p.descriptor->struct_size == sizeof(kr_plugin_descriptor) + 8);
  CHECK(p.descriptor->provider->struct_size == sizeof(kr_provider_ops) + 8);
  CHECK(p.requiredCredentials.empty());
  CHECK_FALSE(p.credential.has_value());
  // Field specs one member longer than this host's: copied by the plugin's stride, into this host's layout.
  REQUIRE(p.fields.size() == 3);
  CHECK(std::string(p.fields[0].label) == "future_account");
  CHECK(std::string(p.fields[1].label) == "future_token_id");
  CHECK(std::string(p.fields[2].label) == "future_token");
  CHECK(std::string(p.fields[2].type) == "secret");
  for (const auto& f : p.fields) CHECK(f.struct_size == sizeof(kr_field_spec));
}

TEST_CASE("abi min-host-minor: a newer-minor plugin that needs a newer host is refused from its tag") {
  // Its entry function aborts: this test process surviving proves the loader never called it.
  const std::string m = loadError(KR_ABI_FUTURE_PLUGIN_DIR, "abi-future-needs-newer");
  INFO(m);
  CHECK(contains(m, "provider-abi-future-needs-newer.so"));
  CHECK(contains(m, "built for plugin ABI " + kNextAbi));
  CHECK(contains(m, "needs a host of ABI " + kNextAbi + " or newer"));
  CHECK(contains(m, "this keeper-rotate speaks ABI " + kHostAbi));
  CHECK(contains(m, "Upgrade keeper-rotate"));
}

TEST_CASE("abi min-host-minor: plugins describe shows the accepted plugin and names the ABI the refused one needs") {
  const HostRun ok = runHost({"--plugin-dir", KR_ABI_FUTURE_PLUGIN_DIR, "plugins", "describe", "abi-future-ok"});
  INFO("stdout: " << ok.out);
  INFO("stderr: " << ok.err);
  CHECK(ok.exitCode == 0);
  CHECK(contains(ok.out, "provider abi-future-ok 9.9.9 (ABI " + kNextAbi + ")"));
  CHECK(contains(ok.out, "future_token  (secret, out, secret)"));

  const HostRun refused =
      runHost({"--plugin-dir", KR_ABI_FUTURE_PLUGIN_DIR, "plugins", "describe", "abi-future-needs-newer"});
  INFO("refused stdout: " << refused.out);
  INFO("refused stderr: " << refused.err);
  CHECK(refused.exitCode == 3);
  CHECK(contains(refused.err, "needs a host of ABI " + kNextAbi));
  CHECK_FALSE(contains(refused.out, "abi-future-needs-newer 9.9.9"));
}

TEST_CASE("abi min-host-minor: the accepted newer-minor plugin rehearses with the stdout writer") {
  ScratchDir dir;
  const HostRun run = rehearse(dir, KR_ABI_FUTURE_PLUGIN_DIR, "abi-future-ok", "future_account", "acctf");
  checkRehearsed(run, "abi-future-ok", "future_token_id", "future_token", "acctf-abi-future-ok-key",
                 "FutureT0ken.acctf.s3cr3t");
  CHECK(contains(run.err, "built for ABI " + kNextAbi + ", needs a " + kHostAbi + " host) runs in a host of ABI " +
                              kHostAbi));
  CHECK(contains(run.err, "rollback removed the new token"));
}

TEST_CASE("abi min-host-minor: a run with the refused newer-minor plugin exits 3 naming the ABI it needs") {
  ScratchDir dir;
  const HostRun run = rehearse(dir, KR_ABI_FUTURE_PLUGIN_DIR, "abi-future-needs-newer", "future_account", "acctn");
  INFO("stdout: " << run.out);
  INFO("stderr: " << run.err);
  CHECK(run.exitCode == 3);  // -1 would mean the entry function ran and aborted
  const auto summary = summaryOf(run);
  CHECK(str(summary, "status") == "config-error");
  CHECK(str(summary, "keyId").empty());
  REQUIRE(summary->has("error"));
  const auto error = summary->getObject("error");
  REQUIRE(error);
  CHECK(str(error, "stage") == "load");
  CHECK(contains(str(error, "message"), "needs a host of ABI " + kNextAbi));
  CHECK(contains(run.err, "needs a host of ABI " + kNextAbi));
}
