#include "kr_azure/token_client.hpp"

#include <stdexcept>

#include <keeper_rotate/json.hpp>

#include <algorithm>
#include <string.h>  // explicit_bzero

namespace kr_azure {

namespace https = keeper_rotate::https;
namespace js = keeper_rotate::json;

namespace {

// A count or code Entra writes as a JSON number, and some of its endpoints as a string of digits.
long long integerOf(const js::Value& v) {
  if (v.isNumber()) return v.int64();
  if (v.isString()) return std::stoll(v.string());
  throw js::TypeError(std::string("expected an integer, found ") + v.typeName());
}

std::string stringOr(const js::Object& o, const char* key, const char* fallback) {
  const std::string* v = o.findString(key);
  return v != nullptr ? *v : std::string(fallback);
}

}  // namespace

bool TokenResult::hasCode(long long code) const { return std::find(codes.begin(), codes.end(), code) != codes.end(); }

TokenResult TokenClient::once(const std::string& tenant, const std::string& clientId,
                              const keeper_rotate::Secret& secret) {
  TokenResult result;
  https::Request req("POST", endpoints_.tokenUrl(tenant));
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  // Appended in place so no temporary string holds the secret; Request zeroes its body on destruction.
  req.body = "grant_type=client_credentials&client_id=" + https::formEncode(clientId) +
             "&scope=" + https::formEncode(endpoints_.scope()) + "&client_secret=";
  std::string encoded = https::formEncode(secret.reveal());
  req.body.reserve(req.body.size() + encoded.size());
  req.body += encoded;
  explicit_bzero(encoded.data(), encoded.size());
  https::Response res;
  try {
    res = http_.send(req);
  } catch (const https::TransportError& e) {
    // Certificate, host name, unknown host, proxy refusal: no retry (and no proof attempt) can fix it, so it is
    // not a TokenResult to retry but an error for the caller to report (secret_lifecycle.cpp).
    if (e.permanent()) throw;
    result.error = e.what();
    return result;
  }
  result.httpStatus = res.status;
  js::Value document;
  try {
    document = js::parse(res.body);
    if (!document.isObject()) throw js::TypeError("not an object");
  } catch (const std::exception&) {
    result.error = "unreadable response (HTTP " + std::to_string(res.status) + ", not JSON)";
    return result;
  }
  const js::Object& body = document.object();
  // Every failure, also a body of the wrong shape (a null token, a non-numeric expires_in or error code), is reported
  // in the result: callers decide about retries from it, and no JSON library exception may escape.
  try {
    if (res.status == 200 && body.has("access_token")) {
      const std::string* token = body.findString("access_token");
      if (token == nullptr || token->empty()) throw std::invalid_argument("access_token is not a string");
      long long expiresIn = 3600;
      if (const js::Value* v = body.find("expires_in")) expiresIn = integerOf(*v);
      if (expiresIn <= 0 || expiresIn > 7 * 24 * 3600) throw std::out_of_range("expires_in out of range");
      result.accessToken = keeper_rotate::Secret(*token);
      result.expiresIn = std::chrono::seconds(expiresIn);
      result.ok = true;
      return result;  // the document (and the token's copy in it) is zeroed as it goes
    }
    result.error = stringOr(body, "error", "unknown_error");
    if (const js::Array* codes = body.findArray("error_codes"))
      for (const js::Value& code : *codes) result.codes.push_back(integerOf(code));
    std::string description = stringOr(body, "error_description", "");
    result.description = description.substr(0, description.find_first_of("\r\n"));
  } catch (const std::exception& e) {
    result.ok = false;
    result.accessToken.clear();
    result.codes.clear();
    result.error = "unreadable response (HTTP " + std::to_string(res.status) + ", unexpected JSON: " + e.what() + ")";
  }
  return result;
}

TokenResult TokenClient::request(const std::string& tenant, const std::string& clientId,
                                 const keeper_rotate::Secret& secret, bool retryTransient) {
  RetryBudget budget(policy_, sleeper_);
  for (;;) {
    TokenResult r = once(tenant, clientId, secret);
    const bool transient = !r.ok && (r.httpStatus == 0 || r.httpStatus == 429 || r.httpStatus >= 500 ||
                                     r.error == "temporarily_unavailable");
    if (r.ok || !transient || !retryTransient || !budget.waitBeforeRetry(std::nullopt)) return r;
  }
}

std::string summarizeTokenFailure(const TokenResult& r) {
  if (r.httpStatus == 0) return "no answer from the token endpoint: " + r.error;
  std::string s = "HTTP " + std::to_string(r.httpStatus) + " " + r.error;
  for (auto c : r.codes) s += " AADSTS" + std::to_string(c);
  return s;
}

keeper_rotate::Error explainTokenFailure(const TokenResult& r, const std::string& tenant, const std::string& clientId,
                                         const Endpoints& endpoints) {
  const std::string where = " (token endpoint " + endpoints.tokenUrl(tenant) + ")";
  const std::string detail = r.description.empty() ? "" : " Entra ID said: " + r.description;
  if (r.httpStatus == 0)
    return keeper_rotate::failure("token.unreachable", "Could not reach the Entra ID token endpoint" + where + ": " +
                                                           r.error + ". Check network access, HTTPS_PROXY/NO_PROXY "
                                                           "and azure_authority_host.");
  if (r.hasCode(7000215))
    return keeper_rotate::configError(
        "token.AADSTS7000215",
        "Entra ID rejected the admin credential's client_secret for client id " + clientId +
            " (AADSTS7000215 invalid client secret). Make sure the admin credential holds the secret VALUE "
            "(shown only once, when the secret was created), not the secret ID (a GUID), and that the secret "
            "belongs to this client id." + where);
  if (r.hasCode(7000222))
    return keeper_rotate::configError("token.AADSTS7000222",
                                      "The admin credential's client_secret for client id " + clientId +
                                          " has expired (AADSTS7000222). Create a new secret for the admin app and "
                                          "update the admin credential." + where);
  if (r.hasCode(700016))
    return keeper_rotate::configError(
        "token.AADSTS700016",
        "Application (client) id " + clientId + " was not found in tenant " + tenant +
            " (AADSTS700016). Check the admin credential's client_id (the Application (client) ID, not the object "
            "id) and tenant_id, and that the app is registered in that tenant." + where);
  if (r.hasCode(90002))
    return keeper_rotate::configError(
        "token.AADSTS90002",
        "Tenant " + tenant + " was not found at " + endpoints.authority +
            " (AADSTS90002). Check tenant_id, and azure_cloud: a GCC High tenant needs 'usgov', DoD 'usgov-dod', "
            "21Vianet 'china'; GCC (moderate) tenants use 'public'." + where);
  if (r.hasCode(900023))
    return keeper_rotate::configError("token.AADSTS900023", "tenant_id '" + tenant +
                                                                "' is neither a tenant GUID nor a domain name "
                                                                "(AADSTS900023)." + where);
  if (r.hasCode(70011) || r.hasCode(700022) || r.hasCode(500011))
    return keeper_rotate::configError(
        "token.scope", "Entra ID rejected the scope " + endpoints.scope() + " (" + summarizeTokenFailure(r) +
                           "). azure_graph_endpoint must be the Graph root of the same cloud as the authority, e.g. "
                           "https://graph.microsoft.com with https://login.microsoftonline.com." + detail + where);
  if (r.error == "invalid_client" || r.error == "unauthorized_client")
    return keeper_rotate::configError("token." + r.error, "Entra ID rejected the admin credential for client id " +
                                                              clientId + " (" + summarizeTokenFailure(r) + ")." +
                                                              detail + where);
  return keeper_rotate::failure("token.failed", "Token request for client id " + clientId + " failed (" +
                                                    summarizeTokenFailure(r) + ")." + detail + where);
}

}  // namespace kr_azure
