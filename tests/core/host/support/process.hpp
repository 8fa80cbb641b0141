// Run a program with a given stdin, capture stdout and stderr, bounded in time. Used to test the real
// keeper-rotate binary end to end.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace krtest {

struct ProcessResult {
  int exitCode = -1;  // -1 when killed by a signal or the timeout
  bool timedOut = false;
  std::string out;
  std::string err;
};

/// Called about every 50 ms while the child runs, with its pid and the output so far (tests that signal it).
using ProcessWatch = std::function<void(int pid, const ProcessResult& soFar)>;

/// `env` replaces the environment entirely (nothing leaks in from the test runner's environment).
ProcessResult runProcess(const std::vector<std::string>& argv, const std::string& stdinData,
                         const std::map<std::string, std::string>& env, int timeoutSeconds = 60,
                         const ProcessWatch& watch = {});

}  // namespace krtest
