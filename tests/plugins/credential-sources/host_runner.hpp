// Runs the real keeper-rotate executable as the Gateway would (stdin, or --input), with the test plugin directory,
// and captures its exit code, stdout and stderr.
#pragma once

#include "scratch_dir.hpp"

#include <map>
#include <string>
#include <vector>

namespace kr_test {

struct HostRun {
  int exitCode = -1;
  std::string out;
  std::string err;
  /// The JSON summary line (stdout), parsed; throws when stdout is not exactly one JSON object line.
  std::string summaryString(const std::string& key) const;
  bool summaryIsNull(const std::string& key) const;
};

/// Run keeper-rotate with `args`, `stdinData` on stdin and `env` added to a minimal environment (PATH, and
/// nothing from AZURE_* or KSM_* of the test process).
HostRun runHost(const std::vector<std::string>& args, const std::string& stdinData = "",
                const std::map<std::string, std::string>& env = {});

/// A Gateway input object: `records` are JSON object texts; returned as plain JSON (for --input).
std::string gatewayInputJson(const std::string& userUid, const std::string& configUid,
                             const std::vector<std::string>& records);
/// The same, as the Gateway sends it on stdin: one base64 line.
std::string gatewayInputLine(const std::string& userUid, const std::string& configUid,
                             const std::vector<std::string>& records);

/// Standard base64 without line breaks.
std::string base64(const std::string& in);

/// A fresh directory under this area's scratch root, removed with the object.
class ScratchDir : public kr_test_support::ScratchDir {
 public:
  ScratchDir() : kr_test_support::ScratchDir(KR_TEST_SCRATCH_ROOT, "host") {}
};

}  // namespace kr_test
