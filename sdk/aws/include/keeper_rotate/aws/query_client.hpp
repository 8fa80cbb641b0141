// keeper_rotate::aws — a client for AWS query-protocol APIs (IAM, STS): form-encoded POST, SigV4, XML results and
// ErrorResponse bodies, with AWS's retry rules. Part of KeeperRotate::aws; sends through keeper_rotate::https.
//
// Retries (sdk/docs/aws.md, "Errors and retries"): throttling codes (Throttling, ThrottlingException,
// RequestLimitExceeded, TooManyRequestsException, RequestThrottled, SlowDown), HTTP 500/502/503/504 and transport
// errors are retried with jittered exponential backoff within a bounded number of attempts and a total wait budget;
// a Retry-After header (seconds) replaces the computed delay, and a Retry-After beyond the remaining budget ends the
// retries. Every attempt is signed afresh. A non-idempotent call (CreateAccessKey) is retried only on a throttling
// code (AWS refuses a throttled request before acting on it); when its outcome is unknown (transport error or 5xx)
// it is never repeated blindly: it throws OutcomeUnknown so the caller can look at the remote state first.
// A permanent transport error (https::TransportError::permanent(): untrusted certificate, wrong host name, unknown
// host, a proxy refusing the tunnel, an unsendable request) is never retried, for any call: it was raised before
// the request was sent, so QueryClient throws PermanentlyUnreachable on the first attempt.
//
// Environment: KEEPER_ROTATE_AWS_RETRY_BASE_MS (whole milliseconds) lowers RetryPolicy::baseDelay when it is smaller
// than the policy's value, so tests and demos need not wait; it never lengthens it.
#pragma once

#include <keeper_rotate/aws/sigv4.hpp>
#include <keeper_rotate/aws/xml.hpp>
#include <keeper_rotate/https_client.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace keeper_rotate::aws {

/// An AWS ErrorResponse (or an HTTP error without one): what the service said, for precise admin messages.
class ServiceError : public std::runtime_error {
 public:
  ServiceError(int httpStatus, std::string code, std::string message, std::string requestId, std::string action);
  int httpStatus() const noexcept { return status_; }
  const std::string& code() const noexcept { return code_; }            ///< "LimitExceeded", "AccessDenied", ...
  const std::string& serviceMessage() const noexcept { return message_; }
  const std::string& requestId() const noexcept { return requestId_; }
  const std::string& action() const noexcept { return action_; }        ///< "CreateAccessKey"
  bool throttling() const;   ///< a throttling code
  bool transient() const;    ///< throttling or HTTP 500/502/503/504

 private:
  int status_;
  std::string code_, message_, requestId_, action_;
};

/// The service could not be reached (DNS, connect, TLS, timeout, dropped connection) after the allowed attempts.
class Unreachable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The service cannot be reached for a reason no retry can fix (see https::TransportFailure); thrown at the first
/// attempt, before anything was sent. A configuration problem: callers report code() ("tls.certificate",
/// "tls.hostname", "net.unknown_host", "proxy.refused", "net.invalid_request") and what(), which names the host and,
/// for certificates, the subject, the issuer and where the trusted CAs come from.
class PermanentlyUnreachable : public Unreachable {
 public:
  PermanentlyUnreachable(const std::string& what, https::TransportFailure failure)
      : Unreachable(what), failure_(failure) {}
  https::TransportFailure failure() const noexcept { return failure_; }
  const char* code() const noexcept { return https::failureCode(failure_); }

 private:
  https::TransportFailure failure_;
};

/// A non-idempotent call may or may not have been carried out (transport error or 5xx after sending).
class OutcomeUnknown : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Parse an ErrorResponse body (namespace optional). nullopt when the body is not one.
std::optional<ServiceError> parseErrorResponse(int httpStatus, std::string_view body, const std::string& action);

struct RetryPolicy {
  int maxAttempts = 5;                                ///< including the first
  std::chrono::milliseconds baseDelay{500};           ///< doubles per attempt, "full jitter" below the cap
  std::chrono::milliseconds maxDelay{20000};
  std::chrono::milliseconds totalWaitBudget{60000};   ///< all waits of one call together
};

using Sleeper = std::function<void(std::chrono::milliseconds)>;

/// One AWS service endpoint with its API version and signing scope.
struct Service {
  std::string endpoint;   ///< "https://iam.amazonaws.com" (path "/" is used)
  std::string version;    ///< "2010-05-08" (IAM), "2011-06-15" (STS)
  SigningScope scope;     ///< signing region and name
};

class QueryClient {
 public:
  /// `log` receives one line per retry (action, status or code, attempt, delay; never a body or a secret). An empty
  /// `sleeper` waits with std::this_thread::sleep_for.
  QueryClient(https::Client& http, Service service, RetryPolicy retry = {}, Sleeper sleeper = {},
              std::function<void(const std::string&)> log = {});

  /// POST Action=<action>&Version=<version>&<params...>, signed with `credentials`. Returns the parsed response
  /// root (<ActionResponse>). Throws ServiceError (non-retryable, or retries exhausted; code "HTTP<status>" when
  /// the error has no ErrorResponse body, "InvalidResponse" for a 2xx whose body is not <ActionResponse>),
  /// Unreachable (transport errors to the end; PermanentlyUnreachable at once for a permanent one), and — when
  /// `idempotent` is false — OutcomeUnknown instead of
  /// retrying a call that may have been carried out (also for an unreadable 2xx body).
  XmlElement call(const std::string& action, const std::vector<std::pair<std::string, std::string>>& params,
                  const Credentials& credentials, bool idempotent = true);

  const Service& service() const { return service_; }

 private:
  https::Client& http_;
  Service service_;
  RetryPolicy retry_;
  Sleeper sleeper_;
  std::function<void(const std::string&)> log_;
};

}  // namespace keeper_rotate::aws
