// POST /{tenant}/oauth2/v2.0/token (client credentials with a shared secret) and the OpenID configuration
// document MSAL reads for an authority it does not know (docs/azure-graph.md §2, §10).
#include "fake_entra_impl.hpp"

#include <keeper_rotate/text.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/URI.h>

#include <algorithm>
#include <sstream>

namespace keeper_rotate::fake_entra {
namespace {

std::string formDecode(std::string s) {
  std::replace(s.begin(), s.end(), '+', ' ');
  std::string out;
  Poco::URI::decode(s, out);
  return out;
}

std::map<std::string, std::string> parseForm(const std::string& body) {
  std::map<std::string, std::string> form;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    const std::size_t amp = std::min(body.find('&', pos), body.size());
    const std::string pair = body.substr(pos, amp - pos);
    const std::size_t eq = pair.find('=');
    if (!pair.empty()) form[formDecode(pair.substr(0, eq))] = eq == std::string::npos ? "" : formDecode(pair.substr(eq + 1));
    pos = amp + 1;
  }
  return form;
}

std::string base64Url(const std::string& raw) { return keeper_rotate::text::encodeBase64(raw, true, false); }

bool looksLikeTenant(const std::string& t) {
  if (isGuid(t)) return true;
  if (t.empty() || t.size() > 253 || t.find('.') == std::string::npos) return false;
  return std::all_of(t.begin(), t.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-'; });
}

}  // namespace

Reply FakeEntra::Impl::token(const Incoming& in, const std::string& tenantSegment, std::string& clientIdOut) {
  const auto now = std::chrono::system_clock::now();
  if (in.method != "POST")
    return tokenError(405, "invalid_request", 900561, "The endpoint only accepts POST requests. Received a " + in.method + " request.");
  const std::string contentType = in.header("Content-Type");
  if (contentType.rfind("application/x-www-form-urlencoded", 0) != 0)
    return tokenError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.");
  auto form = parseForm(in.body);

  // RFC 6749 §2.3.1 client_secret_basic, accepted as well as the form fields.
  const std::string auth = in.header("Authorization");
  if (auth.rfind("Basic ", 0) == 0) {
    const std::string pair = keeper_rotate::text::decodeBase64(auth.substr(6)).value_or("");
    const std::size_t colon = pair.find(':');
    if (colon != std::string::npos) {
      form["client_id"] = formDecode(pair.substr(0, colon));
      form["client_secret"] = formDecode(pair.substr(colon + 1));
    }
  }
  if (form["grant_type"].empty())
    return tokenError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.");
  if (form["grant_type"] != "client_credentials")
    return tokenError(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '" + form["grant_type"] + "'.");
  if (!looksLikeTenant(tenantSegment))
    return tokenError(400, "invalid_request", 900023, "Specified tenant identifier '" + tenantSegment + "' is neither a valid DNS name, nor a valid external domain.");
  Tenant* tenant = findTenant(tenantSegment);
  if (tenant == nullptr)
    return tokenError(400, "invalid_tenant", 90002,
                      "Tenant '" + tenantSegment + "' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.");
  const std::string clientId = form["client_id"];
  clientIdOut = clientId;
  if (clientId.empty())
    return tokenError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.");
  const std::string scope = form["scope"];
  if (scope.empty())
    return tokenError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.");
  Application* app = findAppByAppId(*tenant, clientId);
  if (app == nullptr)
    return tokenError(400, "unauthorized_client", 700016,
                      "Application with identifier '" + clientId + "' was not found in the directory '" + tenantSegment + "'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.");
  const auto secretIt = form.find("client_secret");
  if (secretIt == form.end() || secretIt->second.empty())
    return tokenError(400, "invalid_request", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");

  // Scope: exactly one resource, "/.default" (client credentials allow nothing else).
  if (scope.find(' ') != std::string::npos)
    return tokenError(400, "invalid_scope", 700022, "The provided value for the input parameter scope is not valid because it contains more than one resource. Scope " + scope + " is not valid.");
  const std::string suffix = "/.default";
  if (scope.size() <= suffix.size() || scope.compare(scope.size() - suffix.size(), suffix.size(), suffix) != 0)
    return tokenError(400, "invalid_scope", 70011, "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope " + scope + " is not valid. The scope format is invalid. Scope must be in a valid URI form <https://example/scope> or a valid Guid <guid/scope>.");
  std::string resource = scope.substr(0, scope.size() - suffix.size());
  if (!resource.empty() && resource.back() == '/') resource.pop_back();
  const std::vector<std::string> known = {baseUrl(), "https://graph.microsoft.com", "https://graph.microsoft.us",
                                          "https://dod-graph.microsoft.us", "https://microsoftgraph.chinacloudapi.cn"};
  if (std::find(known.begin(), known.end(), resource) == known.end())
    return tokenError(400, "invalid_resource", 500011,
                      "The resource principal named " + resource + " was not found in the tenant named " + tenant->id + ". This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.");

  PasswordCredential* match = nullptr;
  for (auto& p : app->passwords)
    if (p.secretText == secretIt->second) match = &p;
  const std::string invalidSecret =
      "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + clientId + "'.";
  if (match == nullptr) return tokenError(401, "invalid_client", 7000215, invalidSecret);
  if (now >= match->expires)
    return tokenError(401, "invalid_client", 7000222,
                      "The provided client secret keys for app '" + clientId + "' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.");
  // Propagation: a new secret is unknown to the replica that answers, exactly like a wrong secret.
  const bool tooYoung = now - match->created < propagation.delay;
  if (match->rejectionsLeft > 0 || tooYoung) {
    if (match->rejectionsLeft > 0) --match->rejectionsLeft;
    return tokenError(401, "invalid_client", 7000215, invalidSecret);
  }

  // An opaque-to-clients JWT-shaped token; Graph recognises it by lookup.
  const auto expires = now + std::chrono::seconds(3599);
  Poco::JSON::Object header(Poco::JSON_PRESERVE_KEY_ORDER);
  header.set("typ", "JWT");
  header.set("alg", "RS256");
  header.set("kid", "fake-entra");
  Poco::JSON::Object claims(Poco::JSON_PRESERVE_KEY_ORDER);
  claims.set("aud", resource);
  claims.set("iss", "https://sts.windows.net/" + tenant->id + "/");
  claims.set("iat", static_cast<long long>(std::chrono::system_clock::to_time_t(now)));
  claims.set("exp", static_cast<long long>(std::chrono::system_clock::to_time_t(expires)));
  claims.set("appid", clientId);
  claims.set("tid", tenant->id);
  claims.set("jti", newGuid());
  Poco::JSON::Array roles;
  for (const auto& r : app->permissions) roles.add(r);
  claims.set("roles", roles);
  const std::string accessToken = base64Url(toJson(header)) + "." + base64Url(toJson(claims)) + "." + base64Url(newGuid());
  tokens[accessToken] = TokenInfo{tenant->id, clientId, resource, expires};

  Reply r;
  r.headers = tokenHeaders();
  Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("token_type", "Bearer");
  o.set("expires_in", 3599);
  o.set("ext_expires_in", 3599);
  o.set("access_token", accessToken);
  r.body = toJson(o);
  return r;
}

Reply FakeEntra::Impl::openIdConfiguration(const std::string& tenantSegment) {
  Tenant* tenant = findTenant(tenantSegment);
  if (tenant == nullptr)
    return tokenError(400, "invalid_tenant", 90002, "Tenant '" + tenantSegment + "' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.");
  const std::string base = baseUrl() + "/" + tenant->id;
  Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("token_endpoint", base + "/oauth2/v2.0/token");
  Poco::JSON::Array authMethods;
  for (const char* m : {"client_secret_post", "private_key_jwt", "client_secret_basic"}) authMethods.add(std::string(m));
  o.set("token_endpoint_auth_methods_supported", authMethods);
  o.set("jwks_uri", baseUrl() + "/" + tenant->id + "/discovery/v2.0/keys");
  Poco::JSON::Array modes, subjects, algs, types, scopes;
  for (const char* m : {"query", "fragment", "form_post"}) modes.add(std::string(m));
  subjects.add(std::string("pairwise"));
  algs.add(std::string("RS256"));
  for (const char* t : {"code", "id_token", "code id_token", "id_token token"}) types.add(std::string(t));
  for (const char* s : {"openid", "profile", "email", "offline_access"}) scopes.add(std::string(s));
  o.set("response_modes_supported", modes);
  o.set("subject_types_supported", subjects);
  o.set("id_token_signing_alg_values_supported", algs);
  o.set("response_types_supported", types);
  o.set("scopes_supported", scopes);
  o.set("issuer", base + "/v2.0");
  o.set("request_uri_parameter_supported", false);
  o.set("userinfo_endpoint", baseUrl() + "/oidc/userinfo");
  o.set("authorization_endpoint", base + "/oauth2/v2.0/authorize");
  o.set("device_authorization_endpoint", base + "/oauth2/v2.0/devicecode");
  o.set("http_logout_supported", true);
  o.set("frontchannel_logout_supported", true);
  o.set("end_session_endpoint", base + "/oauth2/v2.0/logout");
  o.set("kerberos_endpoint", base + "/kerberos");
  o.set("tenant_region_scope", "WW");
  o.set("cloud_instance_name", "microsoftonline.com");
  o.set("cloud_graph_host_name", "graph.windows.net");
  o.set("msgraph_host", "graph.microsoft.com");
  o.set("rbac_url", "https://pas.windows.net");
  Reply r;
  r.headers = tokenHeaders();
  r.body = toJson(o);
  return r;
}

}  // namespace keeper_rotate::fake_entra
