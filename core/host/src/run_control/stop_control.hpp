// Stopping a run and bounding its time (docs/contract.md, "Stopped runs and time budgets").
//
// SIGTERM, SIGINT and SIGHUP do not kill the process: the handler only records the signal and wakes every wait
// (a self-pipe), and the current operation stops at its next wait or step boundary; the pipeline then rolls back
// what the run created and prints the summary. A rollback is not stopped by that signal, only by its own budget.
// A second signal ends the process at once: the handler writes the summary line prepared for that moment (the
// new credential's ids, exit 6, or exit 4 when nothing was created) and _exits; the crash journal (state/
// journal.hpp) lets the next run remove what was left. Everything the handler touches is async-signal-safe:
// sig_atomic_t flags, write(2) of a preformatted buffer, _exit(2).
//
// Budgets: every operation runs against a deadline the pipeline sets (operation()); plugins see it through
// kr_host_api::stop_requested / wait / time_left_ms.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace keeper_rotate::host {

class StopControl {
 public:
  using Clock = std::chrono::steady_clock;

  /// The process-wide instance (signals are process-wide).
  static StopControl& instance();

  /// Install the handlers for SIGTERM, SIGINT and SIGHUP (idempotent).
  void install();

  /// The first signal received, 0 when none.
  int signalNumber() const;
  /// "SIGTERM", ... for the first signal; empty when none.
  std::string signalName() const;

  /// Start an operation: it must stop at `deadline` (none: no budget), and on a signal unless `ignoreSignal`.
  void operation(std::optional<Clock::time_point> deadline, bool ignoreSignal, std::string budgetText);
  bool stopRequested() const;
  std::string stopReason() const;
  /// Wait up to `ms`; true after the whole wait, false when the run must stop.
  bool wait(std::uint64_t ms) const;
  /// Milliseconds to the operation's deadline (0 when passed); UINT64_MAX without one.
  std::uint64_t timeLeftMs() const;

  /// The summary line a second signal prints, and the exit code it exits with.
  void setEmergency(const std::string& summaryLine, int exitCode);

 private:
  StopControl() = default;
  std::optional<Clock::time_point> deadline_;
  bool ignoreSignal_ = false;
  std::string budgetText_;
};

}  // namespace keeper_rotate::host
