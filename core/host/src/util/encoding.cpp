#include "util/encoding.hpp"

#include <array>
#include <cstdio>
#include <string.h>

namespace keeper_rotate::host::util {
namespace {

constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

bool isSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

std::string percent(std::string_view text, bool spaceAsPlus) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    if (unreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ' && spaceAsPlus) {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0x0F]);
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> decodeBase64(std::string_view text, std::size_t* badPosition) {
  std::string out;
  out.reserve(text.size() / 4 * 3 + 3);
  unsigned buffer = 0;
  int bits = 0;
  std::size_t padding = 0;
  std::size_t symbols = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (isSpace(c)) continue;
    if (c == '=') {
      ++padding;
      if (padding > 2) {
        if (badPosition) *badPosition = i;
        return std::nullopt;
      }
      continue;
    }
    const int v = sextet(c);
    if (v < 0 || padding > 0) {  // a data character after padding is as wrong as a foreign character
      if (badPosition) *badPosition = i;
      return std::nullopt;
    }
    ++symbols;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
      buffer &= (1u << bits) - 1u;  // keep only the bits not yet emitted
    }
  }
  // A single leftover symbol cannot encode a byte; padding, if present, must complete the last quantum.
  if (symbols % 4 == 1 || (padding > 0 && (symbols + padding) % 4 != 0)) {
    if (badPosition) *badPosition = text.size();
    wipe(out);
    return std::nullopt;
  }
  return out;
}

std::string encodeBase64(std::string_view bytes, bool urlSafe, bool pad) {
  const char* alphabet = urlSafe ? kUrl : kStd;
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    out.push_back(alphabet[(n >> 6) & 63]);
    out.push_back(alphabet[n & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    if (rest == 2) out.push_back(alphabet[(n >> 6) & 63]);
    if (pad) out.append(rest == 1 ? "==" : "=");
  }
  return out;
}

std::string formUrlEncode(std::string_view text) { return percent(text, true); }
std::string percentEncode(std::string_view text) { return percent(text, false); }

std::string jsonEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out;
}

std::vector<Secret> secretEncodings(std::string_view value) {
  std::vector<Secret> forms;
  auto addForm = [&](std::string form) {
    if (!form.empty() && form != value) forms.emplace_back(form);
    wipe(form);
  };
  addForm(encodeBase64(value, false, true));
  addForm(encodeBase64(value, false, false));
  addForm(encodeBase64(value, true, false));
  addForm(formUrlEncode(value));
  addForm(percentEncode(value));
  addForm(jsonEscape(value));
  return forms;
}

void wipe(std::string& buffer) noexcept {
  if (!buffer.empty()) explicit_bzero(buffer.data(), buffer.size());
  buffer.clear();
}

}  // namespace keeper_rotate::host::util
