// Broken on purpose: a valid ABI tag but no entry function.
#include <keeper_rotate/abi.h>

extern "C" __attribute__((visibility("default"))) const kr_abi_tag keeper_rotate_abi_tag = {
    KR_ABI_MAGIC, KR_ABI_MAJOR, KR_ABI_MINOR, static_cast<uint32_t>(sizeof(kr_plugin_descriptor)), 0, 0};
