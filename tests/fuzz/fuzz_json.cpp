// Target json: KeeperRotate::json (sdk/json, keeper_rotate/json.hpp), the JSON reader and writer meant for every
// document that carries secrets: parse, stringify, comparison, the lookups and accessors, numberFromText.
// Documented failure: ParseError from parse and numberFromText; TypeError from int64() on a number that is no
// integer in range. Properties:
//   * a ParseError's message is "at byte <offset>: " and one of the parser's fixed phrases (so no input byte can be
//     in it), with the offset within the input;
//   * when parse succeeds: stringify does not throw, its output parses to an equal value, and that value
//     stringifies to the same text (one round trip reaches the canonical form);
//   * the depth limit is exact: the document parses with maxDepth equal to its depth and fails with one less;
//   * keys are unique (find() of each key finds that member), number() and text() read every number, and
//     numberFromText accepts the input exactly when parse reads it as a bare number.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <keeper_rotate/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"

namespace json = keeper_rotate::json;

namespace {

bool knownMessage(std::string_view rest) {
  static constexpr std::string_view kPhrases[] = {
      "expected a value",
      "expected the end of the input",
      "expected ',' or ']'",
      "expected ',' or '}'",
      "expected a string key",
      "expected a string key or '}'",
      "expected ':'",
      "expected true",
      "expected false",
      "expected null",
      "duplicate key",
      "expected '\"' (the string is not closed)",
      "control character in a string (it must be escaped)",
      "invalid UTF-8",
      "invalid escape (expected one of \" \\ / b f n r t u after '\\')",
      "expected four hex digits after \\u",
      "expected a digit",
      "leading zeros are not allowed",
      "expected a digit after the decimal point",
      "expected a digit in the exponent",
      "expected the end of the number",
  };
  for (std::string_view phrase : kPhrases)
    if (rest == phrase) return true;
  constexpr std::string_view depth = "arrays and objects nested more than ";
  if (rest.substr(0, depth.size()) != depth) return false;
  rest.remove_prefix(depth.size());
  std::size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
  return digits > 0 && rest.substr(digits) == " deep";
}

void checkError(const json::ParseError& e, std::size_t inputSize) {
  kr_fuzz::note(e);
  const std::string what = e.what();
  const std::string prefix = "at byte " + std::to_string(e.offset()) + ": ";
  if (e.offset() > inputSize) kr_fuzz::violated("ParseError offset beyond the input");
  if (what.compare(0, prefix.size(), prefix) != 0) kr_fuzz::violated("ParseError message does not start with its offset");
  if (!knownMessage(std::string_view(what).substr(prefix.size())))
    kr_fuzz::violated("ParseError message is not one of the parser's fixed phrases");
}

/// Nesting depth of arrays and objects (a scalar is 0); also checks the lookups and accessors on the way.
std::size_t walk(const json::Value& v, std::size_t& total) {
  switch (v.type()) {
    case json::Type::Null: return 0;
    case json::Type::Bool: total += v.boolean() ? 1 : 2; return 0;
    case json::Type::Number: {
      const double d = v.number();  // never throws for a parsed number
      total += d > 0 ? 1 : 0;
      try {
        total += static_cast<std::size_t>(v.int64() & 1);
      } catch (const json::TypeError&) {
      }
      if (json::text(v) != v.numberText()) kr_fuzz::violated("text() of a number is not its literal text");
      return 0;
    }
    case json::Type::String:
      if (json::text(v) != v.string()) kr_fuzz::violated("text() of a string is not the string");
      total += v.string().size();
      return 0;
    case json::Type::Array: {
      std::size_t deepest = 0;
      for (const json::Value& item : v.array()) deepest = std::max(deepest, walk(item, total));
      return deepest + 1;
    }
    case json::Type::Object: {
      const json::Object& o = v.object();
      std::size_t deepest = 0;
      for (const auto& [key, value] : o) {
        if (o.find(key) != &value) kr_fuzz::violated("find() of a member's key does not find that member");
        deepest = std::max(deepest, walk(value, total));
      }
      return deepest + 1;
    }
  }
  return 0;
}

void fuzzOne(std::string_view input) {
  // numberFromText takes the whole input as one number literal: it must agree with parse on bare numbers.
  bool isNumberText = false;
  try {
    isNumberText = json::Value::numberFromText(std::string(input)).numberText() == input;
    if (!isNumberText) kr_fuzz::violated("numberFromText changed the text");
  } catch (const json::ParseError& e) {
    checkError(e, input.size());
  }

  json::Value v;
  try {
    v = json::parse(input);
  } catch (const json::ParseError& e) {
    checkError(e, input.size());
    if (isNumberText) kr_fuzz::violated("numberFromText accepts a number that parse refuses");
    return;
  }
  if (isNumberText && (!v.isNumber() || v.numberText() != input))
    kr_fuzz::violated("parse reads a number literal differently from numberFromText");

  std::size_t total = 0;
  const std::size_t depth = walk(v, total);
  if (depth > json::ParseLimits{}.maxDepth) kr_fuzz::violated("parse returned a value deeper than maxDepth");

  std::string once;
  try {
    once = json::stringify(v);
  } catch (const std::invalid_argument&) {
    kr_fuzz::violated("stringify refused a parsed value");
    return;
  }
  json::Value again;
  try {
    again = json::parse(once);
  } catch (const json::ParseError&) {
    kr_fuzz::violated("stringify wrote text that parse refuses");
    return;
  }
  if (again != v) kr_fuzz::violated("parse(stringify(v)) is not equal to v");
  std::string twice = json::stringify(again);
  if (twice != once) kr_fuzz::violated("stringify(parse(stringify(v))) differs from stringify(v)");
  const json::Value copy = v;
  if (copy != v) kr_fuzz::violated("a copy is not equal to its original");

  // The depth limit is exact.
  json::ParseLimits limits;
  limits.maxDepth = depth;
  try {
    (void)json::parse(input, limits);
  } catch (const json::ParseError&) {
    kr_fuzz::violated("parse refuses a document at exactly maxDepth");
  }
  if (depth > 0) {
    limits.maxDepth = depth - 1;
    try {
      (void)json::parse(input, limits);
      kr_fuzz::violated("parse accepts a document deeper than maxDepth");
    } catch (const json::ParseError& e) {
      checkError(e, input.size());
      if (std::string_view(e.what()).find("nested more than") == std::string_view::npos)
        kr_fuzz::violated("a document too deep fails for another reason than its depth");
    }
  }
  total += once.size();
  json::wipe(once);
  json::wipe(twice);
  kr_fuzz::keep(total);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return kr_fuzz::run([&] { fuzzOne(kr_fuzz::bytes(data, size)); });
}
