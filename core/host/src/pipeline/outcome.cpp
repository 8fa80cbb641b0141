#include "pipeline/outcome.hpp"

namespace keeper_rotate::host {

const char* statusForExit(int exitCode) {
  switch (exitCode) {
    case kExitOk: return "rotated";
    case kExitInternal: return "internal-error";
    case kExitUsage: return "bad-input";
    case kExitConfig: return "config-error";
    case kExitFailed: return "failed";
    case kExitRetireIncomplete: return "retire-incomplete";
    case kExitRollbackFailed: return "rollback-failed";
  }
  return "internal-error";
}

}  // namespace keeper_rotate::host
