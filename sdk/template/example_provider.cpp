// Template provider: the smallest complete keeper-rotate provider. It rotates nothing real — each step only logs
// what a real provider would do — so replace the bodies with calls to your system. Keep the shape:
//   validate  check fields and credentials, change nothing (also what --dry-run runs)
//   create    make the new credential, putResult() its output fields, reportKey(KR_KEY_CREATED, id)
//   prove     show that the new credential works (bounded wait)
//   retire    remove old credentials; runs only after the writer stored and read back the result
//   rollback  remove what create made; the host calls it when a later step failed
// Throw keeper_rotate::configError(...) for what an admin must fix, keeper_rotate::failure(...) for run-time
// failures. Never put a secret value into a log line or an error message.
#include <keeper_rotate/sdk.hpp>

#include <string>

namespace {

using keeper_rotate::Context;
using keeper_rotate::CredentialPart;
using keeper_rotate::Field;

class ExampleProvider final : public keeper_rotate::Provider {
 public:
  static constexpr const char* kName = "example";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr const char* kDescription = "Template provider: shows the plugin shape, rotates nothing";
  static constexpr kr_field_spec kFields[] = {
      Field::input("example_account").required().describe("Account whose credential is rotated"),
      Field::input("example_lifetime_days").integer(1, 3650).defaultValue("90").describe(
          "Lifetime of the new credential in days"),
      Field::output("example_key_id").describe("Id of the new credential"),
      Field::output("example_secret").secret().describe("The new credential"),
  };
  // The admin credential this provider needs, and where each credential source finds it: a label on a record
  // attached to the PAM script (attached-record), a field of the PAM Configuration (pam-config), an environment
  // variable (env). `keeper-rotate plugins describe example` prints this table for admins.
  static constexpr const char* kCredentialScheme = "example-client-secret";
  static constexpr const char* kCredentialSubject = "admin app";
  static constexpr const char* kCredentialConfiguration = "Azure";
  static constexpr kr_credential_part kCredentialParts[] = {
      CredentialPart::named("client_id")
          .onAttachedRecord("application_client_id")
          .inPamConfiguration("clientId")
          .inEnvironment("AZURE_CLIENT_ID")
          .describe("the admin app's client id"),
      CredentialPart::named("client_secret")
          .secret()
          .onAttachedRecord("client_secret")
          .inPamConfiguration("clientSecret")
          .inEnvironment("AZURE_CLIENT_SECRET")
          .describe("a client secret of the admin app"),
  };

  void validate(Context& ctx) override {
    account_ = std::string(ctx.requireField("example_account"));
    if (!ctx.credential("client_id") || !ctx.credential("client_secret"))
      throw keeper_rotate::configError("example.credential", "no admin credential was resolved");
    ctx.info("example: would check access to account " + account_);
  }

  void create(Context& ctx) override {
    keyId_ = "example-key-1";
    // A real provider gets the value from its system and keeps it in a keeper_rotate::Secret.
    const keeper_rotate::Secret value(std::string_view("not-a-real-secret"));
    ctx.putResult("example_key_id", keyId_, false);
    ctx.putResult("example_secret", value.reveal(), true);
    ctx.reportKey(KR_KEY_CREATED, keyId_);
    ctx.info("example: created " + keyId_ + " for " + account_);
  }

  void prove(Context& ctx) override { ctx.info("example: would sign in with " + keyId_); }
  void retire(Context& ctx) override { ctx.info("example: would remove the credentials older than " + keyId_); }
  void rollback(Context& ctx) override { ctx.info("example: would remove " + keyId_); }

 private:
  std::string account_;
  std::string keyId_;
};

}  // namespace

KEEPER_ROTATE_REGISTER_PROVIDER(ExampleProvider)
