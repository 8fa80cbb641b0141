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
#pragma once

#include "host_api/run_state.hpp"
#include "pipeline/instance.hpp"
#include "pipeline/outcome.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace keeper_rotate::host {

class Pipeline {
 public:
  Pipeline(RunState& run, PluginInstance& provider, PluginInstance& writer,
           std::vector<std::unique_ptr<PluginInstance>>& sources, bool explicitSource, bool dryRun);

  Outcome run();

 private:
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
  Outcome out_;
};

}  // namespace keeper_rotate::host
