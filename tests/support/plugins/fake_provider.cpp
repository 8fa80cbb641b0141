// Test provider `fake`: a real plugin shared object that drives the host's pipeline through every path.
//
// Its "identity system" is a state file (field fake_state_file) with one key id per line. create() adds a key
// with a random secret, rollback() removes it, retire() removes every other key. Steps fail on request:
//   fake_fail_at  = comma-separated steps: validate, validate-config, create, create-after-key, prove, retire,
//                   rollback   (retire fails after removing only the first old key: a partial retire)
//   fake_throw_at = comma-separated steps at which a C++ exception is thrown (the SDK must catch it)
// It deliberately logs its secrets (debug level) so tests prove that the host redacts them, and appends every
// secret it creates to <fake_state_file>.secrets so tests know what to scan for.
#include "fake_state.hpp"

#include <keeper_rotate/sdk.hpp>

#include <algorithm>
#include <keeper_rotate/text.hpp>

#include <fstream>
#include <stdexcept>
#include <string>

namespace {

using keeper_rotate::Context;
using keeper_rotate::Field;

std::string randomHex(std::size_t bytes) {
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  std::string out;
  static constexpr char hex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < bytes; ++i) {
    const auto c = static_cast<unsigned char>(urandom.get());
    out.push_back(hex[c >> 4]);
    out.push_back(hex[c & 15]);
  }
  return out;
}

std::string base64(std::string_view in) { return keeper_rotate::text::encodeBase64(in); }

class FakeProvider final : public keeper_rotate::Provider {
 public:
  static constexpr const char* kName = "fake";
  static constexpr const char* kVersion = "0.0.1";
  static constexpr const char* kDescription = "Test provider: keys in a state file, scriptable failures";
  static constexpr kr_field_spec kFields[] = {
      Field::input("fake_state_file").required().describe("state file of the fake identity system"),
      Field::input("fake_fail_at").describe("steps that fail (comma-separated)"),
      Field::input("fake_wait_at").describe("steps that wait fake_wait_ms through the host (comma-separated)"),
      Field::input("fake_wait_ms").integer(0, 600000).defaultValue("30000").describe("how long a waiting step waits"),
      Field::input("fake_throw_at").describe("steps that throw a C++ exception (comma-separated)"),
      Field::input("fake_lifetime_days").integer(1, 730).defaultValue("365").describe("lifetime of the new key"),
      Field::input("fake_mode").oneOf("normal|strict").defaultValue("normal").describe("an enum for validation tests"),
      Field::input("fake_endpoint").url().describe("an optional URL for validation tests"),
      Field::input("fake_admin_token").secret().onOtherRecord().describe("admin token on the attached admin record"),
      Field::output("client_secret_id").describe("id of the new key"),
      Field::output("client_secret").secret().describe("the new secret"),
      Field::output("expires").describe("expiry, ISO-8601 UTC"),
  };
  // The same record shape as the Azure provider's admin credential, so the host tests exercise the first-party
  // sources on the labels admins really use.
  static constexpr const char* kCredentialScheme = "fake-client-secret";
  static constexpr const char* kCredentialSubject = "admin app";
  static constexpr const char* kCredentialConfiguration = "Azure";
  static constexpr kr_credential_part kCredentialParts[] = {
      keeper_rotate::CredentialPart::named("tenant_id")
          .onAttachedRecord("tenant_id").inPamConfiguration("tenantId").inEnvironment("AZURE_TENANT_ID"),
      keeper_rotate::CredentialPart::named("client_id")
          .onAttachedRecord("application_client_id").inPamConfiguration("clientId").inEnvironment("AZURE_CLIENT_ID"),
      keeper_rotate::CredentialPart::named("client_secret")
          .secret()
          .onAttachedRecord("client_secret").inPamConfiguration("clientSecret").inEnvironment("AZURE_CLIENT_SECRET"),
  };

  void validate(Context& ctx) override {
    step(ctx, "validate");
    if (fake::listed(failAt(ctx), "validate-config"))
      throw keeper_rotate::configError("fake.config", "fake: configured to report a configuration problem");
    const auto secret = ctx.credential("client_secret");
    if (!secret) throw keeper_rotate::configError("fake.credential", "fake: no client_secret credential");
    ctx.debug("fake: admin credential " + std::string(*secret) + " (base64 " + base64(*secret) + ")");
    ctx.info("fake: " + std::to_string(fake::readLines(stateFile(ctx)).size()) + " existing keys");
  }

  void create(Context& ctx) override {
    newKey_ = "fake-key-" + randomHex(4);
    const std::string secret = "fake-secret-" + randomHex(16);
    if (fake::listed(throwAt(ctx), "create")) throw std::runtime_error("fake: exception thrown at create");
    if (fake::listed(failAt(ctx), "create"))
      throw keeper_rotate::failure("fake.create", "fake: create failed before any key existed");
    auto keys = fake::readLines(stateFile(ctx));
    keys.push_back(newKey_);
    fake::writeLines(stateFile(ctx), keys);
    // Test-only ledger of every secret value handed out, so tests can scan all output for it.
    auto ledger = fake::readLines(stateFile(ctx) + ".secrets");
    ledger.push_back(secret);
    fake::writeLines(stateFile(ctx) + ".secrets", ledger);
    ctx.reportKey(KR_KEY_CREATED, newKey_);
    ctx.putResult("client_secret_id", newKey_, false);
    ctx.putResult("client_secret", secret, true);
    ctx.putResult("expires", "2027-11-26T00:00:00Z", false);
    ctx.debug("fake: created " + newKey_ + " with secret " + secret + " (base64 " + base64(secret) + ")");
    if (fake::listed(failAt(ctx), "create-after-key"))
      throw keeper_rotate::failure("fake.create", "fake: create failed after the key was created");
  }

  void prove(Context& ctx) override { step(ctx, "prove"); }

  void retire(Context& ctx) override {
    step(ctx, "retire", /*failHere=*/false);
    const bool partial = fake::listed(failAt(ctx), "retire");
    std::vector<std::string> keep;
    bool removedOne = false;
    for (const auto& k : fake::readLines(stateFile(ctx))) {
      if (k == newKey_) {
        keep.push_back(k);
      } else if (partial && removedOne) {
        keep.push_back(k);
        ctx.reportKey(KR_KEY_REMAINING, k);
      } else {
        removedOne = true;
        ctx.reportKey(KR_KEY_REMOVED, k);
      }
    }
    fake::writeLines(stateFile(ctx), keep);
    if (partial) throw keeper_rotate::failure("fake.retire", "fake: some old keys could not be removed");
  }

  // A key an earlier, killed run created (the host's crash journal) goes, if it is still there.
  void remove(Context& ctx) override {
    step(ctx, "remove");
    const std::string id(ctx.setting("remove_key_id").value_or(""));
    auto keys = fake::readLines(stateFile(ctx));
    const auto before = keys.size();
    keys.erase(std::remove(keys.begin(), keys.end(), id), keys.end());
    fake::writeLines(stateFile(ctx), keys);
    ctx.info("fake: " + std::string(keys.size() < before ? "removed " : "no longer had ") + id);
  }

  void rollback(Context& ctx) override {
    step(ctx, "rollback");
    auto keys = fake::readLines(stateFile(ctx));
    keys.erase(std::remove(keys.begin(), keys.end(), newKey_), keys.end());
    fake::writeLines(stateFile(ctx), keys);
  }

 private:
  static std::string stateFile(Context& ctx) { return std::string(ctx.requireField("fake_state_file")); }
  static std::string failAt(Context& ctx) { return std::string(ctx.field("fake_fail_at").value_or("")); }
  static std::string throwAt(Context& ctx) { return std::string(ctx.field("fake_throw_at").value_or("")); }

  static void step(Context& ctx, const char* name, bool failHere = true) {
    if (fake::listed(std::string(ctx.field("fake_wait_at").value_or("")), name)) {
      ctx.info(std::string("fake: waiting at ") + name);
      ctx.wait(std::chrono::milliseconds(ctx.integer("fake_wait_ms")), std::string("the fake's ") + name);
    }
    if (fake::listed(throwAt(ctx), name)) throw std::runtime_error(std::string("fake: exception thrown at ") + name);
    if (failHere && fake::listed(failAt(ctx), name))
      throw keeper_rotate::failure(std::string("fake.") + name, std::string("fake: configured to fail at ") + name);
  }

  std::string newKey_;
};

}  // namespace

KEEPER_ROTATE_REGISTER_PROVIDER(FakeProvider)
