// fake-entra — a local stand-in for the Microsoft identity platform token endpoint and the Microsoft Graph
// `applications` password surface, faithful to docs/azure-graph.md §2, §3 and §10 (JSON shapes, date and
// secret formats, error bodies and status codes, headers), with knobs for what real Entra ID does to clients:
// propagation delay of new secrets, throttling and transient faults injected per call, and inspection of the
// directory state and of a request log.
//
// One server answers both roles on https://localhost:PORT: tokens at /{tenant}/oauth2/v2.0/token (plus the
// OpenID configuration document MSAL reads), Graph at /v1.0/..., and an admin API at /_fake/... for tests that
// run it out of process (see README.md).
#pragma once

#include "test_ca.hpp"

#include "https_server.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace keeper_rotate::fake_entra {

using Headers = std::vector<std::pair<std::string, std::string>>;

/// A password credential as the directory stores it. `secretText` is kept so the token endpoint can check it;
/// Graph never returns it after addPassword.
struct PasswordCredential {
  std::string keyId;
  std::optional<std::string> displayName;
  std::optional<std::string> hint;
  std::string secretText;
  std::string startDateTime;  ///< rendered exactly as Graph returns it
  std::string endDateTime;
  std::chrono::system_clock::time_point created{};
  std::chrono::system_clock::time_point expires{};
  int rejectionsLeft = 0;  ///< propagation: token requests with this secret still to be rejected
  int removeMissesLeft = 0;  ///< consistency: removePassword calls still answered "No password credential found"
  int hiddenReadsLeft = 0;   ///< consistency: Graph reads of the app that do not list this key yet
};

struct Application {
  std::string id;     ///< object id
  std::string appId;  ///< application (client) id
  std::string displayName;
  std::string signInAudience = "AzureADMyOrg";
  /// Application permissions granted (with admin consent) to this app's service principal, e.g.
  /// "Application.ReadWrite.All", "Application.ReadWrite.OwnedBy", "Application.Read.All".
  std::vector<std::string> permissions;
  /// appIds of service principals that own this application (matters for Application.ReadWrite.OwnedBy).
  std::vector<std::string> ownerAppIds;
  std::vector<PasswordCredential> passwords;
  std::chrono::steady_clock::time_point lastWrite{};
};

struct Tenant {
  std::string id;                    ///< tenant GUID
  std::vector<std::string> domains;  ///< verified domains, usable instead of the GUID in token URLs
  std::vector<Application> apps;
  /// App management policy: maximum password lifetime in days (0 = no policy) and the policy's id.
  int maxPasswordLifetimeDays = 0;
  std::string lifetimePolicyId = "8c7a5f3e-29a1-4b1e-9d63-2a7c5b0e6f11";
};

/// How long a freshly added secret is not yet accepted by the token endpoint (Entra replicates slowly).
struct Propagation {
  std::chrono::milliseconds delay{0};  ///< rejected until this long after creation
  int rejectFirstAttempts = 0;         ///< and for this many token requests with it
  /// removePassword of a freshly added key answers "No password credential found" this many times (a replica that
  /// has not seen the add yet; docs/azure-graph.md §3.4, §6.3).
  int removeMissesAfterAdd = 0;
  /// A freshly added key is missing from this many reads of its application (reads lag writes;
  /// docs/azure-graph.md §6.3).
  int newKeyHiddenReads = 0;
  /// A password write to an app within this long after the previous one is refused with 400 "concurrent requests"
  /// (docs/azure-graph.md §4, §5.1). 0: off.
  std::chrono::milliseconds concurrentWriteWindow{0};
};

/// A fault applied to the next `times` requests that match `method` and `pathContains`.
struct Fault {
  std::string method;        ///< "" matches every method
  std::string pathContains;  ///< substring of the decoded path ("" matches every path)
  std::string queryContains; ///< substring of the raw query string ("" matches every query)
  int times = 1;
  int status = 0;            ///< HTTP status to answer with (0: none, e.g. delay or drop only)
  Headers headers;           ///< extra response headers, e.g. {"Retry-After","2"}
  std::string code;          ///< Graph error.code (or token `error`) for the generated error body
  std::string message;       ///< Graph error.message for the generated error body
  std::string body;          ///< raw body instead of the generated one
  int delayMs = 0;           ///< wait before answering
  bool drop = false;         ///< close the connection without any response
  bool afterHandling = false;  ///< carry the request out first, then fault (the client cannot know the outcome)
};

struct LoggedRequest {
  std::string method;
  std::string path;  ///< decoded path
  std::string query;
  int status = 0;    ///< 0 when the connection was dropped
  std::string clientId;  ///< token requests: the client_id (never the secret)
  bool faulted = false;
};

class FakeEntra {
 public:
  /// Binds 127.0.0.1:`port` (0: any free port) with a certificate from `ca`; serves after start().
  explicit FakeEntra(const testsupport::TestCa& ca, std::uint16_t port = 0);
  ~FakeEntra();
  FakeEntra(const FakeEntra&) = delete;
  FakeEntra& operator=(const FakeEntra&) = delete;

  void start();
  void stop();
  std::uint16_t port() const;
  std::string baseUrl() const;  ///< https://localhost:PORT — authority host and Graph root at once

  /// Load tenants/apps/propagation from a seed document (format in README.md). Throws std::invalid_argument.
  void loadSeed(const std::string& json);
  void addTenant(Tenant tenant);

  struct IssuedSecret {
    std::string keyId;
    std::string secretText;
  };
  /// Add a password the way addPassword does (for seeding), bypassing faults and propagation delay.
  IssuedSecret addPassword(const std::string& appObjectId, const std::string& displayName, int lifetimeDays = 365);
  /// Remove a password directly (an admin acting in the portal); false if it was not there.
  bool removePassword(const std::string& appObjectId, const std::string& keyId);
  /// Current password credentials of an application (empty if unknown).
  std::vector<PasswordCredential> passwords(const std::string& appObjectId) const;

  void setPropagation(Propagation propagation);
  void addFault(Fault fault);
  void clearFaults();
  /// Requests a fault has been applied to so far, counted when it is picked (before its delay): a test can tell
  /// that a held request is in flight.
  std::size_t faultsApplied() const;
  /// Make every access token issued so far expired (tests of token refresh).
  void expireTokens();

  std::vector<LoggedRequest> requests() const;
  void clearRequests();
  /// Requests whose method matches (or "" for any) and whose path contains `pathContains`.
  std::size_t countRequests(const std::string& method, const std::string& pathContains) const;

  /// The directory (without secret values) as JSON, as served by GET /_fake/state.
  std::string stateJson() const;

  /// The HTTPS server underneath: its traffic log (requests with arrival times, connections accepted).
  const testsupport::HttpsServer& server() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace keeper_rotate::fake_entra
