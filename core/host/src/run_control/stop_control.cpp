#include "run_control/stop_control.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <limits>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace keeper_rotate::host {
namespace {

// State the signal handler reads or writes: only sig_atomic_t, a pipe and a fixed buffer.
volatile std::sig_atomic_t gFirstSignal = 0;
volatile std::sig_atomic_t gSignalCount = 0;
int gWakePipe[2] = {-1, -1};
constexpr std::size_t kEmergencyCapacity = 16 * 1024;
char gEmergencyLine[kEmergencyCapacity];
volatile std::sig_atomic_t gEmergencyLength = 0;
volatile std::sig_atomic_t gEmergencyExit = 4;

void writeAll(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

extern "C" void onStopSignal(int sig) {
  const int savedErrno = errno;
  gSignalCount = gSignalCount + 1;
  if (gFirstSignal == 0) gFirstSignal = sig;
  if (gWakePipe[1] >= 0) {
    const char byte = 's';
    (void)!::write(gWakePipe[1], &byte, 1);
  }
  if (gSignalCount >= 2) {
    static const char kNote[] =
        "keeper-rotate: a second signal: stopping at once; the crash journal lets the next run for this record "
        "remove a credential this run created\n";
    writeAll(2, kNote, sizeof kNote - 1);
    const std::sig_atomic_t len = gEmergencyLength;
    if (len > 0) writeAll(1, gEmergencyLine, static_cast<std::size_t>(len));
    ::_exit(gEmergencyExit);
  }
  errno = savedErrno;
}

const char* nameOf(int sig) {
  switch (sig) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGHUP: return "SIGHUP";
    default: return "a signal";
  }
}

}  // namespace

StopControl& StopControl::instance() {
  static StopControl control;
  return control;
}

void StopControl::install() {
  if (gWakePipe[0] >= 0) return;
  if (::pipe2(gWakePipe, O_CLOEXEC | O_NONBLOCK) != 0) gWakePipe[0] = gWakePipe[1] = -1;
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = onStopSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // blocking calls resume; waits poll the pipe instead of relying on EINTR
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) ::sigaction(sig, &sa, nullptr);
}

int StopControl::signalNumber() const { return gFirstSignal; }

std::string StopControl::signalName() const { return gFirstSignal ? nameOf(gFirstSignal) : std::string(); }

void StopControl::operation(std::optional<Clock::time_point> deadline, bool ignoreSignal, std::string budgetText) {
  deadline_ = deadline;
  ignoreSignal_ = ignoreSignal;
  budgetText_ = std::move(budgetText);
}

bool StopControl::stopRequested() const {
  if (gFirstSignal != 0 && !ignoreSignal_) return true;
  return deadline_ && Clock::now() >= *deadline_;
}

std::string StopControl::stopReason() const {
  if (gFirstSignal != 0 && !ignoreSignal_) return signalName() + " received";
  if (deadline_ && Clock::now() >= *deadline_) return budgetText_ + " is spent";
  return {};
}

std::uint64_t StopControl::timeLeftMs() const {
  if (!deadline_) return std::numeric_limits<std::uint64_t>::max();
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline_ - Clock::now()).count();
  return left > 0 ? static_cast<std::uint64_t>(left) : 0;
}

bool StopControl::wait(std::uint64_t ms) const {
  const auto end = Clock::now() + std::chrono::milliseconds(ms);
  for (;;) {
    if (stopRequested()) return false;
    const auto now = Clock::now();
    if (now >= end) return true;
    auto slice = std::chrono::duration_cast<std::chrono::milliseconds>(end - now);
    if (deadline_) slice = std::min(slice, std::chrono::duration_cast<std::chrono::milliseconds>(*deadline_ - now));
    const int timeout = static_cast<int>(std::clamp<long long>(slice.count(), 1, 1000));
    if (gWakePipe[0] >= 0) {
      pollfd p{gWakePipe[0], POLLIN, 0};
      ::poll(&p, 1, timeout);  // a signal makes the pipe readable; the byte stays, so every later wait wakes too
    } else {
      ::usleep(static_cast<useconds_t>(timeout) * 1000);
    }
  }
}

void StopControl::setEmergency(const std::string& summaryLine, int exitCode) {
  gEmergencyLength = 0;
  const std::size_t n = std::min(summaryLine.size() + 1, kEmergencyCapacity);
  std::memcpy(gEmergencyLine, summaryLine.data(), n - 1);
  gEmergencyLine[n - 1] = '\n';
  gEmergencyExit = exitCode;
  gEmergencyLength = static_cast<std::sig_atomic_t>(n);
}

}  // namespace keeper_rotate::host
