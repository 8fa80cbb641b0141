// Redactor: the one place that knows every secret value of this run and removes them from text before it leaves
// the process (log lines, error messages, the summary line).
#pragma once

#include <keeper_rotate/secret.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace keeper_rotate::host {

class Redactor {
 public:
  static constexpr std::string_view kMask = "[REDACTED]";
  static constexpr std::size_t kMinLength = 4;

  /// Remember `value` and the encodings it is likely to be echoed in (standard and URL-safe base64, with and
  /// without padding, URL-encoding, JSON escaping), so a plugin that logs a request body still cannot leak
  /// it. Values shorter than kMinLength are ignored.
  void add(std::string_view value);

  /// `text` with every known secret form replaced by kMask. Longest patterns first, so a secret that contains
  /// another secret is masked whole.
  std::string redact(std::string_view text) const;

  /// True when `text` contains any known secret form (used by tests and as a last guard).
  bool containsSecret(std::string_view text) const;

  std::size_t patternCount() const { return patterns_.size(); }

 private:
  void addPattern(std::string_view form);
  std::vector<Secret> patterns_;  // kept sorted by decreasing length
};

}  // namespace keeper_rotate::host
