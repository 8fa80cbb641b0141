// The instance-role source's view of the EC2 instance metadata service (IMDS): where it is and how patiently it is
// asked, both from the variables the AWS SDKs read, and one plain-HTTP exchange with it.
//
// IMDS is a link-local HTTP service on the instance itself, so there is no TLS and never a proxy: a proxy could not
// reach it, and the answers carry the role's keys. The exchange goes through the SDK's HTTP client with the service's
// host as its only plain-HTTP host besides loopback. Timeouts are short because off EC2 nothing answers at all.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace keeper_rotate::sources::instance_role {

inline constexpr const char* kDisabledVariable = "AWS_EC2_METADATA_DISABLED";
inline constexpr const char* kEndpointVariable = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
inline constexpr const char* kEndpointModeVariable = "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE";
inline constexpr const char* kTimeoutVariable = "AWS_METADATA_SERVICE_TIMEOUT";
inline constexpr const char* kAttemptsVariable = "AWS_METADATA_SERVICE_NUM_ATTEMPTS";

/// The HTTP client the exchanges under one ImdsSettings share (imds_client.cpp).
struct ImdsClient;

struct ImdsSettings {
  std::string baseUrl;  ///< "http://169.254.169.254", without a trailing '/'; what messages name
  std::string host;     ///< "169.254.169.254", "fd00:ec2::254" (no brackets), "127.0.0.1"
  std::uint16_t port = 80;
  std::chrono::milliseconds timeout{1000};  ///< connect, send and receive, each
  int attempts = 1;       ///< for the metadata GETs
  int tokenAttempts = 2;  ///< for the token PUT
  /// Not a setting: made empty by settingsFromEnvironment(), filled at the first exchange and used by the later ones
  /// (and by copies of these settings), so a run sets up one client rather than one per request (setting one up
  /// can mean parsing a whole CA bundle, though IMDS has no TLS). Without it each exchange makes its own.
  std::shared_ptr<ImdsClient> client;
};

/// Whether AWS_EC2_METADATA_DISABLED is "true" (any case): the metadata service must not be asked.
bool metadataDisabled();

/// The settings from AWS_EC2_METADATA_SERVICE_ENDPOINT (else _ENDPOINT_MODE: IPv4 or IPv6),
/// AWS_METADATA_SERVICE_TIMEOUT (seconds) and AWS_METADATA_SERVICE_NUM_ATTEMPTS. Throws keeper_rotate::Error
/// (a configuration error naming the variable) for a value it cannot use.
ImdsSettings settingsFromEnvironment();

using Headers = std::vector<std::pair<std::string, std::string>>;

/// What the service answered. The body is zeroed on destruction: the credential document carries the role's keys.
struct ImdsResponse {
  int status = 0;
  std::string reason;  ///< the standard reason phrase of `status` (empty for a status IMDS does not use)
  std::string body;
  ImdsResponse() = default;
  ImdsResponse(const ImdsResponse&) = delete;
  ImdsResponse& operator=(const ImdsResponse&) = delete;
  ImdsResponse(ImdsResponse&& other) noexcept;
  ImdsResponse& operator=(ImdsResponse&& other) noexcept;
  ~ImdsResponse();
};

/// No answer: connection refused or timed out, closed without a response, or a response cut short. `what()` names
/// the cause (never a body).
class NoAnswer : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// `method` `path` with `headers`, up to `attempts` times while there is no answer or the status is 5xx; the last
/// answer is returned whatever its status. Throws NoAnswer when the last attempt got none. `note` receives one line
/// per attempt (method, path, status or cause; never a header value or a body).
ImdsResponse exchange(const ImdsSettings& settings, const std::string& method, const std::string& path,
                      const Headers& headers, int attempts, const std::function<void(const std::string&)>& note);

}  // namespace keeper_rotate::sources::instance_role
