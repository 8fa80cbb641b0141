// Drives the real writer-ksm.so through the C ABI the way the host does: loaded with the SDK test kit (ABI tag
// first), one instance across validate, store, verify and revert, against the kit's in-memory host (inputs,
// results, settings; captures logs, errors and registered secrets for leak scans).
#pragma once

#include <keeper_rotate/abi.h>
#include <keeper_rotate/testing/in_memory_host.hpp>
#include <keeper_rotate/testing/operation.hpp>
#include <keeper_rotate/testing/plugin.hpp>

#include <stdexcept>
#include <string>

namespace kr_ksm_test {

class WriterSession {
 public:
  WriterSession(const std::string& pluginPath, keeper_rotate::testing::InMemoryHost& host)
      : plugin_(keeper_rotate::testing::load(pluginPath)), instance_(plugin_, host) {
    if (plugin_.kind() != KR_KIND_RECORD_WRITER) throw std::runtime_error("not a record writer");
    if (!instance_.create().ok()) throw std::runtime_error("create failed");
  }
  WriterSession(const WriterSession&) = delete;
  WriterSession& operator=(const WriterSession&) = delete;

  const kr_plugin_descriptor& descriptor() const { return plugin_.descriptor(); }
  // Each operation starts with no error set, so the host's lastError() is this operation's.
  kr_status validate() { return instance_.call(plugin_.recordWriter()->validate, "validate").status; }
  kr_status store() { return instance_.call(plugin_.recordWriter()->store, "store").status; }
  kr_status verify() { return instance_.call(plugin_.recordWriter()->verify, "verify").status; }
  kr_status revert() { return instance_.call(plugin_.recordWriter()->revert, "revert").status; }

 private:
  keeper_rotate::testing::Plugin plugin_;  // before instance_, which refers to it
  keeper_rotate::testing::Instance instance_;
};

}  // namespace kr_ksm_test
