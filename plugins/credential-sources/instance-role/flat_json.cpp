#include "flat_json.hpp"

#include <string.h>  // explicit_bzero

#include <cstdint>

namespace keeper_rotate::sources::instance_role {
namespace {

/// Zeroes a scratch string when it goes out of scope (it may hold a decoded secret).
struct Scratch {
  std::string text;
  ~Scratch() {
    if (!text.empty()) explicit_bzero(text.data(), text.size());
  }
};

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  std::optional<FlatObject> object() {
    space();
    if (!take('{')) return std::nullopt;
    FlatObject out;
    space();
    if (take('}')) return end(std::move(out));
    for (;;) {
      Scratch name;
      space();
      if (!string(name.text)) return std::nullopt;
      space();
      if (!take(':')) return std::nullopt;
      space();
      if (out.has(name.text)) return std::nullopt;
      if (peek() == '{' || peek() == '[') {
        if (!skipNested(0)) return std::nullopt;
      } else {
        Scratch value;
        if (!scalarOrString(value.text)) return std::nullopt;
        out.add(name.text, Secret(value.text));
      }
      space();
      if (take(',')) continue;
      if (take('}')) return end(std::move(out));
      return std::nullopt;
    }
  }

 private:
  std::optional<FlatObject> end(FlatObject out) {
    space();
    if (i_ != s_.size()) return std::nullopt;
    return out;
  }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  bool take(char c) {
    if (peek() != c || i_ >= s_.size()) return false;
    ++i_;
    return true;
  }
  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  bool hex4(std::uint32_t& out) {
    if (s_.size() - i_ < 4) return false;
    out = 0;
    for (int k = 0; k < 4; ++k) {
      const int h = hex(s_[i_++]);
      if (h < 0) return false;
      out = out * 16 + static_cast<std::uint32_t>(h);
    }
    return true;
  }
  static void utf8(std::uint32_t cp, std::string& out) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  /// A JSON string at the cursor, decoded into `out`.
  bool string(std::string& out) {
    if (!take('"')) return false;
    while (i_ < s_.size()) {
      const char c = s_[i_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) return false;
      switch (s_[i_++]) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate without its high one
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            std::uint32_t low = 0;
            if (!take('\\') || !take('u') || !hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          utf8(cp, out);
          break;
        }
        default: return false;
      }
    }
    return false;
  }

  bool digits() {
    const std::size_t start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    return i_ > start;
  }
  bool number(std::string& out) {
    const std::size_t start = i_;
    take('-');
    if (peek() == '0') {
      ++i_;
    } else if (!digits()) {
      return false;
    }
    if (take('.') && !digits()) return false;
    if (peek() == 'e' || peek() == 'E') {
      ++i_;
      if (peek() == '+' || peek() == '-') ++i_;
      if (!digits()) return false;
    }
    out.assign(s_.substr(start, i_ - start));
    return true;
  }
  bool literal(std::string_view word, std::string& out) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    out.assign(word);
    return true;
  }
  bool scalarOrString(std::string& out) {
    switch (peek()) {
      case '"': return string(out);
      case 't': return literal("true", out);
      case 'f': return literal("false", out);
      case 'n': return literal("null", out);
      default: return number(out);
    }
  }
  /// An object or array at the cursor, checked and skipped (depth-limited).
  bool skipNested(int depth) {
    if (depth > 32) return false;
    const bool isObject = take('{');
    if (!isObject && !take('[')) return false;
    const char close = isObject ? '}' : ']';
    space();
    if (take(close)) return true;
    for (;;) {
      space();
      if (isObject) {
        Scratch name;
        if (!string(name.text)) return false;
        space();
        if (!take(':')) return false;
        space();
      }
      if (peek() == '{' || peek() == '[') {
        if (!skipNested(depth + 1)) return false;
      } else {
        Scratch value;
        if (!scalarOrString(value.text)) return false;
      }
      space();
      if (take(',')) continue;
      return take(close);
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

const Secret* FlatObject::find(std::string_view name) const {
  for (const auto& [n, v] : members_)
    if (n == name) return &v;
  return nullptr;
}

bool FlatObject::has(std::string_view name) const { return find(name) != nullptr; }

std::optional<FlatObject> parseFlatObject(std::string_view text) { return Reader(text).object(); }

}  // namespace keeper_rotate::sources::instance_role
