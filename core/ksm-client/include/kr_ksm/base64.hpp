// Base64 as Keeper Secrets Manager uses it: the server and the SDKs mix the standard alphabet (padded) and the
// url-safe alphabet (often unpadded) within one response, so decoding accepts both alphabets with or without
// padding, and encoding names the form explicitly.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace keeper_rotate::ksm::base64 {

/// Thrown for characters outside both alphabets, misplaced padding or an impossible length.
class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Standard alphabet (+/) with '=' padding: what the SDKs write into configs and most payload fields.
std::string encode(std::string_view bytes);
/// Url-safe alphabet (-_) without padding: tokens, record UIDs, server public keys.
std::string encodeUrl(std::string_view bytes);

/// Decodes either alphabet, padded or not (mixing '+' and '-' in one value is accepted too). Whitespace is not.
std::string decode(std::string_view text);

}  // namespace keeper_rotate::ksm::base64
