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
  /// The provider's admin credential declaration served by credential_spec (default: the Azure shape).
  const kr_credential_spec* credentialSpec = azureCredential();
  /// OUTPUT label -> Keeper field type, served by result_field_type.
  std::map<std::string, std::string> outputTypes;

  // What the plugin reported.
  std::vector<std::pair<kr_log_level, std::string>> logs;
  std::string errorCode;
  std::string errorMessage;
  std::vector<std::string> registeredSecrets;
  std::vector<std::pair<kr_key_event, std::string>> keyEvents;

  /// The Azure provider's declaration: tenant_id, client_id, client_secret with their record labels, PAM
  /// Configuration fields and AZURE_* variables.
  static const kr_credential_spec* azureCredential();
  /// A declaration no first-party provider uses (acme_account_id, acme_api_key, optional acme_region), to show the
  /// sources hold no provider's names.
  static const kr_credential_spec* acmeCredential();

  /// The callback table; every callback finds this object through the kr_context pointer.
  kr_host_api api() const;
  kr_context* context() { return reinterpret_cast<kr_context*>(this); }

  /// Every log line and the error message, one string per line, for leak scans and message checks.
  std::string allOutput() const;
  bool logged(const std::string& needle) const;
};

}  // namespace kr_test
