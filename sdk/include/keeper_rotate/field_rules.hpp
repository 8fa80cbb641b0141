// How a field value is checked against its metadata (kr_field_spec::value_kind and its bounds), in one place.
//
// The host checks every INPUT field of the selected plugins with checkFieldValue() before any plugin operation runs,
// and the typed accessors of keeper_rotate::Context (integer(), choice(), text()) parse values with the same
// functions. So a plugin declares a rule once, in kFields, and never re-checks it; the SDK test kit uses these
// functions too, so a plugin behaves under test exactly as under the host.
#pragma once

#include <keeper_rotate/abi.h>
#include <keeper_rotate/text.hpp>

#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace keeper_rotate::field_rules {

/// Hand-typed vault values often carry white space around them.
using text::trim;

inline bool kindIs(const kr_field_spec& spec, const char* kind) noexcept {
  return spec.value_kind != nullptr && std::strcmp(spec.value_kind, kind) == 0;
}

/// A whole decimal number with an optional leading '-', nothing else; nullopt on overflow or any other character.
inline std::optional<std::int64_t> parseInteger(std::string_view text) noexcept {
  if (text.empty()) return std::nullopt;
  const bool negative = text.front() == '-';
  if (negative) text.remove_prefix(1);
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  const auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (n > max + (negative ? 1u : 0u)) return std::nullopt;
  if (negative) return n == max + 1 ? std::numeric_limits<std::int64_t>::min() : -static_cast<std::int64_t>(n);
  return static_cast<std::int64_t>(n);
}

/// 8-4-4-4-12 hexadecimal digits (either case), as Entra ID and Keeper print object ids.
inline bool isUuid(std::string_view v) noexcept {
  if (v.size() != 36) return false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

/// Whether `value` is one of the '|'-separated `allowed` values.
inline bool enumContains(const char* allowed, std::string_view value) noexcept {
  if (allowed == nullptr) return false;
  std::string_view rest(allowed);
  while (true) {
    const auto bar = rest.find('|');
    if (rest.substr(0, bar) == value) return true;
    if (bar == std::string_view::npos) return false;
    rest.remove_prefix(bar + 1);
  }
}

/// What is wrong with `value` (already trimmed) for `spec`, or nullopt when it is acceptable. The text follows
/// "field 'x' " in a message and never quotes a secret value.
inline std::optional<std::string> checkFieldValue(const kr_field_spec& spec, std::string_view value) {
  const bool secret = (spec.flags & KR_FIELD_SECRET) != 0 || (spec.type && std::strcmp(spec.type, "secret") == 0);
  const std::string quoted = secret ? std::string("(secret value)") : "'" + std::string(value) + "'";
  if (kindIs(spec, "int")) {
    const auto n = parseInteger(value);
    if (!n) return "has value " + quoted + ", which is not a whole number";
    if (spec.min_value <= spec.max_value && (*n < spec.min_value || *n > spec.max_value))
      return "has value " + quoted + ", outside the allowed range " + std::to_string(spec.min_value) + ".." +
             std::to_string(spec.max_value);
  } else if (kindIs(spec, "enum")) {
    if (!enumContains(spec.allowed_values, value))
      return "has value " + quoted + ", which is not one of " +
             (spec.allowed_values ? spec.allowed_values : "(no values declared)");
  } else if (kindIs(spec, "url")) {
    // Credentials are sent to these endpoints: plain http is never acceptable.
    if (value.rfind("https://", 0) != 0 || value.size() <= 8)
      return "has value " + quoted + ", which is not an https:// URL";
  } else if (kindIs(spec, "uuid")) {
    if (!isUuid(value)) return "has value " + quoted + ", which is not a UUID (8-4-4-4-12 hex digits)";
  }
  return std::nullopt;
}

}  // namespace keeper_rotate::field_rules
