// Internals shared by the fake's source files. Not part of the fake's public interface.
#pragma once

#include "fake_aws.hpp"
#include "test_ca.hpp"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

namespace keeper_rotate::fake_aws {

inline constexpr const char* kIamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/";
inline constexpr const char* kStsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/";
inline constexpr const char* kIamVersion = "2010-05-08";
inline constexpr const char* kStsVersion = "2011-06-15";

/// A fully built response; handlers return one so a fault can still replace it after the operation happened.
struct Reply {
  int status = 200;
  Headers headers;
  std::string body;
  std::string errorCode;  ///< the ErrorResponse Code, for the request log
};

/// What the server knows about an incoming request (body read once, parameters decoded).
struct Incoming {
  std::string method;
  std::string path;      ///< raw path as sent
  std::string rawQuery;  ///< raw query string without '?'
  Headers headers;
  std::string body;
  std::map<std::string, std::string> params;  ///< query parameters, then form body parameters
  std::string header(const std::string& name) const;  ///< case-insensitive; "" if absent
  bool hasHeader(const std::string& name) const;
  std::string param(const std::string& name) const;   ///< "" if absent
  bool hasParam(const std::string& name) const;
};

/// A temporary session (AssumeRole or the instance role).
struct Session {
  SessionCredentials credentials;
  std::string roleName;
  std::string sessionName;
  std::chrono::system_clock::time_point expires;
};

/// Who signed a request, once authenticated.
struct Principal {
  std::string accessKeyId;
  std::string userName;  ///< IAM user, or "" for a role session
  std::string roleName;  ///< role session: the role
  std::string sessionName;
  std::string arn;
  std::string userId;    ///< GetCallerIdentity UserId
};

/// Why a request was answered with an error, in AWS's terms.
struct AwsError {
  int status;
  std::string code;
  std::string message;
};

struct FakeAws::Impl {
  Impl(const testsupport::TestCa& ca, std::uint16_t port, std::uint16_t imdsPort);
  ~Impl();

  mutable std::mutex mutex;  // guards everything below
  Account account;
  Consistency consistency;
  InstanceProfile instanceProfile;
  std::chrono::seconds clockSkewLimit{300};
  std::vector<Fault> faults;
  std::size_t faultsApplied = 0;
  std::vector<LoggedRequest> log;
  std::size_t mutationCount = 0;
  std::map<std::string, Session> sessions;  ///< by ASIA key id
  std::map<std::string, std::chrono::steady_clock::time_point> imdsTokens;  ///< token -> expiry
  std::string instanceSessionKeyId;  ///< the session IMDS currently hands out
  std::function<void(const std::string&)> logSink;

  /// One Poco HTTP server on 127.0.0.1, with TLS (IAM/STS) or without (IMDS).
  struct Server;
  std::unique_ptr<Server> server;
  std::unique_ptr<Server> imds;

  // Handlers run on Poco's threads and stopping a server does not wait for them: stop() waits until none is left
  // inside a handler, so the state they use outlives them. Fault delays and IMDS hangs end early when stopping.
  std::mutex lifeMutex;
  std::condition_variable lifeChanged;
  int inFlight = 0;
  bool stopping = false;
  void waitForHandlers();
  void interruptibleDelay(std::chrono::milliseconds delay);

  // ---- account helpers (mutex held) ----
  User* findUser(const std::string& name);
  Role* findRole(const std::string& name);
  /// The user owning a long-term key, or nullptr.
  User* ownerOfKey(const std::string& accessKeyId, AccessKey** keyOut = nullptr);
  void normalise(User& user);
  void normalise(Role& role);
  AccessKey newKey(const std::string& status);  ///< fresh id/secret/date, consistency not applied
  std::string userArn(const User& user) const;
  std::string roleArn(const Role& role) const;
  Session& startSession(const Role& role, const std::string& sessionName, std::chrono::seconds duration);
  void record(const LoggedRequest& entry);

  // ---- query API (query_api.cpp; mutex held) ----
  /// Authenticate the request (SigV4, key, token, consistency, skew); on success fills `who`.
  std::optional<AwsError> authenticate(const Incoming& in, const std::string& service, const std::string& region,
                                       Principal& who, LoggedRequest& entry);
  Reply iam(const Incoming& in, const Principal& who, const std::string& action, LoggedRequest& entry);
  Reply sts(const Incoming& in, const Principal& who, const std::string& region, const std::string& action);

  // ---- admin API (seed_and_admin.cpp; mutex held) ----
  Reply admin(const Incoming& in);
  void applySeed(const std::string& json);
  std::string stateJsonLocked() const;

  // ---- IMDS (imds.cpp) ----
  void handleImds(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

  // ---- HTTPS entry point (fake_aws.cpp) ----
  void handleQuery(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
};

/// Counts a handler as running for FakeAws::stop() (see Impl::waitForHandlers).
class InFlight {
 public:
  explicit InFlight(FakeAws::Impl& impl);
  ~InFlight();
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  FakeAws::Impl& impl_;
};

// ---- formats.cpp: renderings as AWS produces them ----
std::string newRequestId();                       ///< lower-case UUID v4
std::string newKeyId(const std::string& prefix);  ///< prefix + 16 of [A-Z0-9]
std::string newUniqueId(const std::string& prefix);  ///< prefix + 17 of [A-Z0-9] (AIDA..., AROA...)
std::string newSecretKey();                       ///< 40 of [A-Za-z0-9/+]
std::string newSessionToken();                    ///< long base64 text with '/', '+' and '='
std::string newImdsToken();
/// 2026-12-02T10:11:12Z
std::string isoTime(std::chrono::system_clock::time_point t);
/// RFC 7231 date for the Date header.
std::string httpDate(std::chrono::system_clock::time_point t);
/// Parse "YYYYMMDDTHHMMSSZ"; false if malformed.
bool parseAmzDate(const std::string& text, std::chrono::system_clock::time_point& out);
/// Character data: &, < and > escaped (quotes need no escaping in text, and IAM leaves them as they are).
std::string xmlEscape(const std::string& text);
/// One element with escaped text.
std::string element(const std::string& name, const std::string& text);
/// <ActionResponse xmlns=...><ActionResult>result</ActionResult><ResponseMetadata>...</ResponseMetadata></...>;
/// no Result element when `result` is nullopt (UpdateAccessKey, DeleteAccessKey).
Reply resultReply(const std::string& xmlns, const std::string& action, const std::optional<std::string>& result);
/// <ErrorResponse xmlns=...><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>
Reply errorReply(const std::string& xmlns, int status, const std::string& code, const std::string& message);
/// application/x-www-form-urlencoded (and query string) decoding into `out`; later values do not replace earlier.
void parseForm(const std::string& text, std::map<std::string, std::string>& out);
std::string jsonText(const std::string& value);  ///< a JSON string literal
/// Close the connection under the request without any response (Poco ends the exchange when a handler throws).
[[noreturn]] void dropConnection(Poco::Net::HTTPServerRequest& request);
/// Write a reply to the response.
void send(Poco::Net::HTTPServerResponse& response, const Reply& reply);

}  // namespace keeper_rotate::fake_aws
