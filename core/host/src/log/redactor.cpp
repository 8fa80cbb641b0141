#include "log/redactor.hpp"

#include "util/encoding.hpp"

#include <algorithm>

namespace keeper_rotate::host {

void Redactor::add(std::string_view value) {
  // Masking one- to three-character values would shred every log line (and such a value is no credential).
  if (value.size() < kMinLength) return;
  addPattern(value);
  for (const auto& form : util::secretEncodings(value)) addPattern(form.reveal());
}

void Redactor::addPattern(std::string_view form) {
  if (form.empty()) return;
  for (const auto& p : patterns_)
    if (p.equals(form)) return;
  Secret s(form);
  auto pos = std::find_if(patterns_.begin(), patterns_.end(),
                          [&](const Secret& existing) { return existing.size() < s.size(); });
  patterns_.insert(pos, std::move(s));
}

std::string Redactor::redact(std::string_view text) const {
  std::string out(text);
  for (const auto& p : patterns_) {
    const std::string_view needle = p.reveal();
    std::size_t pos = 0;
    while ((pos = out.find(needle.data(), pos, needle.size())) != std::string::npos) {
      out.replace(pos, needle.size(), kMask);
      pos += kMask.size();
    }
  }
  return out;
}

bool Redactor::containsSecret(std::string_view text) const {
  for (const auto& p : patterns_)
    if (text.find(p.reveal()) != std::string_view::npos) return true;
  return false;
}

}  // namespace keeper_rotate::host
