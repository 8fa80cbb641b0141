#include "loaded_plugin.hpp"

#include <mutex>
#include <stdexcept>
#include <vector>

namespace kr_test {

std::string pluginPath(const std::string& kind, const std::string& name) {
  return std::string(KR_TEST_PLUGIN_DIR) + "/" + kind + "-" + name + ".so";
}

namespace {

/// Keeps every loaded library alive until the process exits (intentionally never freed, so it stays reachable).
void keepLoaded(std::shared_ptr<boost::dll::shared_library> library) {
  static std::mutex mutex;
  static auto* loaded = new std::vector<std::shared_ptr<boost::dll::shared_library>>();
  std::lock_guard<std::mutex> lock(mutex);
  loaded->push_back(std::move(library));
}

}  // namespace

LoadedPlugin::LoadedPlugin(const std::string& path)
    : library_(std::make_shared<boost::dll::shared_library>(
          path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local)) {
  keepLoaded(library_);
  tag_ = &library_->get<const kr_abi_tag>(KR_ABI_TAG_SYMBOL);
  if (tag_->magic != KR_ABI_MAGIC || tag_->abi_major != KR_ABI_MAJOR)
    throw std::runtime_error(path + ": ABI tag does not match this test's ABI");
  descriptor_ = library_->get<const kr_plugin_descriptor*()>(KR_ENTRY_SYMBOL)();
}

kr_status LoadedPlugin::run(FakeHost& host, kr_operation_fn op) const {
  const kr_host_api api = host.api();
  void* instance = nullptr;
  kr_status status = descriptor_->create(&api, host.context(), &instance);
  if (status != KR_OK) return status;
  status = op(instance, host.context());
  descriptor_->destroy(instance);
  return status;
}

}  // namespace kr_test
