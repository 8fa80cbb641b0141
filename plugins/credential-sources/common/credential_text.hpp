// Small text helpers shared by the first-party credential sources (header-only, SDK-only dependencies).
//
// Values typed into Keeper by hand often carry a stray space or newline; Azure ids and client secrets never contain
// surrounding whitespace, so sources trim it and treat a value that is blank after trimming as absent.
#pragma once

#include <keeper_rotate/sdk.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keeper_rotate::sources {

inline std::string_view trimmed(std::string_view s) {
  const char* ws = " \t\r\n";
  auto first = s.find_first_not_of(ws);
  if (first == std::string_view::npos) return {};
  auto last = s.find_last_not_of(ws);
  return s.substr(first, last - first + 1);
}

/// A value of record `index` under `key`, trimmed; nullopt when absent or blank.
inline std::optional<std::string_view> recordValue(const Context& ctx, std::size_t index, const char* key) {
  auto v = ctx.record(index, key);
  if (!v) return std::nullopt;
  auto t = trimmed(*v);
  if (t.empty()) return std::nullopt;
  return t;
}

/// "'Title' (uid ABC)" — how admins recognise a record in the vault. Never includes field values.
inline std::string describeRecord(const Context& ctx, std::size_t index) {
  auto title = ctx.record(index, "title");
  auto uid = ctx.record(index, "uid");
  std::string out = "'" + std::string(title ? *title : std::string_view("(untitled)")) + "'";
  out += " (uid " + std::string(uid ? *uid : std::string_view("?")) + ")";
  return out;
}

/// "'a', 'b' and 'c'" for error messages that list labels or names.
inline std::string joinQuoted(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? " and " : ", ";
    out += "'" + items[i] + "'";
  }
  return out;
}

/// One credential part: where it is read from (record label or variable name) and the name the provider asks for.
struct CredentialPart {
  const char* from;     ///< record field label or environment variable
  const char* partName; ///< "client_id", "client_secret", "tenant_id"
  bool secret;
};

}  // namespace keeper_rotate::sources
