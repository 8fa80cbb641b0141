// The host's encoders beyond the shared ones of keeper_rotate/text.hpp (base64, percent-encoding, wiping, which
// are re-exported here): JSON escaping and the echo forms of a secret that the redactor also hides.
#pragma once

#include <keeper_rotate/secret.hpp>
#include <keeper_rotate/text.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keeper_rotate::host::util {

using text::encodeBase64;
using text::formUrlEncode;
using text::percentEncode;
using text::wipe;

/// JSON string escaping of `text` (without the quotes), as a JSON writer would emit it.
std::string jsonEscape(std::string_view text);

/// The forms a secret is likely to be echoed in, other than itself (each distinct from the value).
std::vector<Secret> secretEncodings(std::string_view value);


}  // namespace keeper_rotate::host::util
