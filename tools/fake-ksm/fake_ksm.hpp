// A local Keeper Secrets Manager server for tests and the demo: the server side of the protocol in
// docs/ksm-protocol.md §3–§8, over HTTPS on 127.0.0.1 with a test CA.
//
// Faithful where it matters to clients: requests are ECIES/AES-GCM decrypted with the server key and their ECDSA
// signatures verified against the device key registered at binding; records are stored encrypted exactly as the
// service delivers them (record key under the app key or the shared folder's key, data under the record key,
// vault-style space padding); revisions are enforced on update; staged (transactionType) updates wait for
// finalize or rollback. Choices where the real service is undocumented (docs/ksm-protocol.md §9): a stale revision is
// HTTP 400 {"error":"out_of_sync"}; readers see the committed record while an update is staged; the revision
// increments when a change is committed (immediately, or at finalize).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace keeper_rotate::testsupport {
class TestCa;
class HttpsServer;
}

namespace keeper_rotate::fakeksm {

struct Options {
  int serverKeyId = 42;            ///< the id clients must send in PublicKeyId
  std::string appTitle = "keeper-rotate fake KSM app";
  std::uint16_t port = 0;
};

/// A fault on requests to one endpoint, applied before the request is processed: the first `skip` matching requests
/// pass, the next `times` (-1: every later one) are held for `delayMs` and then answered with `status` (0: processed
/// normally after the delay, which holds the request in flight).
struct RequestFault {
  std::string endpoint;  ///< "get_secret", "update_secret", ... ("" matches every endpoint)
  int skip = 0;
  int times = 1;
  int status = 500;
  std::string error = "internal_error";  ///< the error body's code; "throttled" also carries retry_after
  double retryAfterSeconds = 0;
  int delayMs = 0;  ///< the fake's lock is not held meanwhile: other requests are served
};

/// A KSM client configuration for a device registered directly on the fake (no token round trip).
struct DeviceConfig {
  std::string json;  ///< config JSON as the SDKs write it (hostname, clientId, privateKey, appKey, ...)
};

class FakeKsm {
 public:
  FakeKsm(const testsupport::TestCa& ca, Options options = {});
  ~FakeKsm();
  FakeKsm(const FakeKsm&) = delete;
  FakeKsm& operator=(const FakeKsm&) = delete;

  std::string hostname() const;  ///< "localhost:PORT" (what goes into a KSM config)
  std::string baseUrl() const;
  std::uint16_t port() const;
  int serverKeyId() const;
  std::string serverPublicKey() const;  ///< raw 65-byte point
  std::string serverPublicKeyUrlB64() const;

  // ---- application, devices, tokens ----
  /// A fresh one-time access token (url-safe base64, 43 characters) usable for one binding.
  std::string createOneTimeToken();
  /// Register a device directly and return its config (as if bound earlier).
  DeviceConfig createDevice();
  /// Number of devices bound so far (through tokens or createDevice).
  std::size_t deviceCount() const;

  // ---- records (plain-form seeding and reading for tests) ----
  void addSharedFolder(const std::string& folderUid);
  /// Create or replace a record from plain JSON; it is stored encrypted. Empty folderUid: shared directly.
  /// Replacing increments the revision.
  void putRecord(const std::string& uid, const std::string& plainJson, const std::string& folderUid = {});
  /// Committed record JSON as a client would decrypt it (padding trimmed). Throws if unknown.
  std::string readRecord(const std::string& uid) const;
  /// Staged (not yet finalized) JSON, if an update with a transactionType is pending.
  std::optional<std::string> stagedRecord(const std::string& uid) const;
  std::int64_t revision(const std::string& uid) const;

  // ---- fault injection ----
  /// Rotate the server key id: requests with the old id get {"error":"key","key_id":newId}.
  void rotateKeyId(int newId);
  /// The next `count` requests are answered 403 {"error":"throttled","retry_after":seconds}.
  void throttleNext(int count, double retryAfterSeconds);
  /// The next update_secret for `uid` fails with this status and error code (nothing is stored).
  void failNextUpdate(const std::string& uid, int status = 500, const std::string& errorCode = "internal_error");
  /// Bump the revision now, as if another client saved the record (the next update with the old one is stale).
  void bumpRevision(const std::string& uid);
  /// Right before the next update_secret for `uid` is processed, another writer sets the standard password field
  /// to `newPassword` and commits (new revision): the incoming update then hits a stale revision.
  void changePasswordBeforeNextUpdate(const std::string& uid, const std::string& newPassword);
  /// Damage the stored record data (one flipped byte): clients must report it as undecryptable, not crash.
  void corruptRecordData(const std::string& uid);
  /// Deliver the record with isEditable = false (the application has read-only access).
  void setEditable(const std::string& uid, bool editable);
  /// Add a fault for the requests it matches; faults are tried in the order added, the first that matches applies.
  void addFault(RequestFault fault);
  void clearFaults();
  /// Requests a RequestFault has been applied to so far, counted when it is picked (before its delay): a test can
  /// tell that a held request is in flight.
  std::size_t faultsApplied() const;
  /// Faulted requests that have been answered (after their delay).
  std::size_t faultsAnswered() const;
  /// Require this clientVersion prefix set (default accepts m[a-z] + digits.digits.digits).
  void rejectClientVersions(bool reject);

  // ---- observation ----
  /// Count of requests per endpoint name ("get_secret", "update_secret", ...), including rejected ones.
  int requestCount(const std::string& endpoint) const;
  /// Last clientVersion seen.
  std::string lastClientVersion() const;

  /// Load a seed file: {"folders":[{"uid":..}], "records":[{"uid":..,"folderUid":..,"data":{..}}]}.
  void loadSeed(const std::string& seedJson);
  /// Admin endpoints under /admin/ (for the executable) require "Authorization: Bearer <token>".
  void enableAdmin(const std::string& adminToken);

  /// The HTTPS server underneath: its traffic log (requests with arrival times, connections accepted).
  const testsupport::HttpsServer& server() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace keeper_rotate::fakeksm
