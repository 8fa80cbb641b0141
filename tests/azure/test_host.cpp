#include "test_host.hpp"

namespace azure_test {
namespace {

TestHost& self(kr_context* ctx) { return *reinterpret_cast<TestHost*>(ctx); }

kr_status lookup(const std::map<std::string, std::string>& m, const char* key, kr_view* out) {
  auto it = m.find(key);
  if (it == m.end()) return KR_ERR_UNAVAILABLE;
  *out = kr_view{it->second.data(), it->second.size()};
  return KR_OK;
}

}  // namespace

kr_host_api TestHost::api() const {
  kr_host_api a{};
  a.struct_size = sizeof(kr_host_api);
  a.abi_major = KR_ABI_MAJOR;
  a.abi_minor = KR_ABI_MINOR;
  a.log = [](kr_context* c, kr_log_level l, const char* m) { self(c).logs.emplace_back(l, m); };
  a.set_error = [](kr_context* c, const char* code, const char* m) {
    self(c).errorCode = code;
    self(c).errorMessage = m;
  };
  a.input_get = [](kr_context* c, const char* k, kr_view* o) { return lookup(self(c).inputs, k, o); };
  a.field_get = [](kr_context* c, const char* k, kr_view* o) { return lookup(self(c).fields, k, o); };
  a.record_count = [](kr_context*) -> size_t { return 0; };
  a.record_get = [](kr_context*, size_t, const char*, kr_view*) { return KR_ERR_UNAVAILABLE; };
  a.credential_get = [](kr_context* c, const char* k, kr_view* o) { return lookup(self(c).credentials, k, o); };
  a.credential_put = [](kr_context* c, const char* k, const char* v, size_t n, int) {
    self(c).credentials[k] = std::string(v, n);
  };
  a.result_put = [](kr_context* c, const char* l, const char* v, size_t n, int secret) {
    self(c).results[l] = Result{std::string(v, n), secret != 0};
  };
  a.result_get = [](kr_context* c, const char* l, kr_view* o) {
    auto it = self(c).results.find(l);
    if (it == self(c).results.end()) return KR_ERR_UNAVAILABLE;
    *o = kr_view{it->second.value.data(), it->second.value.size()};
    return KR_OK;
  };
  a.report_key = [](kr_context* c, kr_key_event e, const char* id) { self(c).keyEvents.emplace_back(e, id); };
  a.setting_get = [](kr_context* c, const char* k, kr_view* o) { return lookup(self(c).settings, k, o); };
  a.register_secret = [](kr_context* c, const char* v, size_t n) { self(c).registeredSecrets.emplace_back(v, n); };
  return a;
}

std::vector<std::string> TestHost::keys(kr_key_event event) const {
  std::vector<std::string> out;
  for (const auto& [e, id] : keyEvents)
    if (e == event) out.push_back(id);
  return out;
}

std::string TestHost::allOutput() const {
  std::string all;
  for (const auto& [level, line] : logs) all += line + "\n";
  all += errorCode + ": " + errorMessage + "\n";
  return all;
}

}  // namespace azure_test
