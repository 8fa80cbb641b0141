// Logger: human log lines on stderr (text or one JSON object per line), every line passed through the Redactor.
#pragma once

#include "log/redactor.hpp"

#include <keeper_rotate/abi.h>

#include <string>
#include <string_view>

namespace keeper_rotate::host {

enum class LogFormat { Text, Json };

class Logger {
 public:
  explicit Logger(const Redactor& redactor) : redactor_(redactor) {}

  void setFormat(LogFormat format) { format_ = format; }
  void setVerbose(bool verbose) { verbose_ = verbose; }
  bool verbose() const { return verbose_; }

  /// `origin` names who speaks: "host" or "<kind>/<name>" for a plugin.
  void log(kr_log_level level, std::string_view origin, std::string_view message) const;

  void debug(std::string_view message) const { log(KR_LOG_DEBUG, "host", message); }
  void info(std::string_view message) const { log(KR_LOG_INFO, "host", message); }
  void warn(std::string_view message) const { log(KR_LOG_WARN, "host", message); }
  void error(std::string_view message) const { log(KR_LOG_ERROR, "host", message); }

 private:
  const Redactor& redactor_;
  LogFormat format_ = LogFormat::Text;
  bool verbose_ = false;
};

const char* levelName(kr_log_level level);

}  // namespace keeper_rotate::host
