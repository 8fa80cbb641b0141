// Record writer `stdout`: stores nothing. It shows what a durable writer would store in the PAM User record, with
// every secret value replaced by [REDACTED], and declares itself non-durable (kCapabilities = 0). The host therefore
// runs the rotation as a rehearsal: the new credential is created and proven, shown here, then removed again, and
// old credentials are never touched (CONTRACT section 5).
//
// What it shows goes to the log (stderr), never to stdout: stdout carries only the host's JSON summary line.
#include <keeper_rotate/sdk.hpp>

#include <string>
#include <string_view>

namespace {

using keeper_rotate::Context;

/// Hosts older than ABI 1.1 cannot enumerate results, so there the writer asks for the OUTPUT labels of the
/// first-party providers by name; a label not listed here as non-secret would be shown redacted.
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
  // No kFields: the writer reads no record field. It is chosen through the host's own `record_writer` field.

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
    auto show = [&](std::string_view label, std::string_view value, bool secret) {
      ++shown;
      ctx.info("  " + std::string(label) + " = " + (secret ? std::string("[REDACTED]") : std::string(value)));
    };
#if KR_ABI_MINOR >= 1
    // Every result, whatever the provider; the host's secret flag covers both put-as-secret values and labels
    // that plugin metadata declares secret.
    for (const auto& r : ctx.results()) show(r.label, r.value, r.secret);
#endif
    if (shown == 0)
      for (const auto& out : kKnownOutputs)
        if (auto value = ctx.result(out.label)) show(out.label, *value, out.secret);
    if (shown == 0) ctx.warn("the provider produced no result to show");
  }

  // Nothing durable to compare: the rehearsal's read-back is trivially consistent.
  void verify(Context& ctx) override { ctx.debug("verify: nothing was stored, nothing to compare"); }

  void revert(Context& ctx) override { ctx.debug("revert: nothing was stored, nothing to revert"); }
};

}  // namespace

KEEPER_ROTATE_REGISTER_RECORD_WRITER(StdoutWriter)
