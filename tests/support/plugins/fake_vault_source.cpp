// Test credential source `fake-vault`: takes client_id/client_secret from a record in `records` (other than the
// PAM User) carrying fake_admin_id and fake_admin_token. A record with only fake_admin_id yields an incomplete
// credential (OK without client_secret), which the host must reject. No such record: nothing available.
#include <keeper_rotate/sdk.hpp>

#include <string>

namespace {

using keeper_rotate::Context;
using keeper_rotate::Field;

class FakeVaultSource final : public keeper_rotate::CredentialSource {
 public:
  static constexpr const char* kName = "fake-vault";
  static constexpr const char* kVersion = "0.0.1";
  static constexpr const char* kDescription = "Test source: admin credential from an attached record";
  static constexpr kr_field_spec kFields[] = {
      Field::input("fake_admin_id").onOtherRecord().describe("admin id on the attached record"),
      Field::input("fake_admin_token").secret().onOtherRecord().describe("admin token on the attached record"),
  };

  bool resolve(Context& ctx) override {
    const std::string user(ctx.input("userRecordUid").value_or(""));
    for (std::size_t i = 0; i < ctx.recordCount(); ++i) {
      if (ctx.record(i, "uid").value_or("") == user) continue;
      const auto id = ctx.record(i, "fake_admin_id");
      if (!id) continue;
      ctx.putCredential("tenant_id", "fake-vault-tenant", false);
      ctx.putCredential("client_id", *id, false);
      if (const auto token = ctx.record(i, "fake_admin_token")) ctx.putCredential("client_secret", *token, true);
      return true;
    }
    return false;
  }
};

}  // namespace

KEEPER_ROTATE_REGISTER_CREDENTIAL_SOURCE(FakeVaultSource)
