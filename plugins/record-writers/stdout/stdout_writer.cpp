// Record writer `stdout`: stores nothing. It shows what a durable writer would store in the PAM User record, with
// every secret value replaced by [REDACTED], and declares itself non-durable (kCapabilities = 0). The host therefore
// runs the rotation as a rehearsal: the new credential is created and proven, shown here, then removed again, and
// old credentials are never touched (docs/contract.md, "The rotation, in order").
//
// What it shows goes to the log (stderr), never to stdout: stdout carries only the host's JSON summary line.
#include <keeper_rotate/sdk.hpp>

#include <string>
#include <string_view>

namespace {

using keeper_rotate::Context;

// Built with the SDK's default minimum host minor (its own), so every host that loads this writer can enumerate
// results: it shows whatever any provider produced and names no provider's labels.
class StdoutWriter final : public keeper_rotate::RecordWriter {
 public:
  static constexpr const char* kName = "stdout";
  static constexpr const char* kVersion = "0.2.0";
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
    // Every result, whatever the provider; the host's secret flag covers both put-as-secret values and labels
    // that plugin metadata declares secret.
    const auto results = ctx.results();
    for (const auto& r : results)
      ctx.info("  " + std::string(r.label) + " = " + (r.secret ? std::string("[REDACTED]") : std::string(r.value)));
    if (results.empty()) ctx.warn("the provider produced no result to show");
  }

  // Nothing durable to compare: the rehearsal's read-back is trivially consistent.
  void verify(Context& ctx) override { ctx.debug("verify: nothing was stored, nothing to compare"); }

  void revert(Context& ctx) override { ctx.debug("revert: nothing was stored, nothing to revert"); }
};

}  // namespace

KEEPER_ROTATE_REGISTER_RECORD_WRITER(StdoutWriter)
