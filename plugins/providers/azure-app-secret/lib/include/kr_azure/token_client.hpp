// Client-credentials token requests against {authority}/{tenant}/oauth2/v2.0/token (docs/azure-graph.md §2),
// and the translation of token errors into messages an admin can act on.
#pragma once

#include "kr_azure/cloud.hpp"
#include "kr_azure/retry_policy.hpp"

#include <keeper_rotate/https_client.hpp>
#include <keeper_rotate/sdk.hpp>
#include <keeper_rotate/secret.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace kr_azure {

struct TokenResult {
  bool ok = false;
  keeper_rotate::Secret accessToken;
  std::chrono::seconds expiresIn{0};
  // Failure details (ok == false).
  int httpStatus = 0;               ///< 0: no HTTP answer (transport failure)
  std::string error;                ///< OAuth `error`, or the transport failure text
  std::vector<long long> codes;     ///< AADSTS numbers from `error_codes`
  std::string description;          ///< first line of `error_description`
  bool hasCode(long long code) const;
};

class TokenClient {
 public:
  TokenClient(keeper_rotate::https::Client& http, Endpoints endpoints, RetryPolicy policy, Sleeper sleeper)
      : http_(http), endpoints_(std::move(endpoints)), policy_(policy), sleeper_(std::move(sleeper)) {}

  /// One token request. With `retryTransient`, transport failures, 429 and 5xx are retried per the policy (a token
  /// request changes nothing, so repeating it is always safe).
  TokenResult request(const std::string& tenant, const std::string& clientId, const keeper_rotate::Secret& secret,
                      bool retryTransient = true);

  const Endpoints& endpoints() const { return endpoints_; }

 private:
  TokenResult once(const std::string& tenant, const std::string& clientId, const keeper_rotate::Secret& secret);
  keeper_rotate::https::Client& http_;
  Endpoints endpoints_;
  RetryPolicy policy_;
  Sleeper sleeper_;
};

/// An admin-readable configuration error for a failed token request with the ADMIN credential.
keeper_rotate::Error explainTokenFailure(const TokenResult& result, const std::string& tenant,
                                         const std::string& clientId, const Endpoints& endpoints);

/// Short one-line description of a token failure, e.g. "HTTP 401 invalid_client AADSTS7000215".
std::string summarizeTokenFailure(const TokenResult& result);

}  // namespace kr_azure
