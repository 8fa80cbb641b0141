// keeper_rotate::testing — a structured result for checks made of many parts: which checks ran, which failed and
// why, in one sentence each. Test-framework free, so with doctest:  CHECK_MESSAGE(report.ok(), report.text());
#pragma once

#include <string>
#include <vector>

namespace keeper_rotate::testing {

struct CheckFailure {
  std::string check;  ///< e.g. "metadata", "required-fields", "rollback-on-writer-failure"
  std::string text;
};

class Report {
 public:
  /// Note that `check` ran (a check with no failure passed).
  void ran(const std::string& check) {
    for (const auto& c : checks_)
      if (c == check) return;
    checks_.push_back(check);
  }
  void fail(const std::string& check, std::string text) {
    ran(check);
    failures_.push_back({check, std::move(text)});
  }
  void failAll(const std::string& check, const std::vector<std::string>& texts) {
    ran(check);
    for (const auto& t : texts) failures_.push_back({check, t});
  }
  bool ok() const noexcept { return failures_.empty(); }
  const std::vector<CheckFailure>& failures() const noexcept { return failures_; }
  const std::vector<std::string>& checks() const noexcept { return checks_; }
  bool failed(const std::string& check) const {
    for (const auto& f : failures_)
      if (f.check == check) return true;
    return false;
  }
  /// One line per check ("ok" or "FAILED"), each failed one followed by its failures.
  std::string text() const {
    std::string t;
    for (const auto& c : checks_) {
      t += (failed(c) ? "FAILED  " : "ok      ") + c + "\n";
      for (const auto& f : failures_)
        if (f.check == c) t += "    " + f.text + "\n";
    }
    return t;
  }

 private:
  std::vector<std::string> checks_;
  std::vector<CheckFailure> failures_;
};

}  // namespace keeper_rotate::testing
