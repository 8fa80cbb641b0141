// KSM's base64 conventions over the one shared codec (keeper_rotate/text.hpp): fixed forms for encoding, and a
// decoder that throws, naming the offset, because a malformed value from the server or a config file is an error
// to report, not an absent value.
#include "kr_ksm/base64.hpp"

#include <keeper_rotate/text.hpp>

namespace keeper_rotate::ksm::base64 {

std::string encode(std::string_view bytes) { return text::encodeBase64(bytes, /*urlSafe=*/false, /*pad=*/true); }
std::string encodeUrl(std::string_view bytes) { return text::encodeBase64(bytes, /*urlSafe=*/true, /*pad=*/false); }

std::string decode(std::string_view encoded) {
  std::size_t bad = 0;
  auto out = text::decodeBase64(encoded, /*skipWhitespace=*/false, &bad);
  if (!out)
    throw DecodeError(bad >= encoded.size() ? std::string("base64: impossible length or padding")
                                            : "base64: invalid character or padding at position " + std::to_string(bad));
  return std::move(*out);
}

}  // namespace keeper_rotate::ksm::base64
