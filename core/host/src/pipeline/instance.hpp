// PluginInstance: one plugin object for this run (descriptor->create / destroy), and the single place where the
// host calls into plugin code for an operation.
#pragma once

#include "host_api/context.hpp"
#include "host_api/run_state.hpp"
#include "loader/plugin.hpp"

#include <string>

namespace keeper_rotate::host {

/// What an operation returned, with the error the plugin described (or one the host made up if it did not).
struct OpResult {
  kr_status status = KR_OK;
  std::string code;
  std::string message;
  bool ok() const { return status == KR_OK; }
};

class PluginInstance {
 public:
  PluginInstance(const LoadedPlugin& plugin, RunState& run) : plugin_(plugin), run_(run) {}
  ~PluginInstance();
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  const LoadedPlugin& plugin() const { return plugin_; }
  const kr_plugin_descriptor& descriptor() const { return *plugin_.descriptor; }

  /// Run operation `fn` (creating the instance on first use). `stage` names the pipeline step for logs.
  OpResult call(kr_operation_fn fn, const char* stage);

 private:
  OpResult ensureCreated(const char* stage);

  const LoadedPlugin& plugin_;
  RunState& run_;
  void* instance_ = nullptr;
  bool created_ = false;
};

const char* statusName(kr_status status);

}  // namespace keeper_rotate::host
