// Internal state of the fake KSM server, shared by its protocol, admin and seeding files.
#pragma once

#include "fake_ksm.hpp"

#include <https_server.hpp>
#include <kr_ksm/crypto.hpp>

#include <Poco/JSON/Object.h>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace keeper_rotate::fakeksm {
namespace crypto = keeper_rotate::ksm::crypto;

struct StoredFolder {
  std::string key;           // raw 32-byte folder key
  std::string encryptedKey;  // AES-GCM(appKey, key), as delivered
};

struct StoredRecord {
  std::string folderUid;     // empty: shared directly with the app
  std::string key;           // raw 32-byte record key
  std::string encryptedKey;  // AES-GCM(appKey or folderKey, key), as delivered
  std::string data;          // AES-GCM(key, record JSON), as delivered
  std::int64_t revision = 0;
  std::optional<std::string> stagedData;  // pending update_secret with a transactionType
  std::string stagedType;
  bool editable = true;
};

struct Fault {
  int throttleCount = 0;
  double throttleRetryAfter = 0;
  std::map<std::string, std::pair<int, std::string>> failUpdate;  // uid -> (status, error code)
  std::map<std::string, std::string> passwordBeforeUpdate;        // uid -> new password
};

struct FakeKsm::Impl {
  Options options;
  mutable std::mutex mutex;
  crypto::EcKey serverKey = crypto::EcKey::generate();
  crypto::EcKey appOwnerKey = crypto::EcKey::generate();
  std::string appKey = crypto::randomBytes(32);
  int acceptedKeyId;
  std::map<std::string, std::string> pendingTokens;  // clientId -> clientKey
  std::map<std::string, std::string> devices;        // clientId -> device public point
  std::map<std::string, StoredFolder> folders;
  std::map<std::string, StoredRecord> records;
  Fault faults;
  std::vector<RequestFault> requestFaults;
  std::size_t faultsApplied = 0;
  std::size_t faultsAnswered = 0;
  bool strictClientVersion = true;
  std::map<std::string, int> requestCounts;
  std::string lastClientVersion;
  std::string adminToken;
  std::int64_t nextRevision = 1000;
  std::unique_ptr<testsupport::HttpsServer> server;
  FakeKsm* owner = nullptr;  // for the admin endpoints, which use the public (locking) API

  explicit Impl(Options o) : options(std::move(o)), acceptedKeyId(options.serverKeyId) {}

  // Protocol (fake_ksm_protocol.cpp)
  void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
  // Admin endpoints (fake_ksm_admin.cpp)
  void handleAdmin(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                   const std::string& path, const std::string& body);

  // State helpers (fake_ksm.cpp); callers hold `mutex`.
  void putRecordLocked(const std::string& uid, const std::string& plainJson, const std::string& folderUid);
  std::string decryptRecordLocked(const StoredRecord& r, const std::string& blob) const;
  const std::string& containerKeyLocked(const StoredRecord& r) const;
  StoredRecord& recordLocked(const std::string& uid);
};

/// Vault clients pad record JSON with spaces to at least 384 bytes and a multiple of 16 (docs/ksm-protocol.md §6).
std::string padRecordJson(std::string json);
std::string trimRight(std::string s);
std::string newUid();

}  // namespace keeper_rotate::fakeksm
