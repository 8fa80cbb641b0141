// Bounded retry with exponential backoff and jitter, honouring Retry-After (docs/azure-graph.md §5.2).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace kr_azure {

using Sleeper = std::function<void(std::chrono::milliseconds)>;
/// The real sleeper (std::this_thread::sleep_for).
Sleeper realSleeper();

struct RetryPolicy {
  int maxAttempts = 6;                                      ///< including the first
  std::chrono::milliseconds baseDelay{1000};                ///< first backoff; doubles each attempt
  std::chrono::milliseconds maxDelay{30000};                ///< cap of one backoff (not of Retry-After)
  std::chrono::milliseconds totalWaitBudget{120000};        ///< all waits of one call together

  /// Backoff before attempt `attempt + 1` (attempt >= 1): Retry-After when the server sent one, else
  /// base * 2^(attempt-1), capped, with "equal jitter" (half fixed, half random) so parallel rotations spread out.
  std::chrono::milliseconds delayFor(int attempt, std::optional<std::chrono::milliseconds> retryAfter) const;
};

/// Retry-After as delta-seconds (what Graph sends); nullopt when absent or not a number.
std::optional<std::chrono::milliseconds> parseRetryAfter(const std::optional<std::string>& header);

/// Tracks one call's attempts and waits against a policy.
class RetryBudget {
 public:
  RetryBudget(const RetryPolicy& policy, Sleeper sleeper) : policy_(policy), sleeper_(std::move(sleeper)) {}
  /// After a failed attempt: wait and return true if another attempt is allowed, else false (no wait).
  bool waitBeforeRetry(std::optional<std::chrono::milliseconds> retryAfter);
  int attempts() const { return attempts_; }

 private:
  const RetryPolicy& policy_;
  Sleeper sleeper_;
  int attempts_ = 1;
  std::chrono::milliseconds waited_{0};
};

}  // namespace kr_azure
