#include "fake_ksm_impl.hpp"

#include <kr_ksm/base64.hpp>
#include <kr_ksm/client.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <sstream>
#include <stdexcept>

namespace keeper_rotate::fakeksm {

using Poco::JSON::Array;
using Poco::JSON::Object;

std::string padRecordJson(std::string json) {
  std::size_t target = json.size() < 384 ? 384 : json.size();
  if (target % 16 != 0) target += 16 - target % 16;
  json.resize(target, ' ');
  return json;
}

std::string trimRight(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) s.pop_back();
  return s;
}

std::string newUid() {
  std::string bytes = crypto::randomBytes(16);
  // Keep UIDs from starting with '-' or '_' (top five bits set), as Keeper's SDKs do.
  if ((static_cast<unsigned char>(bytes[0]) & 0xF8) == 0xF8) bytes[0] = static_cast<char>(bytes[0] & 0x7F);
  return ksm::base64::encodeUrl(bytes);
}

const std::string& FakeKsm::Impl::containerKeyLocked(const StoredRecord& r) const {
  if (r.folderUid.empty()) return appKey;
  return folders.at(r.folderUid).key;
}

StoredRecord& FakeKsm::Impl::recordLocked(const std::string& uid) {
  auto it = records.find(uid);
  if (it == records.end()) throw std::invalid_argument("fake KSM: no record " + uid);
  return it->second;
}

std::string FakeKsm::Impl::decryptRecordLocked(const StoredRecord& r, const std::string& blob) const {
  const Secret plain = crypto::aesGcmDecrypt(r.key, blob);
  return trimRight(std::string(plain.reveal()));
}

void FakeKsm::Impl::putRecordLocked(const std::string& uid, const std::string& plainJson, const std::string& folderUid) {
  {
    Poco::JSON::Parser parser;
    if (parser.parse(plainJson).type() != typeid(Object::Ptr))
      throw std::invalid_argument("fake KSM: record " + uid + " data is not a JSON object");
  }
  if (!folderUid.empty() && folders.find(folderUid) == folders.end())
    throw std::invalid_argument("fake KSM: unknown shared folder " + folderUid);
  auto existing = records.find(uid);
  StoredRecord r;
  if (existing != records.end() && existing->second.folderUid == folderUid) {
    r.key = existing->second.key;
    r.encryptedKey = existing->second.encryptedKey;
  } else {
    r.key = crypto::randomBytes(32);
  }
  r.folderUid = folderUid;
  if (r.encryptedKey.empty()) r.encryptedKey = crypto::aesGcmEncrypt(containerKeyLocked(r), r.key);
  r.data = crypto::aesGcmEncrypt(r.key, padRecordJson(plainJson));
  r.revision = ++nextRevision;
  if (existing != records.end()) r.editable = existing->second.editable;
  records[uid] = std::move(r);
}

FakeKsm::FakeKsm(const testsupport::TestCa& ca, Options options) : impl_(std::make_unique<Impl>(std::move(options))) {
  Impl* impl = impl_.get();
  impl->owner = this;
  impl_->server = std::make_unique<testsupport::HttpsServer>(
      ca, [impl](Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) { impl->handle(req, resp); },
      impl_->options.port);
  impl_->server->start();
}

FakeKsm::~FakeKsm() {
  if (impl_ && impl_->server) impl_->server->stop();
}

std::string FakeKsm::hostname() const { return "localhost:" + std::to_string(port()); }
std::string FakeKsm::baseUrl() const { return impl_->server->baseUrl(); }
std::uint16_t FakeKsm::port() const { return impl_->server->port(); }
int FakeKsm::serverKeyId() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->acceptedKeyId;
}
std::string FakeKsm::serverPublicKey() const { return impl_->serverKey.publicPoint(); }
std::string FakeKsm::serverPublicKeyUrlB64() const { return ksm::base64::encodeUrl(serverPublicKey()); }

std::string FakeKsm::createOneTimeToken() {
  std::string clientKey = crypto::randomBytes(32);
  const std::string token = ksm::base64::encodeUrl(clientKey);
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->pendingTokens[ksm::deriveClientId(clientKey)] = clientKey;
  return token;
}

DeviceConfig FakeKsm::createDevice() {
  ksm::Config c;
  const crypto::EcKey device = crypto::EcKey::generate();
  c.hostname = hostname();
  c.clientId = ksm::deriveClientId(crypto::randomBytes(32));
  c.privateKey = device.pkcs8();
  c.appOwnerPublicKey = impl_->appOwnerKey.publicPoint();
  c.serverPublicKey = serverPublicKey();
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    c.appKey = Secret(impl_->appKey);
    c.serverPublicKeyId = impl_->acceptedKeyId;
    impl_->devices[c.clientId] = device.publicPoint();
  }
  const Secret json = ksm::configToJson(c);
  return DeviceConfig{std::string(json.reveal())};
}

std::size_t FakeKsm::deviceCount() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->devices.size();
}

void FakeKsm::addSharedFolder(const std::string& folderUid) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (impl_->folders.count(folderUid)) return;
  StoredFolder f;
  f.key = crypto::randomBytes(32);
  f.encryptedKey = crypto::aesGcmEncrypt(impl_->appKey, f.key);
  impl_->folders[folderUid] = std::move(f);
}

void FakeKsm::putRecord(const std::string& uid, const std::string& plainJson, const std::string& folderUid) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->putRecordLocked(uid, plainJson, folderUid);
}

std::string FakeKsm::readRecord(const std::string& uid) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto& r = impl_->recordLocked(uid);
  return impl_->decryptRecordLocked(r, r.data);
}

std::optional<std::string> FakeKsm::stagedRecord(const std::string& uid) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto& r = impl_->recordLocked(uid);
  if (!r.stagedData) return std::nullopt;
  return impl_->decryptRecordLocked(r, *r.stagedData);
}

std::int64_t FakeKsm::revision(const std::string& uid) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->recordLocked(uid).revision;
}

void FakeKsm::rotateKeyId(int newId) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->acceptedKeyId = newId;
}

void FakeKsm::throttleNext(int count, double retryAfterSeconds) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->faults.throttleCount = count;
  impl_->faults.throttleRetryAfter = retryAfterSeconds;
}

void FakeKsm::addFault(RequestFault fault) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->requestFaults.push_back(std::move(fault));
}

void FakeKsm::clearFaults() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->requestFaults.clear();
}

std::size_t FakeKsm::faultsApplied() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->faultsApplied;
}

std::size_t FakeKsm::faultsAnswered() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->faultsAnswered;
}

void FakeKsm::failNextUpdate(const std::string& uid, int status, const std::string& errorCode) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->faults.failUpdate[uid] = {status, errorCode};
}

void FakeKsm::bumpRevision(const std::string& uid) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->recordLocked(uid).revision = ++impl_->nextRevision;
}

void FakeKsm::changePasswordBeforeNextUpdate(const std::string& uid, const std::string& newPassword) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->recordLocked(uid);
  impl_->faults.passwordBeforeUpdate[uid] = newPassword;
}

void FakeKsm::corruptRecordData(const std::string& uid) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto& r = impl_->recordLocked(uid);
  r.data[r.data.size() / 2] = static_cast<char>(r.data[r.data.size() / 2] ^ 0x01);
}

void FakeKsm::setEditable(const std::string& uid, bool editable) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->recordLocked(uid).editable = editable;
}

void FakeKsm::rejectClientVersions(bool reject) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->strictClientVersion = reject;
}

int FakeKsm::requestCount(const std::string& endpoint) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto it = impl_->requestCounts.find(endpoint);
  return it == impl_->requestCounts.end() ? 0 : it->second;
}

std::string FakeKsm::lastClientVersion() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->lastClientVersion;
}

void FakeKsm::loadSeed(const std::string& seedJson) {
  Poco::JSON::Parser parser;
  auto root = parser.parse(seedJson).extract<Object::Ptr>();
  if (root->has("folders")) {
    auto folders = root->getArray("folders");
    for (std::size_t i = 0; i < folders->size(); ++i)
      addSharedFolder(folders->getObject(static_cast<unsigned>(i))->getValue<std::string>("uid"));
  }
  if (root->has("records")) {
    auto records = root->getArray("records");
    for (std::size_t i = 0; i < records->size(); ++i) {
      auto r = records->getObject(static_cast<unsigned>(i));
      std::ostringstream data;
      r->getObject("data")->stringify(data, 0);
      putRecord(r->getValue<std::string>("uid"), data.str(),
                r->has("folderUid") && !r->isNull("folderUid") ? r->getValue<std::string>("folderUid") : std::string());
    }
  }
}

void FakeKsm::enableAdmin(const std::string& adminToken) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->adminToken = adminToken;
}

const testsupport::HttpsServer& FakeKsm::server() const { return *impl_->server; }

}  // namespace keeper_rotate::fakeksm
