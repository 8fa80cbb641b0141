#include "util/encoding.hpp"

#include <cstdio>

namespace keeper_rotate::host::util {

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

}  // namespace keeper_rotate::host::util
