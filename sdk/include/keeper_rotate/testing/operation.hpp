// keeper_rotate::testing — calling a plugin's operations through the C ABI as the host does: one instance per
// run (descriptor->create with the host's table, descriptor->destroy at the end), each operation's status together
// with the error it set.
#pragma once

#include <keeper_rotate/abi.h>
#include <keeper_rotate/testing/in_memory_host.hpp>
#include <keeper_rotate/testing/plugin.hpp>

#include <string>

namespace keeper_rotate::testing {

inline const char* statusName(kr_status s) noexcept {
  switch (s) {
    case KR_OK: return "KR_OK";
    case KR_ERR_CONFIG: return "KR_ERR_CONFIG";
    case KR_ERR_UNAVAILABLE: return "KR_ERR_UNAVAILABLE";
    case KR_ERR_FAILED: return "KR_ERR_FAILED";
    case KR_ERR_INTERNAL: return "KR_ERR_INTERNAL";
  }
  return "(unknown status)";
}

/// The outcome of one operation.
struct StepResult {
  kr_status status = KR_OK;
  std::string code;
  std::string message;
  bool ok() const noexcept { return status == KR_OK; }

  static StepResult failed(kr_status status, std::string code, std::string message) {
    return StepResult{status, std::move(code), std::move(message)};
  }
};

/// One instance of a plugin for one run. Not copyable: it owns the plugin's instance pointer.
class Instance {
 public:
  Instance(const Plugin& plugin, InMemoryHost& host) : plugin_(plugin), host_(host) {}
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;
  ~Instance() { destroy(); }

  /// descriptor->create; the instance lives until destroy() or the end of this object.
  StepResult create() {
    if (created_) return {};
    host_.beginOperation(plugin_.origin(), "create-instance");
    void* out = nullptr;
    const kr_status s = plugin_.descriptor().create(host_.api(), host_.handle(), &out);
    if (s != KR_OK) return result(s);
    if (out == nullptr) return StepResult::failed(KR_ERR_INTERNAL, "plugin.instance", plugin_.origin() +
                                                  ": create returned KR_OK but no instance");
    instance_ = out;
    created_ = true;
    return {};
  }
  void destroy() noexcept {
    if (created_) plugin_.descriptor().destroy(instance_);
    created_ = false;
    instance_ = nullptr;
  }
  /// Run operation `fn` (e.g. plugin.provider()->validate) as stage `stage`.
  StepResult call(kr_operation_fn fn, const std::string& stage) {
    if (!created_) {
      StepResult r = create();
      if (!r.ok()) return r;
    }
    if (fn == nullptr) return StepResult::failed(KR_ERR_INTERNAL, "plugin.operation", plugin_.origin() +
                                                 " has no '" + stage + "' operation");
    host_.beginOperation(plugin_.origin(), stage);
    return result(fn(instance_, host_.handle()));
  }
  const Plugin& plugin() const noexcept { return plugin_; }

 private:
  StepResult result(kr_status s) const {
    if (s == KR_OK) return {};
    if (const auto& e = host_.lastError()) return StepResult{s, e->code, e->message};
    // The ABI asks for set_error before a non-OK return; say so instead of inventing a reason.
    return StepResult{s, "plugin.no_error", plugin_.origin() + " returned " + statusName(s) + " without set_error"};
  }

  const Plugin& plugin_;
  InMemoryHost& host_;
  void* instance_ = nullptr;
  bool created_ = false;
};

}  // namespace keeper_rotate::testing
