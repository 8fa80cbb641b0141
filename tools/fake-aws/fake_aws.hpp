// fake-aws — a local stand-in for AWS IAM and STS (query protocol over HTTPS) and the EC2 instance metadata
// service (IMDSv2 over plain HTTP), faithful to docs/aws-iam.md: AWS's XML result and ErrorResponse shapes,
// status codes, full SigV4 verification of every IAM/STS request, the two-keys-per-user limit, per-user
// permissions, eventual consistency of new keys, throttling and transient faults, and an admin API for tests that
// run it out of process (README.md).
//
// One HTTPS server answers IAM and STS on https://localhost:PORT/ (the service is the SigV4 scope's service name);
// a second, plain-HTTP server answers IMDSv2 on http://127.0.0.1:IMDS_PORT/.
#pragma once

#include "test_ca.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace keeper_rotate::fake_aws {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct AccessKey {
  std::string accessKeyId;      ///< "AKIA" + 16 upper-case alphanumerics
  std::string secretAccessKey;  ///< 40 characters of [A-Za-z0-9/+]
  std::string status = "Active";  ///< "Active" | "Inactive"
  std::string createDate;       ///< as IAM renders it, "2026-12-02T10:11:12Z"
  /// Eventual consistency: STS/IAM requests signed with this key still answered InvalidClientTokenId.
  int rejectionsLeft = 0;
  std::chrono::steady_clock::time_point validFrom{};  ///< rejected before this instant
  std::string rejectPattern;  ///< e.g. "xx.x": per signed request, 'x' rejects, '.' accepts; then accepts
  bool neverValid = false;
  /// GetAccessKeyLastUsed: set by every request this key signs that passes authentication ("" = never used).
  std::string lastUsedDate;
  std::string lastUsedService;
  std::string lastUsedRegion;
};

struct User {
  std::string userName;
  std::string userId;  ///< "AIDA..."
  std::string path = "/";
  /// IAM actions this user may call ("iam:ListAccessKeys", "iam:CreateAccessKey", "iam:DeleteAccessKey",
  /// "iam:UpdateAccessKey", "iam:GetUser", "sts:AssumeRole"), "*" for all. GetCallerIdentity needs none.
  std::vector<std::string> permissions;
  /// Which users' keys the permissions apply to: user names, or "*" (default: every user).
  std::vector<std::string> resources{"*"};
  std::vector<AccessKey> keys;
  std::string createDate;  ///< GetUser's CreateDate; filled in when empty
};

/// A role that AssumeRole can assume; its sessions carry the role's permissions.
struct Role {
  std::string roleName;
  std::vector<std::string> permissions;
  std::vector<std::string> resources{"*"};
  std::vector<std::string> trustedUsers;  ///< user names allowed to assume it ("*": any)
  std::string roleId;                     ///< "AROA..."; filled in when empty
  std::string path = "/";
  int maxSessionDuration = 3600;          ///< seconds; AssumeRole's DurationSeconds may not exceed it
};

struct Account {
  std::string accountId = "123456789012";
  std::string partition = "aws";  ///< ARNs: arn:<partition>:iam::<account>:user/<name>
  std::vector<User> users;
  std::vector<Role> roles;
};

/// How new keys become valid (AWS replicates them to each region's data plane over seconds).
struct Consistency {
  std::chrono::milliseconds delay{0};  ///< a new key is rejected until this long after creation
  int rejectFirstAttempts = 0;         ///< and for this many signed requests with it
  std::string pattern;                 ///< per-request accept/reject pattern applied after the above
  bool never = false;                  ///< new keys never become valid
};

/// A fault on the next `times` requests whose action matches ("" = any) and, optionally, whose signing service is
/// `service` ("iam", "sts", "imds").
struct Fault {
  std::string action;   ///< "CreateAccessKey", "GetCallerIdentity", "PUT /latest/api/token", ...
  std::string service;
  int times = 1;
  int status = 0;       ///< HTTP status (0: no response change, e.g. delay or drop only)
  std::string code;     ///< ErrorResponse Code ("Throttling", "ServiceFailure", ...)
  std::string message;
  std::string body;     ///< raw body instead of the generated ErrorResponse
  Headers headers;
  int delayMs = 0;
  bool drop = false;          ///< close the connection without a response
  bool afterHandling = false; ///< carry the request out, then fault (the client cannot know the outcome)
};

struct LoggedRequest {
  std::string service;  ///< "iam", "sts", "imds"
  std::string action;   ///< query Action, or "METHOD path" for IMDS
  std::string accessKeyId;  ///< the signing key id (never a secret)
  std::string userName;     ///< UserName parameter, when present
  int status = 0;           ///< 0 when dropped
  std::string errorCode;
  bool faulted = false;
};

/// IMDSv2 as an EC2 instance offers it: role credentials for `roleName`, which are temporary keys of that role.
struct InstanceProfile {
  std::string roleName;      ///< "" : no role attached (404 on the role listing)
  bool v2Only = true;        ///< GET without a token gets 401
  int hopLimitBlocks = 0;    ///< the token PUT gets no answer this many times (a container behind hop limit 1)
  /// How long an unanswered token PUT is held open before the connection is closed without a response.
  std::chrono::milliseconds hopLimitHang{3000};
  std::string instanceId = "i-0a1b2c3d4e5f60718";  ///< the session name of the instance role's credentials
};

/// Temporary credentials of a role session (AssumeRole, the instance role).
struct SessionCredentials {
  std::string accessKeyId;      ///< "ASIA" + 16 upper-case alphanumerics
  std::string secretAccessKey;
  std::string sessionToken;
  std::string expiration;       ///< "2026-12-02T11:11:12Z"
  std::string assumedRoleArn;   ///< arn:aws:sts::<account>:assumed-role/<role>/<session>
};

class FakeAws {
 public:
  explicit FakeAws(const testsupport::TestCa& ca, std::uint16_t port = 0, std::uint16_t imdsPort = 0);
  ~FakeAws();
  FakeAws(const FakeAws&) = delete;
  FakeAws& operator=(const FakeAws&) = delete;

  void start();
  void stop();
  std::string baseUrl() const;      ///< https://localhost:PORT — the IAM and the STS endpoint at once
  std::string imdsBaseUrl() const;  ///< http://127.0.0.1:IMDS_PORT
  std::uint16_t port() const;
  std::uint16_t imdsPort() const;

  void loadSeed(const std::string& json);  ///< format in README.md; throws std::invalid_argument
  void setAccount(Account account);

  /// Create a key the way CreateAccessKey does, bypassing faults and consistency (seeding); returns it.
  AccessKey createKey(const std::string& userName, const std::string& status = "Active");
  std::vector<AccessKey> keys(const std::string& userName) const;
  bool deleteKey(const std::string& userName, const std::string& accessKeyId);

  /// Start a session of `roleName` as AssumeRole would (no trust or permission check, no fault); throws
  /// std::invalid_argument for an unknown role.
  SessionCredentials createSession(const std::string& roleName, const std::string& sessionName,
                                   std::chrono::seconds duration = std::chrono::seconds(3600));
  /// Make every role session issued so far expired (requests signed with them get ExpiredToken).
  void expireSessions();

  void setConsistency(Consistency c);
  void setInstanceProfile(InstanceProfile profile);
  void addFault(Fault fault);
  void clearFaults();
  /// Requests a fault has been applied to so far, counted when it is picked (before its delay): a test can tell
  /// that a held request is in flight.
  std::size_t faultsApplied() const;
  /// Requests with X-Amz-Date further than this from the server clock are refused (SignatureDoesNotMatch,
  /// "Signature expired"); default 5 minutes as IAM.
  void setClockSkewLimit(std::chrono::seconds limit);

  std::vector<LoggedRequest> requests() const;
  void clearRequests();
  std::size_t countRequests(const std::string& service, const std::string& action) const;
  /// Requests that changed state (CreateAccessKey, DeleteAccessKey, UpdateAccessKey) and succeeded.
  std::size_t mutations() const;

  /// The account (key ids, statuses, dates; never a secret value) as JSON, as served by GET /_fake/state.
  std::string stateJson() const;

  /// Receives one line per request (service, action, key id, user, status, error code; never a secret).
  void setLogSink(std::function<void(const std::string&)> sink);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace keeper_rotate::fake_aws
