// Record writer `ksm` (the default, durable): stores the rotation result in the PAM User record through Keeper
// Secrets Manager, the way Keeper's reference script does, but safely and for any provider:
//   validate  load the KSM config (--ksm-config, KSM_CONFIG, the Gateway's config) and read the PAM User record;
//   store     set every result the provider put (enumerated through the host, ABI 1.1), creating missing custom
//             fields as `secret` (hidden) for secret results and otherwise with the Keeper type the provider's
//             field metadata declares (default `text`), leaving every other field as it is, saved with the
//             revision just read; on a revision conflict (the Gateway may save this record's password during the
//             run) re-read and re-apply only those fields, bounded;
//   verify    read the record back and compare every stored value;
//   revert    put back what those fields held before (remove the ones created), again re-applying on top of
//             whatever else changed meanwhile.
//
// Why an immediate save plus a compensating revert rather than KSM's rotation transaction (update with
// transactionType "rotation", then finalize or rollback): what readers get while an update is staged is not
// documented (docs/ksm-protocol.md), so verify could only prove what other KSM applications read after finalize, when
// rollback is no longer possible; and a staged update left pending by a killed process keeps the record in limbo
// "indefinitely" (Keeper KSM-1095) while the Gateway itself needs to save this record's password. An immediate
// save is visible at once, verify reads exactly what every reader will read, and revert restores only our fields,
// so a failed verify leaves Keeper as it was without clobbering anybody else's change.
#include "field_update.hpp"

#include <kr_ksm/client.hpp>
#include <kr_ksm/config.hpp>
#include <kr_ksm/errors.hpp>
#include <kr_ksm/plugin_config.hpp>
#include <kr_ksm/record.hpp>
#include <keeper_rotate/json.hpp>
#include <keeper_rotate/sdk.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

using keeper_rotate::Context;
using keeper_rotate::Secret;
using keeper_rotate::ksm::KsmError;
namespace kk = keeper_rotate::ksm;
namespace kw = keeper_rotate::writers::ksm;

/// One result to store: its label, the Keeper field type it gets when the field has to be created, its value.
struct Output {
  std::string label;
  std::string type;
  bool secret = false;
  Secret value;
};

constexpr int kMaxSaveAttempts = 5;

bool sameValue(std::string_view a, std::string_view b) { return Secret(a).equals(b); }

/// A member of a field as text (a string as it is, a number or boolean converted); empty when missing or not a
/// scalar.
std::string textMember(const keeper_rotate::json::Object& field, const char* key) {
  const auto* value = field.find(key);
  return value != nullptr ? keeper_rotate::json::text(*value).value_or(std::string()) : std::string();
}

[[noreturn]] void rethrow(const KsmError& e, bool beforeAnyChange) {
  if (e.kind() == KsmError::Kind::Config) throw keeper_rotate::configError(e.code(), e.what());
  if (beforeAnyChange && e.kind() == KsmError::Kind::NotFound)
    throw keeper_rotate::configError("ksm.record_not_found", e.what());
  throw keeper_rotate::failure("ksm." + e.code(), e.what());
}

class KsmWriter final : public keeper_rotate::RecordWriter {
 public:
  static constexpr const char* kName = "ksm";
  static constexpr const char* kVersion = "0.2.0";
  static constexpr const char* kDescription =
      "Stores the provider's results in the PAM User record through Keeper Secrets Manager and reads them back";
  static constexpr std::uint32_t kCapabilities = KR_WRITER_DURABLE;
  // No kFields: which fields it writes is the provider's OUTPUT metadata (plugins describe <provider>).

  void validate(Context& ctx) override {
    uid_ = std::string(ctx.input("userRecordUid").value_or(""));
    if (uid_.empty())
      throw keeper_rotate::configError("input.userRecordUid",
                                       "ksm: the Gateway input has no userRecordUid; nothing names the PAM User record");
    const CurrentContext bound(*this, ctx);
    try {
      kk::ClientOptions options;
      // The client lives across operations but a Context is valid only inside the one it was passed to, so the
      // client logs through whichever operation is running now.
      options.log = [this](const std::string& line) {
        if (current_ != nullptr) current_->debug("ksm: " + line);
      };
      client_ = std::make_unique<kk::Client>(kk::loadConfigFor(ctx), std::move(options));
      ctx.debug("ksm: using KSM configuration from " + client_->config().source + ", host " + client_->config().hostname);
      const kk::Record record = client_->getRecord(uid_);
      if (!record.isEditable)
        throw keeper_rotate::configError(
            "ksm.read_only", "ksm: the KSM application can read PAM User record " + uid_ +
                                 " but not edit it; give the application edit rights on its shared folder");
      // The values about to be replaced must never show up in output either: every field of the record that
      // is hidden, or that has the label of a secret output, is registered before anything else happens.
      registerOldSecrets(ctx, *record.data);
      ctx.debug("ksm: PAM User record " + uid_ + " (" + record.type() + ", revision " +
                std::to_string(record.revision) + ") is readable and editable");
    } catch (const KsmError& e) {
      rethrow(e, true);
    }
  }

  void store(Context& ctx) override {
    const CurrentContext bound(*this, ctx);
    requireClient();
    std::vector<Output> values = outputs(ctx);
    if (values.empty())
      throw keeper_rotate::failure("ksm.no_results", "ksm: the provider produced no result; nothing to store");
    bool snapshotTaken = false;
    auto apply = [&](keeper_rotate::json::Object& data) {
      if (!snapshotTaken) {  // what our fields held before this run, for revert()
        for (const auto& out : values) {
          auto old = kk::firstValueByLabel(data, out.label);
          previous_[out.label] = old ? std::optional<Secret>(Secret(*old)) : std::nullopt;
        }
        snapshotTaken = true;
      }
      for (const auto& out : values) kk::setFieldValue(data, out.label, out.type, out.value.reveal());
    };
    auto applied = [&](const keeper_rotate::json::Object& data) {
      for (const auto& out : values) {
        auto now = kk::firstValueByLabel(data, out.label);
        if (!now || !sameValue(*now, out.value.reveal())) return false;
      }
      return true;
    };
    try {
      const auto outcome = kw::updateFields(*client_, uid_, apply, applied, kMaxSaveAttempts,
                                            [&ctx](const std::string& line) { ctx.info("ksm: " + line); });
      stored_.clear();
      for (const auto& out : values) stored_.push_back({out.label, out.type, out.secret, out.value.clone()});
      ctx.info("ksm: stored " + labels() + " in PAM User record " + uid_ + " (" + std::to_string(outcome.attempts) +
               " save(s), " + std::to_string(outcome.conflicts) + " revision conflict(s))");
    } catch (const KsmError& e) {
      rethrow(e, false);
    }
  }

  void verify(Context& ctx) override {
    const CurrentContext bound(*this, ctx);
    requireClient();
    if (stored_.empty()) throw keeper_rotate::failure("ksm.not_stored", "ksm: verify called before store");
    try {
      const kk::Record record = client_->getRecord(uid_);
      std::string mismatched;
      for (const auto& out : stored_) {
        auto now = kk::firstValueByLabel(*record.data, out.label);
        if (!now || !sameValue(*now, out.value.reveal())) mismatched += (mismatched.empty() ? "" : ", ") + out.label;
      }
      if (!mismatched.empty())
        throw keeper_rotate::failure("ksm.verify_mismatch", "ksm: read-back of PAM User record " + uid_ +
                                                                " does not match what was stored in: " + mismatched);
      for (const auto& out : stored_) {
        if (!out.secret) continue;
        if (const auto* field = kk::findFieldByLabel(*record.data, out.label);
            field && textMember(*field, "type") != "secret")
          ctx.warn("ksm: field " + out.label + " on record " + uid_ + " is of type '" + textMember(*field, "type") +
                   "', not a hidden 'secret' field; consider changing it");
      }
      ctx.info("ksm: read back PAM User record " + uid_ + " (revision " + std::to_string(record.revision) +
               "): " + labels() + " match");
    } catch (const KsmError& e) {
      rethrow(e, false);
    }
  }

  void revert(Context& ctx) override {
    const CurrentContext bound(*this, ctx);
    if (!client_ || stored_.empty()) {
      ctx.debug("ksm: revert: nothing was stored");
      return;
    }
    // Restore a field only while it still holds what we wrote: a newer value belongs to someone else.
    auto apply = [&](keeper_rotate::json::Object& data) {
      for (const auto& out : stored_) {
        auto now = kk::firstValueByLabel(data, out.label);
        if (!now || !sameValue(*now, out.value.reveal())) continue;
        const auto& before = previous_[out.label];
        if (before) {
          kk::setFieldValue(data, out.label, out.type, before->reveal());
        } else {
          kk::removeCustomField(data, out.label);
        }
      }
    };
    auto applied = [&](const keeper_rotate::json::Object& data) {
      for (const auto& out : stored_) {
        auto now = kk::firstValueByLabel(data, out.label);
        const auto& before = previous_[out.label];
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
  /// Every result of the run with the field type it is created as: hidden `secret` for a secret result, else the
  /// type the provider's metadata declares (a provider may ask for e.g. `url`), else `text`.
  static std::vector<Output> outputs(const Context& ctx) {
    std::vector<Output> out;
    for (const auto& r : ctx.results()) {
      Output o;
      o.label = std::string(r.label);
      o.secret = r.secret;
      const auto declared = ctx.resultFieldType(o.label.c_str());
      o.type = r.secret ? "secret" : declared && !declared->empty() ? std::string(*declared) : "text";
      o.value = Secret(r.value);
      out.push_back(std::move(o));
    }
    return out;
  }

  /// Values of hidden fields and of fields under a secret output's label, as they are before the run.
  static void registerOldSecrets(const Context& ctx, const keeper_rotate::json::Object& data) {
    for (const char* section : {"fields", "custom"}) {
      const auto* list = data.findArray(section);
      if (list == nullptr) continue;
      for (const auto& item : *list) {
        if (!item.isObject()) continue;
        const auto& field = item.object();
        const std::string label = textMember(field, "label");
        const auto type = ctx.resultFieldType(label.c_str());
        if (textMember(field, "type") != "secret" && !(type && *type == "secret")) continue;
        const auto* values = field.findArray("value");
        if (values == nullptr) continue;
        for (const auto& value : *values)
          if (value.isString()) ctx.registerSecret(value.string());
      }
    }
  }

  std::string labels() const {
    std::string s;
    for (const auto& out : stored_) s += (s.empty() ? "" : ", ") + out.label;
    return s.empty() ? std::string("(no fields)") : s;
  }

  /// Points current_ at the running operation's Context for as long as the operation runs.
  struct CurrentContext {
    CurrentContext(KsmWriter& w, const Context& ctx) : writer(w) { writer.current_ = &ctx; }
    ~CurrentContext() { writer.current_ = nullptr; }
    CurrentContext(const CurrentContext&) = delete;
    CurrentContext& operator=(const CurrentContext&) = delete;
    KsmWriter& writer;
  };

  const Context* current_ = nullptr;
  std::string uid_;
  std::unique_ptr<kk::Client> client_;
  std::map<std::string, std::optional<Secret>> previous_;
  std::vector<Output> stored_;
};

}  // namespace

KEEPER_ROTATE_REGISTER_RECORD_WRITER(KsmWriter)
