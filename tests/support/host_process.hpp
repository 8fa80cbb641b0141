// Driving the real keeper-rotate binary from a test, as the Gateway runs it: posix_spawn with exactly the
// environment the test gives (nothing inherited), the Gateway line on stdin, stdout and stderr read incrementally
// while a watch callback may signal the child (docs/contract.md, "Stopped runs and time budgets"); the summary line
// parsed and checked against docs/summary.schema.json; and the leak scan every host test runs on the output.
#pragma once

#include <Poco/JSON/Object.h>

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace krtest {

using Clock = std::chrono::steady_clock;

struct Child {
  int exitCode = -1;  ///< the exit status, or -1 when a signal ended the process
  int killedBy = 0;   ///< the signal that ended it, 0 when it exited
  bool timedOut = false;
  std::string out, err;
  Clock::time_point endedAt;
};

/// Called about every 50 ms while the child runs, with its pid and its stderr so far.
using Watch = std::function<void(pid_t, const std::string&)>;

/// posix_spawn `argv` with exactly `env`, feed it `input`, read stdout and stderr incrementally; SIGKILL after
/// `timeoutSeconds` (timedOut).
Child spawnHost(const std::vector<std::string>& argv, const std::string& input,
                const std::map<std::string, std::string>& env, const Watch& watch, int timeoutSeconds = 120);

/// A Watch that sends `sig` once, when the child's stderr shows `marker` and `ready` says so.
struct SignalAt {
  SignalAt(std::string m, int s, std::function<bool()> r) : marker(std::move(m)), sig(s), ready(std::move(r)) {}
  std::string marker;
  int sig;
  std::function<bool()> ready;
  bool sent = false;
  Clock::time_point sentAt{};
  void operator()(pid_t pid, const std::string& err);
};

/// The summary line of a run, parsed (null `o` when stdout held none).
struct Summary {
  Poco::JSON::Object::Ptr o;
  std::string str(const std::string& key) const;
  /// A key of `error` ("code", "stage", "message"); empty when error is null.
  std::string error(const std::string& key) const;
  std::vector<std::string> ids(const std::string& key) const;
  bool hasRollback() const;
  bool rollbackOk() const;
};

/// Parse the run's summary line; CHECKs it against the schema and that stdout holds exactly one line.
Summary summaryOf(const Child& c);

/// A secret as the host's redactor knows it: raw, base64, URL-safe base64, URL-encoded, JSON-escaped.
std::vector<std::string> forms(const std::string& secret);

/// CHECK that no form of any of `secrets` (each at least 8 characters) appears on the child's stdout or stderr.
void checkNoLeak(const Child& c, const std::vector<std::string>& secrets);

/// The crash journal files (pending-<uid>.json) in a state directory.
std::vector<std::string> journalFiles(const std::string& stateDir);

/// CHECK a crash journal file as docs/contract.md describes it: mode 0600, naming each of `names` (key id,
/// provider, PAM User uid), and no form of any of `secrets`.
void checkJournal(const std::string& path, const std::vector<std::string>& names,
                  const std::vector<std::string>& secrets);

}  // namespace krtest
