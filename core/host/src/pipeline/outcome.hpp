// Outcome of a run: exit code, status word and error, in the vocabulary of docs/contract.md, "Output and exit codes".
#pragma once

#include <map>
#include <string>
#include <vector>

namespace keeper_rotate::host {

/// Exit codes (docs/contract.md, "Output and exit codes").
enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,
  kExitUsage = 2,
  kExitConfig = 3,
  kExitFailed = 4,
  kExitRetireIncomplete = 5,
  kExitRollbackFailed = 6
};

struct StageError {
  std::string stage;  // "input", "load", "validate", "create", "prove", "store", "verify", "retire", ...
  std::string code;
  std::string message;
};

struct Outcome {
  int exitCode = kExitOk;
  std::string status;  // rotated, rehearsed, dry-run, bad-input, config-error, failed, retire-incomplete,
                       // rollback-failed, internal-error
  bool hasError = false;
  StageError error;
  bool rollbackAttempted = false;
  bool rollbackOk = false;
  StageError rollbackError;  // when the rollback (or the writer's revert) failed
  std::string credentialSource;
  std::vector<std::string> recovered;  // journaled credentials of a killed run, removed before create
  std::string stoppedBy;               // "SIGTERM", ..., or "budget"; empty when the run was not stopped
  std::vector<std::string> plan;
  std::vector<std::pair<std::string, long long>> timingsMs;  // in the order the stages ran
};

/// Status word for an exit code of a run that did not complete normally.
const char* statusForExit(int exitCode);

}  // namespace keeper_rotate::host
