// A reader for the one JSON document instance-role parses: the instance metadata service's role credential, an
// object of string members ({"Code":"Success","AccessKeyId":"...","SecretAccessKey":"...","Token":"...",...}).
//
// It exists so that the secret members never pass through a general JSON library's copies: every member value is
// decoded straight into a keeper_rotate::Secret, and the decoding scratch space is zeroed. Numbers, booleans and
// null are kept as their literal text; nested objects and arrays are checked for well-formedness and skipped.
#pragma once

#include <keeper_rotate/secret.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keeper_rotate::sources::instance_role {

class FlatObject {
 public:
  /// The member `name` (a string's decoded value, or a scalar's literal text); nullptr when absent or nested.
  const Secret* find(std::string_view name) const;
  void add(std::string name, Secret value) { members_.emplace_back(std::move(name), std::move(value)); }
  bool has(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, Secret>> members_;
};

/// `text` as a JSON object (RFC 8259, with surrounding white space); nullopt when it is not exactly one object,
/// or when a member name repeats (which value a reader would take is then a guess).
std::optional<FlatObject> parseFlatObject(std::string_view text);

}  // namespace keeper_rotate::sources::instance_role
