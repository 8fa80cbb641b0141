// Run a program with a given stdin, capture stdout and stderr, bounded in time. Used to test the real
// keeper-rotate binary end to end.
#pragma once

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

/// `env` replaces the environment entirely (nothing leaks in from the test runner's environment).
ProcessResult runProcess(const std::vector<std::string>& argv, const std::string& stdinData,
                         const std::map<std::string, std::string>& env, int timeoutSeconds = 60);

}  // namespace krtest
