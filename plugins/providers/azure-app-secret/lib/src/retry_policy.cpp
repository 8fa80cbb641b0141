#include "kr_azure/retry_policy.hpp"

#include <algorithm>
#include <cctype>
#include <random>
#include <thread>

namespace kr_azure {

Sleeper realSleeper() {
  return [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
}

std::chrono::milliseconds RetryPolicy::delayFor(int attempt, std::optional<std::chrono::milliseconds> retryAfter) const {
  if (retryAfter) return *retryAfter;  // the server knows best; never retry earlier than it asked
  const int shift = std::clamp(attempt - 1, 0, 20);
  const auto raw = std::min<long long>(baseDelay.count() << shift, maxDelay.count());
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const long long half = raw / 2;
  std::uniform_int_distribution<long long> jitter(0, std::max<long long>(half, 0));
  return std::chrono::milliseconds(raw - half + jitter(rng));
}

std::optional<std::chrono::milliseconds> parseRetryAfter(const std::optional<std::string>& header) {
  if (!header || header->empty() || header->size() > 9) return std::nullopt;
  if (!std::all_of(header->begin(), header->end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return std::nullopt;
  return std::chrono::milliseconds(std::stoll(*header) * 1000);
}

bool RetryBudget::waitBeforeRetry(std::optional<std::chrono::milliseconds> retryAfter) {
  if (attempts_ >= policy_.maxAttempts) return false;
  const auto delay = policy_.delayFor(attempts_, retryAfter);
  if (waited_ + delay > policy_.totalWaitBudget) return false;
  sleeper_(delay);
  waited_ += delay;
  ++attempts_;
  return true;
}

}  // namespace kr_azure
