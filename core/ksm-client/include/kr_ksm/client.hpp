// Keeper Secrets Manager client: the wire protocol of docs/ksm-protocol.md §3–§8 over the strict
// keeper_rotate::https client. Every request gets a fresh transmission key wrapped (ECIES) for the server key,
// an AES-256-GCM body and an ECDSA signature by the device key. Server key redirects ({"error":"key"}) and
// throttling (403 {"error":"throttled"}) are retried, bounded; every other error becomes a KsmError naming the
// endpoint, the record uid and the server's error code. A permanent transport error (untrusted certificate, wrong
// host name, unknown host, proxy refusal: https::TransportError::permanent()) is never retried: it is a
// KsmError::Kind::Config with the https code ("tls.certificate", "net.unknown_host", "proxy.refused", ...).
#pragma once

#include "kr_ksm/config.hpp"
#include "kr_ksm/record.hpp"

#include <keeper_rotate/https_client.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace keeper_rotate::ksm {

/// The clientVersion sent with every request. The backend only accepts versions of registered SDKs and no C++
/// prefix exists, so we present ourselves as the Python SDK (whose wire format we follow: standard base64, null
/// keys tolerated) — the same client Keeper's reference rotation script uses on the Gateway. Overridable with
/// KEEPER_ROTATE_KSM_CLIENT_VERSION or ClientOptions::clientVersion.
constexpr const char* kDefaultClientVersion = "mp17.3.0";
std::string defaultClientVersion();

struct ClientOptions {
  std::string clientVersion;  ///< empty: defaultClientVersion()
  https::Options https;
  int maxKeyRedirects = 3;     ///< {"error":"key"} answers followed per request
  int maxThrottleRetries = 5;  ///< 403 throttled answers retried per request
  /// Wait when the server gives no retry_after: base · 2^attempt (±25 % jitter), capped by maxThrottleWait.
  std::chrono::milliseconds throttleBaseDelay{11000};
  std::chrono::milliseconds maxThrottleWait{std::chrono::seconds(180)};
  /// Network errors on reads (get_secret) are retried this often after transportRetryDelay; writes never, and
  /// permanent ones (https::TransportError::permanent()) never at all.
  int maxTransportRetries = 1;
  std::chrono::milliseconds transportRetryDelay{std::chrono::seconds(1)};
  /// Diagnostic lines (never secret): key redirects, throttling waits.
  std::function<void(const std::string&)> log;
  /// Send over this HTTPS client (not owned; it must outlive the Client) instead of one of its own: the host passes
  /// the one it shares with the plugins. Its trust and proxy settings apply; the timeouts of `https` still do.
  https::Client* sharedHttp = nullptr;
};

struct SecretsResult {
  std::vector<Record> records;
  /// Records the server listed but that could not be decrypted, uid -> reason (no secret in it).
  std::map<std::string, std::string> undecryptable;
  std::string appTitle;
  std::vector<std::string> warnings;
};

class Client {
 public:
  explicit Client(Config config, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// get_secret. Empty `recordUids`: every record shared with the application. While the config is not yet bound
  /// (clientKey, no appKey) this performs the binding and updates config().
  SecretsResult getSecrets(const std::vector<std::string>& recordUids = {});
  /// One record (direct or in a shared folder). Throws KsmError(NotFound) when it is not shared with the app.
  Record getRecord(const std::string& uid);
  /// update_secret with the record's revision. `transactionType` empty: immediate save; "rotation"/"general":
  /// staged until finalizeUpdate/rollbackUpdate.
  void updateRecord(const Record& record, const std::string& transactionType = {});
  void finalizeUpdate(const std::string& recordUid);
  void rollbackUpdate(const std::string& recordUid);

  const Config& config() const;
  /// The key id currently in use (changes after a server redirect).
  int serverPublicKeyId() const;
  const std::string& clientVersion() const;

  /// Encrypt, sign and POST one request; returns the decrypted response body (empty for write endpoints).
  /// `recordUid` only labels error messages.
  Secret post(const std::string& endpoint, const std::string& payloadJson, const std::string& recordUid = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A one-time access token split into its parts: [REGION|HOST:]TOKEN or IL5:TOKEN:KEYID:SERVERKEY.
struct ParsedToken {
  std::string hostname;  ///< from the prefix; empty when the token had none
  Secret clientKey;      ///< 32 bytes
  int serverPublicKeyId = 0;
  std::string serverPublicKey;  ///< raw 65-byte point (four-part form only)
};
ParsedToken parseToken(std::string_view token);

/// clientId = standard base64 of HMAC-SHA512(clientKey, "KEEPER_SECRETS_MANAGER_CLIENT_ID").
std::string deriveClientId(std::string_view clientKey);

/// A one-time access token as options carry it: a Secret (zeroed when done, never printable) that plain text can
/// be assigned to. Assigning copies the text in; the caller wipes its own copy.
class TokenText : public Secret {
 public:
  TokenText() = default;
  TokenText& operator=(std::string_view text) {
    Secret::operator=(Secret(text));
    return *this;
  }
  TokenText& operator=(Secret&& value) noexcept {
    Secret::operator=(std::move(value));
    return *this;
  }
};

struct BindOptions {
  TokenText token;               ///< [REGION:]TOKEN
  std::string hostname;          ///< overrides the token's region/host; required for a bare token
  int serverPublicKeyId = 0;     ///< pin (with serverPublicKey) or just select a built-in key id
  std::string serverPublicKey;   ///< raw 65-byte point; empty: built-in table
  ClientOptions client;
};

/// Bind a one-time token: generate the device key, register it, unwrap the app key, query once more as the SDKs
/// do. Returns the bound configuration (appKey set, clientKey gone).
Config bindToken(const BindOptions& options);

}  // namespace keeper_rotate::ksm
