// Value: lifetime (every owned string zeroed when it goes), type checks and accessors, comparison, text(), and the
// error types.
#include <string.h>  // explicit_bzero (glibc >= 2.25)

#include <memory>
#include <new>
#include <string>
#include <utility>

#include "internal.hpp"

namespace keeper_rotate::json {

void wipe(std::string& s) noexcept {
  // The whole capacity: a shortened or moved-from string still holds old bytes past its size.
  if (s.capacity() > 0) explicit_bzero(s.data(), s.capacity());
  s.clear();
}

ParseError::ParseError(std::size_t offset, const char* expected)
    : std::runtime_error("at byte " + std::to_string(offset) + ": " + expected), offset_(offset) {}

const char* typeName(Type type) noexcept {
  switch (type) {
    case Type::Null: return "null";
    case Type::Bool: return "boolean";
    case Type::Number: return "number";
    case Type::String: return "string";
    case Type::Array: return "array";
    case Type::Object: return "object";
  }
  return "unknown";
}

namespace detail {

void throwTypeError(const char* expected, Type found) {
  const char* what = "null";
  switch (found) {
    case Type::Null: what = "null"; break;
    case Type::Bool: what = "a boolean"; break;
    case Type::Number: what = "a number"; break;
    case Type::String: what = "a string"; break;
    case Type::Array: what = "an array"; break;
    case Type::Object: what = "an object"; break;
  }
  throw TypeError(std::string("expected ") + expected + ", found " + what);
}

}  // namespace detail

Value::Value(std::string s) noexcept : type_(Type::String) {
  new (&text_) std::string(std::move(s));
  wipe(s);
}

Value::Value(std::string_view s) : type_(Type::String) { new (&text_) std::string(s); }

Value::Value(const char* s) : type_(Type::String) {
  if (s == nullptr) throw std::invalid_argument("json::Value from a null const char*");
  new (&text_) std::string(s);
}

Value::Value(Array a) noexcept : type_(Type::Array) { new (&array_) Array(std::move(a)); }

Value::Value(Object o) noexcept : type_(Type::Object) { new (&object_) Object(std::move(o)); }

Value::Value(NumberText, std::string&& text) noexcept : type_(Type::Number) {
  new (&text_) std::string(std::move(text));
  wipe(text);
}

Value::Value(const Value& other) : type_(other.type_) {
  switch (other.type_) {
    case Type::Null:
    case Type::Bool: bool_ = other.bool_; break;
    case Type::Number:
    case Type::String: new (&text_) std::string(other.text_); break;
    case Type::Array: new (&array_) Array(other.array_); break;
    case Type::Object: new (&object_) Object(other.object_); break;
  }
}

Value::Value(Value&& other) noexcept { moveFrom(other); }

void Value::moveFrom(Value& other) noexcept {
  type_ = other.type_;
  switch (other.type_) {
    case Type::Null:
    case Type::Bool: bool_ = other.bool_; break;
    case Type::Number:
    case Type::String:
      new (&text_) std::string(std::move(other.text_));
      wipe(other.text_);  // a short string's bytes stay in the source's inline buffer
      break;
    case Type::Array: new (&array_) Array(std::move(other.array_)); break;
    case Type::Object: new (&object_) Object(std::move(other.object_)); break;
  }
  other.destroy();
}

void Value::destroy() noexcept {
  switch (type_) {
    case Type::Null:
    case Type::Bool: break;
    case Type::Number:
    case Type::String:
      wipe(text_);
      std::destroy_at(&text_);
      break;
    case Type::Array: std::destroy_at(&array_); break;
    case Type::Object: std::destroy_at(&object_); break;
  }
  type_ = Type::Null;
  bool_ = false;
}

Value& Value::operator=(const Value& other) {
  if (this != &other) {
    Value copy(other);  // first: `other` may live inside *this
    *this = std::move(copy);
  }
  return *this;
}

Value& Value::operator=(Value&& other) noexcept {
  if (this != &other) {
    Value taken(std::move(other));  // first: `other` may live inside *this (v = std::move(v.array()[0]))
    destroy();
    moveFrom(taken);
  }
  return *this;
}

Value::~Value() { destroy(); }

bool Value::boolean() const {
  if (type_ != Type::Bool) detail::throwTypeError("a boolean", type_);
  return bool_;
}

const std::string& Value::string() const {
  if (type_ != Type::String) detail::throwTypeError("a string", type_);
  return text_;
}

std::string& Value::string() {
  if (type_ != Type::String) detail::throwTypeError("a string", type_);
  return text_;
}

const std::string& Value::numberText() const {
  if (type_ != Type::Number) detail::throwTypeError("a number", type_);
  return text_;
}

Array& Value::array() {
  if (type_ != Type::Array) detail::throwTypeError("an array", type_);
  return array_;
}

const Array& Value::array() const {
  if (type_ != Type::Array) detail::throwTypeError("an array", type_);
  return array_;
}

Object& Value::object() {
  if (type_ != Type::Object) detail::throwTypeError("an object", type_);
  return object_;
}

const Object& Value::object() const {
  if (type_ != Type::Object) detail::throwTypeError("an object", type_);
  return object_;
}

bool operator==(const Value& a, const Value& b) {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case Type::Null: return true;
    case Type::Bool: return a.bool_ == b.bool_;
    case Type::Number:
    case Type::String: return a.text_ == b.text_;
    case Type::Array: return a.array_ == b.array_;
    case Type::Object: return a.object_ == b.object_;
  }
  return false;
}

std::optional<std::string> text(const Value& value) {
  switch (value.type()) {
    case Type::String: return value.string();
    case Type::Number: return value.numberText();
    case Type::Bool: return std::string(value.boolean() ? "true" : "false");
    case Type::Null:
    case Type::Array:
    case Type::Object: break;
  }
  return std::nullopt;
}

}  // namespace keeper_rotate::json
