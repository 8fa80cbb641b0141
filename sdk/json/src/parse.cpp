// The parser: strict RFC 8259, iterative (an explicit stack of open arrays and objects, bounded by
// ParseLimits::maxDepth). Every value is built in its final place (no value is moved into its container; elements
// move only when their container's vector grows, and moves zero their source), and each string is decoded straight
// into a buffer reserved to its final size, so no growing buffer leaves a copy of a secret behind. Errors give a
// byte offset and what was expected, never input.
#include <algorithm>
#include <cstdint>
#include <new>
#include <numeric>
#include <string>
#include <vector>

#include "internal.hpp"

namespace keeper_rotate::json {

namespace detail {

class Parser {
 public:
  Parser(std::string_view input, const ParseLimits& limits) : in_(input), maxDepth_(limits.maxDepth) {}

  Value run() {
    Value root;
    skipWhitespace();
    Value* slot = &root;  // where the next value is built, in place: no value is moved into its container
    for (;;) {
      if (Value* first = startValue(*slot)) {  // opened a container: its first element comes next
        slot = first;
        continue;
      }
      for (;;) {  // *slot is complete: what follows it?
        if (stack_.empty()) {
          skipWhitespace();
          if (pos_ != in_.size()) fail(pos_, "expected the end of the input");
          return root;
        }
        Value& top = *stack_.back().container;
        skipWhitespace();
        const char c = peek();
        if (top.type_ == Type::Array) {
          if (c == ',') {
            ++pos_;
            skipWhitespace();
            slot = &top.array_.items_.emplace_back();
            break;
          }
          if (c != ']') fail(pos_, "expected ',' or ']'");
        } else {
          if (c == ',') {
            ++pos_;
            skipWhitespace();
            if (peek() != '"') fail(pos_, "expected a string key");
            slot = readKey(top.object_);
            break;
          }
          if (c != '}') fail(pos_, "expected ',' or '}'");
        }
        ++pos_;
        closeTop();
      }
    }
  }

 private:
  struct Frame {
    // The open array or object, in its final place: the root, or an element of its parent, whose vector cannot
    // grow (and move it) while this container is open.
    Value* container;
    std::size_t keysStart;  // its first key's entry in keyOffsets_
  };

  [[noreturn]] static void fail(std::size_t at, const char* expected) { throw ParseError(at, expected); }

  /// The byte at pos_, or '\0' at the end (which no rule accepts where a byte is expected, so it fails as missing).
  char peek() const noexcept { return pos_ < in_.size() ? in_[pos_] : '\0'; }

  void skipWhitespace() noexcept {
    while (pos_ < in_.size()) {
      const char c = in_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++pos_;
    }
  }

  /// Reads the value at pos_ into `out` (null until then). Returns nullptr when `out` is complete, or, when it is an
  /// array or object with elements, the slot of its first element (for an object, its key and ':' are read).
  Value* startValue(Value& out) {
    const char c = peek();
    if (c != '[' && c != '{') {
      scalar(out);
      return nullptr;
    }
    if (stack_.size() >= maxDepth_) {
      const std::string message = "arrays and objects nested more than " + std::to_string(maxDepth_) + " deep";
      fail(pos_, message.c_str());
    }
    if (stack_.empty()) stack_.reserve(std::min<std::size_t>(maxDepth_, 16));
    if (c == '[')
      out = Value(Array());
    else
      out = Value(Object());
    stack_.push_back(Frame{&out, keyOffsets_.size()});
    ++pos_;
    skipWhitespace();
    if (c == '[') {
      if (peek() != ']') return &out.array_.items_.emplace_back();
    } else {
      if (peek() == '"') {
        out.object_.members_.reserve(4);  // most objects in records and answers have a handful of members
        return readKey(out.object_);
      }
      if (peek() != '}') fail(pos_, "expected a string key or '}'");
    }
    ++pos_;
    closeTop();
    return nullptr;
  }

  /// A string, number or literal into `out`, which is null. Strings are decoded in place: no temporary holds them.
  void scalar(Value& out) {
    const char c = peek();
    if (c == '"') {
      new (&out.text_) std::string();
      out.type_ = Type::String;  // from here on, destroying `out` wipes what was decoded
      readString(out.text_);
      return;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      const std::size_t end = scanNumber(in_, pos_);
      new (&out.text_) std::string(in_.substr(pos_, end - pos_));
      out.type_ = Type::Number;
      pos_ = end;
      return;
    }
    if (c == 't') {
      literal("true");
      out = Value(true);
    } else if (c == 'f') {
      literal("false");
      out = Value(false);
    } else if (c == 'n') {
      literal("null");
    } else {
      fail(pos_, "expected a value");
    }
  }

  void literal(std::string_view word) {
    if (in_.compare(pos_, word.size(), word) != 0)
      fail(pos_, word == "true" ? "expected true" : word == "false" ? "expected false" : "expected null");
    pos_ += word.size();
  }

  /// The key at pos_ (a '"'), then ':'. Appends the member to `object` with a null value and returns that value's
  /// slot.
  Value* readKey(Object& object) {
    const std::size_t at = pos_;
    std::string key;
    const Wiper wiper(key);
    readString(key);
    skipWhitespace();
    if (peek() != ':') fail(pos_, "expected ':'");
    ++pos_;
    skipWhitespace();
    keyOffsets_.push_back(at);
    return &object.members_.emplace_back(std::move(key), Value()).value_;
  }

  /// Closes the innermost open container, checking an object's keys.
  void closeTop() {
    const Frame& top = stack_.back();
    if (top.container->type_ == Type::Object) {
      checkDuplicateKeys(top.container->object_, top.keysStart);
      keyOffsets_.resize(top.keysStart);
    }
    stack_.pop_back();
  }

  /// Fails at the first key (in input order) that repeats an earlier key of the same object.
  void checkDuplicateKeys(const Object& object, std::size_t keysStart) {
    const std::vector<Member>& m = object.members_;
    const std::size_t n = m.size();
    std::size_t first = n;
    if (n <= 16) {
      for (std::size_t j = 1; j < n && first == n; ++j)
        for (std::size_t i = 0; i < j; ++i)
          if (m[i].key_ == m[j].key_) {
            first = j;
            break;
          }
    } else {
      // Sorted by key, then position: each repeat follows an equal key, and the smallest such position is the first.
      order_.resize(n);
      std::iota(order_.begin(), order_.end(), std::size_t{0});
      std::sort(order_.begin(), order_.end(), [&](std::size_t a, std::size_t b) {
        const int c = m[a].key_.compare(m[b].key_);
        return c < 0 || (c == 0 && a < b);
      });
      for (std::size_t k = 1; k < n; ++k)
        if (m[order_[k]].key_ == m[order_[k - 1]].key_) first = std::min(first, order_[k]);
    }
    if (first < n) fail(keyOffsets_[keysStart + first], "duplicate key");
  }

  /// The string at pos_ (a '"') into `out`, which is empty: allocated once, to the length of the source text, which
  /// the decoded text never exceeds, so it never grows (and never leaves a copy in a freed buffer).
  void readString(std::string& out) {
    const std::size_t n = in_.size();
    std::size_t i = pos_ + 1;
    std::size_t end = i;
    bool plain = true;  // printable ASCII only, no escapes: the common case, copied in one go
    while (end < n && in_[end] != '"') {
      const auto c = static_cast<unsigned char>(in_[end]);
      if (c == '\\') {
        plain = false;
        end += 2;
        continue;
      }
      if (c < 0x20 || c >= 0x80) plain = false;
      ++end;
    }
    if (plain && end < n) {
      out.assign(in_.data() + i, end - i);
      pos_ = end + 1;
      return;
    }
    out.reserve(std::min(end, n) - i);
    for (;;) {
      // A run of bytes copied as they are: printable ASCII other than '"' and '\\', and well-formed UTF-8.
      std::size_t j = i;
      while (j < n) {
        const auto c = static_cast<unsigned char>(in_[j]);
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
          ++j;
        } else if (c >= 0x80) {
          const std::size_t length = utf8SequenceLength(in_, j, false);
          if (length == 0) break;
          j += length;
        } else {
          break;
        }
      }
      out.append(in_.data() + i, j - i);
      i = j;
      if (i >= n) fail(n, "expected '\"' (the string is not closed)");
      const auto c = static_cast<unsigned char>(in_[i]);
      if (c == '"') {
        pos_ = i + 1;
        return;
      }
      if (c == '\\') {
        i = readEscape(out, i);
      } else if (c < 0x20) {
        fail(i, "control character in a string (it must be escaped)");
      } else {
        fail(i, "invalid UTF-8");
      }
    }
  }

  /// The escape at in_[at] (a '\\') appended to `out`; returns the offset after it.
  std::size_t readEscape(std::string& out, std::size_t at) {
    const char e = at + 1 < in_.size() ? in_[at + 1] : '\0';
    switch (e) {
      case '"': out += '"'; return at + 2;
      case '\\': out += '\\'; return at + 2;
      case '/': out += '/'; return at + 2;
      case 'b': out += '\b'; return at + 2;
      case 'f': out += '\f'; return at + 2;
      case 'n': out += '\n'; return at + 2;
      case 'r': out += '\r'; return at + 2;
      case 't': out += '\t'; return at + 2;
      case 'u': break;
      default: fail(at, "invalid escape (expected one of \" \\ / b f n r t u after '\\')");
    }
    unsigned code = 0;
    if (!hex4(at + 2, code)) fail(at, "expected four hex digits after \\u");
    std::size_t next = at + 6;
    if (code >= 0xD800 && code <= 0xDBFF) {
      // A high surrogate combines with a low one escaped right after it; alone it stays a lone surrogate.
      unsigned low = 0;
      if (next + 1 < in_.size() && in_[next] == '\\' && in_[next + 1] == 'u' && hex4(next + 2, low) &&
          low >= 0xDC00 && low <= 0xDFFF) {
        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        next += 6;
      }
    }
    appendUtf8(out, code);  // a lone surrogate in its 3-byte WTF-8 form, which stringify escapes again
    return next;
  }

  bool hex4(std::size_t at, unsigned& code) const noexcept {
    if (at + 4 > in_.size()) return false;
    code = 0;
    for (std::size_t k = at; k < at + 4; ++k) {
      const char c = in_[k];
      unsigned digit = 0;
      if (c >= '0' && c <= '9')
        digit = static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        digit = static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        digit = static_cast<unsigned>(c - 'A' + 10);
      else
        return false;
      code = code * 16 + digit;
    }
    return true;
  }

  static void appendUtf8(std::string& out, unsigned code) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  std::size_t maxDepth_;
  std::vector<Frame> stack_;
  std::vector<std::size_t> keyOffsets_;  // offsets of the keys of the open objects, innermost last
  std::vector<std::size_t> order_;       // scratch for checkDuplicateKeys
};

}  // namespace detail

Value parse(std::string_view text, const ParseLimits& limits) { return detail::Parser(text, limits).run(); }

}  // namespace keeper_rotate::json
