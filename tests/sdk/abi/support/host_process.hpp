// Runs the real keeper-rotate executable for the ABI tests: a clean environment (nothing from the test runner's,
// so no KEEPER_ROTATE_PLUGIN_PATH or credential variables), stdin at /dev/null, bounded in time.
#pragma once

#include "scratch_dir.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace kr_abi_test {

struct HostRun {
  int exitCode = -1;  // -1 when killed by a signal (an abort in a plugin) or by the timeout
  bool timedOut = false;
  std::string out;
  std::string err;
};

HostRun runHost(const std::vector<std::string>& args, int timeoutSeconds = 60);

/// A fresh directory under this area's scratch root, removed with the object.
class ScratchDir : public kr_test_support::ScratchDir {
 public:
  ScratchDir() : kr_test_support::ScratchDir(KR_ABI_SCRATCH_ROOT, "abi") {}
};

/// The Gateway input as plain JSON (for --input): `records` is the base64 of the JSON array of `records`.
std::string gatewayInputJson(const std::string& userUid, const std::vector<std::string>& records);

}  // namespace kr_abi_test
