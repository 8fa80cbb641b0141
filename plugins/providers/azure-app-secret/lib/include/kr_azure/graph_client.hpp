// Microsoft Graph calls on one application's password credentials (docs/azure-graph.md §3), with the retry rules of
// docs/azure-graph.md §5.1: 429/503/504 (Retry-After honoured), 400 "concurrent requests", 409, and 404 after a write
// of this run are retried within the policy; everything else fails fast as a GraphError. addPassword is never
// repeated here: when its outcome is unknown it throws AddOutcomeUnknown and the caller reconciles (see
// secret_lifecycle).
#pragma once

#include "kr_azure/retry_policy.hpp"

#include <keeper_rotate/https_client.hpp>
#include <keeper_rotate/secret.hpp>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace kr_azure {

struct PasswordInfo {
  std::string keyId;
  std::string displayName;  ///< "" when Graph has null
  std::string hint;
  std::string endDateTime;
};

struct AppInfo {
  std::string id;     ///< object id
  std::string appId;  ///< application (client) id
  std::string displayName;
  std::string signInAudience;
  std::vector<PasswordInfo> passwords;
  bool allowsPersonalAccounts() const { return signInAudience.find("Personal") != std::string::npos; }
};

struct NewPassword {
  std::string keyId;
  std::string displayName;
  std::string endDateTime;
  keeper_rotate::Secret secret;
};

/// Graph answered with an error status that is not (or no longer) retried.
class GraphError : public std::runtime_error {
 public:
  GraphError(int status, std::string code, std::string message, std::string requestId, int attempts);
  int status;
  std::string code;        ///< Graph error.code, e.g. Authorization_RequestDenied
  std::string graphMessage;
  std::string requestId;
  int attempts;
};

/// addPassword may or may not have happened (connection lost, timeout, 5xx). The caller must look before retrying.
class AddOutcomeUnknown : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Network failure on a call that was retried until the policy gave up.
class GraphUnreachable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class GraphClient {
 public:
  /// Returns a bearer token; `refresh` asks for a new one (after a 401 InvalidAuthenticationToken).
  using TokenSource = std::function<const keeper_rotate::Secret&(bool refresh)>;
  using Logger = std::function<void(const std::string&)>;

  GraphClient(keeper_rotate::https::Client& http, std::string graphRoot, TokenSource tokens, RetryPolicy policy,
              Sleeper sleeper, Logger log);

  /// GET /applications/{id}; nullopt on 404 Request_ResourceNotFound.
  std::optional<AppInfo> getById(const std::string& objectId);
  /// GET /applications?$filter=appId eq '{appId}'.
  std::vector<AppInfo> findByAppId(const std::string& appId);
  /// POST /applications/{id}/addPassword — exactly one attempt per outcome-unknown condition (see class comment).
  NewPassword addPassword(const std::string& objectId, const std::string& displayName, const std::string& endDateTime);
  enum class Removed { Now, AlreadyGone };
  /// POST /applications/{id}/removePassword; "No password credential found" means already gone.
  Removed removePassword(const std::string& objectId, const std::string& keyId);

  int requestCount() const { return requests_; }

 private:
  enum class Kind { Read, Add, Remove };
  keeper_rotate::https::Response call(const std::string& method, const std::string& pathAndQuery,
                                      const std::string& body, Kind kind);
  keeper_rotate::https::Client& http_;
  std::string root_;
  TokenSource tokens_;
  RetryPolicy policy_;
  Sleeper sleeper_;
  Logger log_;
  bool wroteThisRun_ = false;
  int requests_ = 0;
};

}  // namespace kr_azure
