// Process hardening at start: no core dumps (they would hold secrets), not ptrace-attachable or dumpable by
// other processes of the same user, and files this process creates are private to its user.
#pragma once

namespace keeper_rotate::host {

void hardenProcess() noexcept;

}  // namespace keeper_rotate::host
