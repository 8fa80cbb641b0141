// The example provider under the SDK test kit: the built provider-example.so is loaded as keeper-rotate loads it and
// driven through the kit's in-memory host, so these tests need neither keeper-rotate nor Keeper.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <keeper_rotate/sdk.hpp>
#include <keeper_rotate/testing/kit.hpp>

#include <string>

namespace kt = keeper_rotate::testing;

namespace {

const char* const kAdminSecret = "example-admin-secret-value-0001";

// Loaded once, kept loaded until exit (the kit never unloads a plugin).
const kt::Plugin& plugin() {
  static const kt::Plugin p = kt::load(EXAMPLE_PLUGIN);
  return p;
}

kt::ConformanceOptions options() {
  kt::ConformanceOptions o;
  o.input = kt::gatewayInput()
                .pamUser(kt::record("ExampleUser00000000001").title("Example account").field("example_account",
                                                                                             "acct-42"))
                .providerRecordUid("ExampleConfig000000001");
  o.credentials = {{"client_id", "example-client-id"}, {"client_secret", kAdminSecret}};
  return o;
}

void setUp(kt::InMemoryHost& host) {
  const kt::ConformanceOptions o = options();
  host.useInput(o.input);
  host.credentials = o.credentials;
}

// A provider with the mistakes the conformance check is there to catch, compiled into this test and wrapped: a
// version that is not semver, a validate that changes state, an admin secret in a log line, and a create that does
// not report the id it made.
class CarelessProvider final : public keeper_rotate::Provider {
 public:
  static constexpr const char* kName = "careless";
  static constexpr const char* kVersion = "1.0";
  static constexpr const char* kDescription = "Shows what the conformance check reports";
  static constexpr kr_field_spec kFields[] = {
      keeper_rotate::Field::input("example_account").required().describe("Account whose credential is rotated"),
      keeper_rotate::Field::output("example_key_id").describe("Id of the new credential"),
  };
  static constexpr const char* kCredentialScheme = "example-client-secret";
  static constexpr kr_credential_part kCredentialParts[] = {
      keeper_rotate::CredentialPart::named("client_id").describe("the admin app's client id"),
      keeper_rotate::CredentialPart::named("client_secret").secret().describe("a client secret of the admin app"),
  };
  void validate(keeper_rotate::Context& ctx) override {
    ctx.putResult("example_key_id", "made-during-validate", false);
    ctx.debug("signing in with " + std::string(ctx.credential("client_secret").value_or("")));
  }
  void create(keeper_rotate::Context& ctx) override { ctx.putResult("example_key_id", "careless-key-1", false); }
  void prove(keeper_rotate::Context&) override {}
  void retire(keeper_rotate::Context&) override {}
  void rollback(keeper_rotate::Context&) override {}
};

}  // namespace

KEEPER_ROTATE_REGISTER_PROVIDER(CarelessProvider)

TEST_CASE("the conformance check names each mistake of a careless provider") {
  const kt::Plugin careless = kt::wrap(keeper_rotate_plugin_v1());
  kt::ConformanceOptions o = options();
  const kt::Report report = kt::checkConformance(careless, o);
  INFO(report.text());
  CHECK_FALSE(report.ok());
  CHECK(report.failed("metadata"));
  CHECK(report.failed("validate-no-mutation"));
  CHECK(report.failed("no-secret-in-output"));
  CHECK(report.failed("rotation"));
  CHECK(report.failed("rollback-on-writer-failure"));
  CHECK_FALSE(report.failed("required-fields"));  // the kit's own validation still refuses a record without it
  CHECK(report.text().find("version '1.0' is not MAJOR.MINOR.PATCH") != std::string::npos);
  CHECK(report.text().find(kAdminSecret) == std::string::npos);  // findings never repeat a secret
}

TEST_CASE("the example provider passes the kit's conformance check") {
  const kt::Report report = kt::checkConformance(plugin(), options());
  INFO(report.text());
  CHECK(report.ok());
  CHECK(report.checks().size() >= 6);  // every provider check ran, none was skipped
}

TEST_CASE("a rotation with the in-memory writer stores both outputs and leaks no secret") {
  kt::InMemoryHost host;
  setUp(host);
  kt::InMemoryWriter writer;
  const kt::RunOutcome out = kt::runRotation(host, plugin(), writer);
  REQUIRE_MESSAGE(out.ok(), out.text());
  CHECK(out.status == "rotated");
  CHECK(writer.record.at("example_key_id") == "example-key-1");
  CHECK(writer.stored.at("example_secret").secret);
  CHECK_FALSE(writer.stored.at("example_key_id").secret);
  CHECK(host.keys(KR_KEY_CREATED) == std::vector<std::string>{"example-key-1"});
  CHECK(host.field("example_lifetime_days") == "90");  // the default from kFields
  CHECK(out.count("retire") == 1);
  const auto leaks = kt::findLeaks(host);
  INFO(keeper_rotate::text::join(leaks, "\n"));
  CHECK(leaks.empty());
}

TEST_CASE("a non-durable writer makes the run a rehearsal: the provider rolls back and never retires") {
  kt::InMemoryHost host;
  setUp(host);
  kt::InMemoryWriter rehearsal(/*durable=*/false);
  const kt::RunOutcome out = kt::runRotation(host, plugin(), rehearsal);
  REQUIRE_MESSAGE(out.ok(), out.text());
  CHECK(out.status == "rehearsed");
  CHECK(out.count("create") == 1);
  CHECK(out.count("rollback") == 1);
  CHECK(out.count("retire") == 0);
  CHECK(rehearsal.record.at("example_key_id") == "example-key-1");  // shown, as a rehearsal writer shows it
  CHECK(host.logged("this run is a rehearsal"));
  const auto leaks = kt::findLeaks(host);
  INFO(keeper_rotate::text::join(leaks, "\n"));
  CHECK(leaks.empty());
}

TEST_CASE("the leak assertion finds a secret that slipped into a log line as base64") {
  kt::InMemoryHost host;
  setUp(host);
  kt::InMemoryWriter writer;
  REQUIRE(kt::runRotation(host, plugin(), writer).ok());
  host.logs.push_back({KR_LOG_DEBUG, "test", "Authorization: Basic " + keeper_rotate::text::encodeBase64(kAdminSecret)});
  const auto leaks = kt::findLeaks(host);
  REQUIRE(leaks.size() == 1);
  CHECK(leaks[0].find("secret credential part 'client_secret'") != std::string::npos);
  CHECK(leaks[0].find("as base64") != std::string::npos);
  CHECK(leaks[0].find(kAdminSecret) == std::string::npos);  // the finding never repeats the secret
}

TEST_CASE("a PAM User without example_account is refused naming the field, before the provider runs") {
  kt::InMemoryHost host;
  setUp(host);
  host.fields.erase("example_account");
  kt::InMemoryWriter writer;
  const kt::RunOutcome out = kt::runRotation(host, plugin(), writer);
  CHECK(out.exitCode == kt::kExitConfig);
  CHECK(out.error.code == "field.missing");
  CHECK(out.error.message.find("custom field 'example_account' is required by provider/example") != std::string::npos);
  CHECK(out.calls.empty());
  CHECK(host.totalCallbackCalls() == 0);
}

TEST_CASE("a writer failing at store makes the provider roll back once, and a dry run only validates") {
  kt::InMemoryHost host;
  setUp(host);
  kt::FailingWriter failing(kt::FailAt::Store);
  const kt::RunOutcome out = kt::runRotation(host, plugin(), failing);
  CHECK(out.failedStage == "store");
  CHECK(out.count("rollback") == 1);
  CHECK(out.rollbackOk);
  CHECK(host.logged("example: would remove example-key-1"));
  CHECK(host.keys(KR_KEY_CREATED) == std::vector<std::string>{"example-key-1"});

  kt::InMemoryWriter writer;
  kt::RunOptions dry;
  dry.dryRun = true;
  const kt::RunOutcome d = kt::runRotation(host, plugin(), writer, dry);
  CHECK(d.status == "dry-run");
  CHECK(d.calls == std::vector<std::string>{"provider/example validate", "writer/in-memory validate"});
  CHECK(host.results.empty());
  CHECK(writer.storeCalls == 0);
}
