// Runs the real keeper-rotate executable for the ABI tests: a clean environment (nothing from the test runner's,
// so no KEEPER_ROTATE_PLUGIN_PATH or credential variables), stdin at /dev/null, bounded in time.
#pragma once

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

/// A fresh directory under the build tree, removed with the object.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::filesystem::path file(const std::string& name) const { return path_ / name; }
  void write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

/// The Gateway input as plain JSON (for --input): `records` is the base64 of the JSON array of `records`.
std::string gatewayInputJson(const std::string& userUid, const std::vector<std::string>& records);

}  // namespace kr_abi_test
