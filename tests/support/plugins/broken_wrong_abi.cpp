// Broken on purpose: claims plugin ABI major 99. The host must refuse it from the tag alone, before calling
// anything (the entry function aborts to prove it is never called).
#include <keeper_rotate/abi.h>

#include <cstdlib>

extern "C" __attribute__((visibility("default"))) const kr_abi_tag keeper_rotate_abi_tag = {
    KR_ABI_MAGIC, 99, 0, static_cast<uint32_t>(sizeof(kr_plugin_descriptor)), 0, 0};

extern "C" __attribute__((visibility("default"))) const kr_plugin_descriptor* keeper_rotate_plugin_v1(void) {
  std::abort();
}
