#include "kr_azure/graph_client.hpp"

#include <keeper_rotate/json.hpp>

#include <string.h>  // explicit_bzero

namespace kr_azure {

namespace https = keeper_rotate::https;
namespace js = keeper_rotate::json;

GraphError::GraphError(int s, std::string c, std::string m, std::string r, int a)
    : std::runtime_error("Graph HTTP " + std::to_string(s) + " " + c + ": " + m), status(s), code(std::move(c)),
      graphMessage(std::move(m)), requestId(std::move(r)), attempts(a) {}

namespace {

struct ParsedError {
  std::string code, message;
};

ParsedError parseError(const https::Response& res) {
  ParsedError e{"HTTP" + std::to_string(res.status), res.reason};
  try {
    const js::Value root = js::parse(res.body);
    if (const js::Object* err = root.isObject() ? root.object().findObject("error") : nullptr) {
      if (const std::string* code = err->findString("code")) e.code = *code;
      if (const std::string* message = err->findString("message")) e.message = *message;
    }
  } catch (const std::exception&) {
  }
  return e;
}

bool contains(const std::string& text, const char* needle) { return text.find(needle) != std::string::npos; }

/// A member as text (strings as they are, numbers and booleans as written); empty when absent, null or not a scalar.
std::string str(const js::Object& o, const char* key) {
  const js::Value* v = o.find(key);
  return v != nullptr ? js::text(*v).value_or(std::string()) : std::string();
}

AppInfo parseApp(const js::Object& o) {
  AppInfo app;
  app.id = str(o, "id");
  app.appId = str(o, "appId");
  app.displayName = str(o, "displayName");
  app.signInAudience = str(o, "signInAudience");
  if (const js::Array* creds = o.findArray("passwordCredentials"))
    for (const js::Value& item : *creds) {
      if (!item.isObject()) continue;
      const js::Object& c = item.object();
      app.passwords.push_back({str(c, "keyId"), str(c, "displayName"), str(c, "hint"), str(c, "endDateTime")});
    }
  return app;
}

/// The body as a JSON object; throws (json::ParseError, json::TypeError) for anything else.
js::Value parseObject(const https::Response& res) {
  js::Value root = js::parse(res.body);
  if (!root.isObject()) throw js::TypeError(std::string("expected an object, found ") + root.typeName());
  return root;
}

/// A 2xx answer read with `read`; a body that is not the JSON Graph documents (a proxy's HTML page, a wrong shape)
/// is a GraphError naming the request, never a JSON library exception.
template <class Read>
auto readAnswer(const https::Response& res, const std::string& what, Read&& read) -> decltype(read()) {
  try {
    return read();
  } catch (const std::exception& e) {
    throw GraphError(res.status, "InvalidResponse",
                     what + " answered HTTP " + std::to_string(res.status) +
                         " with a body that is not the JSON Microsoft Graph returns (" + e.what() +
                         "); is azure_graph_endpoint a Microsoft Graph endpoint, or is a proxy answering?",
                     "", 1);
  }
}

/// The bearer token is a credential too: zero the header copy once the request is sent.
void wipeAuthorization(https::Request& req) {
  for (auto& [name, value] : req.headers)
    if (name == "Authorization") explicit_bzero(value.data(), value.size());
}

const char* kSelect = "$select=id,appId,displayName,signInAudience,passwordCredentials";

}  // namespace

GraphClient::GraphClient(https::Client& http, std::string graphRoot, TokenSource tokens, RetryPolicy policy,
                         Sleeper sleeper, Logger log)
    : http_(http), root_(std::move(graphRoot)), tokens_(std::move(tokens)), policy_(policy),
      sleeper_(std::move(sleeper)), log_(std::move(log)) {}

https::Response GraphClient::call(const std::string& method, const std::string& pathAndQuery, const std::string& body,
                                  Kind kind) {
  RetryBudget budget(policy_, sleeper_);
  bool refreshed = false;
  for (;;) {
    https::Request req(method, root_ + "/v1.0" + pathAndQuery);
    std::string authorization = "Bearer ";
    authorization += tokens_(false).reveal();
    req.headers = {{"Authorization", std::move(authorization)}, {"Accept", "application/json"}};
    if (!body.empty()) {
      req.headers.emplace_back("Content-Type", "application/json");
      req.body = body;
    }
    if (budget.attempts() > 1) req.headers.emplace_back("retry-attempt", std::to_string(budget.attempts() - 1));
    https::Response res;
    ++requests_;
    try {
      res = http_.send(req);
      wipeAuthorization(req);
    } catch (const https::TransportError& e) {
      wipeAuthorization(req);
      // Raised before the request was sent (so even addPassword did not happen) and the same on every attempt:
      // the caller reports it at once (secret_lifecycle.cpp).
      if (e.permanent()) throw;
      // A write whose request may have reached Graph must not be repeated blindly.
      if (kind == Kind::Add) throw AddOutcomeUnknown(std::string("connection failed during addPassword: ") + e.what());
      log_("Graph " + method + " " + pathAndQuery + ": " + e.what() + "; retrying");
      if (!budget.waitBeforeRetry(std::nullopt))
        throw GraphUnreachable("Microsoft Graph " + method + " " + pathAndQuery + " failed after " +
                               std::to_string(budget.attempts()) + " attempts: " + e.what());
      continue;
    }
    if (res.status >= 200 && res.status < 300) {
      if (kind != Kind::Read) wroteThisRun_ = true;
      return res;
    }
    const ParsedError err = parseError(res);
    const std::string requestId = res.header("request-id").value_or("");
    if (res.status == 401 && err.code == "InvalidAuthenticationToken" && !refreshed) {
      refreshed = true;  // the cached token expired or was revoked: one fresh token, not counted as an attempt
      tokens_(true);
      continue;
    }
    if (kind == Kind::Add && (res.status >= 500 || res.status == 408))
      throw AddOutcomeUnknown("addPassword answered HTTP " + std::to_string(res.status) + " " + err.code);
    const bool retryable = res.status == 429 || res.status == 503 || res.status == 504 || res.status == 409 ||
                           (res.status == 400 && contains(err.message, "concurrent")) ||
                           (res.status == 404 && wroteThisRun_) ||
                           (kind != Kind::Add && (res.status == 500 || res.status == 502));
    if (!retryable) throw GraphError(res.status, err.code, err.message, requestId, budget.attempts());
    const auto retryAfter = parseRetryAfter(res.header("Retry-After"));
    log_("Graph " + method + " " + pathAndQuery + ": HTTP " + std::to_string(res.status) + " " + err.code +
         "; retrying (attempt " + std::to_string(budget.attempts() + 1) + ")");
    if (!budget.waitBeforeRetry(retryAfter)) throw GraphError(res.status, err.code, err.message, requestId, budget.attempts());
  }
}

std::optional<AppInfo> GraphClient::getById(const std::string& objectId) {
  try {
    auto res = call("GET", "/applications/" + objectId + "?" + kSelect, "", Kind::Read);
    return readAnswer(res, "GET /applications/" + objectId, [&] { return parseApp(parseObject(res).object()); });
  } catch (const GraphError& e) {
    if (e.status == 404) return std::nullopt;
    throw;
  }
}

std::vector<AppInfo> GraphClient::findByAppId(const std::string& appId) {
  auto res = call("GET", "/applications?$filter=appId%20eq%20'" + appId + "'&" + kSelect, "", Kind::Read);
  return readAnswer(res, "GET /applications?$filter=appId eq '" + appId + "'", [&] {
    std::vector<AppInfo> apps;
    const js::Value root = parseObject(res);
    if (const js::Array* value = root.object().findArray("value"))
      for (const js::Value& item : *value)
        if (item.isObject()) apps.push_back(parseApp(item.object()));
    return apps;
  });
}

NewPassword GraphClient::addPassword(const std::string& objectId, const std::string& displayName,
                                     const std::string& endDateTime) {
  const js::Value request =
      js::Object{{"passwordCredential", js::Object{{"displayName", displayName}, {"endDateTime", endDateTime}}}};
  auto res = call("POST", "/applications/" + objectId + "/addPassword", js::stringify(request), Kind::Add);
  js::Value answer;  // holds the new secret: zeroed when it goes
  try {
    answer = parseObject(res);
  } catch (const std::exception&) {
    // Graph did add the secret (2xx) but we cannot read it: same as not knowing the outcome.
    throw AddOutcomeUnknown("addPassword answered HTTP " + std::to_string(res.status) + " with an unreadable body");
  }
  const js::Object& o = answer.object();
  NewPassword p;
  p.keyId = str(o, "keyId");
  p.displayName = str(o, "displayName");
  p.endDateTime = str(o, "endDateTime");
  if (const std::string* secret = o.findString("secretText")) p.secret = keeper_rotate::Secret(*secret);
  if (p.keyId.empty() || p.secret.empty())
    throw AddOutcomeUnknown("addPassword answered HTTP " + std::to_string(res.status) + " without keyId/secretText");
  return p;
}

GraphClient::Removed GraphClient::removePassword(const std::string& objectId, const std::string& keyId) {
  const std::string body = js::stringify(js::Object{{"keyId", keyId}});
  try {
    call("POST", "/applications/" + objectId + "/removePassword", body, Kind::Remove);
    return Removed::Now;
  } catch (const GraphError& e) {
    // Every peer treats this as "already gone"; some fakes answer 404 instead (docs/azure-graph.md §3.4).
    if (contains(e.graphMessage, "No password credential found")) return Removed::AlreadyGone;
    throw;
  }
}

}  // namespace kr_azure
