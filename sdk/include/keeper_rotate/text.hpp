// Small text and encoding helpers, one copy for the host, the internal KSM client, every plugin and the fake servers:
// white-space trimming, ASCII case-insensitive comparison, joining, base64 in both alphabets, percent-encoding.
//
// Header-only and dependency-free on purpose, so plugins built against the installed SDK use the same code. Poco
// has similar functions, but Poco::icompare trips UBSan on empty strings and Poco's base64 streams leave unzeroed
// copies of what they encode; these are plain functions whose buffers callers can wipe.
#pragma once

#include <string.h>  // explicit_bzero (glibc >= 2.25)

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keeper_rotate::text {

inline bool isSpace(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

/// `s` without leading and trailing ASCII white space.
inline std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

inline char lowerAscii(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

/// ASCII lower case (header names, host names, ids); other bytes unchanged.
inline std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lowerAscii(c);
  return out;
}

/// ASCII case-insensitive equality (ids, host and header names).
inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lowerAscii(a[i]) != lowerAscii(b[i])) return false;
  return true;
}

/// "a, b, c" (with `separator` between items).
inline std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

/// Overwrite a buffer's bytes with zeros in a way the optimiser keeps, then empty it.
inline void wipe(std::string& buffer) noexcept {
  if (!buffer.empty()) explicit_bzero(buffer.data(), buffer.size());
  buffer.clear();
}

/// Base64: standard alphabet (+/) or url-safe (-_), with or without '=' padding.
inline std::string encodeBase64(std::string_view bytes, bool urlSafe = false, bool pad = true) {
  const char* alphabet = urlSafe ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                                 : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    out.push_back(alphabet[(n >> 6) & 63]);
    out.push_back(alphabet[n & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned n = byte(i) << 16;
    if (rest == 2) n |= byte(i + 1) << 8;
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    if (rest == 2) out.push_back(alphabet[(n >> 6) & 63]);
    if (pad) out.append(rest == 1 ? "==" : "=");
  }
  return out;
}

/// Strict base64 decoding of either alphabet (both may be mixed in one value, as Keeper's servers do), padding
/// optional but, when present, completing the last quantum. White space is skipped only when `skipWhitespace`
/// (line-wrapped input). Returns nullopt on any other character or an impossible length; `badPosition` then names
/// the offset. Partial output is wiped before it is dropped: the input may be a secret.
inline std::optional<std::string> decodeBase64(std::string_view text, bool skipWhitespace = false,
                                               std::size_t* badPosition = nullptr) {
  auto sextet = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 4 * 3 + 3);
  auto fail = [&](std::size_t at) -> std::optional<std::string> {
    if (badPosition) *badPosition = at;
    wipe(out);
    return std::nullopt;
  };
  unsigned buffer = 0;
  int bits = 0;
  std::size_t padding = 0, symbols = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (skipWhitespace && isSpace(c)) continue;
    if (c == '=') {
      if (++padding > 2) return fail(i);
      continue;
    }
    const int v = sextet(c);
    if (v < 0 || padding > 0) return fail(i);  // a data character after padding is as wrong as a foreign one
    ++symbols;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
      buffer &= (1u << bits) - 1u;  // keep only the bits not yet emitted
    }
  }
  // A single leftover symbol cannot encode a byte; padding, if present, must complete the last quantum.
  if (symbols % 4 == 1 || (padding > 0 && (symbols + padding) % 4 != 0)) return fail(text.size());
  return out;
}

/// Percent-encoding of everything but the unreserved characters (A-Z a-z 0-9 - _ . ~), upper-case hex, as URLs,
/// query strings and AWS signing want it; with `spaceAsPlus`, a space becomes '+' as in HTML form bodies.
inline std::string percentEncode(std::string_view text, bool spaceAsPlus = false) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ' && spaceAsPlus) {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0x0F]);
    }
  }
  return out;
}

/// application/x-www-form-urlencoded value encoding (space as '+').
inline std::string formUrlEncode(std::string_view text) { return percentEncode(text, true); }

}  // namespace keeper_rotate::text
