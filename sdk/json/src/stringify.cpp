// The serialiser: compact JSON, escaped as JavaScript's JSON.stringify escapes. It measures the exact output first,
// so the output grows at most once, by copying into a larger buffer and zeroing the old one (the output often holds
// a secret), and a string that is not UTF-8 is refused before anything is written.
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "internal.hpp"

namespace keeper_rotate::json {

namespace {

constexpr char kHex[] = "0123456789abcdef";

/// Bytes a string takes written out, quotes included; std::invalid_argument when it is not UTF-8 (lone surrogates
/// in their WTF-8 form are accepted: they are written as \u escapes).
std::size_t stringSize(const std::string& s) {
  std::size_t size = 2;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t length = detail::utf8SequenceLength(s, i, true);
      if (length == 0) throw std::invalid_argument("json::stringify: a string or key is not valid UTF-8");
      size += length == 3 && detail::isWtf8Surrogate(s, i) ? 6 : length;
      i += length;
      continue;
    }
    if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t')
      size += 2;
    else if (c < 0x20)
      size += 6;
    else
      size += 1;
    ++i;
  }
  return size;
}

std::size_t valueSize(const Value& v);

std::size_t objectSize(const Object& o) {
  std::size_t size = 2 + (o.empty() ? 0 : o.size() - 1);
  for (const Member& m : o) size += stringSize(m.key()) + 1 + valueSize(m.value());
  return size;
}

std::size_t valueSize(const Value& v) {
  switch (v.type()) {
    case Type::Null: return 4;
    case Type::Bool: return v.boolean() ? 4 : 5;
    case Type::Number: return v.numberText().size();
    case Type::String: return stringSize(v.string());
    case Type::Array: {
      const Array& a = v.array();
      std::size_t size = 2 + (a.empty() ? 0 : a.size() - 1);
      for (const Value& item : a) size += valueSize(item);
      return size;
    }
    case Type::Object: return objectSize(v.object());
  }
  return 0;
}

void put(char*& p, std::string_view text) noexcept {
  std::memcpy(p, text.data(), text.size());
  p += text.size();
}

void writeString(char*& p, const std::string& s) noexcept {
  *p++ = '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t length = detail::utf8SequenceLength(s, i, true);  // checked by stringSize
      if (length == 3 && detail::isWtf8Surrogate(s, i)) {
        const unsigned code = ((c & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
                              (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
        put(p, "\\u");
        *p++ = kHex[(code >> 12) & 0xF];
        *p++ = kHex[(code >> 8) & 0xF];
        *p++ = kHex[(code >> 4) & 0xF];
        *p++ = kHex[code & 0xF];
      } else {
        put(p, std::string_view(s).substr(i, length));
      }
      i += length;
      continue;
    }
    switch (c) {
      case '"': put(p, "\\\""); break;
      case '\\': put(p, "\\\\"); break;
      case '\b': put(p, "\\b"); break;
      case '\f': put(p, "\\f"); break;
      case '\n': put(p, "\\n"); break;
      case '\r': put(p, "\\r"); break;
      case '\t': put(p, "\\t"); break;
      default:
        if (c < 0x20) {
          put(p, "\\u00");
          *p++ = kHex[c >> 4];
          *p++ = kHex[c & 0xF];
        } else {
          *p++ = static_cast<char>(c);
        }
    }
    ++i;
  }
  *p++ = '"';
}

void writeValue(char*& p, const Value& v);

void writeObject(char*& p, const Object& o) {
  *p++ = '{';
  bool first = true;
  for (const Member& m : o) {
    if (!first) *p++ = ',';
    first = false;
    writeString(p, m.key());
    *p++ = ':';
    writeValue(p, m.value());
  }
  *p++ = '}';
}

void writeValue(char*& p, const Value& v) {
  switch (v.type()) {
    case Type::Null: put(p, "null"); return;
    case Type::Bool: put(p, v.boolean() ? "true" : "false"); return;
    case Type::Number: put(p, v.numberText()); return;
    case Type::String: writeString(p, v.string()); return;
    case Type::Array: {
      *p++ = '[';
      bool first = true;
      for (const Value& item : v.array()) {
        if (!first) *p++ = ',';
        first = false;
        writeValue(p, item);
      }
      *p++ = ']';
      return;
    }
    case Type::Object: writeObject(p, v.object()); return;
  }
}

// Makes room for `size` more bytes at the end of `out` (zeroing a buffer it leaves) and returns where they start.
char* grow(std::string& out, std::size_t size) {
  const std::size_t start = out.size();
  if (start + size > out.capacity()) {
    std::string larger;
    larger.reserve(std::max(start + size, 2 * out.capacity()));
    larger.append(out);
    wipe(out);
    out.swap(larger);  // `larger` now holds the old, zeroed buffer
  }
  out.resize(start + size);  // within the capacity: no reallocation
  return out.data() + start;
}

}  // namespace

void stringifyTo(std::string& out, const Value& value) {
  const std::size_t size = valueSize(value);  // throws before anything changes
  char* p = grow(out, size);
  writeValue(p, value);
}

std::string stringify(const Value& value) {
  std::string out;
  stringifyTo(out, value);
  return out;
}

std::string stringify(const Object& object) {
  std::string out;
  char* p = grow(out, objectSize(object));  // throws before anything is written
  writeObject(p, object);
  return out;
}

}  // namespace keeper_rotate::json
