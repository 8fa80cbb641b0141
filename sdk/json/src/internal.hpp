// Internals of KeeperRotate::json shared by its source files (not installed).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "keeper_rotate/json.hpp"

namespace keeper_rotate::json::detail {

/// Zeroes a string's whole capacity when the scope ends, however it ends (temporaries that held input text).
class Wiper {
 public:
  explicit Wiper(std::string& s) noexcept : s_(s) {}
  Wiper(const Wiper&) = delete;
  Wiper& operator=(const Wiper&) = delete;
  ~Wiper() { wipe(s_); }

 private:
  std::string& s_;
};

/// Length (1 to 4) of the well-formed UTF-8 sequence at text[at], or 0 when there is none: no overlong forms, nothing
/// above U+10FFFF, no surrogates — unless allowLoneSurrogates, which accepts their 3-byte generalized UTF-8 (WTF-8)
/// form, ED A0..BF xx, as the parser stores lone surrogates that came from \u escapes.
std::size_t utf8SequenceLength(std::string_view text, std::size_t at, bool allowLoneSurrogates) noexcept;

/// True when the 3-byte sequence at text[at] is a WTF-8 surrogate (ED A0..BF xx); the sequence must be valid.
inline bool isWtf8Surrogate(std::string_view text, std::size_t at) noexcept {
  return static_cast<unsigned char>(text[at]) == 0xED && static_cast<unsigned char>(text[at + 1]) >= 0xA0;
}

/// Scans the JSON number (RFC 8259 section 6) that starts at text[at] and returns the offset just past it. Throws
/// ParseError at the first byte that breaks the grammar (a missing digit, a leading zero).
std::size_t scanNumber(std::string_view text, std::size_t at);

/// Throws TypeError "expected <expected>, found <the type of `found`, with its article>".
[[noreturn]] void throwTypeError(const char* expected, Type found);

}  // namespace keeper_rotate::json::detail
