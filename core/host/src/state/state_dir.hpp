// The state directory (docs/contract.md, "Stopped runs and time budgets"): where the crash journal lives. It holds
// no secret values, only ids, but what it says decides what the next run deletes, so it must be as private as the
// plugins: owned by the running user, not writable by group or others.
//
// First usable of: KEEPER_ROTATE_STATE_DIR (explicit override), $STATE_DIRECTORY (systemd's StateDirectory=; the
// first entry of a colon-separated list), /var/lib/keeper-rotate when it is, or can be made, writable,
// $XDG_STATE_HOME/keeper-rotate, ~/.local/state/keeper-rotate. Missing directories are created with mode 0700.
#pragma once

#include <optional>
#include <string>

namespace keeper_rotate::host {

struct StateDir {
  std::string path;
  std::string origin;  ///< which rule chose it, for messages
};

/// The state directory, created if needed; nullopt with `why` set when none is usable (the run goes on without a
/// journal, and says so).
std::optional<StateDir> resolveStateDir(std::string& why);

/// Whether `path` (an existing directory) is private enough: owned by the effective user, no group or other write
/// permission. `why` names the problem and the fix.
bool stateDirIsPrivate(const std::string& path, std::string& why);

}  // namespace keeper_rotate::host
