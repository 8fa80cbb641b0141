// keeper_rotate::testing — an in-memory host: the full kr_host_api 1.2 over plain maps, recording everything a
// plugin reports (results, key events, log lines, errors, registered secrets) for assertions and leak scans.
//
// It serves what a test puts into it, as the host serves what the Gateway sent: Gateway input keys, the PAM User's
// fields (with the defaults of the declared plugins' kFields applied, as the host applies them), other records, the
// resolved admin credential, host settings and the provider's credential declaration. Every callback is noexcept
// and catches everything: a failure inside the test double must not cross the C boundary into the plugin.
//
//   InMemoryHost host;
//   host.declare(plugin);                       // kFields defaults, secret labels, output types, credential spec
//   host.fields["example_account"] = "acct-1";  // the PAM User record
//   host.credentials["client_secret"] = "...";
//   keeper_rotate::Context ctx = host.context();  // for driving C++ code directly
#pragma once

#include <keeper_rotate/abi.h>
#include <keeper_rotate/sdk.hpp>
#include <keeper_rotate/testing/builders.hpp>
#include <keeper_rotate/testing/plugin.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace keeper_rotate::testing {

struct ResultValue {
  std::string value;
  bool secret = false;
};

struct LogLine {
  kr_log_level level = KR_LOG_INFO;
  std::string origin;  ///< "provider/example", or "test" outside an operation started by the runner
  std::string text;
};

struct KeyEvent {
  kr_key_event event = KR_KEY_CREATED;
  std::string id;
};

struct ErrorText {
  std::string origin;
  std::string stage;
  std::string code;
  std::string message;
};

/// A value the leak scan must never find in output, with a description that does not reveal it.
struct KnownSecret {
  std::string what;  ///< e.g. "secret result 'client_secret'"
  std::string value;
};

inline const char* levelName(kr_log_level level) noexcept {
  switch (level) {
    case KR_LOG_DEBUG: return "debug";
    case KR_LOG_INFO: return "info";
    case KR_LOG_WARN: return "warn";
    case KR_LOG_ERROR: return "error";
  }
  return "log";
}

inline const char* keyEventName(kr_key_event event) noexcept {
  switch (event) {
    case KR_KEY_CREATED: return "created";
    case KR_KEY_REMOVED: return "removed";
    case KR_KEY_REMAINING: return "remaining";
    case KR_KEY_KEPT: return "kept";
  }
  return "unknown";
}

class InMemoryHost {
 public:
  // ---- What plugins read (set by the test) ----

  /// Gateway input keys: "userRecordUid", "providerRecordUid", "resourceRecordUid", "user".
  std::map<std::string, std::string> inputs{{"userRecordUid", "PamUser000000000000001"}};
  /// The PAM User record's fields (label -> value as typed). field_get applies declared defaults on top.
  std::map<std::string, std::string> fields;
  std::string pamUserTitle;
  /// The Gateway's other records (admin records, the PAM Configuration, the resource record), in Gateway order.
  std::vector<Record> otherRecords;
  /// Where the PAM User (uid userRecordUid, `fields`, `pamUserTitle`) sits in the Gateway's records array:
  /// record_get serves the records in the Gateway's order, as the host does, with the PAM User at this index
  /// (clamped to the end). useInput() takes both from the input.
  std::size_t pamUserIndex = 0;
  /// False when the Gateway's records array does not carry the PAM User (record_count then counts only
  /// otherRecords; field_get still serves `fields`).
  bool pamUserInRecords = true;
  /// The admin credential as a credential source resolved it (part name -> value).
  std::map<std::string, std::string> credentials;
  /// Host settings: "dry_run", "verbose", "rehearsal", "ksm_config", "attached_file", "remove_key_id".
  std::map<std::string, std::string> settings{{"dry_run", "0"}, {"verbose", "0"}, {"rehearsal", "0"}};

  // ---- Stopping and budgets (ABI 1.3) ----

  /// Set to make stop_requested true and every wait return "stopped" (a signal, as the host would see it).
  std::string stopReason;
  /// Stop after this many waits (the next one returns "stopped" with stopReason "budget"); -1: never.
  int stopAfterWaits = -1;
  /// Time left reported by time_left_ms; nullopt: no budget.
  std::optional<std::uint64_t> timeLeftMs;
  /// How often a plugin called https_send (it is always declined: see cbHttpsSend).
  int httpsSendCalls = 0;
  /// Every wait a plugin asked for, in milliseconds. Waits really sleep, at most `maxRealWaitMs` each.
  std::vector<std::uint64_t> waits;
  std::uint64_t maxRealWaitMs = 50;

  // ---- What plugins reported (recorded by the callbacks) ----

  std::map<std::string, ResultValue> results;  ///< ordered by label, as result_at serves them
  std::vector<KeyEvent> keyEvents;
  std::vector<LogLine> logs;
  std::vector<ErrorText> errors;  ///< every set_error (and recordError), in order
  std::vector<std::string> registeredSecrets;
  /// Credential part names put with secret != 0 (by a credential source under test).
  std::set<std::string> secretCredentialNames;
  /// Values the test knows to be secret besides the ones the host learns itself (e.g. a fake backend's keys).
  std::vector<KnownSecret> extraSecrets;
  /// How often each callback was called, by member name ("field_get", "result_put", ...).
  std::map<std::string, std::size_t> callbackCalls;
  /// Exceptions caught inside callbacks (a bug of this test double or of the test's setup, never of the plugin).
  std::vector<std::string> callbackFailures;

  InMemoryHost() { table_ = fullTable(); }
  InMemoryHost(const InMemoryHost&) = delete;  // kr_context* is this object's address
  InMemoryHost& operator=(const InMemoryHost&) = delete;

  // ---- Metadata of the plugins in the run ----

  /// Take what the host takes from a selected plugin's metadata: defaults of its INPUT fields on the PAM User
  /// (the first declaration of a label wins), its secret labels, and for a provider its OUTPUT field types and its
  /// admin credential declaration.
  void declare(const Plugin& plugin) {
    declareFields(plugin.fields().data(), plugin.fields().size(), plugin.kind() == KR_KIND_PROVIDER);
    if (plugin.kind() == KR_KIND_PROVIDER) setCredentialSpec(plugin.credentialSpec());
  }
  /// The same for a kFields table linked into the test. `provider` also takes OUTPUT field types.
  void declareFields(const kr_field_spec* table, std::size_t count, bool provider = true) {
    if (table == nullptr) return;
    for (std::size_t i = 0; i < count; ++i) {
      const kr_field_spec& f = table[i];
      if (f.label == nullptr) continue;
      const bool secret = (f.flags & KR_FIELD_SECRET) != 0 || (f.type && std::strcmp(f.type, "secret") == 0);
      if (secret) secretLabels_.insert(f.label);
      if ((f.flags & KR_FIELD_INPUT) && !(f.flags & KR_FIELD_OTHER_RECORD) && f.default_value)
        defaults_.emplace(f.label, f.default_value);
      if (provider && (f.flags & KR_FIELD_OUTPUT))
        outputTypes_.emplace(f.label, (f.flags & KR_FIELD_SECRET) ? "secret" : (f.type ? f.type : "text"));
    }
  }
  template <std::size_t N>
  void declareFields(const kr_field_spec (&table)[N], bool provider = true) {
    declareFields(table, N, provider);
  }
  /// The declaration credential_spec serves (copied; nullptr serves none).
  void setCredentialSpec(const kr_credential_spec* spec) {
    parts_.clear();
    hasSpec_ = spec != nullptr;
    if (!spec) return;
    spec_ = *spec;
    spec_.struct_size = sizeof spec_;
    const std::size_t stride = spec->part_count && spec->parts ? spec->parts[0].struct_size : 0;
    const auto* base = reinterpret_cast<const unsigned char*>(spec->parts);
    for (std::size_t i = 0; stride && i < spec->part_count; ++i) {
      kr_credential_part part{};
      std::memcpy(&part, base + i * stride, std::min(stride, sizeof part));
      part.struct_size = sizeof part;
      parts_.push_back(part);
    }
    spec_.parts = parts_.empty() ? nullptr : parts_.data();
    spec_.part_count = parts_.size();
  }
  template <std::size_t N>
  void setCredentialSpec(const char* scheme, const kr_credential_part (&parts)[N], const char* subject = "admin",
                         const char* configuration = "") {
    const kr_credential_spec spec{sizeof(kr_credential_spec), scheme, subject, configuration, parts, N};
    setCredentialSpec(&spec);
  }
  const kr_credential_spec* credentialSpec() const noexcept { return hasSpec_ ? &spec_ : nullptr; }
  bool isSecretLabel(const std::string& label) const { return secretLabels_.count(label) > 0; }
  const std::map<std::string, std::string>& fieldDefaults() const noexcept { return defaults_; }

  // ---- Input ----

  /// Serve a Gateway input: its keys, its PAM User (the record named by userRecordUid) and its other records.
  void useInput(const GatewayInput& in) {
    inputs = in.keys;
    fields.clear();
    pamUserTitle.clear();
    otherRecords.clear();
    const Record* pam = in.pamUser();
    pamUserInRecords = pam != nullptr;
    pamUserIndex = 0;
    for (const Record& r : in.records) {
      if (&r == pam) {
        pamUserIndex = otherRecords.size();
        pamUserTitle = r.title;
        for (const auto& [label, value] : r.fields) fields.emplace(label, value);
      } else {
        otherRecords.push_back(r);
      }
    }
  }
  /// The PAM User as a Record (uid from userRecordUid).
  Record pamUser() const {
    Record r;
    const auto it = inputs.find("userRecordUid");
    r.uid = it == inputs.end() ? std::string() : it->second;
    r.title = pamUserTitle;
    for (const auto& [label, value] : fields) r.fields.emplace_back(label, value);
    return r;
  }
  /// A PAM User field as field_get serves it: the value, else the declared default, else the empty value.
  std::optional<std::string> field(const std::string& label) const {
    const std::string* v = fieldStorage(label);
    return v ? std::optional<std::string>(*v) : std::nullopt;
  }

  // ---- Calling plugins ----

  const kr_host_api* api() const noexcept { return &table_; }
  kr_context* handle() noexcept { return reinterpret_cast<kr_context*>(this); }
  /// A keeper_rotate::Context over this host, for driving plugin code directly (valid while the host lives).
  keeper_rotate::Context context() noexcept { return keeper_rotate::Context(&table_, handle()); }

  /// Serve a host table of an older minor (0, 1 or 2): struct_size ends before the members that minor lacks, so a
  /// plugin's struct_size checks are exercised.
  void emulateHostMinor(std::uint16_t minor) {
    table_ = fullTable();
    table_.abi_minor = minor;
    if (minor == 0) table_.struct_size = static_cast<std::uint32_t>(offsetof(kr_host_api, result_count));
    if (minor == 1) table_.struct_size = static_cast<std::uint32_t>(offsetof(kr_host_api, credential_spec));
    if (minor == 2) table_.struct_size = static_cast<std::uint32_t>(offsetof(kr_host_api, stop_requested));
  }

  /// Name the operation the next callbacks belong to (log origin, error stage) and forget the last error.
  void beginOperation(std::string origin, std::string stage) {
    origin_ = std::move(origin);
    stage_ = std::move(stage);
    lastError_.reset();
  }
  /// The error set since beginOperation, if any.
  const std::optional<ErrorText>& lastError() const noexcept { return lastError_; }
  /// Record an error as set_error would (for code that drives C++ plugin classes directly and catches Error).
  void recordError(const std::string& code, const std::string& message) {
    ErrorText e{origin_, stage_, code, message};
    errors.push_back(e);
    lastError_ = std::move(e);
  }

  // ---- Inspection ----

  std::vector<std::string> keys(kr_key_event event) const {
    std::vector<std::string> out;
    for (const auto& k : keyEvents)
      if (k.event == event) out.push_back(k.id);
    return out;
  }
  /// Whether any log line contains `needle`.
  bool logged(std::string_view needle) const {
    for (const auto& l : logs)
      if (l.text.find(needle) != std::string::npos) return true;
    return false;
  }
  /// Every log line and error text, one per line, for message checks.
  std::string allOutput() const {
    std::string all;
    for (const auto& l : logs) all += l.text + "\n";
    for (const auto& e : errors) all += e.code + ": " + e.message + "\n";
    return all;
  }
  /// Every value this host knows to be secret: registered secrets, secret results (flagged by the plugin or by a
  /// secret label in metadata), credential parts the declaration or the putting source marks secret, PAM User and
  /// record fields with secret labels or Keeper's well-known secret keys, and the test's extraSecrets.
  std::vector<KnownSecret> secretValues() const {
    std::vector<KnownSecret> out;
    for (std::size_t i = 0; i < registeredSecrets.size(); ++i)
      out.push_back({"registered secret #" + std::to_string(i + 1), registeredSecrets[i]});
    for (const auto& [label, r] : results)
      if (r.secret || isSecretLabel(label)) out.push_back({"secret result '" + label + "'", r.value});
    for (const auto& [name, value] : credentials)
      if (isSecretCredential(name)) out.push_back({"secret credential part '" + name + "'", value});
    for (const auto& [label, value] : fields)
      if (isSecretRecordKey(label)) out.push_back({"secret PAM User field '" + label + "'", value});
    for (const auto& r : otherRecords)
      for (const auto& [label, value] : r.fields)
        if (isSecretRecordKey(label)) out.push_back({"secret field '" + label + "' of record " + r.uid, value});
    for (const auto& s : extraSecrets) out.push_back(s);
    return out;
  }
  bool isSecretCredential(const std::string& name) const {
    if (secretCredentialNames.count(name)) return true;
    for (const auto& p : parts_)
      if (p.name && name == p.name) return (p.flags & KR_CREDENTIAL_SECRET) != 0;
    return isWellKnownSecretKey(name);
  }
  /// Forget what plugins reported (results, key events, logs, errors, secrets, call counts); keep the setup.
  void clearRecorded() {
    results.clear();
    keyEvents.clear();
    logs.clear();
    errors.clear();
    registeredSecrets.clear();
    secretCredentialNames.clear();
    callbackCalls.clear();
    callbackFailures.clear();
    lastError_.reset();
  }
  std::size_t totalCallbackCalls() const {
    std::size_t n = 0;
    for (const auto& [name, count] : callbackCalls) n += count;
    return n;
  }

 private:
  static bool isWellKnownSecretKey(const std::string& key) {
    // Keeper's own record types keep credentials under these keys, whatever plugin metadata says; the Gateway
    // suffixes repeated keys with a number ("password1").
    std::string base = key;
    while (!base.empty() && base.back() >= '0' && base.back() <= '9') base.pop_back();
    for (const char* k : {"password", "secret", "clientSecret", "client_secret", "privatePEMKey", "privateKey",
                          "oneTimeCode", "token"})
      if (key == k || base == k) return true;
    return false;
  }
  bool isSecretRecordKey(const std::string& key) const { return isSecretLabel(key) || isWellKnownSecretKey(key); }

  // The stored string itself, so a view stays valid for the whole operation (the test does not edit maps then).
  const std::string* fieldStorage(const std::string& label) const {
    const auto it = fields.find(label);
    if (it != fields.end() && !it->second.empty()) return &it->second;
    if (const auto d = defaults_.find(label); d != defaults_.end()) return &d->second;
    return it != fields.end() ? &it->second : nullptr;
  }

  static InMemoryHost* self(kr_context* ctx) noexcept { return reinterpret_cast<InMemoryHost*>(ctx); }

  template <class Fn, class R>
  static R guard(kr_context* ctx, const char* name, R fallback, Fn&& fn) noexcept {
    InMemoryHost* h = self(ctx);
    if (h == nullptr) return fallback;
    try {
      ++h->callbackCalls[name];
      return fn(*h);
    } catch (const std::exception& e) {
      try {
        h->callbackFailures.push_back(std::string(name) + ": " + e.what());
      } catch (...) {
      }
    } catch (...) {
      try {
        h->callbackFailures.push_back(std::string(name) + ": unknown exception");
      } catch (...) {
      }
    }
    return fallback;
  }

  static kr_status serve(const std::string& value, kr_view* out) noexcept {
    *out = kr_view{value.data(), value.size()};
    return KR_OK;
  }
  static kr_status lookup(const std::map<std::string, std::string>& m, const char* key, kr_view* out) {
    if (key == nullptr || out == nullptr) return KR_ERR_UNAVAILABLE;
    const auto it = m.find(key);
    return it == m.end() ? KR_ERR_UNAVAILABLE : serve(it->second, out);
  }

  static void cbLog(kr_context* c, kr_log_level level, const char* message) noexcept {
    guard(c, "log", 0, [&](InMemoryHost& h) {
      h.logs.push_back({level, h.origin_, message ? message : ""});
      return 0;
    });
  }
  static void cbSetError(kr_context* c, const char* code, const char* message) noexcept {
    guard(c, "set_error", 0, [&](InMemoryHost& h) {
      h.recordError(code ? code : "", message ? message : "");
      return 0;
    });
  }
  static kr_status cbInputGet(kr_context* c, const char* key, kr_view* out) noexcept {
    return guard(c, "input_get", KR_ERR_INTERNAL, [&](InMemoryHost& h) { return lookup(h.inputs, key, out); });
  }
  static kr_status cbFieldGet(kr_context* c, const char* label, kr_view* out) noexcept {
    return guard(c, "field_get", KR_ERR_INTERNAL, [&](InMemoryHost& h) {
      if (label == nullptr || out == nullptr) return KR_ERR_UNAVAILABLE;
      const std::string* v = h.fieldStorage(label);
      return v ? serve(*v, out) : KR_ERR_UNAVAILABLE;
    });
  }
  static size_t cbRecordCount(kr_context* c) noexcept {
    return guard(c, "record_count", static_cast<size_t>(0), [&](InMemoryHost& h) {
      return static_cast<size_t>((h.pamUserInRecords ? 1 : 0) + h.otherRecords.size());
    });
  }
  static kr_status cbRecordGet(kr_context* c, size_t index, const char* key, kr_view* out) noexcept {
    return guard(c, "record_get", KR_ERR_INTERNAL, [&](InMemoryHost& h) {
      if (key == nullptr || out == nullptr) return KR_ERR_UNAVAILABLE;
      const std::string k(key);
      const std::size_t pamAt = std::min(h.pamUserIndex, h.otherRecords.size());
      if (h.pamUserInRecords && index == pamAt) {
        if (k == "uid") return lookup(h.inputs, "userRecordUid", out);
        if (k == "title") return serve(h.pamUserTitle, out);
        return lookup(h.fields, key, out);
      }
      const std::size_t other = h.pamUserInRecords && index > pamAt ? index - 1 : index;
      if (other >= h.otherRecords.size()) return KR_ERR_UNAVAILABLE;
      const Record& r = h.otherRecords[other];
      if (k == "uid") return serve(r.uid, out);
      if (k == "title") return serve(r.title, out);
      const std::string* v = r.find(k);
      return v ? serve(*v, out) : KR_ERR_UNAVAILABLE;
    });
  }
  static kr_status cbCredentialGet(kr_context* c, const char* name, kr_view* out) noexcept {
    return guard(c, "credential_get", KR_ERR_INTERNAL,
                 [&](InMemoryHost& h) { return lookup(h.credentials, name, out); });
  }
  static void cbCredentialPut(kr_context* c, const char* name, const char* value, size_t size, int secret) noexcept {
    guard(c, "credential_put", 0, [&](InMemoryHost& h) {
      if (name == nullptr || (value == nullptr && size > 0)) return 0;
      h.credentials[name] = std::string(value ? value : "", size);
      if (secret) h.secretCredentialNames.insert(name);
      return 0;
    });
  }
  static void cbResultPut(kr_context* c, const char* label, const char* value, size_t size, int secret) noexcept {
    guard(c, "result_put", 0, [&](InMemoryHost& h) {
      if (label == nullptr || (value == nullptr && size > 0)) return 0;
      h.results[label] = ResultValue{std::string(value ? value : "", size), secret != 0 || h.isSecretLabel(label)};
      return 0;
    });
  }
  static kr_status cbResultGet(kr_context* c, const char* label, kr_view* out) noexcept {
    return guard(c, "result_get", KR_ERR_INTERNAL, [&](InMemoryHost& h) {
      if (label == nullptr || out == nullptr) return KR_ERR_UNAVAILABLE;
      const auto it = h.results.find(label);
      return it == h.results.end() ? KR_ERR_UNAVAILABLE : serve(it->second.value, out);
    });
  }
  static size_t cbResultCount(kr_context* c) noexcept {
    return guard(c, "result_count", static_cast<size_t>(0), [&](InMemoryHost& h) { return h.results.size(); });
  }
  static kr_status cbResultAt(kr_context* c, size_t index, kr_view* label, kr_view* value, int* secret) noexcept {
    return guard(c, "result_at", KR_ERR_INTERNAL, [&](InMemoryHost& h) {
      if (label == nullptr || value == nullptr || secret == nullptr || index >= h.results.size())
        return KR_ERR_UNAVAILABLE;
      auto it = h.results.begin();
      std::advance(it, static_cast<std::ptrdiff_t>(index));
      *label = kr_view{it->first.data(), it->first.size()};
      *value = kr_view{it->second.value.data(), it->second.value.size()};
      *secret = it->second.secret ? 1 : 0;
      return KR_OK;
    });
  }
  static void cbReportKey(kr_context* c, kr_key_event event, const char* id) noexcept {
    guard(c, "report_key", 0, [&](InMemoryHost& h) {
      if (id != nullptr) h.keyEvents.push_back({event, id});
      return 0;
    });
  }
  static kr_status cbSettingGet(kr_context* c, const char* key, kr_view* out) noexcept {
    return guard(c, "setting_get", KR_ERR_INTERNAL, [&](InMemoryHost& h) { return lookup(h.settings, key, out); });
  }
  static void cbRegisterSecret(kr_context* c, const char* value, size_t size) noexcept {
    guard(c, "register_secret", 0, [&](InMemoryHost& h) {
      if (value != nullptr && size > 0) h.registeredSecrets.emplace_back(value, size);
      return 0;
    });
  }
  static const kr_credential_spec* cbCredentialSpec(kr_context* c) noexcept {
    return guard(c, "credential_spec", static_cast<const kr_credential_spec*>(nullptr),
                 [&](InMemoryHost& h) { return h.credentialSpec(); });
  }
  static kr_status cbResultFieldType(kr_context* c, const char* label, kr_view* out) noexcept {
    return guard(c, "result_field_type", KR_ERR_INTERNAL, [&](InMemoryHost& h) {
      return lookup(h.outputTypes_, label, out);
    });
  }

  static int cbStopRequested(kr_context* c) noexcept {
    return guard(c, "stop_requested", 0, [&](InMemoryHost& h) { return h.stopReason.empty() ? 0 : 1; });
  }
  static kr_status cbWait(kr_context* c, std::uint64_t ms) noexcept {
    return guard(c, "wait", KR_ERR_FAILED, [&](InMemoryHost& h) {
      h.waits.push_back(ms);
      if (h.stopAfterWaits >= 0 && static_cast<int>(h.waits.size()) > h.stopAfterWaits && h.stopReason.empty())
        h.stopReason = "the test host's budget of " + std::to_string(h.stopAfterWaits) + " waits is spent";
      if (!h.stopReason.empty()) return KR_ERR_FAILED;
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(ms, h.maxRealWaitMs)));
      return KR_OK;
    });
  }
  static std::uint64_t cbTimeLeftMs(kr_context* c) noexcept {
    return guard(c, "time_left_ms", std::numeric_limits<std::uint64_t>::max(), [&](InMemoryHost& h) {
      return h.timeLeftMs ? *h.timeLeftMs : std::numeric_limits<std::uint64_t>::max();
    });
  }
  static kr_status cbStopReason(kr_context* c, kr_view* out) noexcept {
    return guard(c, "stop_reason", KR_ERR_INTERNAL, [&](InMemoryHost& h) {
      if (h.stopReason.empty() || out == nullptr) return KR_ERR_UNAVAILABLE;
      *out = kr_view{h.stopReason.data(), h.stopReason.size()};
      return KR_OK;
    });
  }

  // The test host shares no HTTPS clients: the plugin's keeper_rotate::https::Client then uses its own connections,
  // as it does under a host of ABI 1.3. Counted, so a test can see that a plugin asked.
  static kr_status cbHttpsSend(kr_context* c, const kr_https_request*, kr_https_response*) noexcept {
    return guard(c, "https_send", KR_ERR_UNAVAILABLE, [&](InMemoryHost& h) {
      ++h.httpsSendCalls;
      return KR_ERR_UNAVAILABLE;
    });
  }

  static kr_host_api fullTable() noexcept {
    kr_host_api t{};
    t.struct_size = sizeof(kr_host_api);
    t.abi_major = KR_ABI_MAJOR;
    t.abi_minor = KR_ABI_MINOR;
    t.log = &cbLog;
    t.set_error = &cbSetError;
    t.input_get = &cbInputGet;
    t.field_get = &cbFieldGet;
    t.record_count = &cbRecordCount;
    t.record_get = &cbRecordGet;
    t.credential_get = &cbCredentialGet;
    t.credential_put = &cbCredentialPut;
    t.result_put = &cbResultPut;
    t.result_get = &cbResultGet;
    t.report_key = &cbReportKey;
    t.setting_get = &cbSettingGet;
    t.register_secret = &cbRegisterSecret;
    t.result_count = &cbResultCount;
    t.result_at = &cbResultAt;
    t.credential_spec = &cbCredentialSpec;
    t.result_field_type = &cbResultFieldType;
    t.stop_requested = &cbStopRequested;
    t.wait = &cbWait;
    t.time_left_ms = &cbTimeLeftMs;
    t.https_send = &cbHttpsSend;
    t.stop_reason = &cbStopReason;
    return t;
  }

  kr_host_api table_{};
  std::map<std::string, std::string> defaults_;
  std::set<std::string> secretLabels_;
  std::map<std::string, std::string> outputTypes_;
  bool hasSpec_ = false;
  kr_credential_spec spec_{};
  std::vector<kr_credential_part> parts_;
  std::string origin_ = "test";
  std::string stage_;
  std::optional<ErrorText> lastError_;
};

}  // namespace keeper_rotate::testing
