// Small encoders/decoders the host needs in several places (input decoding, redaction).
#pragma once

#include <keeper_rotate/secret.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keeper_rotate::host::util {

/// Strict base64 decoding: standard or URL-safe alphabet, padding optional, ASCII whitespace (line breaks)
/// ignored. Returns nullopt on any other character or an impossible length; `badPosition` then names the offset.
std::optional<std::string> decodeBase64(std::string_view text, std::size_t* badPosition = nullptr);

std::string encodeBase64(std::string_view bytes, bool urlSafe, bool pad);

/// Percent-encoding as application/x-www-form-urlencoded bodies carry it (space as '+', unreserved kept).
std::string formUrlEncode(std::string_view text);
/// Percent-encoding with space as %20 (URLs, query strings).
std::string percentEncode(std::string_view text);

/// JSON string escaping of `text` (without the quotes), as a JSON writer would emit it.
std::string jsonEscape(std::string_view text);

/// The forms a secret is likely to be echoed in, other than itself (each distinct from the value).
std::vector<Secret> secretEncodings(std::string_view value);

/// Overwrite a buffer's bytes with zeros in a way the optimiser keeps.
void wipe(std::string& buffer) noexcept;

}  // namespace keeper_rotate::host::util
