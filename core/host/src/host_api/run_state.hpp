// RunState: everything the host knows during one run that plugins may ask for through kr_host_api, plus what
// plugins report back (credentials, results, key events). One per process run.
#pragma once

#include "host_api/https_pool.hpp"
#include "input/gateway_input.hpp"
#include "log/logger.hpp"
#include "log/redactor.hpp"

#include <keeper_rotate/secret.hpp>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace keeper_rotate::host {

/// Named values handed over between plugins (credential parts, rotation results). Values are kept in Secret
/// storage whether flagged secret or not: zeroing costs nothing and a mis-flagged value stays protected.
class ValueMap {
 public:
  struct Entry {
    Secret value;
    bool secret = false;
  };
  void put(const std::string& name, std::string_view value, bool secret);
  const Entry* get(const std::string& name) const;
  bool has(const std::string& name) const { return get(name) != nullptr; }
  std::vector<std::string> names() const;
  std::size_t size() const { return values_.size(); }
  /// Entry `index` in label order, or nullptr past the end.
  const std::pair<const std::string, Entry>* at(std::size_t index) const;
  void clear() { values_.clear(); }

 private:
  std::map<std::string, Entry> values_;
};

struct KeyEvents {
  std::vector<std::string> created;
  std::vector<std::string> removed;
  std::vector<std::string> remaining;
  std::vector<std::string> kept;
};

struct RunState {
  RunState(const GatewayInput& in, Redactor& r, Logger& l) : input(in), redactor(r), logger(l) {}

  const GatewayInput& input;
  Redactor& redactor;
  Logger& logger;

  /// Defaults from field metadata of the selected plugins (label -> default), applied by field_get when the
  /// PAM User has no value.
  std::map<std::string, std::string> fieldDefaults;
  /// Labels that metadata marks secret: results with these labels are redacted even if put as non-secret.
  std::set<std::string> secretLabels;
  /// The provider's admin credential declaration (host layout, owned by its LoadedPlugin), or nullptr.
  const kr_credential_spec* credentialSpec = nullptr;
  /// OUTPUT labels of the provider and the Keeper field type its metadata declares for each.
  std::map<std::string, std::string> outputTypes;

  ValueMap credentials;
  /// Where credential_put writes: the candidate set of the source currently resolving (nullptr otherwise).
  ValueMap* credentialTarget = nullptr;
  ValueMap results;
  KeyEvents keys;
  std::map<std::string, std::string> settings;
  /// Called the moment a provider reports KR_KEY_CREATED (the crash journal records the id).
  std::function<void(const std::string&)> onKeyCreated;
  /// The run's shared HTTPS clients behind https_send; nullptr: plugins use connections of their own.
  HttpsPool* https = nullptr;

  /// The PAM User field `label` with defaults applied; nullptr when neither a value nor a default exists.
  const std::string* field(const std::string& label) const;
};

}  // namespace keeper_rotate::host
