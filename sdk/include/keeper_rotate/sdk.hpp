// keeper-rotate C++ plugin SDK (header-only, over the C ABI in keeper_rotate/abi.h).
//
// A plugin author writes one class and one registration line:
//
//   class AcmeTokenProvider final : public keeper_rotate::Provider {
//    public:
//     static constexpr const char* kName = "acme-token";
//     static constexpr const char* kVersion = "1.0.0";
//     static constexpr const char* kDescription = "Rotate an Acme API token";
//     static constexpr kr_field_spec kFields[] = {
//         keeper_rotate::Field::input("acme_account").required().describe("Acme account id"),
//         keeper_rotate::Field::output("acme_token").secret().describe("the new token")};
//     static constexpr const char* kCredentialScheme = "acme-api-key";
//     static constexpr kr_credential_part kCredentialParts[] = {
//         keeper_rotate::CredentialPart::named("api_key").secret()
//             .onAttachedRecord("acme_api_key").inPamConfiguration("apiKey").inEnvironment("ACME_API_KEY")};
//     void validate(keeper_rotate::Context& ctx) override;
//     ...
//   };
//   KEEPER_ROTATE_REGISTER_PROVIDER(AcmeTokenProvider)
//
// Failures are reported by throwing keeper_rotate::Error (with a stable code and an admin-readable message);
// the registration macro catches every exception inside the plugin, so none crosses the ABI boundary.
#pragma once

#include <keeper_rotate/abi.h>
#include <keeper_rotate/field_rules.hpp>
#include <keeper_rotate/secret.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>  // offsetof
#include <cstdint>
#include <exception>
#include <limits>
#include <thread>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

/// Marks the two symbols a plugin exports. Everything else in a plugin should stay hidden (-fvisibility=hidden).
#define KEEPER_ROTATE_EXPORT __attribute__((visibility("default")))

namespace keeper_rotate {

/// A failure with a stable machine code (e.g. "graph.Authorization_RequestDenied") and a message for admins.
class Error : public std::runtime_error {
 public:
  Error(kr_status status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}
  kr_status status() const noexcept { return status_; }
  const std::string& code() const noexcept { return code_; }

 private:
  kr_status status_;
  std::string code_;
};

/// Configuration is wrong (field, credential, permission): exit code 3 when raised before anything changed.
inline Error configError(std::string code, const std::string& message) {
  return Error(KR_ERR_CONFIG, std::move(code), message);
}
/// The operation failed at run time (network, remote error, timeout).
inline Error failure(std::string code, const std::string& message) {
  return Error(KR_ERR_FAILED, std::move(code), message);
}

/// constexpr builder for kr_field_spec entries in a plugin's kFields table.
struct Field {
  kr_field_spec spec;

  static constexpr Field input(const char* label) {
    return Field{{sizeof(kr_field_spec), label, "text", "string", KR_FIELD_INPUT, nullptr, nullptr, 0, 0, ""}};
  }
  static constexpr Field output(const char* label) {
    return Field{{sizeof(kr_field_spec), label, "text", "string", KR_FIELD_OUTPUT, nullptr, nullptr, 0, 0, ""}};
  }
  constexpr Field required() const { return withFlags(KR_FIELD_REQUIRED); }
  /// Hidden value: Keeper field type "secret", redacted everywhere.
  constexpr Field secret() const {
    Field f = withFlags(KR_FIELD_SECRET);
    f.spec.type = "secret";
    return f;
  }
  /// The field lives on another record (e.g. an attached admin record); documented, not validated on PAM User.
  constexpr Field onOtherRecord() const { return withFlags(KR_FIELD_OTHER_RECORD); }
  constexpr Field integer(std::int64_t min, std::int64_t max) const {
    Field f = *this;
    f.spec.value_kind = "int";
    f.spec.min_value = min;
    f.spec.max_value = max;
    return f;
  }
  /// Allowed values separated by '|'.
  constexpr Field oneOf(const char* values) const {
    Field f = *this;
    f.spec.value_kind = "enum";
    f.spec.allowed_values = values;
    return f;
  }
  constexpr Field url() const {
    Field f = *this;
    f.spec.value_kind = "url";
    return f;
  }
  /// An id in 8-4-4-4-12 hexadecimal form (Entra ID object ids, application ids).
  constexpr Field uuid() const {
    Field f = *this;
    f.spec.value_kind = "uuid";
    return f;
  }
  /// An OUTPUT field whose value before the run the plugin also reads (e.g. the id of the credential Keeper holds).
  constexpr Field alsoInput() const { return withFlags(KR_FIELD_INPUT); }
  /// The Keeper field type a writer gives this OUTPUT field when it has to create it (default "text"; secret()
  /// makes it "secret").
  constexpr Field keeperType(const char* type) const {
    Field f = *this;
    f.spec.type = type;
    return f;
  }
  constexpr Field defaultValue(const char* value) const {
    Field f = *this;
    f.spec.default_value = value;
    return f;
  }
  constexpr Field describe(const char* text) const {
    Field f = *this;
    f.spec.description = text;
    return f;
  }
  constexpr operator kr_field_spec() const { return spec; }  // NOLINT: implicit on purpose for table syntax

 private:
  constexpr Field withFlags(std::uint32_t flags) const {
    Field f = *this;
    f.spec.flags |= flags;
    return f;
  }
};

/// constexpr builder for the kr_credential_part entries of a provider's kCredentialParts table: one part of the
/// admin credential and where each first-party credential source looks for it (sdk/docs/credentials.md).
struct CredentialPart {
  kr_credential_part part;

  static constexpr CredentialPart named(const char* name) {
    return CredentialPart{{sizeof(kr_credential_part), name, 0u, nullptr, nullptr, nullptr, ""}};
  }
  constexpr CredentialPart secret() const { return withFlags(KR_CREDENTIAL_SECRET); }
  constexpr CredentialPart optional() const { return withFlags(KR_CREDENTIAL_OPTIONAL); }
  /// `attached-record` reads this label on the admin record attached to the PAM script.
  constexpr CredentialPart onAttachedRecord(const char* label) const {
    CredentialPart c = *this;
    c.part.record_label = label;
    return c;
  }
  /// `pam-config` reads this field label on the PAM Configuration record.
  constexpr CredentialPart inPamConfiguration(const char* label) const {
    CredentialPart c = *this;
    c.part.config_field = label;
    return c;
  }
  /// `env` reads this environment variable.
  constexpr CredentialPart inEnvironment(const char* variable) const {
    CredentialPart c = *this;
    c.part.env_var = variable;
    return c;
  }
  constexpr CredentialPart describe(const char* text) const {
    CredentialPart c = *this;
    c.part.description = text;
    return c;
  }
  constexpr operator kr_credential_part() const { return part; }  // NOLINT: implicit on purpose for table syntax

 private:
  constexpr CredentialPart withFlags(std::uint32_t flags) const {
    CredentialPart c = *this;
    c.part.flags |= flags;
    return c;
  }
};

/// The admin credential a provider declares, as a credential source reads it (Context::credentialSpec()).
class CredentialSpec {
 public:
  explicit CredentialSpec(const kr_credential_spec* spec) noexcept : spec_(spec) {}
  std::string_view scheme() const { return text(spec_->scheme); }
  /// "admin app": how messages name the credential's owner.
  std::string_view subject() const { return text(spec_->subject); }
  /// "Azure": how messages name the PAM Configuration that carries it.
  std::string_view configuration() const { return text(spec_->configuration); }
  std::size_t size() const noexcept { return spec_->parts ? spec_->part_count : 0; }
  const kr_credential_part& operator[](std::size_t i) const noexcept {
    const auto* base = reinterpret_cast<const unsigned char*>(spec_->parts);
    return *reinterpret_cast<const kr_credential_part*>(base + i * spec_->parts[0].struct_size);
  }
  static bool isSecret(const kr_credential_part& p) noexcept { return (p.flags & KR_CREDENTIAL_SECRET) != 0; }
  static bool isOptional(const kr_credential_part& p) noexcept { return (p.flags & KR_CREDENTIAL_OPTIONAL) != 0; }

 private:
  static std::string_view text(const char* s) { return s ? std::string_view(s) : std::string_view(); }
  const kr_credential_spec* spec_;
};

/// Typed access to the host's services during one operation. Cheap to copy; valid only inside the operation.
class Context {
 public:
  Context(const kr_host_api* host, kr_context* ctx) noexcept : host_(host), ctx_(ctx) {}

  void log(kr_log_level level, const std::string& message) const { host_->log(ctx_, level, message.c_str()); }
  void debug(const std::string& message) const { log(KR_LOG_DEBUG, message); }
  void info(const std::string& message) const { log(KR_LOG_INFO, message); }
  void warn(const std::string& message) const { log(KR_LOG_WARN, message); }

  /// Gateway input key ("userRecordUid", "providerRecordUid", "resourceRecordUid", "user").
  std::optional<std::string_view> input(const char* key) const { return get(host_->input_get, key); }
  /// PAM User field by label, defaults already applied by the host.
  std::optional<std::string_view> field(const char* label) const { return get(host_->field_get, label); }
  /// PAM User field that must exist (the host validated required fields; this guards optional ones).
  std::string_view requireField(const char* label) const {
    auto v = field(label);
    if (!v || field_rules::trim(*v).empty())
      throw configError("field.missing", std::string("PAM User record has no value in custom field '") + label + "'");
    return field_rules::trim(*v);
  }

  // Typed field access. The host has checked every INPUT field against the plugin's kFields (value kind, bounds,
  // allowed values) and applied the declared defaults before any operation runs, so these only convert; kFields
  // is the single place a rule or a default is written. A value that does not convert means the field is not
  // declared with that kind: a configError naming the field, never a silent fallback.

  /// The field's value without surrounding white space; empty when absent and without a default.
  std::string text(const char* label) const {
    auto v = field(label);
    return v ? std::string(field_rules::trim(*v)) : std::string();
  }
  /// A field declared with Field::integer() (and normally a default).
  std::int64_t integer(const char* label) const {
    const std::string v = text(label);
    const auto n = field_rules::parseInteger(v);
    if (!n)
      throw configError("field." + std::string(label),
                        std::string("PAM User field '") + label + "' has no whole-number value" +
                            (v.empty() ? std::string(" and no default") : std::string()) +
                            "; it must be declared with Field::integer() and a default, or be set on the record");
    return *n;
  }
  /// A field declared with Field::oneOf(): one of its allowed values (or its default).
  std::string choice(const char* label) const { return text(label); }

  /// The admin credential the selected provider declares; nullopt with a host older than ABI 1.2 or a provider
  /// that declares none.
  std::optional<CredentialSpec> credentialSpec() const {
    if (host_->struct_size < offsetof(kr_host_api, credential_spec) + sizeof(host_->credential_spec)) return {};
    const kr_credential_spec* spec = host_->credential_spec(ctx_);
    if (spec == nullptr) return {};
    return CredentialSpec(spec);
  }
  /// The Keeper field type the provider declares for OUTPUT field `label`; nullopt when undeclared or with a host
  /// older than ABI 1.2.
  std::optional<std::string_view> resultFieldType(const char* label) const {
    if (host_->struct_size < offsetof(kr_host_api, result_field_type) + sizeof(host_->result_field_type)) return {};
    return get(host_->result_field_type, label);
  }
  std::size_t recordCount() const { return host_->record_count(ctx_); }
  std::optional<std::string_view> record(std::size_t index, const char* key) const {
    kr_view v{nullptr, 0};
    if (host_->record_get(ctx_, index, key, &v) != KR_OK) return std::nullopt;
    return std::string_view(v.data, v.size);
  }
  /// Admin credential part resolved by the credential source ("tenant_id", "client_id", "client_secret").
  std::optional<std::string_view> credential(const char* name) const { return get(host_->credential_get, name); }
  void putCredential(const char* name, std::string_view value, bool secret) const {
    host_->credential_put(ctx_, name, value.data(), value.size(), secret ? 1 : 0);
  }
  /// Rotation result (OUTPUT field by label).
  void putResult(const char* label, std::string_view value, bool secret) const {
    host_->result_put(ctx_, label, value.data(), value.size(), secret ? 1 : 0);
  }
  std::optional<std::string_view> result(const char* label) const { return get(host_->result_get, label); }

  /// One rotation result as a writer sees it.
  struct ResultEntry {
    std::string_view label;
    std::string_view value;
    bool secret;
  };
  /// Every result the provider put, ordered by label. Empty with a host older than ABI 1.1 (use result(label)).
  std::vector<ResultEntry> results() const {
    std::vector<ResultEntry> out;
    if (host_->struct_size < offsetof(kr_host_api, result_at) + sizeof(host_->result_at)) return out;
    const std::size_t count = host_->result_count(ctx_);
    for (std::size_t i = 0; i < count; ++i) {
      kr_view label{nullptr, 0}, value{nullptr, 0};
      int secret = 1;
      if (host_->result_at(ctx_, i, &label, &value, &secret) != KR_OK) continue;
      out.push_back({std::string_view(label.data ? label.data : "", label.size),
                     std::string_view(value.data ? value.data : "", value.size), secret != 0});
    }
    return out;
  }
  void reportKey(kr_key_event event, const std::string& keyId) const {
    host_->report_key(ctx_, event, keyId.c_str());
  }
  /// Host setting ("ksm_config", "dry_run", "attached_file").
  std::optional<std::string_view> setting(const char* key) const { return get(host_->setting_get, key); }
  void registerSecret(std::string_view value) const { host_->register_secret(ctx_, value.data(), value.size()); }
  void setError(const std::string& code, const std::string& message) const {
    host_->set_error(ctx_, code.c_str(), message.c_str());
  }

  // Stopping and time budgets (ABI 1.3). With an older host these never stop and wait() simply sleeps.

  /// True when the operation must stop as soon as it can (a signal, or its time budget is spent).
  bool stopRequested() const { return has13() && host_->stop_requested(ctx_) != 0; }
  /// Why stopRequested() is true, for messages ("SIGTERM", "the run's time budget ... is spent").
  std::string stopReason() const {
    if (!has13()) return {};
    auto v = get(host_->stop_reason, nullptr);
    return v ? std::string(*v) : std::string();
  }
  /// Time left in the operation's budget; nullopt when it has none (or with an older host).
  std::optional<std::chrono::milliseconds> timeLeft() const {
    if (!has13()) return std::nullopt;
    const std::uint64_t ms = host_->time_left_ms(ctx_);
    if (ms == std::numeric_limits<std::uint64_t>::max()) return std::nullopt;
    return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
  }
  /// The one way a plugin should wait (backoff, Retry-After, pauses between attempts): returns after `duration`,
  /// or throws keeper_rotate::Error ("run.stopped", KR_ERR_FAILED) as soon as the run must stop, and at once when
  /// the wait would outlast the operation's budget, naming `what` is being waited for.
  void wait(std::chrono::milliseconds duration, const std::string& what = "the next attempt") const;
  /// Throws the same Error when the operation must stop; call it between steps of a long operation.
  void throwIfStopped(const std::string& what = "the operation") const;

 private:
  using Getter = kr_status (*)(kr_context*, const char*, kr_view*);
  std::optional<std::string_view> get(Getter getter, const char* key) const {
    kr_view v{nullptr, 0};
    if (getter(ctx_, key, &v) != KR_OK) return std::nullopt;
    return std::string_view(v.data ? v.data : "", v.size);
  }
  std::optional<std::string_view> get(kr_status (*getter)(kr_context*, kr_view*), std::nullptr_t) const {
    kr_view v{nullptr, 0};
    if (getter(ctx_, &v) != KR_OK) return std::nullopt;
    return std::string_view(v.data ? v.data : "", v.size);
  }
  bool has13() const noexcept {
    return host_->struct_size >= offsetof(kr_host_api, stop_reason) + sizeof(host_->stop_reason);
  }
  const kr_host_api* host_;
  kr_context* ctx_;
};

inline void Context::throwIfStopped(const std::string& what) const {
  if (!stopRequested()) return;
  const std::string why = stopReason();
  throw Error(KR_ERR_FAILED, "run.stopped",
              "stopped during " + what + (why.empty() ? std::string() : ": " + why));
}

inline void Context::wait(std::chrono::milliseconds duration, const std::string& what) const {
  if (duration.count() <= 0) return throwIfStopped(what);
  if (!has13()) return std::this_thread::sleep_for(duration);
  if (const auto left = timeLeft(); left && duration > *left)
    throw Error(KR_ERR_FAILED, "run.budget",
                "waiting " + std::to_string(duration.count()) + " ms for " + what + " would outlast the time budget (" +
                    std::to_string(left->count()) + " ms left); not waiting");
  // Long waits (a Retry-After, a throttling pause) say what they wait for at least every 10 s, so an admin reading
  // the log can tell a slow service from a hung process.
  constexpr std::chrono::milliseconds kProgressEvery{10000};
  for (auto left = duration; left.count() > 0;) {
    const auto slice = std::min(left, kProgressEvery);
    if (host_->wait(ctx_, static_cast<std::uint64_t>(slice.count())) != KR_OK) {
      const std::string why = stopReason();
      throw Error(KR_ERR_FAILED, "run.stopped",
                  "stopped while waiting for " + what + (why.empty() ? std::string() : ": " + why));
    }
    left -= slice;
    if (left.count() > 0) {
      const auto budget = timeLeft();
      info("still waiting for " + what + ": " + std::to_string((left.count() + 999) / 1000) + " s of this wait left" +
           (budget ? ", " + std::to_string(budget->count() / 1000) + " s of the time budget" : std::string()));
    }
  }
}

/// Base of a rotation provider. Throw keeper_rotate::Error to fail an operation. See kr_provider_ops for the
/// exact contract of each step.
class Provider {
 public:
  virtual ~Provider() = default;
  virtual void validate(Context& ctx) = 0;
  virtual void create(Context& ctx) = 0;
  virtual void prove(Context& ctx) = 0;
  virtual void retire(Context& ctx) = 0;
  virtual void rollback(Context& ctx) = 0;
  /// Remove the credential with id `ctx.setting("remove_key_id")`, left by an earlier run that was killed before
  /// storing it (ABI 1.3, kr_provider_ops::remove). Called after validate. Remove it only when it belongs to the
  /// validated target; an id that is not there is success. The default says the provider cannot.
  virtual void remove(Context& /*ctx*/) {
    throw Error(KR_ERR_FAILED, "remove.unsupported", "this provider cannot remove a credential left by a killed run");
  }
};

/// Base of a credential source.
class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  /// Put the credential parts found; return false when this source has nothing for this run.
  virtual bool resolve(Context& ctx) = 0;
};

/// Base of a record writer.
class RecordWriter {
 public:
  virtual ~RecordWriter() = default;
  virtual void validate(Context& ctx) = 0;
  virtual void store(Context& ctx) = 0;
  virtual void verify(Context& ctx) = 0;
  virtual void revert(Context& /*ctx*/) {}
};

namespace detail {

template <class T>
struct Instance {
  const kr_host_api* host;
  T plugin;
};

/// The plugin operation running on this thread, for SDK components that call the host on their own (the HTTPS
/// client sends through kr_host_api::https_send when the host offers it). Hidden: every plugin and the host keep
/// their own, so the host's code never mistakes itself for a plugin in an operation.
struct CurrentOperation {
  const kr_host_api* host = nullptr;
  kr_context* ctx = nullptr;
};
__attribute__((visibility("hidden"))) inline thread_local CurrentOperation currentOperation;

/// Sets currentOperation for the life of one operation and restores what was there before.
class OperationScope {
 public:
  OperationScope(const kr_host_api* host, kr_context* ctx) noexcept : saved_(currentOperation) {
    currentOperation = CurrentOperation{host, ctx};
  }
  ~OperationScope() { currentOperation = saved_; }
  OperationScope(const OperationScope&) = delete;
  OperationScope& operator=(const OperationScope&) = delete;

 private:
  CurrentOperation saved_;
};

/// Runs `body` and converts every exception into a status plus set_error: the only place plugin exceptions end.
template <class Body>
kr_status guarded(const kr_host_api* host, kr_context* ctx, Body&& body) noexcept {
  try {
    return body();
  } catch (const Error& e) {
    host->set_error(ctx, e.code().c_str(), e.what());
    return e.status() == KR_OK ? KR_ERR_INTERNAL : e.status();
  } catch (const std::exception& e) {
    host->set_error(ctx, "plugin.exception", e.what());
    return KR_ERR_INTERNAL;
  } catch (...) {
    host->set_error(ctx, "plugin.exception", "unknown exception in plugin");
    return KR_ERR_INTERNAL;
  }
}

/// T::kFields is optional: a plugin that reads and writes no record field simply leaves it out (a zero-length
/// array is not valid C++).
template <class T, class = void>
struct FieldTable {
  static constexpr const kr_field_spec* data() { return nullptr; }
  static constexpr std::size_t size() { return 0; }
};
template <class T>
struct FieldTable<T, std::void_t<decltype(T::kFields)>> {
  static constexpr const kr_field_spec* data() { return T::kFields; }
  static constexpr std::size_t size() { return std::size(T::kFields); }
};

/// The provider's admin credential: T::kCredentialParts (with T::kCredentialScheme, and optionally
/// T::kCredentialSubject and T::kCredentialConfiguration) is the one table both the 1.2 declaration and the 1.0
/// list of required part names are derived from. A provider without it may still give T::kRequiredCredentials
/// (names only, no locations) or need no credential at all.
template <class T, class = void>
struct RequiredNames {
  static constexpr const char* const* get() { return nullptr; }
};
template <class T>
struct RequiredNames<T, std::void_t<decltype(T::kRequiredCredentials)>> {
  static constexpr const char* const* get() { return T::kRequiredCredentials; }
};
template <class T, class = void>
struct CredentialTable {
  static constexpr const kr_credential_spec* spec() { return nullptr; }
  static constexpr const char* const* required() { return RequiredNames<T>::get(); }
};
template <class T, class = void>
struct CredentialText {
  static constexpr const char* subject() { return "admin"; }
  static constexpr const char* configuration() { return ""; }
};
template <class T>
struct CredentialText<T, std::void_t<decltype(T::kCredentialSubject), decltype(T::kCredentialConfiguration)>> {
  static constexpr const char* subject() { return T::kCredentialSubject; }
  static constexpr const char* configuration() { return T::kCredentialConfiguration; }
};
template <class T>
struct CredentialTable<T, std::void_t<decltype(T::kCredentialParts)>> {
  static constexpr std::size_t kCount = std::size(T::kCredentialParts);
  static constexpr std::array<const char*, kCount + 1> kNames = [] {
    std::array<const char*, kCount + 1> names{};
    std::size_t k = 0;
    for (const kr_credential_part& p : T::kCredentialParts)
      if ((p.flags & KR_CREDENTIAL_OPTIONAL) == 0) names[k++] = p.name;
    names[k] = nullptr;
    return names;
  }();
  static constexpr kr_credential_spec kSpec = {sizeof(kr_credential_spec), T::kCredentialScheme,
                                               CredentialText<T>::subject(), CredentialText<T>::configuration(),
                                               T::kCredentialParts, kCount};
  static constexpr const kr_credential_spec* spec() { return &kSpec; }
  static constexpr const char* const* required() { return kNames.data(); }
};

template <class T>
struct Adapter {
  static kr_status create(const kr_host_api* host, kr_context* ctx, void** out) noexcept {
    const OperationScope scope(host, ctx);
    return guarded(host, ctx, [&] {
      *out = new Instance<T>{host, T()};
      return KR_OK;
    });
  }
  static void destroy(void* instance) noexcept {
    try {
      delete static_cast<Instance<T>*>(instance);
    } catch (...) {  // a destructor that throws must not take the host down
    }
  }
  // `auto` rather than `void (T::*)(Context&)`: the method may be inherited (RecordWriter::revert).
  template <auto Method>
  static kr_status call(void* instance, kr_context* ctx) noexcept {
    auto* self = static_cast<Instance<T>*>(instance);
    const OperationScope scope(self->host, ctx);
    return guarded(self->host, ctx, [&] {
      Context c(self->host, ctx);
      (self->plugin.*Method)(c);
      return KR_OK;
    });
  }
  static kr_status resolve(void* instance, kr_context* ctx) noexcept {
    auto* self = static_cast<Instance<T>*>(instance);
    const OperationScope scope(self->host, ctx);
    return guarded(self->host, ctx, [&] {
      Context c(self->host, ctx);
      return self->plugin.resolve(c) ? KR_OK : KR_ERR_UNAVAILABLE;
    });
  }
  static constexpr kr_plugin_descriptor descriptor(kr_kind kind, const kr_provider_ops* p,
                                                   const kr_credential_source_ops* s,
                                                   const kr_record_writer_ops* w) {
    return kr_plugin_descriptor{sizeof(kr_plugin_descriptor),
                                KR_ABI_MAJOR,
                                KR_ABI_MINOR,
                                kind,
                                T::kName,
                                T::kVersion,
                                T::kDescription,
                                FieldTable<T>::data(),
                                FieldTable<T>::size(),
                                &Adapter::create,
                                &Adapter::destroy,
                                p,
                                s,
                                w};
  }
};

}  // namespace detail
}  // namespace keeper_rotate

/// The oldest host ABI minor a plugin built with this SDK accepts (kr_abi_tag::min_host_minor). The default is this
/// SDK's minor: a plugin is refused by older hosts rather than meeting a host table without members it calls.
/// Define it lower before including sdk.hpp only when every newer host feature the plugin uses goes through the
/// SDK's struct_size-checked accessors (results(), credentialSpec(), resultFieldType()) or your own checks.
#ifndef KEEPER_ROTATE_MIN_HOST_MINOR
#define KEEPER_ROTATE_MIN_HOST_MINOR KR_ABI_MINOR
#endif
static_assert(KEEPER_ROTATE_MIN_HOST_MINOR <= KR_ABI_MINOR, "KEEPER_ROTATE_MIN_HOST_MINOR is newer than this SDK");

/// The two exported symbols every plugin has; the host reads the tag before calling anything.
#define KEEPER_ROTATE_DEFINE_ENTRY_(DESCRIPTOR_EXPR)                                                  \
  extern "C" KEEPER_ROTATE_EXPORT const kr_abi_tag keeper_rotate_abi_tag = {                         \
      KR_ABI_MAGIC, KR_ABI_MAJOR, KR_ABI_MINOR, static_cast<uint32_t>(sizeof(kr_plugin_descriptor)),  \
      KEEPER_ROTATE_MIN_HOST_MINOR, 0};                                                               \
  extern "C" KEEPER_ROTATE_EXPORT const kr_plugin_descriptor* keeper_rotate_plugin_v1(void) {        \
    static const kr_plugin_descriptor descriptor = DESCRIPTOR_EXPR;                                   \
    return &descriptor;                                                                               \
  }

/// Register a keeper_rotate::Provider subclass (one per shared object).
#define KEEPER_ROTATE_REGISTER_PROVIDER(T)                                                               \
  namespace {                                                                                            \
  const kr_provider_ops keeper_rotate_provider_ops_ = {                                                  \
      sizeof(kr_provider_ops),                                                                           \
      &::keeper_rotate::detail::Adapter<T>::call<&T::validate>,                                          \
      &::keeper_rotate::detail::Adapter<T>::call<&T::create>,                                            \
      &::keeper_rotate::detail::Adapter<T>::call<&T::prove>,                                             \
      &::keeper_rotate::detail::Adapter<T>::call<&T::retire>,                                            \
      &::keeper_rotate::detail::Adapter<T>::call<&T::rollback>,                                          \
      ::keeper_rotate::detail::CredentialTable<T>::required(),                                           \
      ::keeper_rotate::detail::CredentialTable<T>::spec(),                                               \
      &::keeper_rotate::detail::Adapter<T>::call<&T::remove>};                                           \
  }                                                                                                      \
  KEEPER_ROTATE_DEFINE_ENTRY_(::keeper_rotate::detail::Adapter<T>::descriptor(                           \
      KR_KIND_PROVIDER, &keeper_rotate_provider_ops_, nullptr, nullptr))

/// Register a keeper_rotate::CredentialSource subclass (one per shared object).
#define KEEPER_ROTATE_REGISTER_CREDENTIAL_SOURCE(T)                                                      \
  namespace {                                                                                            \
  const kr_credential_source_ops keeper_rotate_source_ops_ = {                                           \
      sizeof(kr_credential_source_ops), &::keeper_rotate::detail::Adapter<T>::resolve};                  \
  }                                                                                                      \
  KEEPER_ROTATE_DEFINE_ENTRY_(::keeper_rotate::detail::Adapter<T>::descriptor(                           \
      KR_KIND_CREDENTIAL_SOURCE, nullptr, &keeper_rotate_source_ops_, nullptr))

/// Register a keeper_rotate::RecordWriter subclass (one per shared object). T::kCapabilities: KR_WRITER_* bits.
#define KEEPER_ROTATE_REGISTER_RECORD_WRITER(T)                                                          \
  namespace {                                                                                            \
  const kr_record_writer_ops keeper_rotate_writer_ops_ = {                                               \
      sizeof(kr_record_writer_ops),                                                                      \
      T::kCapabilities,                                                                                  \
      &::keeper_rotate::detail::Adapter<T>::call<&T::validate>,                                          \
      &::keeper_rotate::detail::Adapter<T>::call<&T::store>,                                             \
      &::keeper_rotate::detail::Adapter<T>::call<&T::verify>,                                            \
      &::keeper_rotate::detail::Adapter<T>::call<&T::revert>};                                           \
  }                                                                                                      \
  KEEPER_ROTATE_DEFINE_ENTRY_(::keeper_rotate::detail::Adapter<T>::descriptor(                           \
      KR_KIND_RECORD_WRITER, nullptr, nullptr, &keeper_rotate_writer_ops_))
