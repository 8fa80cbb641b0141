// keeper_rotate::json — a small, strict JSON library whose values zero what they held. Part of KeeperRotate::json.
//
// Why it exists: the JSON that keeper-rotate reads and writes carries secrets (client secrets, tokens, the passwords
// in vault records). A general-purpose DOM frees its strings without clearing them, so copies of those secrets stay
// in freed heap memory for the rest of the process; and a general-purpose JSON library costs every rotating process
// the time to load it. This library owns every byte it stores and clears it:
//
//   * every string it owns — string values, object keys, the literal text of numbers — is overwritten with zeros
//     (explicit_bzero, which the optimiser may not remove) over its whole capacity when the value is destroyed,
//     assigned over or moved from. The whole capacity, because a moved-from std::string keeps the bytes of a short
//     string in its inline buffer and a shortened one keeps its old tail;
//   * the parser decodes each string straight into a buffer reserved to its final size, so no growing buffer leaves
//     a copy behind; the serialiser computes the exact output size first and grows its output only by copying into
//     a larger buffer and zeroing the old one;
//   * moves are noexcept, so containers of values move (and zero) their elements when they grow instead of copying.
//
// What it cannot clear: copies a caller makes (std::string copies of string(), text(), stringify's output — use
// json::wipe on them), and the old buffer when a caller grows a string through the mutable string() accessor.
//
// Strictness (RFC 8259, no extensions): exactly one value surrounded only by space, tab, line feed and carriage return
// (so space-padded decrypted records parse); no comments, trailing commas, single quotes, NaN or Infinity, leading
// zeros or '+' signs; control characters in strings must be escaped; the input must be valid UTF-8 (no overlong
// forms, no surrogates, nothing above U+10FFFF); an object may not repeat a key; nesting is capped.
//
// Error messages (ParseError, TypeError) never contain any part of the input or of a value, only byte offsets and
// what was expected, so they can be logged even when the document holds a secret.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keeper_rotate::json {

/// Overwrites the whole capacity of `s` with zeros in a way the optimiser keeps, then empties it (the capacity, and
/// so the allocation, stay). For the caller's own copies: stringify's output, what text() or string() returned.
void wipe(std::string& s) noexcept;

/// A value of another type than the accessor reads. The message names both types ("expected a string, found a
/// number"), never the value.
class TypeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Text that is not one strict JSON document. what() is "at byte <offset>: <what was expected>", with a 0-based
/// byte offset into the text given to parse() and never any part of that text.
class ParseError : public std::runtime_error {
 public:
  ParseError(std::size_t offset, const char* expected);
  /// 0-based byte offset of the offending input (the input's size when it ended too early).
  std::size_t offset() const noexcept { return offset_; }

 private:
  std::size_t offset_;
};

enum class Type : unsigned char { Null, Bool, Number, String, Array, Object };

/// "null", "boolean", "number", "string", "array", "object".
const char* typeName(Type type) noexcept;

struct ParseLimits {
  /// Arrays and objects nested deeper than this are refused (a scalar document has depth 0, "[]" depth 1). It also
  /// bounds the recursion of stringify, comparison, copying and destruction of what parse returns.
  std::size_t maxDepth = 64;
};

class Value;
class Member;
namespace detail {
class Parser;
}

/// A sequence of values (a JSON array): a thin wrapper over std::vector<Value>.
class Array {
 public:
  using iterator = std::vector<Value>::iterator;
  using const_iterator = std::vector<Value>::const_iterator;

  Array() noexcept;
  Array(std::initializer_list<Value> items);

  std::size_t size() const noexcept;
  bool empty() const noexcept;
  /// Unchecked, like std::vector's.
  Value& operator[](std::size_t index) noexcept;
  const Value& operator[](std::size_t index) const noexcept;
  /// Checked: std::out_of_range when index >= size().
  Value& at(std::size_t index);
  const Value& at(std::size_t index) const;

  iterator begin() noexcept;
  iterator end() noexcept;
  const_iterator begin() const noexcept;
  const_iterator end() const noexcept;

  /// Appends and returns the stored element (references into the array are invalidated as by std::vector).
  Value& push_back(Value value);
  /// Inserts before position `index` (index == size() appends); std::out_of_range when index > size().
  Value& insert(std::size_t index, Value value);
  /// Removes the element at `index`, later elements move up; std::out_of_range when index >= size().
  void erase(std::size_t index);
  void clear() noexcept;
  void reserve(std::size_t capacity);

  friend bool operator==(const Array& a, const Array& b);
  friend bool operator!=(const Array& a, const Array& b) { return !(a == b); }

 private:
  friend class detail::Parser;
  std::vector<Value> items_;
};

/// A JSON object: members with unique keys, kept in insertion order (a record read from the vault is written back
/// with its keys in their original order). Lookups are linear, which is fastest for the few dozen keys of a record.
/// Pointers and references to members are invalidated by set() of a new key and by erase(), as with std::vector.
class Object {
 public:
  using iterator = std::vector<Member>::iterator;
  using const_iterator = std::vector<Member>::const_iterator;

  Object() noexcept;
  /// Members in the order given; std::invalid_argument when a key repeats.
  Object(std::initializer_list<std::pair<std::string_view, Value>> members);
  Object(const Object& other);
  Object(Object&& other) noexcept;
  Object& operator=(const Object& other);
  Object& operator=(Object&& other) noexcept;
  ~Object();

  std::size_t size() const noexcept;
  bool empty() const noexcept;

  /// The value stored under `key`, or nullptr.
  const Value* find(std::string_view key) const noexcept;
  Value* find(std::string_view key) noexcept;
  bool has(std::string_view key) const noexcept;

  /// The string, object or array stored under `key`; nullptr when the key is missing or holds another type.
  const std::string* findString(std::string_view key) const noexcept;
  const Object* findObject(std::string_view key) const noexcept;
  Object* findObject(std::string_view key) noexcept;
  const Array* findArray(std::string_view key) const noexcept;
  Array* findArray(std::string_view key) noexcept;

  /// Stores `value` under `key`: an existing key keeps its position and its old value is zeroed and replaced; a new
  /// key is appended. Returns the stored value.
  Value& set(std::string key, Value value);
  /// Removes the member (later members keep their order); false when there was none.
  bool erase(std::string_view key) noexcept;
  void clear() noexcept;
  void reserve(std::size_t capacity);

  /// Members in order. Each is a Member: key() is read-only (keys stay unique), value() is mutable, and structured
  /// bindings give (key, value): `for (auto& [key, value] : object)`.
  iterator begin() noexcept;
  iterator end() noexcept;
  const_iterator begin() const noexcept;
  const_iterator end() const noexcept;

  /// Equal when both hold the same keys with equal values, in any order (member order is a matter of presentation:
  /// it is kept for faithful round trips, but two objects that differ only in it mean the same thing).
  friend bool operator==(const Object& a, const Object& b);
  friend bool operator!=(const Object& a, const Object& b) { return !(a == b); }

 private:
  friend class detail::Parser;
  std::vector<Member> members_;
};

/// One JSON value with value semantics: copies are deep (no sharing), moves are noexcept and leave the source null.
/// Everything a Value owns is zeroed when it is destroyed, assigned over or moved from (see the top of this file).
///
/// Numbers keep their literal text exactly as parsed ("1.0", "1e3", "-0", "12345678901234567890"), so a record
/// written by another client goes through parse and stringify without any number changing; numbers therefore compare
/// by that text (1 and 1.0 differ). Strings hold UTF-8; a lone surrogate that came from a \u escape is kept in its
/// 3-byte generalized UTF-8 (WTF-8) form, which stringify writes back as the same escape.
///
/// Operations recurse through nesting; parse bounds the depth of what it returns (ParseLimits), code that builds
/// values should stay within a few thousand levels as well.
class Value {
 public:
  /// Null.
  Value() noexcept : type_(Type::Null), bool_(false) {}
  Value(std::nullptr_t) noexcept : Value() {}
  Value(bool b) noexcept : type_(Type::Bool), bool_(b) {}
  /// Integers: a number whose text is the decimal form.
  Value(int n);
  Value(long n);
  Value(long long n);
  Value(unsigned n);
  Value(unsigned long n);
  Value(unsigned long long n);
  /// A finite double, as the shortest text that reads back as the same double (std::to_chars). std::invalid_argument
  /// for NaN and infinities, which JSON cannot represent.
  Value(double d);
  /// Strings (any bytes may be stored; stringify refuses a string that is not UTF-8 or WTF-8).
  Value(std::string s) noexcept;
  Value(std::string_view s);
  /// std::invalid_argument for a null pointer.
  Value(const char* s);
  Value(char* s) : Value(static_cast<const char*>(s)) {}
  Value(Array a) noexcept;
  Value(Object o) noexcept;
  /// No implicit bool from other pointers, no number from a char.
  template <class T>
  Value(T*) = delete;
  Value(char) = delete;

  /// A number from its literal text, which must be one JSON number and nothing else ("-1.5e3"; no spaces, no '+',
  /// no leading zeros). Throws ParseError (offset into `text`); `text` is zeroed either way.
  static Value numberFromText(std::string text);

  Value(const Value& other);
  Value(Value&& other) noexcept;
  Value& operator=(const Value& other);
  Value& operator=(Value&& other) noexcept;
  ~Value();

  Type type() const noexcept { return type_; }
  /// "null", "boolean", "number", "string", "array", "object".
  const char* typeName() const noexcept { return json::typeName(type_); }
  bool isNull() const noexcept { return type_ == Type::Null; }
  bool isBool() const noexcept { return type_ == Type::Bool; }
  bool isNumber() const noexcept { return type_ == Type::Number; }
  bool isString() const noexcept { return type_ == Type::String; }
  bool isArray() const noexcept { return type_ == Type::Array; }
  bool isObject() const noexcept { return type_ == Type::Object; }

  // Accessors: TypeError when the value has another type.
  bool boolean() const;
  const std::string& string() const;
  /// Growing the string through this reference frees its old buffer unzeroed; assign a new Value instead when the
  /// content is secret.
  std::string& string();
  /// A number whose literal is an integer (no fraction, no exponent) within the int64 range; TypeError ("expected an
  /// integer ...") for any other number.
  std::int64_t int64() const;
  /// The nearest double; like JavaScript, ±infinity when the literal is beyond the double range, ±0 below it.
  double number() const;
  /// The number's literal text.
  const std::string& numberText() const;
  Array& array();
  const Array& array() const;
  Object& object();
  const Object& object() const;

  /// Deep comparison: numbers by literal text, arrays element by element, objects by key set (see Object).
  friend bool operator==(const Value& a, const Value& b);
  friend bool operator!=(const Value& a, const Value& b) { return !(a == b); }

 private:
  friend class detail::Parser;
  struct NumberText {};
  /// A number with already validated literal text (moved in; the source is zeroed).
  Value(NumberText, std::string&& text) noexcept;
  void destroy() noexcept;
  void moveFrom(Value& other) noexcept;

  Type type_;
  union {
    bool bool_;
    std::string text_;  // Number (its literal) and String
    Array array_;
    Object object_;
  };
};

/// One object member: the key (read-only, so keys stay unique) and its value. Its key is zeroed like a Value's
/// strings. Members are created by Object only (they cannot be assigned, so iteration cannot repeat a key).
class Member {
 public:
  Member(std::string key, Value value) noexcept;
  Member(const Member& other);
  Member(Member&& other) noexcept;
  Member& operator=(const Member&) = delete;
  Member& operator=(Member&&) = delete;
  ~Member();

  const std::string& key() const noexcept { return key_; }
  Value& value() noexcept { return value_; }
  const Value& value() const noexcept { return value_; }

  /// For structured bindings: `auto& [key, value] = member` (key is const).
  template <std::size_t I>
  decltype(auto) get() const noexcept {
    static_assert(I < 2, "a Member has two elements: key and value");
    if constexpr (I == 0)
      return (key_);
    else
      return (value_);
  }
  template <std::size_t I>
  decltype(auto) get() noexcept {
    static_assert(I < 2, "a Member has two elements: key and value");
    if constexpr (I == 0)
      return static_cast<const std::string&>(key_);
    else
      return (value_);
  }

 private:
  friend class Object;
  friend class detail::Parser;
  /// Takes other's key and value (the key's old bytes and other's are zeroed); for Object::erase.
  void replaceWith(Member&& other) noexcept;

  std::string key_;
  Value value_;
};

/// Parses one strict JSON document (see the top of this file). Throws ParseError, whose message gives the byte offset
/// and what was expected, never any input. A duplicate key is reported ("duplicate key", at the repeated key) once
/// its object is complete, so a syntax error later in the same object is reported first.
Value parse(std::string_view text, const ParseLimits& limits = {});

/// Compact JSON (no white space), object members in their stored order, numbers as their literal text. Strings are
/// escaped as JavaScript's JSON.stringify does: '"', '\\' and control characters (\b \f \n \r \t, others \u00xx),
/// lone surrogates (WTF-8) as \udxxx; '/' and all other UTF-8 written as they are. std::invalid_argument when a
/// string or key is not UTF-8 (nothing is written then). The result often holds a secret: wipe() it after use.
std::string stringify(const Value& value);
/// The same for an object held on its own (no copy into a Value first).
std::string stringify(const Object& object);
/// Appends to `out`. When `out` must grow, its content moves into a larger buffer and the old one is zeroed.
void stringifyTo(std::string& out, const Value& value);

/// The value as text where Poco's Var::convert<std::string>() gave one: a string as it is, a number as its literal
/// text, a boolean as "true" or "false"; nullopt for null, arrays and objects.
std::optional<std::string> text(const Value& value);

// ---- inline definitions (need Value complete) ----

inline std::size_t Array::size() const noexcept { return items_.size(); }
inline bool Array::empty() const noexcept { return items_.empty(); }
inline Value& Array::operator[](std::size_t index) noexcept { return items_[index]; }
inline const Value& Array::operator[](std::size_t index) const noexcept { return items_[index]; }
inline Array::iterator Array::begin() noexcept { return items_.begin(); }
inline Array::iterator Array::end() noexcept { return items_.end(); }
inline Array::const_iterator Array::begin() const noexcept { return items_.begin(); }
inline Array::const_iterator Array::end() const noexcept { return items_.end(); }

inline std::size_t Object::size() const noexcept { return members_.size(); }
inline bool Object::empty() const noexcept { return members_.empty(); }
inline bool Object::has(std::string_view key) const noexcept { return find(key) != nullptr; }
inline Object::iterator Object::begin() noexcept { return members_.begin(); }
inline Object::iterator Object::end() noexcept { return members_.end(); }
inline Object::const_iterator Object::begin() const noexcept { return members_.begin(); }
inline Object::const_iterator Object::end() const noexcept { return members_.end(); }

}  // namespace keeper_rotate::json

// Structured bindings for Member: (const std::string key, Value value).
namespace std {
template <>
struct tuple_size<keeper_rotate::json::Member> : integral_constant<size_t, 2> {};
template <>
struct tuple_element<0, keeper_rotate::json::Member> {
  using type = const string;
};
template <>
struct tuple_element<1, keeper_rotate::json::Member> {
  using type = keeper_rotate::json::Value;
};
}  // namespace std
