// A kr_host_api for driving the azure-app-secret provider without keeper-rotate: it serves fields, credentials and
// settings, records results, key events, logs and errors, and can scan everything it recorded for secret values.
#pragma once

#include <keeper_rotate/abi.h>
#include <keeper_rotate/sdk.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace azure_test {

struct Result {
  std::string value;
  bool secret = false;
};

struct TestHost {
  std::map<std::string, std::string> inputs{{"userRecordUid", "pamUserUid0000000000000"}};
  std::map<std::string, std::string> fields;
  std::map<std::string, std::string> credentials;
  std::map<std::string, std::string> settings;

  std::map<std::string, Result> results;
  std::vector<std::pair<kr_key_event, std::string>> keyEvents;
  std::vector<std::pair<kr_log_level, std::string>> logs;
  std::string errorCode, errorMessage;
  std::vector<std::string> registeredSecrets;

  kr_host_api api() const;
  kr_context* context() { return reinterpret_cast<kr_context*>(this); }

  std::vector<std::string> keys(kr_key_event event) const;
  /// Every log line and error text, for message checks and leak scans.
  std::string allOutput() const;
};

/// A Context over a TestHost (the host table must outlive the Context).
struct Driver {
  TestHost host;
  kr_host_api api = host.api();
  keeper_rotate::Context ctx{&api, host.context()};
};

}  // namespace azure_test
