// Record writer `stdout`: stores nothing. It shows what a durable writer would store in the PAM User record, with
// every secret value replaced by [redacted], and declares itself non-durable (kCapabilities = 0). The host therefore
// runs the rotation as a rehearsal: the new credential is created and proven, shown here, then removed again, and
// old credentials are never touched (CONTRACT section 5).
//
// What it shows goes to the log (stderr), never to stdout: stdout carries only the host's JSON summary line.
#include <keeper_rotate/sdk.hpp>

#include <string>
#include <string_view>

namespace {

using keeper_rotate::Context;
using keeper_rotate::Field;

/// The OUTPUT labels of the first-party providers and whether their value is secret. The host API has no way to
/// enumerate results or read their secret flag (see the report on kr_host_api), so the writer asks for these by
/// name. Anything not listed here as non-secret is shown redacted.
struct KnownOutput {
  const char* label;
  bool secret;
};
constexpr KnownOutput kKnownOutputs[] = {
    {"client_secret_id", false},
    {"client_secret", true},
    {"expires", false},
};

class StdoutWriter final : public keeper_rotate::RecordWriter {
 public:
  static constexpr const char* kName = "stdout";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr const char* kDescription =
      "Rehearsal writer: shows what would be stored (secrets redacted) and stores nothing; the new secret is "
      "removed again and old secrets are kept";
  static constexpr std::uint32_t kCapabilities = 0;  // not durable
  static constexpr kr_field_spec kFields[] = {
      Field::input("record_writer").describe("Set to 'stdout' on the PAM User record to rehearse a rotation"),
  };

  void validate(Context& ctx) override {
    auto uid = ctx.input("userRecordUid");
    if (!uid || uid->empty())
      throw keeper_rotate::configError("input.userRecordUid",
                                       "the Gateway input has no userRecordUid; nothing identifies the PAM "
                                       "User record the result belongs to");
  }

  void store(Context& ctx) override {
    const std::string uid(ctx.input("userRecordUid").value_or(""));
    ctx.info("rehearsal, nothing is stored. A durable writer would update PAM User record " + uid + ":");
    int shown = 0;
    for (const auto& out : kKnownOutputs) {
      auto value = ctx.result(out.label);
      if (!value) continue;
      ++shown;
      const std::string text = out.secret ? std::string("[redacted]") : std::string(*value);
      ctx.info("  " + std::string(out.label) + " = " + text);
    }
    if (shown == 0) ctx.warn("the provider produced none of the fields this writer knows how to show");
  }

  // Nothing durable to compare: the rehearsal's read-back is trivially consistent.
  void verify(Context& ctx) override { ctx.debug("verify: nothing was stored, nothing to compare"); }

  void revert(Context& ctx) override { ctx.debug("revert: nothing was stored, nothing to revert"); }
};

}  // namespace

KEEPER_ROTATE_REGISTER_RECORD_WRITER(StdoutWriter)
