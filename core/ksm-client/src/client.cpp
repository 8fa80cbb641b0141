#include "kr_ksm/client.hpp"

#include "kr_ksm/base64.hpp"
#include "kr_ksm/crypto.hpp"
#include "kr_ksm/errors.hpp"
#include "kr_ksm/server_keys.hpp"

#include <keeper_rotate/json.hpp>
#include <keeper_rotate/text.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>

namespace keeper_rotate::ksm {
namespace {

using json::Array;
using json::Object;
using json::Value;

/// A member as text (strings as they are, numbers and booleans converted); empty when missing, null or not a scalar.
std::string stringKey(const Object& o, const char* key) {
  const Value* v = o.find(key);
  if (v == nullptr) return {};
  if (v->isString()) return v->string();
  return json::text(*v).value_or(std::string());
}

/// A number, or a string holding one (servers and SDKs are not consistent), as a double; nullopt for anything else.
std::optional<double> numberOf(const Value& v) {
  if (v.isNumber()) return v.number();
  if (v.isBool()) return v.boolean() ? 1.0 : 0.0;
  if (!v.isString()) return std::nullopt;
  const std::string& s = v.string();
  if (s.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(d)) return std::nullopt;
  return d;
}

/// An integer member (a number or a numeric string); nullopt when missing or null. Throws std::runtime_error for
/// anything else and for a fraction or a value beyond int64 (the record entry is then refused).
std::optional<std::int64_t> int64Member(const Object& o, const char* key) {
  const Value* v = o.find(key);
  if (v == nullptr || v->isNull()) return std::nullopt;
  if (v->isNumber()) {
    try {
      return v->int64();
    } catch (const json::TypeError&) {
      // "5.0" or "5e2": still an integer when its value is one
    }
  }
  const std::optional<double> d = numberOf(*v);
  if (!d || std::trunc(*d) != *d || *d < -9.2e18 || *d > 9.2e18)
    throw std::runtime_error(std::string("'") + key + "' is not an integer");
  return static_cast<std::int64_t>(*d);
}

/// A boolean member: true/false, a number (non-zero) or a string ("", "0" and "false" are false); nullopt when
/// missing or null. Throws std::runtime_error for an array or object.
std::optional<bool> boolMember(const Object& o, const char* key) {
  const Value* v = o.find(key);
  if (v == nullptr || v->isNull()) return std::nullopt;
  if (v->isBool()) return v->boolean();
  if (v->isNumber()) return v->number() != 0;
  if (v->isString()) {
    const std::string& s = v->string();
    return !(s.empty() || s == "0" || keeper_rotate::text::iequals(s, "false"));
  }
  throw std::runtime_error(std::string("'") + key + "' is not a boolean");
}

// Server-provided text shown to admins: bounded and free of control characters.
std::string sanitize(std::string text, std::size_t max = 300) {
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  if (text.size() > max) text = text.substr(0, max) + "...";
  return text;
}

std::string forRecord(const std::string& uid) { return uid.empty() ? std::string() : " for record " + uid; }

struct ServerError {
  std::string code;
  std::string message;
  int keyId = 0;
  double retryAfter = 0;
  bool parsed = false;
};

ServerError parseServerError(const std::string& body) {
  ServerError e;
  try {
    const Value v = json::parse(body);
    if (!v.isObject()) return e;
    const Object& o = v.object();
    e.parsed = true;
    e.code = stringKey(o, "error");
    if (e.code.empty()) e.code = stringKey(o, "result_code");
    e.message = stringKey(o, "message");
    const std::string info = stringKey(o, "additional_info");
    if (!info.empty()) e.message += (e.message.empty() ? "" : " — ") + info;
    // A key id that is not a positive int is no redirect (keyId stays 0); a bad retry_after means "not given".
    if (const Value* id = o.find("key_id")) {
      const std::optional<double> d = numberOf(*id);
      if (d && *d >= 1 && *d <= INT_MAX) e.keyId = static_cast<int>(*d);
    }
    if (const Value* after = o.find("retry_after"))
      if (const std::optional<double> d = numberOf(*after)) e.retryAfter = *d;
  } catch (const std::exception&) {
    e.parsed = false;
  }
  return e;
}

/// Compact JSON text of a request payload (consumes it: the members are moved, not copied).
std::string compact(Object&& o) { return json::stringify(Value(std::move(o))); }

}  // namespace

std::string defaultClientVersion() {
  const char* env = std::getenv("KEEPER_ROTATE_KSM_CLIENT_VERSION");
  return (env != nullptr && *env != '\0') ? std::string(env) : std::string(kDefaultClientVersion);
}

struct Client::Impl {
  Config config;
  ClientOptions options;
  std::optional<https::Client> ownHttp;  // unless options.sharedHttp is given
  https::Client& http;
  crypto::EcKey deviceKey;
  int keyId;
  std::optional<crypto::EcKey> cachedServerKey;
  int cachedServerKeyId = 0;

  Impl(Config c, ClientOptions o)
      : config(std::move(c)), options(std::move(o)), ownHttp(makeHttp(options)),
        http(options.sharedHttp != nullptr ? *options.sharedHttp : *ownHttp), deviceKey(loadDeviceKey(config)),
        keyId(config.serverPublicKeyId > 0 ? config.serverPublicKeyId : kDefaultServerPublicKeyId) {
    if (options.clientVersion.empty()) options.clientVersion = defaultClientVersion();
  }

  // The trusted CAs are loaded here: a broken SSL_CERT_FILE is a configuration error, like a broken KSM config.
  static std::optional<https::Client> makeHttp(const ClientOptions& o) {
    if (o.sharedHttp != nullptr) return std::nullopt;
    try {
      return std::optional<https::Client>(std::in_place, o.https);
    } catch (const https::TransportError& e) {
      throw KsmError(KsmError::Kind::Config, e.code(), std::string("KSM: ") + e.what());
    }
  }

  static crypto::EcKey loadDeviceKey(const Config& c) {
    try {
      return crypto::EcKey::fromPkcs8(c.privateKey.reveal());
    } catch (const crypto::CryptoError& e) {
      throw KsmError(KsmError::Kind::Config, "ksm.config",
                     "KSM configuration (" + c.source + "): privateKey is not a usable P-256 PKCS#8 key (" + e.what() + ")");
    }
  }

  void log(const std::string& line) const {
    if (options.log) options.log(line);
  }

  std::string serverPoint() const {
    if (!config.serverPublicKey.empty()) return config.serverPublicKey;
    auto key = builtinServerPublicKey(keyId);
    if (!key)
      throw KsmError(KsmError::Kind::Config, "ksm.server_key",
                     "KSM server public key id " + std::to_string(keyId) +
                         " is unknown and no serverPublicKey is configured (" + config.source + ")");
    return *key;
  }

  /// The server's public key for the current key id, parsed and checked once per id (a key redirect changes it).
  const crypto::EcKey& serverKey() {
    if (!cachedServerKey || cachedServerKeyId != keyId) {
      cachedServerKey.reset();
      cachedServerKey.emplace(crypto::EcKey::fromPublicPoint(serverPoint()));
      cachedServerKeyId = keyId;
    }
    return *cachedServerKey;
  }

  /// The members every request starts with, in the order the SDKs send them (json::Object keeps insertion order).
  Object basePayload() const {
    Object p;
    p.set("clientVersion", options.clientVersion);
    p.set("clientId", config.clientId);
    return p;
  }

  std::chrono::milliseconds throttleWait(const ServerError& e, int attempt) const {
    using namespace std::chrono;
    double ms;
    if (e.retryAfter > 0) {
      ms = e.retryAfter * 1000.0;
    } else {
      static thread_local std::mt19937 rng(std::random_device{}());
      std::uniform_real_distribution<double> jitter(0.75, 1.25);
      ms = double(options.throttleBaseDelay.count()) * std::ldexp(1.0, std::min(attempt, 30)) * jitter(rng);
    }
    // Clamp before converting: a server value must never overflow the cast or stall the run unboundedly.
    ms = std::min(ms, double(options.maxThrottleWait.count()));
    return milliseconds(static_cast<long long>(std::max(ms, 0.0)));
  }

  Secret post(const std::string& endpoint, const std::string& payload, const std::string& recordUid) {
    const std::string url = "https://" + config.hostname + "/api/rest/sm/v1/" + endpoint;
    int redirects = 0;
    int throttles = 0;
    int transportRetries = 0;
    // Reads are idempotent and may be repeated after a network error; writes never are (a lost answer to an
    // update is resolved by the caller re-reading the record).
    const bool idempotent = endpoint == "get_secret" || endpoint == "get_folders";
    for (;;) {
      const Secret tk = crypto::toSecret(crypto::randomBytes(32));
      const std::string wrapped = crypto::eciesEncrypt(serverKey(), tk.reveal());
      https::Request req("POST", url);
      req.connectTimeout = options.https.connectTimeout;  // also over a shared client, whose own may differ
      req.ioTimeout = options.https.ioTimeout;
      req.body = crypto::aesGcmEncrypt(tk.reveal(), payload);
      const std::string signature = crypto::ecdsaSign(deviceKey, wrapped + req.body);
      req.headers = {{"Content-Type", "application/octet-stream"},
                     {"PublicKeyId", std::to_string(keyId)},
                     {"TransmissionKey", base64::encode(wrapped)},
                     {"Authorization", "Signature " + base64::encode(signature)}};
      https::Response resp;
      try {
        resp = http.send(req);
      } catch (const https::TransportError& e) {
        // Certificate, host name, unknown host, proxy refusal: raised before the request was sent, and the same on
        // every attempt. A configuration error (the writer and pam-config report KsmError::Kind::Config as such),
        // never retried, for reads and writes alike.
        if (e.permanent())
          throw KsmError(KsmError::Kind::Config, e.code(),
                         "KSM " + endpoint + forRecord(recordUid) + ": cannot reach " + config.hostname +
                             " (hostname of the KSM configuration from " + config.source +
                             "), and no retry can fix it: " + e.what());
        if (idempotent && transportRetries++ < options.maxTransportRetries) {
          log("KSM " + endpoint + ": network error (" + std::string(e.what()) + "); retrying once");
          std::this_thread::sleep_for(options.transportRetryDelay);
          continue;
        }
        throw KsmError(KsmError::Kind::Transport, "ksm.transport",
                       "KSM " + endpoint + forRecord(recordUid) + ": cannot reach " + config.hostname + ": " + e.what());
      }
      if (resp.status == 200) {
        if (resp.body.empty()) return Secret();
        try {
          return crypto::aesGcmDecrypt(tk.reveal(), resp.body);
        } catch (const crypto::CryptoError&) {
          throw KsmError(KsmError::Kind::Protocol, "ksm.response",
                         "KSM " + endpoint + forRecord(recordUid) + ": response from " + config.hostname +
                             " could not be decrypted with this request's transmission key");
        }
      }
      const ServerError err = parseServerError(resp.body);
      if (err.code == "key" && err.keyId > 0) {
        if (++redirects > options.maxKeyRedirects)
          throw KsmError(KsmError::Kind::Server, "key",
                         "KSM " + endpoint + forRecord(recordUid) + ": server keeps asking for another public key id (" +
                             std::to_string(err.keyId) + ") after " + std::to_string(options.maxKeyRedirects) + " retries",
                         resp.status);
        log("KSM server asked for public key id " + std::to_string(err.keyId) + " instead of " + std::to_string(keyId) +
            "; retrying");
        keyId = err.keyId;
        continue;
      }
      if (resp.status == 403 && err.code == "throttled") {
        if (throttles >= options.maxThrottleRetries)
          throw KsmError(KsmError::Kind::Throttled, "throttled",
                         "KSM " + endpoint + forRecord(recordUid) + ": still throttled by " + config.hostname + " after " +
                             std::to_string(options.maxThrottleRetries) + " retries (limit: 100 requests per 10 s)",
                         resp.status);
        const auto wait = throttleWait(err, throttles++);
        log("KSM " + endpoint + " throttled; waiting " + std::to_string(wait.count()) + " ms");
        std::this_thread::sleep_for(wait);
        continue;
      }
      std::string message = "KSM " + endpoint + forRecord(recordUid) + " failed: HTTP " + std::to_string(resp.status);
      if (!err.code.empty()) message += ", error '" + sanitize(err.code, 80) + "'";
      if (!err.message.empty()) message += ": " + sanitize(err.message);
      if (err.code == "invalid_client_version")
        message += " (set KEEPER_ROTATE_KSM_CLIENT_VERSION to a client version the server accepts; sent '" +
                   options.clientVersion + "')";
      throw KsmError(KsmError::Kind::Server, err.code.empty() ? "http." + std::to_string(resp.status) : err.code, message,
                     resp.status);
    }
  }

  Record decodeRecord(const Object& entry, std::string_view containerKey, const std::string& folderUid) {
    Record r;
    r.uid = stringKey(entry, "recordUid");
    r.folderUid = folderUid;
    if (const auto revision = int64Member(entry, "revision")) r.revision = *revision;
    if (const auto editable = boolMember(entry, "isEditable")) r.isEditable = *editable;
    const std::string keyText = stringKey(entry, "recordKey");
    if (keyText.empty()) {
      r.recordKey = Secret(containerKey);  // legacy: record encrypted directly under the app or folder key
    } else {
      r.recordKey = crypto::aesGcmDecrypt(containerKey, base64::decode(keyText));
    }
    const Secret plain = crypto::aesGcmDecrypt(r.recordKey.reveal(), base64::decode(stringKey(entry, "data")));
    r.data = parseRecordJson(plain.reveal(), r.uid);
    return r;
  }

  void decodeInto(SecretsResult& out, const Value& item, std::string_view key, const std::string& folderUid) {
    if (!item.isObject()) return;
    const Object& entry = item.object();
    const std::string uid = stringKey(entry, "recordUid");
    try {
      out.records.push_back(decodeRecord(entry, key, folderUid));
    } catch (const std::exception&) {
      out.undecryptable[uid] = folderUid.empty() ? "record key or data does not decrypt with the application key"
                                                 : "record key or data does not decrypt with the key of shared folder " +
                                                       folderUid;
    }
  }

  SecretsResult getSecrets(const std::vector<std::string>& uids) {
    const bool binding = config.appKey.empty();
    Object payload = basePayload();
    if (binding) payload.set("publicKey", base64::encode(deviceKey.publicPoint()));
    if (!uids.empty()) {
      Array list;
      list.reserve(uids.size());
      for (const auto& u : uids) list.push_back(Value(u));
      payload.set("requestedRecords", std::move(list));
    }
    const std::string label = uids.size() == 1 ? uids.front() : std::string();
    const Secret body = post("get_secret", compact(std::move(payload)), label);
    // Parsed straight from the decrypted body (no std::string copy); the DOM zeroes what it held when it goes.
    Value parsed;
    try {
      parsed = json::parse(body.reveal());
    } catch (const std::exception&) {
    }
    if (!parsed.isObject())
      throw KsmError(KsmError::Kind::Protocol, "ksm.response", "KSM get_secret: response is not a JSON object");
    const Object& resp = parsed.object();

    if (binding) {
      const std::string wrappedAppKey = stringKey(resp, "encryptedAppKey");
      if (wrappedAppKey.empty())
        throw KsmError(KsmError::Kind::Server, "ksm.binding",
                       "KSM binding failed: the server sent no application key (token already used or expired?)");
      try {
        config.appKey = crypto::aesGcmDecrypt(config.clientKey.reveal(), base64::decode(wrappedAppKey));
      } catch (const std::exception&) {
        throw KsmError(KsmError::Kind::Protocol, "ksm.binding",
                       "KSM binding failed: the application key does not decrypt with the one-time token");
      }
      // The application key is an AES-256 key (docs/ksm-protocol.md §2): refuse another length now, at binding,
      // rather than write a configuration that every later run refuses.
      if (config.appKey.size() != 32)
        throw KsmError(KsmError::Kind::Protocol, "ksm.binding",
                       "KSM binding failed: the application key is " + std::to_string(config.appKey.size()) +
                           " bytes, not 32");
      const std::string owner = stringKey(resp, "appOwnerPublicKey");
      if (!owner.empty()) {
        try {
          config.appOwnerPublicKey = base64::decode(owner);
        } catch (const std::exception&) {
          throw KsmError(KsmError::Kind::Protocol, "ksm.binding",
                         "KSM binding failed: the application owner's public key is not base64");
        }
      }
      config.clientKey.clear();
    }
    config.serverPublicKeyId = keyId;

    SecretsResult out;
    const std::string appData = stringKey(resp, "appData");
    if (!appData.empty()) {
      try {
        const Secret plain = crypto::aesGcmDecrypt(config.appKey.reveal(), base64::decode(appData));
        const auto obj = parseRecordJson(plain.reveal(), "appData");
        out.appTitle = stringKey(*obj, "title");
      } catch (const std::exception&) {
        // appData is informational only
      }
    }
    if (const Array* w = resp.findArray("warnings")) {
      // Warnings are text; anything else a server puts there is shown as its JSON text, a null is skipped.
      for (const Value& item : *w) {
        if (item.isNull()) continue;
        out.warnings.push_back(item.isArray() || item.isObject() ? json::stringify(item) : *json::text(item));
      }
    }
    if (const Array* records = resp.findArray("records"))
      for (const Value& entry : *records) decodeInto(out, entry, config.appKey.reveal(), {});
    if (const Array* folders = resp.findArray("folders")) {
      for (const Value& item : *folders) {
        if (!item.isObject()) continue;
        const Object& folder = item.object();
        const std::string folderUid = stringKey(folder, "folderUid");
        const Array* rs = folder.findArray("records");
        Secret folderKey;
        try {
          folderKey = crypto::aesGcmDecrypt(config.appKey.reveal(), base64::decode(stringKey(folder, "folderKey")));
        } catch (const std::exception&) {
          if (rs != nullptr)
            for (const Value& r : *rs)
              if (r.isObject())
                out.undecryptable[stringKey(r.object(), "recordUid")] =
                    "key of shared folder " + folderUid + " does not decrypt with the application key";
          continue;
        }
        if (rs != nullptr)
          for (const Value& entry : *rs) decodeInto(out, entry, folderKey.reveal(), folderUid);
      }
    }
    return out;
  }
};

Client::Client(Config config, ClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(options))) {}
Client::~Client() = default;

const Config& Client::config() const { return impl_->config; }
int Client::serverPublicKeyId() const { return impl_->keyId; }
const std::string& Client::clientVersion() const { return impl_->options.clientVersion; }

Secret Client::post(const std::string& endpoint, const std::string& payloadJson, const std::string& recordUid) {
  return impl_->post(endpoint, payloadJson, recordUid);
}

SecretsResult Client::getSecrets(const std::vector<std::string>& recordUids) { return impl_->getSecrets(recordUids); }

Record Client::getRecord(const std::string& uid) {
  SecretsResult result = impl_->getSecrets({uid});
  for (auto& r : result.records)
    if (r.uid == uid) return std::move(r);
  auto bad = result.undecryptable.find(uid);
  if (bad != result.undecryptable.end())
    throw KsmError(KsmError::Kind::Protocol, "ksm.decrypt", "KSM record " + uid + ": " + bad->second);
  throw KsmError(KsmError::Kind::NotFound, "ksm.record_not_found",
                 "KSM record " + uid + " was not found: it does not exist or is not shared with this KSM application (" +
                     impl_->config.source + "), directly or through a shared folder");
}

void Client::updateRecord(const Record& record, const std::string& transactionType) {
  if (!record.data) throw std::invalid_argument("updateRecord: record has no data");
  Object payload = impl_->basePayload();
  payload.set("recordUid", record.uid);
  std::string plain = toJson(*record.data);  // the record's secrets in clear text: wiped right after encryption
  payload.set("data", base64::encode(crypto::aesGcmEncrypt(record.recordKey.reveal(), plain)));
  json::wipe(plain);
  payload.set("revision", Value(record.revision));
  if (!transactionType.empty()) payload.set("transactionType", transactionType);
  impl_->post("update_secret", compact(std::move(payload)), record.uid);
}

void Client::finalizeUpdate(const std::string& recordUid) {
  Object payload = impl_->basePayload();
  payload.set("recordUid", recordUid);
  impl_->post("finalize_secret_update", compact(std::move(payload)), recordUid);
}

void Client::rollbackUpdate(const std::string& recordUid) {
  Object payload = impl_->basePayload();
  payload.set("recordUid", recordUid);
  impl_->post("rollback_secret_update", compact(std::move(payload)), recordUid);
}

}  // namespace keeper_rotate::ksm
