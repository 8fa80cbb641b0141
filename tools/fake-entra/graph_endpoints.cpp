// Microsoft Graph v1.0 `applications` password surface (docs/azure-graph.md §3, §10): GET by object id, by
// appId alternate key and by $filter; addPassword; removePassword. Bearer tokens from the fake's token endpoint,
// permissions per Application.* app roles and ownership, app-management lifetime policy, credential limits.
#include "fake_entra_impl.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <regex>
#include <sstream>

namespace keeper_rotate::fake_entra {
namespace {

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

bool canRead(const Application& caller, const Application& target) {
  const auto& p = caller.permissions;
  if (has(p, "Application.Read.All") || has(p, "Application.ReadWrite.All") || has(p, "Directory.Read.All") ||
      has(p, "Directory.ReadWrite.All"))
    return true;
  return has(p, "Application.ReadWrite.OwnedBy") && has(target.ownerAppIds, caller.appId);
}

bool canWrite(const Application& caller, const Application& target) {
  const auto& p = caller.permissions;
  if (has(p, "Application.ReadWrite.All") || has(p, "Directory.ReadWrite.All")) return true;
  return has(p, "Application.ReadWrite.OwnedBy") && has(target.ownerAppIds, caller.appId);
}

Poco::Dynamic::Var optionalString(const std::optional<std::string>& s) {
  return s ? Poco::Dynamic::Var(*s) : Poco::Dynamic::Var();
}

Poco::JSON::Object passwordJson(const PasswordCredential& p, bool withSecret) {
  Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("customKeyIdentifier", Poco::Dynamic::Var());
  o.set("displayName", optionalString(p.displayName));
  o.set("endDateTime", p.endDateTime);
  o.set("hint", optionalString(p.hint));
  o.set("keyId", p.keyId);
  o.set("secretText", withSecret ? Poco::Dynamic::Var(p.secretText) : Poco::Dynamic::Var());
  o.set("startDateTime", p.startDateTime);
  return o;
}

std::vector<std::string> splitSelect(const std::string& select) {
  std::vector<std::string> out;
  std::istringstream in(select);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

/// The app as one Graph read shows it: keys still hidden from reads (lagging replica) are left out, and this read
/// counts towards their becoming visible.
Poco::JSON::Object appJson(Application& app, const std::vector<std::string>& select) {
  Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
  auto want = [&](const char* name) { return select.empty() || has(select, name); };
  if (want("id")) o.set("id", app.id);
  if (select.empty()) o.set("deletedDateTime", Poco::Dynamic::Var());
  if (want("appId")) o.set("appId", app.appId);
  if (want("displayName")) o.set("displayName", app.displayName);
  if (want("signInAudience")) o.set("signInAudience", app.signInAudience);
  if (want("keyCredentials")) o.set("keyCredentials", Poco::JSON::Array());
  if (want("passwordCredentials")) {
    Poco::JSON::Array arr;
    for (auto& p : app.passwords) {
      if (p.hiddenReadsLeft > 0) {
        --p.hiddenReadsLeft;
        continue;
      }
      arr.add(passwordJson(p, false));
    }
    o.set("passwordCredentials", arr);
  }
  return o;
}

std::string selectSuffix(const std::vector<std::string>& select) {
  if (select.empty()) return "";
  std::string s = "(";
  for (std::size_t i = 0; i < select.size(); ++i) s += (i ? "," : "") + select[i];
  return s + ")";
}

Reply jsonReply(int status, const Incoming& in, const Poco::JSON::Object& body) {
  Reply r;
  r.status = status;
  r.headers = graphHeaders(in);
  r.body = toJson(body);
  return r;
}

Reply notFound(const std::string& id, const Incoming& in) {
  return graphError(404, "Request_ResourceNotFound",
                    "Resource '" + id + "' does not exist or one of its queried reference-property objects are not present.", in);
}

Reply denied(const Incoming& in) {
  return graphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.", in);
}

}  // namespace

Reply FakeEntra::Impl::graph(const Incoming& in) {
  const auto now = std::chrono::system_clock::now();
  // ---- authentication ----
  const std::string auth = in.header("Authorization");
  if (auth.rfind("Bearer ", 0) != 0 || auth.size() == 7)
    return graphError(401, "InvalidAuthenticationToken", "Access token is empty.", in);
  const std::string bearer = auth.substr(7);
  if (std::count(bearer.begin(), bearer.end(), '.') != 2)
    return graphError(401, "InvalidAuthenticationToken", "CompactToken parsing failed with error code: 80049217", in);
  const auto tok = tokens.find(bearer);
  if (tok == tokens.end()) return graphError(401, "InvalidAuthenticationToken", "Access token validation failure.", in);
  if (now >= tok->second.expires)
    return graphError(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.", in);
  if (tok->second.audience != baseUrl())
    return graphError(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.", in);
  Tenant* tenant = findTenant(tok->second.tenantId);
  Application* caller = tenant ? findAppByAppId(*tenant, tok->second.appId) : nullptr;
  if (caller == nullptr) return graphError(401, "InvalidAuthenticationToken", "Access token validation failure.", in);

  // ---- routing ----
  static const std::regex kRoute(R"(^/v1\.0/applications(?:/([^/()]+)|\(appId='([^']*)'\))?(?:/(addPassword|removePassword))?/?$)");
  std::smatch m;
  if (!std::regex_match(in.path, m, kRoute))
    return graphError(400, "BadRequest", "Resource not found for the segment '" + in.path + "'.", in);
  const std::string objectId = m[1].str(), altAppId = m[2].str(), action = m[3].str();
  const bool keyed = m[1].matched || m[2].matched;
  const std::string contextBase = baseUrl() + "/v1.0/$metadata#";
  const auto selectIt = in.queryParams.find("$select");
  const auto select = selectIt == in.queryParams.end() ? std::vector<std::string>{} : splitSelect(selectIt->second);

  if (!keyed) {  // collection: only GET with an appId filter is modelled
    if (in.method != "GET") return graphError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.", in);
    std::vector<Application*> hits;
    const auto filterIt = in.queryParams.find("$filter");
    if (filterIt != in.queryParams.end()) {
      static const std::regex kFilter(R"(^\s*appId\s+eq\s+'([^']*)'\s*$)");
      std::smatch fm;
      if (!std::regex_match(filterIt->second, fm, kFilter))
        return graphError(400, "Request_UnsupportedQuery", "Unsupported Query.", in);
      for (auto& app : tenant->apps)
        if (app.appId == fm[1].str() && canRead(*caller, app)) hits.push_back(&app);
    } else {
      for (auto& app : tenant->apps)
        if (canRead(*caller, app)) hits.push_back(&app);
    }
    Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
    o.set("@odata.context", contextBase + "applications" + selectSuffix(select));
    Poco::JSON::Array value;
    for (auto* app : hits) value.add(appJson(*app, select));
    o.set("value", value);
    return jsonReply(200, in, o);
  }

  if (!objectId.empty() && !isGuid(objectId))
    return graphError(400, "Request_BadRequest", "Invalid object identifier '" + objectId + "'.", in);
  Application* target = objectId.empty() ? findAppByAppId(*tenant, altAppId) : findAppById(*tenant, objectId);
  if (target == nullptr) return notFound(objectId.empty() ? "appId='" + altAppId + "'" : objectId, in);

  if (action.empty()) {
    if (in.method != "GET") return graphError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.", in);
    if (!canRead(*caller, *target)) return denied(in);
    Poco::JSON::Object o = appJson(*target, select);
    Poco::JSON::Object withContext(Poco::JSON_PRESERVE_KEY_ORDER);
    withContext.set("@odata.context", contextBase + "applications" + selectSuffix(select) + "/$entity");
    for (const auto& name : o.getNames()) withContext.set(name, o.get(name));
    return jsonReply(200, in, withContext);
  }
  if (in.method != "POST") return graphError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.", in);
  if (!canWrite(*caller, *target)) return denied(in);
  const auto steadyNow = std::chrono::steady_clock::now();
  if (propagation.concurrentWriteWindow.count() > 0 && steadyNow - target->lastWrite < propagation.concurrentWriteWindow)
    return graphError(400, "Request_BadRequest",
                      "Error due to concurrent requests being made to the tenant. Please wait briefly and retry.", in);
  target->lastWrite = steadyNow;

  Poco::JSON::Object::Ptr body;
  try {
    body = Poco::JSON::Parser().parse(in.body.empty() ? "{}" : in.body).extract<Poco::JSON::Object::Ptr>();
  } catch (const std::exception&) {
    return graphError(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.", in);
  }

  if (action == "removePassword") {
    const std::string keyId = body->has("keyId") && body->get("keyId").isString() ? body->getValue<std::string>("keyId") : "";
    if (!isGuid(keyId)) return graphError(400, "Request_BadRequest", "Invalid value specified for property 'keyId' of resource 'Application'.", in);
    auto it = std::find_if(target->passwords.begin(), target->passwords.end(), [&](const PasswordCredential& p) { return p.keyId == keyId; });
    if (it == target->passwords.end() || it->removeMissesLeft > 0) {
      if (it != target->passwords.end()) --it->removeMissesLeft;  // a replica that has not seen the add yet
      return graphError(400, "Request_BadRequest", "No password credential found with keyId " + keyId + ".", in);
    }
    target->passwords.erase(it);
    Reply r;
    r.status = 204;
    for (auto& h : graphHeaders(in))
      if (h.first != "Content-Type") r.headers.push_back(h);
    return r;
  }

  // addPassword
  Poco::JSON::Object::Ptr pc;
  if (body->has("passwordCredential") && !body->get("passwordCredential").isEmpty()) {
    try {
      pc = body->getObject("passwordCredential");
    } catch (const std::exception&) {
    }
    if (!pc) return graphError(400, "BadRequest", "Invalid JSON: passwordCredential must be an object.", in);
  }
  std::optional<std::string> displayName;
  std::string startText, endText;
  if (pc) {
    if (pc->has("displayName") && pc->get("displayName").isString()) displayName = pc->getValue<std::string>("displayName");
    if (pc->has("startDateTime") && !pc->get("startDateTime").isEmpty()) startText = pc->get("startDateTime").toString();
    if (pc->has("endDateTime") && !pc->get("endDateTime").isEmpty()) endText = pc->get("endDateTime").toString();
  }
  auto start = now, end = now + std::chrono::hours(24 * 365 * 2);
  if (!startText.empty() && !parseGraphTime(startText, start))
    return graphError(400, "Request_BadRequest", "Invalid value specified for property 'startDateTime' of resource 'PasswordCredential'.", in);
  if (!endText.empty() && !parseGraphTime(endText, end))
    return graphError(400, "Request_BadRequest", "Invalid value specified for property 'endDateTime' of resource 'PasswordCredential'.", in);
  if (end <= start)
    return graphError(400, "Request_BadRequest", "Key credential end date time must be later than start date time.", in);
  if (tenant->maxPasswordLifetimeDays > 0 && end - start > std::chrono::hours(24) * tenant->maxPasswordLifetimeDays)
    return graphError(400, "CredentialInvalidLifetimeAsPerAppPolicy",
                      "Credential lifetime exceeds the max value allowed as per assigned policy '" + tenant->lifetimePolicyId + "'.", in);
  const bool personal = target->signInAudience.find("Personal") != std::string::npos;
  if (personal && target->passwords.size() >= 2)
    return graphError(400, "TooManyAppPasswords",
                      "Not allowed to add " + std::to_string(target->passwords.size() + 1) + " passwords. You can only add a maximum of 2 passwords.",
                      in, "passwordCredentials");
  if (target->passwords.size() >= 100)
    return graphError(400, "Directory_ResourceSizeExceeded",
                      "The size of the object has exceeded its limit. Please reduce the number of values and retry your request", in);
  PasswordCredential created = newPassword(displayName, start, end, endText);
  if (!startText.empty()) created.startDateTime = startText;
  target->passwords.push_back(created);
  Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("@odata.context", contextBase + "microsoft.graph.passwordCredential");
  const Poco::JSON::Object p = passwordJson(created, true);
  for (const auto& name : p.getNames()) o.set(name, p.get(name));
  return jsonReply(200, in, o);
}

}  // namespace keeper_rotate::fake_entra
