// The KSM endpoints of the fake: decrypt, authenticate, dispatch, encrypt the answer.
#include "fake_ksm_impl.hpp"

#include <kr_ksm/base64.hpp>
#include <kr_ksm/record.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/StreamCopier.h>

#include <chrono>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

namespace keeper_rotate::fakeksm {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
namespace b64 = ksm::base64;

struct HttpError {
  int status;
  std::string body;
};

HttpError errorJson(int status, const std::string& code, const std::string& message) {
  Object o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("path", "");
  o.set("additional_info", "");
  o.set("location", "fake-ksm");
  o.set("error", code);
  o.set("message", message);
  std::ostringstream s;
  o.stringify(s);
  return {status, s.str()};
}

std::string str(const Object& o, const char* key) {
  if (!o.has(key) || o.isNull(key)) return {};
  return o.get(key).convert<std::string>();
}

void send(Poco::Net::HTTPServerResponse& resp, int status, const std::string& body, const char* type) {
  resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  resp.setContentType(type);
  resp.setContentLength(static_cast<std::streamsize>(body.size()));
  resp.send().write(body.data(), static_cast<std::streamsize>(body.size()));
}

Object::Ptr recordEntry(const std::string& uid, const StoredRecord& r) {
  Object::Ptr e = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  e->set("recordUid", uid);
  e->set("recordKey", b64::encode(r.encryptedKey));
  e->set("data", b64::encode(r.data));
  e->set("revision", r.revision);
  e->set("isEditable", r.editable);
  e->set("files", Poco::Dynamic::Var());
  e->set("innerFolderUid", Poco::Dynamic::Var());
  return e;
}

}  // namespace

void FakeKsm::Impl::handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
  std::string path = request.getURI();
  if (auto q = path.find('?'); q != std::string::npos) path.resize(q);
  std::string body;
  Poco::StreamCopier::copyToString(request.stream(), body);

  if (path.rfind("/admin/", 0) == 0) {
    handleAdmin(request, response, path, body);
    return;
  }
  const std::string prefix = "/api/rest/sm/v1/";
  if (path.rfind(prefix, 0) != 0) {
    const auto e = errorJson(404, "not_found", "unknown path");
    send(response, e.status, e.body, "application/json");
    return;
  }
  const std::string endpoint = path.substr(prefix.size());

  std::unique_lock<std::mutex> lock(mutex);
  ++requestCounts[endpoint];
  std::optional<RequestFault> fault;
  for (auto it = requestFaults.begin(); it != requestFaults.end(); ++it) {
    if (!it->endpoint.empty() && it->endpoint != endpoint) continue;
    if (it->skip > 0) {
      --it->skip;
      break;
    }
    fault = *it;
    ++faultsApplied;
    if (it->times > 0 && --it->times == 0) requestFaults.erase(it);
    break;
  }
  if (fault && fault->delayMs > 0) {
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(fault->delayMs));
    lock.lock();
  }
  try {
    if (request.getMethod() != "POST") throw errorJson(405, "bad_request", "POST expected");
    if (fault && fault->status != 0) {
      Object o;
      o.set("error", fault->error);
      o.set("message", "injected fault of " + endpoint);
      if (fault->error == "throttled") o.set("retry_after", fault->retryAfterSeconds);
      std::ostringstream s;
      o.stringify(s);
      throw HttpError{fault->status, s.str()};
    }
    if (faults.throttleCount > 0) {
      --faults.throttleCount;
      Object o;
      o.set("error", "throttled");
      o.set("message", "Too many requests");
      o.set("retry_after", faults.throttleRetryAfter);
      std::ostringstream s;
      o.stringify(s);
      throw HttpError{403, s.str()};
    }
    const std::string keyIdHeader = request.get("PublicKeyId", "");
    if (keyIdHeader != std::to_string(acceptedKeyId)) {
      Object o;
      o.set("error", "key");
      o.set("key_id", acceptedKeyId);
      o.set("message", "invalid key id");
      std::ostringstream s;
      o.stringify(s);
      throw HttpError{400, s.str()};
    }
    std::string wrappedTk;
    Secret tk;
    try {
      wrappedTk = b64::decode(request.get("TransmissionKey", ""));
      tk = crypto::eciesDecrypt(serverKey, wrappedTk);
    } catch (const std::exception&) {
      throw errorJson(400, "key", "transmission key does not decrypt with server key " + std::to_string(acceptedKeyId));
    }
    if (tk.size() != 32) throw errorJson(400, "bad_request", "transmission key must be 32 bytes");
    Object::Ptr payload;
    try {
      const Secret plain = crypto::aesGcmDecrypt(tk.reveal(), body);
      Poco::JSON::Parser parser;
      payload = parser.parse(std::string(plain.reveal())).extract<Object::Ptr>();
    } catch (const std::exception&) {
      throw errorJson(400, "bad_request", "payload does not decrypt with the transmission key or is not JSON");
    }
    if (!payload) throw errorJson(400, "bad_request", "payload is not a JSON object");

    const std::string clientVersion = str(*payload, "clientVersion");
    lastClientVersion = clientVersion;
    static const std::regex kVersion("^m[a-z][0-9]+\\.[0-9]+\\.[0-9]+$");
    if (strictClientVersion && !std::regex_match(clientVersion, kVersion)) {
      auto e = errorJson(400, "invalid_client_version", "Client version " + clientVersion + " is not supported");
      throw e;
    }

    // Authenticate: a bound device, or the one-time token binding now (its key comes with this request).
    const std::string clientId = str(*payload, "clientId");
    std::string devicePoint;
    bool binding = false;
    if (auto d = devices.find(clientId); d != devices.end()) {
      devicePoint = d->second;
    } else if (pendingTokens.count(clientId) != 0 && endpoint == "get_secret") {
      try {
        devicePoint = b64::decode(str(*payload, "publicKey"));
      } catch (const std::exception&) {
      }
      if (devicePoint.size() != crypto::kPointSize)
        throw errorJson(400, "bad_request", "binding request without a valid publicKey");
      binding = true;
    } else {
      throw errorJson(403, "access_denied", "unknown client id, or the one-time token was already used");
    }
    std::string auth = request.get("Authorization", "");
    if (auth.rfind("Signature ", 0) != 0) throw errorJson(403, "access_denied", "Signature is missing");
    bool valid = false;
    try {
      valid = crypto::ecdsaVerify(crypto::EcKey::fromPublicPoint(devicePoint), wrappedTk + body,
                                  b64::decode(auth.substr(10)));
    } catch (const std::exception&) {
      valid = false;
    }
    if (!valid) throw errorJson(403, "access_denied", "Signature is invalid");

    std::string answer;  // JSON to encrypt; empty: empty body
    if (endpoint == "get_secret") {
      Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
      if (binding) {
        const std::string clientKey = pendingTokens.at(clientId);
        out->set("encryptedAppKey", b64::encodeUrl(crypto::aesGcmEncrypt(clientKey, appKey)));
        out->set("appOwnerPublicKey", b64::encode(appOwnerKey.publicPoint()));
        pendingTokens.erase(clientId);
        devices[clientId] = devicePoint;
      }
      Object app;
      app.set("title", options.appTitle);
      app.set("type", "app");
      std::ostringstream appJson;
      app.stringify(appJson);
      out->set("appData", b64::encodeUrl(crypto::aesGcmEncrypt(appKey, appJson.str())));

      std::set<std::string> wanted;
      if (payload->has("requestedRecords") && payload->isArray("requestedRecords")) {
        auto list = payload->getArray("requestedRecords");
        for (std::size_t i = 0; i < list->size(); ++i) wanted.insert(list->get(static_cast<unsigned>(i)).convert<std::string>());
      }
      auto selected = [&](const std::string& uid) { return wanted.empty() || wanted.count(uid) != 0; };
      Array::Ptr direct = new Array();
      for (const auto& [uid, r] : records)
        if (r.folderUid.empty() && selected(uid)) direct->add(recordEntry(uid, r));
      Array::Ptr folderList = new Array();
      for (const auto& [folderUid, f] : folders) {
        Array::Ptr inFolder = new Array();
        for (const auto& [uid, r] : records)
          if (r.folderUid == folderUid && selected(uid)) inFolder->add(recordEntry(uid, r));
        if (inFolder->size() == 0 && !wanted.empty()) continue;
        Object::Ptr fo = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        fo->set("folderUid", folderUid);
        fo->set("folderKey", b64::encode(f.encryptedKey));
        fo->set("data", Poco::Dynamic::Var());
        fo->set("parent", Poco::Dynamic::Var());
        fo->set("isEditable", true);
        fo->set("records", inFolder);
        folderList->add(fo);
      }
      out->set("records", direct);
      out->set("folders", folderList);
      out->set("expiresOn", 0);
      out->set("warnings", Poco::Dynamic::Var());
      out->set("extra", Poco::Dynamic::Var());
      std::ostringstream s;
      out->stringify(s);
      answer = s.str();
    } else if (endpoint == "update_secret") {
      const std::string uid = str(*payload, "recordUid");
      auto it = records.find(uid);
      if (it == records.end()) throw errorJson(400, "not_found", "record " + uid + " is not shared with this application");
      StoredRecord& r = it->second;
      if (!r.editable) throw errorJson(403, "access_denied", "the application has read-only access to record " + uid);
      if (auto f = faults.failUpdate.find(uid); f != faults.failUpdate.end()) {
        const auto fault = f->second;
        faults.failUpdate.erase(f);
        throw errorJson(fault.first, fault.second, "injected failure of update_secret");
      }
      if (auto p = faults.passwordBeforeUpdate.find(uid); p != faults.passwordBeforeUpdate.end()) {
        // Another writer (the Gateway itself) saves a new password just before this update arrives.
        const std::string newPassword = p->second;
        faults.passwordBeforeUpdate.erase(p);
        auto data = ksm::parseRecordJson(decryptRecordLocked(r, r.data), uid);
        if (keeper_rotate::json::Object* field = ksm::findField(*data, "password")) {
          field->set("value", keeper_rotate::json::Array{keeper_rotate::json::Value(newPassword)});
        } else {
          ksm::setFieldValue(*data, "password", "password", newPassword);
        }
        r.data = crypto::aesGcmEncrypt(r.key, padRecordJson(ksm::toJson(*data)));
        r.revision = ++nextRevision;
      }
      if (r.stagedData) throw errorJson(400, "transaction_pending", "record " + uid + " has an unfinished transaction");
      if (!payload->has("revision") || payload->get("revision").convert<std::int64_t>() != r.revision)
        throw errorJson(400, "out_of_sync", "record " + uid + " was changed by someone else (revision mismatch)");
      std::string blob;
      try {
        blob = b64::decode(str(*payload, "data"));
        ksm::parseRecordJson(decryptRecordLocked(r, blob), uid);
      } catch (const std::exception&) {
        throw errorJson(400, "bad_request", "record data does not decrypt with the record key or is not JSON");
      }
      const std::string type = str(*payload, "transactionType");
      if (type.empty()) {
        r.data = blob;
        r.revision = ++nextRevision;
      } else if (type == "general" || type == "rotation") {
        r.stagedData = blob;
        r.stagedType = type;
      } else {
        throw errorJson(400, "bad_request", "unknown transactionType " + type);
      }
    } else if (endpoint == "finalize_secret_update" || endpoint == "rollback_secret_update") {
      const std::string uid = str(*payload, "recordUid");
      auto it = records.find(uid);
      if (it == records.end()) throw errorJson(400, "not_found", "record " + uid + " is not shared with this application");
      StoredRecord& r = it->second;
      if (!r.stagedData) throw errorJson(400, "no_transaction", "record " + uid + " has no pending transaction");
      if (endpoint == "finalize_secret_update") {
        r.data = *r.stagedData;
        r.revision = ++nextRevision;
      }
      r.stagedData.reset();
      r.stagedType.clear();
    } else {
      throw errorJson(404, "not_supported", "endpoint " + endpoint + " is not implemented by the fake");
    }
    const std::string encrypted = answer.empty() ? std::string() : crypto::aesGcmEncrypt(tk.reveal(), answer);
    if (fault) ++faultsAnswered;  // the answer is decided (processed, or the fault's error)
    lock.unlock();
    send(response, 200, encrypted, "application/octet-stream");
  } catch (const HttpError& e) {
    if (fault) ++faultsAnswered;
    lock.unlock();
    send(response, e.status, e.body, "application/json");
  } catch (const std::exception& e) {
    if (fault) ++faultsAnswered;
    lock.unlock();
    const auto err = errorJson(500, "internal_error", std::string("fake KSM: ") + e.what());
    send(response, err.status, err.body, "application/json");
  }
}

}  // namespace keeper_rotate::fakeksm
