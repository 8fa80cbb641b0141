// Record writer `ksm` (the default, durable): stores the rotation result in the PAM User record through Keeper
// Secrets Manager, the way Keeper's reference script does, but safely:
//   validate  load the KSM config (--ksm-config, KSM_CONFIG, the Gateway's config) and read the PAM User record;
//   store     set client_secret_id (text), client_secret (secret, hidden) and expires (text), creating missing
//             custom fields, leaving every other field as it is, saved with the revision just read; on a revision
//             conflict (the Gateway may save this record's password during the run) re-read and re-apply only our
//             fields, bounded;
//   verify    read the record back and compare every stored value;
//   revert    put back what our three fields held before (remove the ones we created), again re-applying on top
//             of whatever else changed meanwhile.
//
// Why an immediate save plus a compensating revert rather than KSM's rotation transaction (update with
// transactionType "rotation", then finalize or rollback): what readers get while an update is staged is not
// documented (reference §8.3), so verify could only prove what other KSM applications read after finalize, when
// rollback is no longer possible; and a staged update left pending by a killed process keeps the record in limbo
// "indefinitely" (Keeper KSM-1095) while the Gateway itself needs to save this record's password. An immediate
// save is visible at once, verify reads exactly what every reader will read, and revert restores only our fields,
// so a failed verify leaves Keeper as it was without clobbering anybody else's change.
#include "field_update.hpp"

#include <kr_ksm/client.hpp>
#include <kr_ksm/config.hpp>
#include <kr_ksm/errors.hpp>
#include <kr_ksm/record.hpp>
#include <keeper_rotate/sdk.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

using keeper_rotate::Context;
using keeper_rotate::Field;
using keeper_rotate::Secret;
using keeper_rotate::ksm::KsmError;
namespace kk = keeper_rotate::ksm;
namespace kw = keeper_rotate::writers::ksm;

/// The fields this writer stores: the OUTPUT labels of the Azure app-secret provider (CONTRACT §3), with the Keeper
/// field type each one gets when it has to be created. The host API cannot enumerate results, so they are named.
struct OutputField {
  const char* label;
  const char* type;
};
constexpr OutputField kOutputs[] = {{"client_secret_id", "text"}, {"client_secret", "secret"}, {"expires", "text"}};

constexpr int kMaxSaveAttempts = 5;

bool sameValue(std::string_view a, std::string_view b) { return Secret(a).equals(b); }

[[noreturn]] void rethrow(const KsmError& e, bool beforeAnyChange) {
  if (e.kind() == KsmError::Kind::Config) throw keeper_rotate::configError(e.code(), e.what());
  if (beforeAnyChange && e.kind() == KsmError::Kind::NotFound)
    throw keeper_rotate::configError("ksm.record_not_found", e.what());
  throw keeper_rotate::failure("ksm." + e.code(), e.what());
}

class KsmWriter final : public keeper_rotate::RecordWriter {
 public:
  static constexpr const char* kName = "ksm";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr const char* kDescription =
      "Stores client_secret_id, client_secret and expires in the PAM User record through Keeper Secrets Manager";
  static constexpr std::uint32_t kCapabilities = KR_WRITER_DURABLE;
  static constexpr kr_field_spec kFields[] = {
      Field::output("client_secret_id").describe("Written: key id of the new secret"),
      Field::output("client_secret").secret().describe("Written (hidden field): the new secret value"),
      Field::output("expires").describe("Written: end of validity of the new secret, ISO-8601 UTC"),
  };

  void validate(Context& ctx) override {
    uid_ = std::string(ctx.input("userRecordUid").value_or(""));
    if (uid_.empty())
      throw keeper_rotate::configError("input.userRecordUid",
                                       "ksm: the Gateway input has no userRecordUid; nothing names the PAM User record");
    try {
      kk::ConfigLocations where;
      if (auto path = ctx.setting("ksm_config"); path && !path->empty()) where.explicitFile = std::string(*path);
      kk::ClientOptions options;
      options.log = [&ctx](const std::string& line) { ctx.debug("ksm: " + line); };
      client_ = std::make_unique<kk::Client>(kk::loadConfig(where), std::move(options));
      ctx.debug("ksm: using KSM configuration from " + client_->config().source + ", host " + client_->config().hostname);
      const kk::Record record = client_->getRecord(uid_);
      if (!record.isEditable)
        throw keeper_rotate::configError(
            "ksm.read_only", "ksm: the KSM application can read PAM User record " + uid_ +
                                 " but not edit it; give the application edit rights on its shared folder");
      for (const auto& out : kOutputs)
        if (auto old = kk::firstValueByLabel(*record.data, out.label); old && std::string(out.type) == "secret")
          ctx.registerSecret(*old);  // the value being replaced must never show up in output either
      ctx.debug("ksm: PAM User record " + uid_ + " (" + record.type() + ", revision " +
                std::to_string(record.revision) + ") is readable and editable");
    } catch (const KsmError& e) {
      rethrow(e, true);
    }
  }

  void store(Context& ctx) override {
    requireClient();
    std::vector<std::pair<const OutputField*, Secret>> values;
    for (const auto& out : kOutputs)
      if (auto v = ctx.result(out.label)) values.emplace_back(&out, Secret(*v));
    if (values.empty())
      throw keeper_rotate::failure("ksm.no_results", "ksm: the provider produced none of client_secret_id, "
                                                     "client_secret, expires; nothing to store");
    bool snapshotTaken = false;
    auto apply = [&](Poco::JSON::Object& data) {
      if (!snapshotTaken) {  // what our fields held before this run, for revert()
        for (const auto& [out, value] : values) {
          auto old = kk::firstValueByLabel(data, out->label);
          previous_[out->label] = old ? std::optional<Secret>(Secret(*old)) : std::nullopt;
        }
        snapshotTaken = true;
      }
      for (const auto& [out, value] : values) kk::setFieldValue(data, out->label, out->type, value.reveal());
    };
    auto applied = [&](const Poco::JSON::Object& data) {
      for (const auto& [out, value] : values) {
        auto now = kk::firstValueByLabel(data, out->label);
        if (!now || !sameValue(*now, value.reveal())) return false;
      }
      return true;
    };
    try {
      const auto outcome = kw::updateFields(*client_, uid_, apply, applied, kMaxSaveAttempts,
                                            [&ctx](const std::string& line) { ctx.info("ksm: " + line); });
      stored_.clear();
      for (const auto& [out, value] : values) stored_.emplace_back(out->label, value.clone());
      ctx.info("ksm: stored " + labels() + " in PAM User record " + uid_ + " (" + std::to_string(outcome.attempts) +
               " save(s), " + std::to_string(outcome.conflicts) + " revision conflict(s))");
    } catch (const KsmError& e) {
      rethrow(e, false);
    }
  }

  void verify(Context& ctx) override {
    requireClient();
    if (stored_.empty()) throw keeper_rotate::failure("ksm.not_stored", "ksm: verify called before store");
    try {
      const kk::Record record = client_->getRecord(uid_);
      std::string mismatched;
      for (const auto& [label, value] : stored_) {
        auto now = kk::firstValueByLabel(*record.data, label);
        if (!now || !sameValue(*now, value.reveal())) mismatched += (mismatched.empty() ? "" : ", ") + label;
      }
      if (!mismatched.empty())
        throw keeper_rotate::failure("ksm.verify_mismatch", "ksm: read-back of PAM User record " + uid_ +
                                                                " does not match what was stored in: " + mismatched);
      if (auto field = kk::findFieldByLabel(*record.data, "client_secret");
          field && field->optValue<std::string>("type", "") != "secret")
        ctx.warn("ksm: field client_secret on record " + uid_ + " is of type '" +
                 field->optValue<std::string>("type", "") + "', not a hidden 'secret' field; consider changing it");
      ctx.info("ksm: read back PAM User record " + uid_ + " (revision " + std::to_string(record.revision) +
               "): " + labels() + " match");
    } catch (const KsmError& e) {
      rethrow(e, false);
    }
  }

  void revert(Context& ctx) override {
    if (!client_ || stored_.empty()) {
      ctx.debug("ksm: revert: nothing was stored");
      return;
    }
    // Restore a field only while it still holds what we wrote: a newer value belongs to someone else.
    auto apply = [&](Poco::JSON::Object& data) {
      for (const auto& [label, written] : stored_) {
        auto now = kk::firstValueByLabel(data, label);
        if (!now || !sameValue(*now, written.reveal())) continue;
        const auto& before = previous_[label];
        if (before) {
          kk::setFieldValue(data, label, "text", before->reveal());
        } else {
          kk::removeCustomField(data, label);
        }
      }
    };
    auto applied = [&](const Poco::JSON::Object& data) {
      for (const auto& [label, written] : stored_) {
        auto now = kk::firstValueByLabel(data, label);
        const auto& before = previous_[label];
        if (before ? (!now || !sameValue(*now, before->reveal())) : now.has_value()) return false;
      }
      return true;
    };
    try {
      kw::updateFields(*client_, uid_, apply, applied, kMaxSaveAttempts,
                       [&ctx](const std::string& line) { ctx.info("ksm: " + line); });
      ctx.info("ksm: reverted " + labels() + " in PAM User record " + uid_ + " to their previous values");
      stored_.clear();
    } catch (const KsmError& e) {
      throw keeper_rotate::failure("ksm.revert_failed", std::string("ksm: could not restore the previous values of ") +
                                                            labels() + " in PAM User record " + uid_ + ": " + e.what());
    }
  }

 private:
  void requireClient() const {
    if (!client_) throw keeper_rotate::failure("ksm.not_validated", "ksm: store/verify called before validate");
  }
  std::string labels() const {
    std::string s;
    for (const auto& [label, value] : stored_) s += (s.empty() ? "" : ", ") + label;
    if (s.empty())
      for (const auto& out : kOutputs) s += (s.empty() ? "" : ", ") + std::string(out.label);
    return s;
  }

  std::string uid_;
  std::unique_ptr<kk::Client> client_;
  std::map<std::string, std::optional<Secret>> previous_;
  std::vector<std::pair<std::string, Secret>> stored_;
};

}  // namespace

KEEPER_ROTATE_REGISTER_RECORD_WRITER(KsmWriter)
