// One exception type for everything that goes wrong talking to Keeper Secrets Manager. Messages name the endpoint,
// the record uid and the server's error code where known, and never carry secret values.
#pragma once

#include <stdexcept>
#include <string>

namespace keeper_rotate::ksm {

class KsmError : public std::runtime_error {
 public:
  enum class Kind {
    Config,     ///< configuration missing or invalid (file, KSM_CONFIG, token), or Keeper unreachable for a reason
                ///< no retry can fix (untrusted certificate, wrong host name, unknown host, proxy refusal)
    Transport,  ///< network or TLS failure that a later attempt may not meet
    Server,     ///< the server answered with an error (code() holds its error code)
    Throttled,  ///< still throttled after the bounded retries
    NotFound,   ///< the record is not shared with this KSM application
    Protocol    ///< the response could not be decrypted or parsed
  };
  KsmError(Kind kind, std::string code, const std::string& message, int httpStatus = 0)
      : std::runtime_error(message), kind_(kind), code_(std::move(code)), httpStatus_(httpStatus) {}
  Kind kind() const noexcept { return kind_; }
  /// Stable code: the server's error code ("access_denied", "throttled", ...) or ours ("ksm.config", ...).
  const std::string& code() const noexcept { return code_; }
  int httpStatus() const noexcept { return httpStatus_; }

 private:
  Kind kind_;
  std::string code_;
  int httpStatus_;
};

}  // namespace keeper_rotate::ksm
