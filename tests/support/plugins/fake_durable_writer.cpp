// Test writer `fake-durable`: declares itself durable and stores the results as label=value lines in a file
// (field fake_store_file), so the host runs the full rotation. Steps fail on request through
// fake_writer_fail_at = comma-separated steps: validate, store, verify, revert.
#include "fake_state.hpp"

#include <keeper_rotate/sdk.hpp>

#include <string>
#include <vector>

namespace {

using keeper_rotate::Context;
using keeper_rotate::Field;

constexpr const char* kLabels[] = {"client_secret_id", "client_secret", "expires"};

class FakeDurableWriter final : public keeper_rotate::RecordWriter {
 public:
  static constexpr const char* kName = "fake-durable";
  static constexpr const char* kVersion = "0.0.1";
  static constexpr const char* kDescription = "Test writer: durable, stores results in a file, scriptable failures";
  static constexpr std::uint32_t kCapabilities = KR_WRITER_DURABLE;
  static constexpr kr_field_spec kFields[] = {
      Field::input("fake_store_file").required().describe("file standing in for the Keeper record"),
      Field::input("fake_writer_fail_at").describe("steps that fail (comma-separated)"),
  };

  void validate(Context& ctx) override { failIf(ctx, "validate"); }

  void store(Context& ctx) override {
    previous_ = fake::readLines(file(ctx));
    failIf(ctx, "store");
    fake::writeLines(file(ctx), expected(ctx));
  }

  void verify(Context& ctx) override {
    failIf(ctx, "verify");
    if (fake::readLines(file(ctx)) != expected(ctx))
      throw keeper_rotate::failure("fake.verify", "fake-durable: read-back differs from what was stored");
  }

  void revert(Context& ctx) override {
    failIf(ctx, "revert");
    fake::writeLines(file(ctx), previous_);
  }

 private:
  static std::string file(Context& ctx) { return std::string(ctx.requireField("fake_store_file")); }
  static void failIf(Context& ctx, const char* step) {
    if (fake::listed(ctx.field("fake_writer_fail_at").value_or(""), step))
      throw keeper_rotate::failure(std::string("fake.") + step, std::string("fake-durable: configured to fail at ") + step);
  }
  static std::vector<std::string> expected(Context& ctx) {
    std::vector<std::string> lines;
    for (const char* label : kLabels)
      if (auto v = ctx.result(label)) lines.push_back(std::string(label) + "=" + std::string(*v));
    return lines;
  }

  std::vector<std::string> previous_;
};

}  // namespace

KEEPER_ROTATE_REGISTER_RECORD_WRITER(FakeDurableWriter)
