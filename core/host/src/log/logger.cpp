#include "log/logger.hpp"

#include "util/encoding.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <unistd.h>

namespace keeper_rotate::host {
namespace {

std::string utcTimestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
  return buf;
}

// One write() per line, so lines from this process never interleave mid-line with anything else on stderr.
void writeLine(const std::string& line) {
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) return;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace

const char* levelName(kr_log_level level) {
  switch (level) {
    case KR_LOG_DEBUG: return "debug";
    case KR_LOG_INFO: return "info";
    case KR_LOG_WARN: return "warn";
    case KR_LOG_ERROR: return "error";
  }
  return "info";
}

void Logger::log(kr_log_level level, std::string_view origin, std::string_view message) const {
  if (level == KR_LOG_DEBUG && !verbose_) return;
  // Plugins may pass multi-line text; a log line must stay one line for the Gateway log and for JSON consumers.
  std::string clean = redactor_.redact(message);
  for (auto& c : clean)
    if (c == '\n' || c == '\r') c = ' ';
  std::string line;
  if (format_ == LogFormat::Json) {
    line = "{\"time\":\"" + utcTimestamp() + "\",\"level\":\"" + levelName(level) + "\",\"origin\":\"" +
           util::jsonEscape(origin) + "\",\"message\":\"" + util::jsonEscape(clean) + "\"}\n";
  } else {
    line = utcTimestamp() + " " + levelName(level) + " [" + std::string(origin) + "] " + clean + "\n";
  }
  writeLine(line);
}

}  // namespace keeper_rotate::host
