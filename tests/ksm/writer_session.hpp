// Drives the real writer-ksm.so through the C ABI the way the host does: one instance across validate, store,
// verify and revert, with the fake host table of tests/plugins-unit (inputs, results, settings; captures logs,
// errors and registered secrets for leak scans).
#pragma once

#include <fake_host.hpp>

#include <keeper_rotate/abi.h>

#include <boost/dll/shared_library.hpp>

#include <stdexcept>
#include <string>

namespace kr_ksm_test {

class WriterSession {
 public:
  WriterSession(const std::string& pluginPath, kr_test::FakeHost& host)
      : library_(pluginPath, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local), host_(host) {
    const auto& tag = library_.get<const kr_abi_tag>(KR_ABI_TAG_SYMBOL);
    if (tag.magic != KR_ABI_MAGIC || tag.abi_major != KR_ABI_MAJOR) throw std::runtime_error("ABI mismatch");
    descriptor_ = library_.get<const kr_plugin_descriptor*()>(KR_ENTRY_SYMBOL)();
    if (descriptor_->kind != KR_KIND_RECORD_WRITER) throw std::runtime_error("not a record writer");
    api_ = host_.api();
    if (descriptor_->create(&api_, host_.context(), &instance_) != KR_OK) throw std::runtime_error("create failed");
  }
  ~WriterSession() {
    if (instance_) descriptor_->destroy(instance_);
  }
  WriterSession(const WriterSession&) = delete;
  WriterSession& operator=(const WriterSession&) = delete;

  const kr_plugin_descriptor& descriptor() const { return *descriptor_; }
  kr_status validate() { return run(descriptor_->record_writer->validate); }
  kr_status store() { return run(descriptor_->record_writer->store); }
  kr_status verify() { return run(descriptor_->record_writer->verify); }
  kr_status revert() { return run(descriptor_->record_writer->revert); }

 private:
  kr_status run(kr_operation_fn op) {
    host_.errorCode.clear();
    host_.errorMessage.clear();
    return op(instance_, host_.context());
  }
  boost::dll::shared_library library_;
  kr_test::FakeHost& host_;
  const kr_plugin_descriptor* descriptor_ = nullptr;
  kr_host_api api_{};
  void* instance_ = nullptr;
};

}  // namespace kr_ksm_test
