// Internals shared by the fake's endpoint files. Not part of the fake's public interface.
#pragma once

#include "fake_entra.hpp"
#include "https_server.hpp"

#include <Poco/JSON/Object.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

namespace keeper_rotate::fake_entra {

/// A fully built response; endpoints return one so a fault can still discard it after the operation happened.
struct Reply {
  int status = 200;
  Headers headers;
  std::string body;
};

/// What the server knows about an incoming request (the body read once, the path decoded).
struct Incoming {
  std::string method;
  std::string path;
  std::string query;
  std::map<std::string, std::string> queryParams;
  Headers headers;
  std::string body;
  std::string header(const std::string& name) const;  // case-insensitive, "" if absent
};

struct TokenInfo {
  std::string tenantId;
  std::string appId;
  std::string audience;
  std::chrono::system_clock::time_point expires;
};

struct FakeEntra::Impl {
  explicit Impl(const testsupport::TestCa& ca, std::uint16_t port);

  mutable std::mutex mutex;  // guards everything below
  std::vector<Tenant> tenants;
  Propagation propagation;
  std::vector<Fault> faults;
  std::size_t faultsApplied = 0;
  std::vector<LoggedRequest> log;
  std::map<std::string, TokenInfo> tokens;
  std::unique_ptr<testsupport::HttpsServer> server;

  // Handlers run on Poco's threads, and stopping the server does not wait for them: stop() waits until none is
  // left inside handle(), so the state they use outlives them. Fault delays end early when stopping.
  std::mutex lifeMutex;
  std::condition_variable lifeChanged;
  int inFlight = 0;
  bool stopping = false;
  void waitForHandlers();
  /// Sleep up to `delay`; returns early when the server is stopping.
  void interruptibleDelay(std::chrono::milliseconds delay);

  std::string baseUrl() const;

  Tenant* findTenant(const std::string& idOrDomain);
  Application* findAppByAppId(Tenant& tenant, const std::string& appId);
  Application* findAppById(Tenant& tenant, const std::string& objectId);

  // Endpoints (mutex held by the caller).
  Reply token(const Incoming& in, const std::string& tenantSegment, std::string& clientIdOut);
  Reply openIdConfiguration(const std::string& tenantSegment);
  Reply graph(const Incoming& in);
  Reply admin(const Incoming& in);

  // Shared by seeding and by addPassword.
  PasswordCredential newPassword(const std::optional<std::string>& displayName,
                                 std::chrono::system_clock::time_point start, std::chrono::system_clock::time_point end,
                                 const std::string& endText);
  void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
};

// ---- formats.cpp: the exact renderings real Entra ID / Graph use ----
std::string newGuid();
std::string newSecretText();  ///< 3 chars + "8Q~" + 34 chars of [A-Za-z0-9-._~]
/// 2026-11-26T01:02:03.1234567Z (7 fractional digits, as Graph renders server-chosen times).
std::string graphTime(std::chrono::system_clock::time_point t);
/// 2026-11-26T01:02:03 (Graph innerError.date: no zone, no fraction).
std::string innerErrorDate(std::chrono::system_clock::time_point t);
/// 2026-11-26 01:02:03Z (token endpoint `timestamp`).
std::string tokenTimestamp(std::chrono::system_clock::time_point t);
/// Parse ISO-8601 UTC with 0-7 fractional digits and `Z`; false if malformed.
bool parseGraphTime(const std::string& text, std::chrono::system_clock::time_point& out);
bool isGuid(const std::string& text);
std::string toJson(const Poco::JSON::Object& object);
/// Graph error body (docs/azure-graph.md §3.5) with Graph's standard headers.
Reply graphError(int status, const std::string& code, const std::string& message, const Incoming& in,
                 const std::string& detailsTarget = "");
/// Standard Graph response headers (request-id, client-request-id echo, x-ms-ags-diagnostic, content type).
Headers graphHeaders(const Incoming& in);
/// Token endpoint error body (docs/azure-graph.md §2.3).
Reply tokenError(int status, const std::string& error, int aadsts, const std::string& text);
Headers tokenHeaders();

}  // namespace keeper_rotate::fake_entra
