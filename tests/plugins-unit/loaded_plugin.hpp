// Loads one plugin .so as the host does (tag first, then the entry function) and runs single operations on it.
#pragma once

#include "fake_host.hpp"

#include <keeper_rotate/abi.h>

#include <boost/dll/shared_library.hpp>

#include <memory>
#include <string>

namespace kr_test {

/// Path of a first-party plugin in the build tree, e.g. pluginPath("source", "env"). The directory is the macro
/// KR_TEST_PLUGIN_DIR of the including target (tests/ksm reuses these files with the same macro name).
std::string pluginPath(const std::string& kind, const std::string& name);

class LoadedPlugin {
 public:
  explicit LoadedPlugin(const std::string& path);
  const kr_abi_tag& tag() const { return *tag_; }
  const kr_plugin_descriptor& descriptor() const { return *descriptor_; }

  /// create, run `op` once with `host`, destroy: one operation in a fresh instance.
  kr_status run(FakeHost& host, kr_operation_fn op) const;
  kr_status resolve(FakeHost& host) const { return run(host, descriptor_->credential_source->resolve); }

 private:
  // Shared with a process-wide list that is never destroyed: like the host, tests never unload a plugin. Unloading
  // would unmap the plugin's static data while libraries it uses (OpenSSL, Poco) still hold allocations only that
  // data pointed to, which LeakSanitizer then reports as leaks.
  std::shared_ptr<boost::dll::shared_library> library_;
  const kr_abi_tag* tag_ = nullptr;
  const kr_plugin_descriptor* descriptor_ = nullptr;
};

}  // namespace kr_test
