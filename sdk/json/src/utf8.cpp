// UTF-8 validation for the parser (input strings) and the serialiser (strings set by code).
#include "internal.hpp"

namespace keeper_rotate::json::detail {

std::size_t utf8SequenceLength(std::string_view text, std::size_t at, bool allowLoneSurrogates) noexcept {
  // Bytes past the end read as 0x100, which is no continuation byte.
  const auto byte = [&](std::size_t k) -> unsigned {
    return k < text.size() ? static_cast<unsigned char>(text[k]) : 0x100u;
  };
  const auto in = [](unsigned b, unsigned low, unsigned high) { return b >= low && b <= high; };
  const auto continuation = [&](std::size_t k) { return in(byte(k), 0x80, 0xBF); };
  const unsigned lead = byte(at);
  if (lead < 0x80) return 1;
  // C0, C1: overlong forms of ASCII.
  if (in(lead, 0xC2, 0xDF)) return continuation(at + 1) ? 2 : 0;
  if (lead == 0xE0) return in(byte(at + 1), 0xA0, 0xBF) && continuation(at + 2) ? 3 : 0;  // A0: no overlong form
  // ED A0..BF: the surrogates U+D800..U+DFFF.
  if (lead == 0xED)
    return in(byte(at + 1), 0x80, allowLoneSurrogates ? 0xBF : 0x9F) && continuation(at + 2) ? 3 : 0;
  if (in(lead, 0xE1, 0xEF)) return continuation(at + 1) && continuation(at + 2) ? 3 : 0;
  if (lead == 0xF0)  // 90: no overlong form
    return in(byte(at + 1), 0x90, 0xBF) && continuation(at + 2) && continuation(at + 3) ? 4 : 0;
  if (in(lead, 0xF1, 0xF3)) return continuation(at + 1) && continuation(at + 2) && continuation(at + 3) ? 4 : 0;
  if (lead == 0xF4)  // 8F: nothing above U+10FFFF
    return in(byte(at + 1), 0x80, 0x8F) && continuation(at + 2) && continuation(at + 3) ? 4 : 0;
  return 0;  // a continuation byte without its lead, or F5..FF
}

}  // namespace keeper_rotate::json::detail
