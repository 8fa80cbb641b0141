// The rotation pipeline (docs/contract.md, "The rotation, in order") as a state machine that knows nothing about
// any particular provider:
//
//   validate (credential, provider, writer)  -- failure: exit 3/4, nothing changed
//   create                                   -- failure: exit 4 (rollback first if a key was reported created)
//   prove                                    -- failure: rollback -> exit 4, or 6 if the rollback fails
//   store                                    -- failure: rollback -> 4/6
//   [non-durable writer: rollback -> status rehearsed, exit 0 (6 if the rollback fails); never retire]
//   verify (read back)                       -- failure: writer.revert, then rollback -> 4/6
//   retire                                   -- failure: exit 5, remaining key ids reported
//
// A failed writer.revert leaves the new secret in place instead of rolling it back: Keeper may already hold it,
// and removing it would leave Keeper with no working secret (exit 6, key id reported).
//
// Stopped runs and time budgets (docs/contract.md): every operation runs against a deadline (the run's budget,
// or a fixed cleanup budget for retire, revert and rollback); a signal turns the current step into a failure at
// that step, and the usual undo follows. The crash journal (state/journal.hpp) records each new credential the
// moment it is reported and forgets it once Keeper holds it or the rollback removed it; after validate, entries a
// killed run left are removed through the provider's `remove` operation before anything is created.
#pragma once

#include "host_api/run_state.hpp"
#include "pipeline/instance.hpp"
#include "pipeline/outcome.hpp"
#include "run_control/stop_control.hpp"
#include "state/journal.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace keeper_rotate::host {

/// Time limits of one run (docs/contract.md, "Stopped runs and time budgets").
struct RunBudget {
  std::chrono::seconds proof{0};    ///< the record's verify_timeout_seconds
  std::chrono::seconds remote{120}; ///< remote_budget_seconds: every other remote step together
  std::chrono::seconds cleanup{20}; ///< retire, revert and rollback, each, counted from its start
};

/// What the run needs for the crash journal; `journal` null means the run has none (it was unusable: warned).
struct JournalContext {
  Journal* journal = nullptr;
  JournalEntry entryTemplate;  ///< provider, target, userRecordUid
};

class Pipeline {
 public:
  Pipeline(RunState& run, PluginInstance& provider, PluginInstance& writer,
           std::vector<std::unique_ptr<PluginInstance>>& sources, bool explicitSource, bool dryRun,
           RunBudget budget = {}, JournalContext journal = {});

  Outcome run();

  /// Called whenever what a second signal should print changes (the outcome to report then, and its exit code).
  std::function<void(const Outcome&)> onEmergencyChange;

 private:
  /// Which budget an operation runs against.
  enum class Budget { Run, Cleanup };
  OpResult timedWithin(PluginInstance& instance, kr_operation_fn fn, const char* stage, Budget budget);
  /// A signal arrived: the step that just ran counts as failed, whatever it returned.
  bool stoppedAfter(const char* stage, OpResult& r);
  void recoverJournaled();
  /// Whether the PAM User record (as this run read it) holds `keyId` in any field.
  bool heldByKeeper(const std::string& keyId) const;
  void journalForget(const std::vector<std::string>& ids);
  void updateEmergency(const char* stage);

  bool resolveCredentials();
  OpResult timed(PluginInstance& instance, kr_operation_fn fn, const char* stage);
  void fail(int exitCode, const char* stage, const OpResult& r);
  /// Undo after a failure at `stage` once a new credential exists.
  void undo(const char* stage, const OpResult& failure, bool storeSucceeded);
  bool rollbackNewCredential();
  void buildPlan(bool durable);
  std::string newKeyIds() const;

  RunState& run_;
  PluginInstance& provider_;
  PluginInstance& writer_;
  std::vector<std::unique_ptr<PluginInstance>>& sources_;
  bool explicitSource_;
  bool dryRun_;
  RunBudget budget_;
  JournalContext journal_;
  StopControl::Clock::time_point runDeadline_;
  std::string currentStage_ = "validate";
  bool stopConvertedSuccess_ = false;  ///< the last step succeeded but a signal made it count as failed
  Outcome out_;
};

}  // namespace keeper_rotate::host
