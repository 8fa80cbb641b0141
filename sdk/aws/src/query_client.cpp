// The AWS query-protocol client of keeper_rotate/aws/query_client.hpp: form-encoded POST, SigV4 on every attempt,
// XML results, ErrorResponse bodies, and the retry rules of sdk/docs/aws.md, "Errors and retries".
#include "keeper_rotate/aws/query_client.hpp"

#include <keeper_rotate/https_client.hpp>
#include <keeper_rotate/text.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <random>
#include <thread>

namespace keeper_rotate::aws {
namespace {

constexpr std::array<std::string_view, 6> kThrottlingCodes = {"Throttling",         "ThrottlingException",
                                                              "RequestLimitExceeded", "TooManyRequestsException",
                                                              "RequestThrottled",   "SlowDown"};

bool transientStatus(int status) { return status == 500 || status == 502 || status == 503 || status == 504; }

std::string describeError(int status, const std::string& code, const std::string& message,
                          const std::string& requestId, const std::string& action) {
  std::string out = action + ": HTTP " + std::to_string(status) + " " + code;
  if (!message.empty()) out += ": " + message;
  if (!requestId.empty()) out += " (request id " + requestId + ")";
  return out;
}

// A whole, small, non-negative decimal number of milliseconds or seconds; nullopt otherwise.
std::optional<long long> parseCount(std::string_view text, long long limit) {
  text = keeper_rotate::text::trim(text);
  if (text.empty() || text.size() > 12) return std::nullopt;
  long long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > limit) return std::nullopt;
  return value;
}

std::chrono::milliseconds jitteredBackoff(const RetryPolicy& policy, int failedAttempt) {
  // Cap for this attempt: baseDelay * 2^(attempt-1), never above maxDelay; then "full jitter": uniform in [0, cap].
  long long cap = std::max<long long>(0, policy.baseDelay.count());
  const long long ceiling = std::max<long long>(0, policy.maxDelay.count());
  for (int i = 1; i < failedAttempt && cap < ceiling; ++i) cap *= 2;
  cap = std::min(cap, ceiling);
  if (cap <= 0) return std::chrono::milliseconds(0);
  thread_local std::mt19937_64 random{std::random_device{}()};
  return std::chrono::milliseconds(std::uniform_int_distribution<long long>(0, cap)(random));
}

std::string trimSlashes(std::string endpoint) {
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  return endpoint;
}

// The session token travels in a header; zero the request's copy when the attempt is over.
struct HeaderWiper {
  https::Request& request;
  ~HeaderWiper() {
    for (auto& header : request.headers) keeper_rotate::text::wipe(header.second);
  }
};

}  // namespace

ServiceError::ServiceError(int httpStatus, std::string code, std::string message, std::string requestId,
                           std::string action)
    : std::runtime_error(describeError(httpStatus, code, message, requestId, action)),
      status_(httpStatus),
      code_(std::move(code)),
      message_(std::move(message)),
      requestId_(std::move(requestId)),
      action_(std::move(action)) {}

bool ServiceError::throttling() const {
  return std::find(kThrottlingCodes.begin(), kThrottlingCodes.end(), code_) != kThrottlingCodes.end();
}

bool ServiceError::transient() const { return throttling() || transientStatus(status_); }

std::optional<ServiceError> parseErrorResponse(int httpStatus, std::string_view body, const std::string& action) {
  try {
    const XmlElement root = parseXml(body);
    // <ErrorResponse><Error>...</Error><RequestId/></ErrorResponse>; a bare <Error> root is read the same way.
    const XmlElement* error = root.name == "ErrorResponse" ? root.child("Error") : root.name == "Error" ? &root : nullptr;
    if (error == nullptr) return std::nullopt;
    std::string code = error->textOf("Code");
    if (code.empty()) return std::nullopt;
    std::string requestId = root.textOf("RequestId");
    if (requestId.empty()) requestId = error->textOf("RequestId");
    return ServiceError(httpStatus, std::move(code), error->textOf("Message"), std::move(requestId), action);
  } catch (const XmlError&) {
    return std::nullopt;
  }
}

QueryClient::QueryClient(https::Client& http, Service service, RetryPolicy retry, Sleeper sleeper,
                         std::function<void(const std::string&)> log)
    : http_(http),
      service_(std::move(service)),
      retry_(retry),
      sleeper_(std::move(sleeper)),
      log_(std::move(log)) {
  service_.endpoint = trimSlashes(std::move(service_.endpoint));
  if (retry_.maxAttempts < 1) retry_.maxAttempts = 1;
  if (const char* env = std::getenv("KEEPER_ROTATE_AWS_RETRY_BASE_MS"); env != nullptr) {
    if (auto ms = parseCount(env, 24LL * 3600 * 1000); ms && std::chrono::milliseconds(*ms) < retry_.baseDelay)
      retry_.baseDelay = std::chrono::milliseconds(*ms);
  }
  if (!sleeper_) sleeper_ = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
}

XmlElement QueryClient::call(const std::string& action,
                             const std::vector<std::pair<std::string, std::string>>& params,
                             const Credentials& credentials, bool idempotent) {
  std::size_t worstCase = 32 + 3 * (action.size() + service_.version.size());
  for (const auto& [name, value] : params) worstCase += 2 + 3 * (name.size() + value.size());
  std::string body;
  body.reserve(worstCase);  // one buffer: growing would free unzeroed copies of the parameters
  body += "Action=" + https::formEncode(action) + "&Version=" + https::formEncode(service_.version);
  for (const auto& [name, value] : params) {
    body += '&';
    body += https::formEncode(name);
    body += '=';
    body += https::formEncode(value);
  }
  // Some actions carry secrets in their parameters (IAM ChangePassword): the body is zeroed when the call ends.
  struct BodyWiper {
    std::string& body;
    ~BodyWiper() { keeper_rotate::text::wipe(body); }
  } wipeBody{body};
  const std::string url = service_.endpoint + "/";
  const std::string where = " (" + service_.endpoint + ")";  // transport errors name the host themselves

  std::chrono::milliseconds waited{0};
  for (int attempt = 1;; ++attempt) {
    const bool last = attempt >= retry_.maxAttempts;
    std::optional<std::chrono::milliseconds> retryAfter;
    std::string reason;  // for the log line and the final error

    https::Request request("POST", url);
    HeaderWiper wipeHeaders{request};
    request.body = body;
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    sign(request, credentials, service_.scope);  // afresh on every attempt: a new X-Amz-Date

    std::optional<ServiceError> failure;
    try {
      const https::Response response = http_.send(request);
      if (response.status >= 200 && response.status < 300) {
        try {
          XmlElement root = parseXml(response.body);
          if (root.name != action + "Response")
            throw XmlError("root element <" + root.name + "> is not <" + action + "Response>");
          return root;
        } catch (const XmlError& e) {
          const std::string what = action + where + ": HTTP " + std::to_string(response.status) +
                                   " with an unreadable result (" + e.what() + ")";
          if (!idempotent) throw OutcomeUnknown(what + "; the call may have been carried out");
          throw ServiceError(response.status, "InvalidResponse", e.what(),
                             response.header("x-amzn-RequestId").value_or(""), action);
        }
      }
      failure = parseErrorResponse(response.status, response.body, action);
      if (!failure)
        failure.emplace(response.status, "HTTP" + std::to_string(response.status), response.reason,
                        response.header("x-amzn-RequestId").value_or(""), action);
      if (auto header = response.header("Retry-After"))
        if (auto seconds = parseCount(*header, 1000000000LL)) retryAfter = std::chrono::seconds(*seconds);
    } catch (const https::TransportError& e) {
      // Nothing was sent and a retry would meet the same certificate, DNS answer or proxy rule: stop now.
      if (e.permanent()) throw PermanentlyUnreachable(action + ": " + e.what(), e.kind());
      if (!idempotent)
        throw OutcomeUnknown(action + ": " + e.what() +
                             "; the request may have reached AWS, so it is not repeated");
      if (last)
        throw Unreachable(action + ": " + e.what() + " (after " + std::to_string(attempt) +
                          (attempt == 1 ? " attempt)" : " attempts)"));
      reason = std::string("transport error: ") + e.what();
    }

    if (failure) {
      if (!failure->transient()) throw *failure;
      // A throttled request is refused before AWS acts on it, so even a non-idempotent call may be repeated; a
      // server error may come after the action was carried out.
      if (!idempotent && !failure->throttling() && failure->httpStatus() >= 500)
        throw OutcomeUnknown(std::string(failure->what()) + where +
                             "; the call may have been carried out, so it is not repeated");
      if (last) throw *failure;
      reason = "HTTP " + std::to_string(failure->httpStatus()) + " " + failure->code();
    }

    const std::chrono::milliseconds remaining = retry_.totalWaitBudget - waited;
    std::chrono::milliseconds delay = retryAfter ? *retryAfter : jitteredBackoff(retry_, attempt);
    if (delay > remaining) {
      if (failure) throw *failure;
      throw Unreachable(action + ": " + reason + " (wait budget of " +
                        std::to_string(retry_.totalWaitBudget.count()) + " ms used up after " +
                        std::to_string(attempt) + (attempt == 1 ? " attempt)" : " attempts)"));
    }
    if (log_)
      log_("AWS " + action + ": " + reason + " (attempt " + std::to_string(attempt) + " of " +
           std::to_string(retry_.maxAttempts) + "); retrying in " + std::to_string(delay.count()) + " ms" +
           (retryAfter ? " as Retry-After asks" : ""));
    sleeper_(delay);
    waited += delay;
  }
}

}  // namespace keeper_rotate::aws
