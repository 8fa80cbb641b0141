// Internal helpers shared by the OpenSSL-backed crypto files: error conversion and byte-pointer casts.
#pragma once

#include "kr_ksm/crypto.hpp"

#include <openssl/err.h>

#include <string>
#include <string_view>

namespace keeper_rotate::ksm::crypto::detail {

/// Throw CryptoError naming the failed step and OpenSSL's first queued error (which is then cleared, so the
/// queue never carries stale errors into a later, unrelated check).
[[noreturn]] inline void fail(const char* what) {
  const unsigned long code = ERR_get_error();
  char buf[256] = {0};
  if (code != 0) ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  throw CryptoError(std::string(what) + (code != 0 ? std::string(": ") + buf : std::string()));
}

inline const unsigned char* u8(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
inline unsigned char* u8(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

}  // namespace keeper_rotate::ksm::crypto::detail
