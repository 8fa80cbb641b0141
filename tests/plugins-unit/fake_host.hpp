// A kr_host_api implementation for plugin unit tests: it holds the inputs a plugin can read, records everything a
// plugin reports (credentials, results, logs, errors, registered secrets) and lets a test scan all of it for leaks.
#pragma once

#include <keeper_rotate/abi.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace kr_test {

using Record = std::map<std::string, std::string>;

struct Reported {
  std::string value;
  bool secret = false;
};

struct FakeHost {
  // What the plugin may read.
  std::map<std::string, std::string> inputs;
  std::map<std::string, std::string> fields;
  std::map<std::string, std::string> settings;
  std::vector<Record> records;
  std::map<std::string, Reported> credentials;  // also what credential_put fills
  std::map<std::string, Reported> results;      // also what result_put fills

  // What the plugin reported.
  std::vector<std::pair<kr_log_level, std::string>> logs;
  std::string errorCode;
  std::string errorMessage;
  std::vector<std::string> registeredSecrets;
  std::vector<std::pair<kr_key_event, std::string>> keyEvents;

  /// The callback table; every callback finds this object through the kr_context pointer.
  kr_host_api api() const;
  kr_context* context() { return reinterpret_cast<kr_context*>(this); }

  /// Every log line and the error message, one string per line, for leak scans and message checks.
  std::string allOutput() const;
  bool logged(const std::string& needle) const;
};

}  // namespace kr_test
