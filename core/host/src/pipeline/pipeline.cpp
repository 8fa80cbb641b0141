#include "pipeline/pipeline.hpp"

#include "selection/credential_chain.hpp"

#include <keeper_rotate/text.hpp>

#include <algorithm>
#include <cstddef>
#include <ctime>
#include <unistd.h>

namespace keeper_rotate::host {
namespace {

bool isCleanupStage(const std::string& stage) { return stage == "retire" || stage == "revert" || stage == "rollback"; }

std::string utcNow() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int validateExit(kr_status s) {
  // CONFIG/UNAVAILABLE: something to fix in Keeper or Entra; FAILED/INTERNAL: the check itself failed (network,
  // plugin bug). Either way nothing was changed.
  return (s == KR_ERR_CONFIG || s == KR_ERR_UNAVAILABLE) ? kExitConfig : kExitFailed;
}

}  // namespace

Pipeline::Pipeline(RunState& run, PluginInstance& provider, PluginInstance& writer,
                   std::vector<std::unique_ptr<PluginInstance>>& sources, bool explicitSource, bool dryRun,
                   RunBudget budget, JournalContext journal)
    : run_(run), provider_(provider), writer_(writer), sources_(sources), explicitSource_(explicitSource),
      dryRun_(dryRun), budget_(budget), journal_(std::move(journal)),
      runDeadline_(StopControl::Clock::now() + budget.proof + budget.remote) {
  run_.onKeyCreated = [this](const std::string& keyId) {
    if (journal_.journal) {
      JournalEntry e = journal_.entryTemplate;
      e.keyId = keyId;
      e.created = utcNow();
      e.pid = static_cast<long>(::getpid());
      try {
        journal_.journal->add(std::move(e));
      } catch (const std::exception& ex) {
        run_.logger.error(std::string("could not record the new credential in the crash journal: ") + ex.what() +
                          "; if this run is killed, remove " + keyId + " by hand");
      }
    }
    updateEmergency(currentStage_.c_str());
  };
}

void Pipeline::updateEmergency(const char* stage) {
  if (!onEmergencyChange) return;
  Outcome e = out_;
  e.hasError = true;
  e.stoppedBy = StopControl::instance().signalName();
  const std::string where = std::string(stage);
  if (run_.keys.created.empty()) {
    e.exitCode = kExitFailed;
    e.error = StageError{where, "run.killed", "a second signal ended the run at once during " + where +
                                                  "; nothing had been created"};
  } else {
    e.exitCode = kExitRollbackFailed;
    e.error = StageError{
        where, "run.killed",
        "a second signal ended the run at once during " + where + ": the new credential " + newKeyIds() +
            " may remain; " +
            (journal_.journal ? "the next run for this PAM User removes it (crash journal " + journal_.journal->path() + ")"
                              : std::string("there is no crash journal: remove it by hand"))};
  }
  if (e.rollbackAttempted) {
    e.rollbackOk = false;
    e.rollbackError = StageError{"rollback", "run.killed", "the rollback was cut short by a second signal"};
  }
  e.status = statusForExit(e.exitCode);
  onEmergencyChange(e);
}

void Pipeline::journalForget(const std::vector<std::string>& ids) {
  if (!journal_.journal) return;
  for (const auto& id : ids) {
    try {
      journal_.journal->remove(id);
    } catch (const std::exception& ex) {
      run_.logger.warn(std::string("could not update the crash journal: ") + ex.what());
    }
  }
}

bool Pipeline::stoppedAfter(const char* stage, OpResult& r) {
  StopControl& stop = StopControl::instance();
  if (stop.signalNumber() == 0) return false;
  out_.stoppedBy = stop.signalName();
  if (r.ok() || r.code.empty() || r.code == "run.stopped") {
    r.status = KR_ERR_FAILED;
    r.code = "run.stopped";
    r.message = "stopped by " + stop.signalName() + " during " + stage;
  }
  run_.logger.warn(stop.signalName() + " received: the run stops as a failure at " + stage);
  return true;
}

OpResult Pipeline::timed(PluginInstance& instance, kr_operation_fn fn, const char* stage) {
  const auto start = std::chrono::steady_clock::now();
  run_.logger.debug(std::string("stage ") + stage + ": " + instance.plugin().origin());
  currentStage_ = stage;
  StopControl& stop = StopControl::instance();
  if (isCleanupStage(stage)) {
    // Cleanup gets its own budget even when the run's is spent; a rollback (and a revert) is not stopped by the
    // signal that caused it.
    const bool undoing = std::string(stage) != "retire";
    stop.operation(start + budget_.cleanup, undoing,
                   "the " + std::to_string(budget_.cleanup.count()) + " s budget for " + stage);
  } else {
    stop.operation(runDeadline_, false,
                   "the run's time budget (verify_timeout_seconds " + std::to_string(budget_.proof.count()) +
                       " + remote_budget_seconds " + std::to_string(budget_.remote.count()) + ")");
  }
  if (std::string(stage) == "rollback") updateEmergency(stage);
  OpResult r = instance.call(fn, stage);
  if (stop.signalNumber() != 0)
    out_.stoppedBy = stop.signalName();
  else if (!r.ok() && out_.stoppedBy.empty() && (stop.stopRequested() || r.code == "run.budget"))
    out_.stoppedBy = "budget";
  // A signal turns the step into a failure at that step, even when the plugin finished it (cleanup excepted).
  stopConvertedSuccess_ = false;
  if (!isCleanupStage(stage)) {
    const bool wasOk = r.ok();
    if (stoppedAfter(stage, r)) stopConvertedSuccess_ = wasOk;
  }
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  const std::string key = std::string(stage) + (std::string(stage) == "validate" || std::string(stage) == "resolve" ||
                                                        std::string(stage) == "recover"
                                                    ? "." + instance.plugin().origin()
                                                    : std::string());
  out_.timingsMs.emplace_back(key, static_cast<long long>(ms));
  return r;
}

void Pipeline::fail(int exitCode, const char* stage, const OpResult& r) {
  out_.exitCode = exitCode;
  out_.status = statusForExit(exitCode);
  out_.hasError = true;
  out_.error = StageError{stage, r.code, r.message};
}

std::string Pipeline::newKeyIds() const {
  return run_.keys.created.empty() ? std::string("(no key id reported)") : text::join(run_.keys.created);
}

bool Pipeline::resolveCredentials() {
  const CredentialResolution r = resolveAdminCredential(
      run_, provider_.plugin().requiredCredentials, sources_, explicitSource_, [this](PluginInstance& source) {
        return timed(source, source.descriptor().credential_source->resolve, "resolve");
      });
  if (r.found) {
    out_.credentialSource = r.source;
    return true;
  }
  fail(r.error.status == KR_ERR_FAILED ? kExitFailed : kExitConfig, "validate", r.error);
  return false;
}

bool Pipeline::rollbackNewCredential() {
  out_.rollbackAttempted = true;
  const OpResult r = timed(provider_, provider_.descriptor().provider->rollback, "rollback");
  out_.rollbackOk = r.ok();
  if (!r.ok()) {
    out_.rollbackError = StageError{"rollback", r.code, r.message};
    run_.logger.error("rollback failed: the new credential " + newKeyIds() +
                      " still exists and must be removed by hand: " + r.message);
  } else {
    run_.logger.info("rollback: the new credential " + newKeyIds() + " was removed again");
    journalForget(run_.keys.created);
  }
  return r.ok();
}

bool Pipeline::heldByKeeper(const std::string& keyId) const {
  if (const Record* pamUser = run_.input.pamUser)
    for (const auto& [label, value] : pamUser->fields())
      if (value == keyId) return true;
  return false;
}

void Pipeline::recoverJournaled() {
  if (!journal_.journal) return;
  const std::vector<JournalEntry> entries = journal_.journal->entriesOf(provider_.plugin().name);
  if (entries.empty()) return;
  const kr_provider_ops& ops = *provider_.descriptor().provider;
  const bool canRemove =
      ops.struct_size >= offsetof(kr_provider_ops, remove) + sizeof(ops.remove) && ops.remove != nullptr;
  for (const JournalEntry& e : entries) {
    const std::string what = "credential " + e.keyId + " (created " + e.created + " by process " +
                             std::to_string(e.pid) + ", which never stored it)";
    if (heldByKeeper(e.keyId)) {
      run_.logger.info("crash journal: Keeper holds " + e.keyId + " already; nothing to clean up");
      journalForget({e.keyId});
      continue;
    }
    if (dryRun_) {
      run_.logger.info("crash journal: would remove " + what);
      continue;
    }
    if (!canRemove) {
      run_.logger.warn("crash journal: " + what + " remains; " + provider_.plugin().origin() +
                       " cannot remove credentials of earlier runs: remove it by hand");
      continue;
    }
    run_.settings["remove_key_id"] = e.keyId;
    const OpResult r = timed(provider_, ops.remove, "recover");
    run_.settings.erase("remove_key_id");
    if (r.ok()) {
      run_.logger.warn("crash journal: removed " + what);
      out_.recovered.push_back(e.keyId);
      journalForget({e.keyId});
    } else {
      run_.logger.error("crash journal: could not remove " + what + ": " + r.message +
                        "; the next run tries again");
    }
  }
}

void Pipeline::undo(const char* stage, const OpResult& failure, bool storeSucceeded) {
  fail(kExitFailed, stage, failure);
  if (storeSucceeded && writer_.descriptor().record_writer->revert != nullptr) {
    const OpResult rv = timed(writer_, writer_.descriptor().record_writer->revert, "revert");
    if (!rv.ok()) {
      // Keeper may hold the new secret now. Removing it would leave Keeper without a working one: keep it.
      out_.exitCode = kExitRollbackFailed;
      out_.status = statusForExit(kExitRollbackFailed);
      out_.rollbackAttempted = true;
      out_.rollbackOk = false;
      out_.rollbackError = StageError{"revert", rv.code,
                                      "the record could not be reverted (" + rv.message + "), so the new credential " +
                                          newKeyIds() + " was left in place: Keeper may hold it and it works; old "
                                          "credentials are untouched"};
      run_.logger.error(out_.rollbackError.message);
      return;
    }
  }
  if (!rollbackNewCredential()) {
    out_.exitCode = kExitRollbackFailed;
    out_.status = statusForExit(kExitRollbackFailed);
  }
}

void Pipeline::buildPlan(bool durable) {
  auto& p = out_.plan;
  p.push_back("validate: fields, admin credential (" +
              (out_.credentialSource.empty() ? std::string("none needed") : "source " + out_.credentialSource) +
              "), " + provider_.plugin().origin() + ", " + writer_.plugin().origin());
  p.push_back("create a new credential with " + provider_.plugin().origin());
  p.push_back("prove the new credential works");
  if (durable) {
    p.push_back("store it with " + writer_.plugin().origin() + " and read it back");
    p.push_back("retire old credentials as the PAM User's policy says");
  } else {
    p.push_back("show it through " + writer_.plugin().origin() + " (not durable: rehearsal)");
    p.push_back("remove the new credential again; old credentials are never touched");
  }
}

Outcome Pipeline::run() {
  const kr_provider_ops& prov = *provider_.descriptor().provider;
  const kr_record_writer_ops& wr = *writer_.descriptor().record_writer;
  const bool durable = (wr.capabilities & KR_WRITER_DURABLE) != 0;

  // Credentials a killed run left (crash journal) and Keeper does not hold: the provider may plan around them in
  // validate (e.g. not count them against a credential limit); they are removed right after it.
  if (journal_.journal) {
    std::vector<std::string> pending;
    for (const auto& e : journal_.journal->entriesOf(provider_.plugin().name))
      if (!heldByKeeper(e.keyId)) pending.push_back(e.keyId);
    if (!pending.empty()) run_.settings["journaled_key_ids"] = text::join(pending, ",");
  }

  // 1. Validate: no side effects anywhere.
  if (!resolveCredentials()) return out_;
  if (OpResult r = timed(provider_, prov.validate, "validate"); !r.ok()) {
    fail(validateExit(r.status), "validate", r);
    return out_;
  }
  if (OpResult r = timed(writer_, wr.validate, "validate"); !r.ok()) {
    fail(validateExit(r.status), "validate", r);
    return out_;
  }
  // A killed run's credentials go before this run creates one: a provider may have a limit (AWS: two keys).
  recoverJournaled();
  if (OpResult r; stoppedAfter("validate", r)) {
    fail(kExitFailed, "validate", r);
    return out_;
  }
  if (dryRun_) {
    buildPlan(durable);
    for (const auto& step : out_.plan) run_.logger.info("plan: " + step);
    out_.status = "dry-run";
    return out_;
  }
  if (!durable)
    run_.logger.info("record writer '" + writer_.plugin().name +
                     "' is not durable: this run is a rehearsal (the new credential is removed again)");

  // 2. Create.
  if (OpResult r = timed(provider_, prov.create, "create"); !r.ok()) {
    if (run_.keys.created.empty()) {
      fail(kExitFailed, "create", r);
    } else {
      undo("create", r, false);  // the provider got as far as creating a key: remove it
    }
    return out_;
  }
  run_.logger.info("created new credential " + newKeyIds());

  // 3. Prove, 4. store.
  if (OpResult r = timed(provider_, prov.prove, "prove"); !r.ok()) {
    undo("prove", r, false);
    return out_;
  }
  if (OpResult r = timed(writer_, wr.store, "store"); !r.ok()) {
    // Stopped by a signal after the store succeeded: the record is put back before the rollback.
    undo("store", r, stopConvertedSuccess_ && durable);
    return out_;
  }
  if (!durable) {
    if (!rollbackNewCredential()) {
      fail(kExitRollbackFailed, "rollback", OpResult{KR_ERR_FAILED, out_.rollbackError.code,
                                                     "rehearsal could not remove the new credential " +
                                                         newKeyIds() + ": " + out_.rollbackError.message});
      return out_;
    }
    out_.status = "rehearsed";
    return out_;
  }
  if (OpResult r = timed(writer_, wr.verify, "verify"); !r.ok()) {
    undo("verify", r, true);
    return out_;
  }
  // Keeper holds the new credential now (read back): a later crash must not remove it.
  journalForget(run_.keys.created);

  // 5. Retire: only now, after a durable write was read back.
  const OpResult r = timed(provider_, prov.retire, "retire");
  if (!r.ok() || !run_.keys.remaining.empty()) {
    OpResult e = r;
    if (e.ok()) {
      e.code = "retire.incomplete";
      e.message = "some old credentials remain";
    }
    e.message += run_.keys.remaining.empty() ? std::string(" (no remaining key ids reported)")
                                             : " (remaining: " + text::join(run_.keys.remaining) + ")";
    e.message = "the new credential is stored and works, but retiring old ones failed: " + e.message;
    fail(kExitRetireIncomplete, "retire", e);
    return out_;
  }
  out_.status = "rotated";
  return out_;
}

}  // namespace keeper_rotate::host
