// Configuration error found by the host (field, plugin choice, credential): exit code 3, nothing changed.
#pragma once

#include <stdexcept>
#include <string>

namespace keeper_rotate::host {

class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

}  // namespace keeper_rotate::host
