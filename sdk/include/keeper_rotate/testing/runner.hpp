// keeper_rotate::testing — a test double of the host's rotation pipeline, driving a provider and a writer over an
// InMemoryHost in the host's order and with its failure handling:
//
//   fields validated (provider's and writer's kFields on the PAM User; nothing is called on a problem)
//   -> admin credential complete -> provider validate -> writer validate     [--dry-run ends here]
//   -> provider create -> provider prove -> writer store
//        non-durable writer: rehearsal, provider rollback, done
//   -> writer verify -> provider retire (only after a durable write was read back)
//
// A failure after create rolls the new credential back (provider rollback, at most once; after a create failure
// only when the provider reported KR_KEY_CREATED). A failure after store first reverts the record when the writer
// can; when that revert fails the new credential is kept, because Keeper may hold it. Exit codes and status words
// are the host's: 0 rotated, 3 config-error, 4 failed, 5 retire-incomplete, 6 rollback-failed, plus "rehearsed"
// and "dry-run" with exit 0.
#pragma once

#include <keeper_rotate/testing/field_check.hpp>
#include <keeper_rotate/testing/in_memory_host.hpp>
#include <keeper_rotate/testing/operation.hpp>
#include <keeper_rotate/testing/plugin.hpp>
#include <keeper_rotate/testing/writers.hpp>
#include <keeper_rotate/text.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace keeper_rotate::testing {

enum ExitCode { kExitOk = 0, kExitConfig = 3, kExitFailed = 4, kExitRetireIncomplete = 5, kExitRollbackFailed = 6 };

struct RunOptions {
  bool dryRun = false;
  /// Keep what the host recorded in earlier runs (results, key events, logs); normally each run starts clean.
  bool keepRecorded = false;
};

struct RunOutcome {
  int exitCode = kExitOk;
  /// rotated, rehearsed, dry-run, config-error, failed, retire-incomplete, rollback-failed
  std::string status;
  /// The step that failed ("validate", "create", "prove", "store", "verify", "retire", "rollback"); empty on success.
  std::string failedStage;
  StepResult error;
  /// Every field problem on the PAM User (the run stopped at the first, as the host does).
  std::vector<FieldProblem> fieldProblems;
  /// Every operation called, in order: "provider/example validate", "writer/in-memory store", ...
  std::vector<std::string> calls;
  bool rollbackAttempted = false;
  bool rollbackOk = false;
  StepResult rollbackError;
  std::vector<std::string> plan;  ///< what a dry run would do

  bool ok() const noexcept { return exitCode == kExitOk; }
  /// How often an operation whose call text ends with `stage` (" rollback", " store") was called.
  int count(const std::string& stage) const {
    int n = 0;
    for (const auto& c : calls)
      if (c.size() > stage.size() && c.compare(c.size() - stage.size(), stage.size(), stage) == 0 &&
          c[c.size() - stage.size() - 1] == ' ')
        ++n;
    return n;
  }
  std::string text() const {
    std::string t = "status " + status + " (exit " + std::to_string(exitCode) + ")";
    if (!failedStage.empty()) t += ", failed at " + failedStage + ": " + error.code + ": " + error.message;
    if (rollbackAttempted)
      t += rollbackOk ? std::string(", rolled back") : ", rollback failed: " + rollbackError.message;
    t += "; calls: " + (calls.empty() ? std::string("none") : text::join(calls));
    return t;
  }
};

class Runner {
 public:
  Runner(InMemoryHost& host, const Plugin& provider, Writer& writer)
      : host_(host), provider_(provider), writer_(writer) {
    if (provider_.kind() != KR_KIND_PROVIDER) throw LoadError(provider_.origin() + " is not a provider");
  }

  RunOutcome run(const RunOptions& options = {}) {
    out_ = RunOutcome{};
    if (!options.keepRecorded) host_.clearRecorded();
    host_.declare(provider_);
    const std::vector<kr_field_spec> writerFields = writer_.fields();
    host_.declareFields(writerFields.data(), writerFields.size(), false);
    host_.settings["dry_run"] = options.dryRun ? "1" : "0";
    const bool durable = writer_.durable();
    host_.settings["rehearsal"] = durable ? "0" : "1";  // as the host sets it (abi.h, setting_get)

    // 1. Validate, before anything is called: fields, then the admin credential.
    const Record pamUser = host_.pamUser();
    out_.fieldProblems = checkFields(provider_.fields(), pamUser, provider_.origin());
    for (auto& p : checkFields(writerFields, pamUser, writer_.origin())) out_.fieldProblems.push_back(p);
    if (!out_.fieldProblems.empty()) {
      const FieldProblem& first = out_.fieldProblems.front();
      return fail(kExitConfig, "validate", StepResult::failed(KR_ERR_CONFIG, first.code, first.message));
    }
    std::vector<std::string> missing;
    for (const auto& name : provider_.requiredCredentials()) {
      const auto it = host_.credentials.find(name);
      if (it == host_.credentials.end() || it->second.empty()) missing.push_back(name);
    }
    if (!missing.empty())
      return fail(kExitConfig, "validate",
                  StepResult::failed(KR_ERR_CONFIG, "credential.unavailable",
                                     "no admin credential with " + text::join(provider_.requiredCredentials()) +
                                         " found: the test host's credentials lack " + text::join(missing)));

    Instance provider(provider_, host_);
    writer_.begin(host_);
    struct EndWriter {
      Writer& w;
      ~EndWriter() { w.end(); }
    } endWriter{writer_};
    const kr_provider_ops& ops = *provider_.provider();
    auto prov = [&](kr_operation_fn fn, const char* stage) {
      out_.calls.push_back(provider_.origin() + " " + stage);
      return provider.call(fn, stage);
    };
    auto wr = [&](StepResult (Writer::*fn)(InMemoryHost&), const char* stage) {
      out_.calls.push_back(writer_.origin() + " " + stage);
      host_.beginOperation(writer_.origin(), stage);
      return (writer_.*fn)(host_);
    };
    auto validateExit = [](kr_status s) {
      return (s == KR_ERR_CONFIG || s == KR_ERR_UNAVAILABLE) ? kExitConfig : kExitFailed;
    };

    if (StepResult r = prov(ops.validate, "validate"); !r.ok()) return fail(validateExit(r.status), "validate", r);
    if (StepResult r = wr(&Writer::validate, "validate"); !r.ok()) return fail(validateExit(r.status), "validate", r);
    if (options.dryRun) {
      out_.plan = {"validate: fields, admin credential, " + provider_.origin() + ", " + writer_.origin(),
                   "create a new credential with " + provider_.origin(), "prove the new credential works",
                   durable ? "store it with " + writer_.origin() + " and read it back"
                           : "show it through " + writer_.origin() + " (not durable: rehearsal)",
                   durable ? std::string("retire old credentials as the PAM User's policy says")
                           : std::string("remove the new credential again; old credentials are never touched")};
      for (const auto& step : out_.plan) log(KR_LOG_INFO, "plan: " + step);
      out_.status = "dry-run";
      return out_;
    }
    if (!durable) log(KR_LOG_INFO, "record writer " + writer_.origin() + " is not durable: this run is a rehearsal");

    // 2. Create.
    if (StepResult r = prov(ops.create, "create"); !r.ok()) {
      if (host_.keys(KR_KEY_CREATED).empty()) return fail(kExitFailed, "create", r);
      undo("create", r, false, prov);  // the provider got as far as creating a credential: remove it
      return out_;
    }
    log(KR_LOG_INFO, "created new credential " + newKeyIds());

    // 3. Prove, 4. store (and read back).
    if (StepResult r = prov(ops.prove, "prove"); !r.ok()) {
      undo("prove", r, false, prov);
      return out_;
    }
    if (StepResult r = wr(&Writer::store, "store"); !r.ok()) {
      undo("store", r, false, prov);
      return out_;
    }
    if (!durable) {
      if (!rollback(prov)) {
        fail(kExitRollbackFailed, "rollback",
             StepResult::failed(KR_ERR_FAILED, out_.rollbackError.code,
                                "rehearsal could not remove the new credential " + newKeyIds() + ": " +
                                    out_.rollbackError.message));
        return out_;
      }
      out_.status = "rehearsed";
      return out_;
    }
    if (StepResult r = wr(&Writer::verify, "verify"); !r.ok()) {
      undo("verify", r, true, prov);
      return out_;
    }

    // 5. Retire, only after a durable write was read back.
    StepResult r = prov(ops.retire, "retire");
    const std::vector<std::string> remaining = host_.keys(KR_KEY_REMAINING);
    if (!r.ok() || !remaining.empty()) {
      if (r.ok()) r = StepResult::failed(KR_ERR_FAILED, "retire.incomplete", "some old credentials remain");
      r.message = "the new credential is stored and works, but retiring old ones failed: " + r.message +
                  (remaining.empty() ? std::string(" (no remaining key ids reported)")
                                     : " (remaining: " + text::join(remaining) + ")");
      return fail(kExitRetireIncomplete, "retire", r);
    }
    out_.status = "rotated";
    return out_;
  }

 private:
  static const char* statusFor(int exitCode) {
    switch (exitCode) {
      case kExitOk: return "rotated";
      case kExitConfig: return "config-error";
      case kExitFailed: return "failed";
      case kExitRetireIncomplete: return "retire-incomplete";
      case kExitRollbackFailed: return "rollback-failed";
    }
    return "internal-error";
  }

  RunOutcome& fail(int exitCode, const char* stage, const StepResult& r) {
    out_.exitCode = exitCode;
    out_.status = statusFor(exitCode);
    out_.failedStage = stage;
    out_.error = r;
    return out_;
  }

  void log(kr_log_level level, const std::string& text) { host_.logs.push_back({level, "host", text}); }

  std::string newKeyIds() const {
    const auto created = host_.keys(KR_KEY_CREATED);
    return created.empty() ? std::string("(no key id reported)") : text::join(created);
  }

  template <class Prov>
  bool rollback(Prov& prov) {
    out_.rollbackAttempted = true;
    const StepResult r = prov(provider_.provider()->rollback, "rollback");
    out_.rollbackOk = r.ok();
    if (!r.ok()) {
      out_.rollbackError = r;
      log(KR_LOG_ERROR, "rollback failed: the new credential " + newKeyIds() +
                            " still exists and must be removed by hand: " + r.message);
    } else {
      log(KR_LOG_INFO, "rollback: the new credential " + newKeyIds() + " was removed again");
    }
    return r.ok();
  }

  template <class Prov>
  void undo(const char* stage, const StepResult& failure, bool storeSucceeded, Prov& prov) {
    fail(kExitFailed, stage, failure);
    if (storeSucceeded && writer_.canRevert()) {
      out_.calls.push_back(writer_.origin() + " revert");
      host_.beginOperation(writer_.origin(), "revert");
      const StepResult rv = writer_.revert(host_);
      if (!rv.ok()) {
        // Keeper may hold the new credential now; removing it would leave Keeper without a working one.
        out_.exitCode = kExitRollbackFailed;
        out_.status = statusFor(kExitRollbackFailed);
        out_.rollbackAttempted = true;
        out_.rollbackOk = false;
        out_.rollbackError = StepResult::failed(rv.status, rv.code,
                                                "the record could not be reverted (" + rv.message +
                                                    "), so the new credential " + newKeyIds() +
                                                    " was left in place");
        log(KR_LOG_ERROR, out_.rollbackError.message);
        return;
      }
    }
    if (!rollback(prov)) {
      out_.exitCode = kExitRollbackFailed;
      out_.status = statusFor(kExitRollbackFailed);
    }
  }

  InMemoryHost& host_;
  const Plugin& provider_;
  Writer& writer_;
  RunOutcome out_;
};

/// One run of `provider` with `writer` over `host`.
inline RunOutcome runRotation(InMemoryHost& host, const Plugin& provider, Writer& writer,
                              const RunOptions& options = {}) {
  return Runner(host, provider, writer).run(options);
}

}  // namespace keeper_rotate::testing
