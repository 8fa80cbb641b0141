// Credential source `instance-role`: temporary credentials of the IAM role attached to the EC2 instance the Gateway
// runs on, from the instance metadata service (IMDSv2), for a provider whose credential scheme is aws-access-key
// (sdk/docs/credentials.md, "Credentials that are not a set of static parts").
//
// It reads no record and no location of the declaration: it checks the scheme, then puts what the role gives under
// the declared part names access_key_id, secret_access_key and session_token (both secrets). The scheme is checked
// before anything else, so for any other provider it answers "unavailable" at once, without touching the network;
// that is what lets it sit at the end of the host's default chain.
//
// IMDSv2 only: PUT /latest/api/token first, then the role listing and the role's credential document, both with the
// token. A service that refuses the token is an error, never a reason to retry without one (IMDSv1).
#include "credential_text.hpp"
#include "imds_client.hpp"

#include <keeper_rotate/json.hpp>
#include <keeper_rotate/sdk.hpp>
#include <keeper_rotate/text.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using keeper_rotate::Context;
using keeper_rotate::Secret;
namespace s = keeper_rotate::sources;
namespace ir = keeper_rotate::sources::instance_role;

constexpr std::string_view kScheme = "aws-access-key";
constexpr const char* kKeyIdPart = "access_key_id";
constexpr const char* kSecretPart = "secret_access_key";
constexpr const char* kTokenPart = "session_token";

constexpr const char* kTokenPath = "/latest/api/token";
constexpr const char* kRolesPath = "/latest/meta-data/iam/security-credentials/";
constexpr const char* kTokenTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";
constexpr const char* kTokenHeader = "X-aws-ec2-metadata-token";
/// Seconds the IMDSv2 token lives: a run asks for it once and uses it within seconds.
constexpr const char* kTokenTtl = "300";

/// This source has nothing for the run; the message says why (set as the operation's error by resolve()).
class Unavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Zeroes the header values (the IMDSv2 token) when the run leaves the scope, however it leaves.
struct WipeOnExit {
  ir::Headers& headers;
  ~WipeOnExit() {
    for (auto& header : headers) keeper_rotate::text::wipe(header.second);
  }
};

const kr_credential_part* declaredPart(const keeper_rotate::CredentialSpec& spec, std::string_view name) {
  for (std::size_t i = 0; i < spec.size(); ++i)
    if (spec[i].name != nullptr && name == spec[i].name) return &spec[i];
  return nullptr;
}

std::string answered(const std::string& method, const std::string& path, const ir::ImdsSettings& settings,
                     const ir::ImdsResponse& r) {
  return method + " " + path + " at " + settings.baseUrl + " answered HTTP " + std::to_string(r.status) +
         (r.reason.empty() ? std::string() : " " + r.reason);
}

/// A role name as IAM allows it (letters, digits and +=,.@_-, at most 64): it becomes part of the next URL path.
bool isRoleName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("+=,.@_-").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

class InstanceRoleSource final : public keeper_rotate::CredentialSource {
 public:
  static constexpr const char* kName = "instance-role";
  static constexpr const char* kVersion = "0.2.0";
  static constexpr const char* kDescription =
      "Temporary credentials of the EC2 instance's IAM role from the instance metadata service (IMDSv2 only), for "
      "providers whose credential scheme is aws-access-key; honours AWS_EC2_METADATA_DISABLED and "
      "AWS_EC2_METADATA_SERVICE_ENDPOINT";

  bool resolve(Context& ctx) override {
    try {
      return fetch(ctx);
    } catch (const Unavailable& e) {
      ctx.setError("credential.unavailable", e.what());
      return false;
    }
  }

 private:
  bool fetch(Context& ctx) {
    // Everything up to the settings is decided without the network.
    const auto spec = ctx.credentialSpec();
    if (!spec)
      throw Unavailable(
          "the provider declares no admin credential (ABI 1.2 kCredentialParts), so instance-role cannot tell "
          "whether it wants aws-access-key credentials");
    if (spec->scheme() != kScheme)
      throw Unavailable("instance-role produces only aws-access-key credentials; " +
                        (spec->scheme().empty() ? std::string("the provider declares no credential scheme, which")
                                                : std::string(spec->scheme())) +
                        " is not one");
    const kr_credential_part* keyIdPart = declaredPart(*spec, kKeyIdPart);
    const kr_credential_part* secretPart = declaredPart(*spec, kSecretPart);
    const kr_credential_part* tokenPart = declaredPart(*spec, kTokenPart);
    std::vector<std::string> undeclared;
    for (const auto& [part, name] : {std::pair{keyIdPart, kKeyIdPart}, std::pair{secretPart, kSecretPart},
                                     std::pair{tokenPart, kTokenPart}})
      if (part == nullptr) undeclared.push_back(name);
    if (!undeclared.empty())
      throw Unavailable("the provider's aws-access-key declaration has no part named " +
                        s::joinList(undeclared, true, "or") +
                        ", where instance-role puts the role's temporary key, secret and session token");
    if (ir::metadataDisabled())
      throw Unavailable(std::string(ir::kDisabledVariable) + " is true, so the instance metadata service is not asked");
    const ir::ImdsSettings settings = ir::settingsFromEnvironment();
    const auto note = [&ctx](const std::string& line) { ctx.debug("instance metadata service: " + line); };

    const Secret token = sessionToken(ctx, settings, note);
    ir::Headers withToken{{kTokenHeader, std::string(token.reveal())}};
    const WipeOnExit wipeToken{withToken};
    const std::string role = roleName(settings, withToken, note);
    const std::string path = std::string(kRolesPath) + role;

    ir::ImdsResponse r = get(settings, path, withToken, note);
    if (r.status != 200)
      throw keeper_rotate::configError("imds.credentials", answered("GET", path, settings, r) +
                                                               " for the instance role's credentials");
    // Parsed into zeroing storage: the secret members are never copied out of it except into the host.
    std::optional<keeper_rotate::json::Value> parsed;
    try {
      parsed = keeper_rotate::json::parse(r.body);
    } catch (const keeper_rotate::json::ParseError&) {
    }
    if (!parsed || !parsed->isObject())
      throw keeper_rotate::configError("imds.credentials", "GET " + path + " at " + settings.baseUrl +
                                                               " answered HTTP 200 with a body that is not a JSON "
                                                               "object; this is not the instance metadata service's "
                                                               "credential document");
    const keeper_rotate::json::Object& doc = parsed->object();
    // Known to the host's redaction before anything else can happen to them.
    for (const char* secret : {"SecretAccessKey", "Token"})
      if (const std::string* v = doc.findString(secret); v && !v->empty()) ctx.registerSecret(*v);
    const std::string* code = doc.findString("Code");
    if (code == nullptr || *code != "Success")
      throw keeper_rotate::configError(
          "imds.credentials", "GET " + path + " at " + settings.baseUrl + " answered HTTP 200 with Code " +
                                  (code ? "'" + *code + "'" : std::string("missing")) +
                                  " instead of 'Success': the role's credentials are not available");
    std::vector<std::string> missing;
    for (const char* member : {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"})
      if (const std::string* v = doc.findString(member); v == nullptr || v->empty()) missing.push_back(member);
    if (!missing.empty())
      throw keeper_rotate::configError("imds.credentials", "GET " + path + " at " + settings.baseUrl +
                                                               " answered a credential document without " +
                                                               s::joinQuoted(missing) + " (as strings)");

    ctx.putCredential(kKeyIdPart, *doc.findString("AccessKeyId"), keeper_rotate::CredentialSpec::isSecret(*keyIdPart));
    ctx.putCredential(kSecretPart, *doc.findString("SecretAccessKey"), true);
    ctx.putCredential(kTokenPart, *doc.findString("Token"), true);
    ctx.info("admin credential from the EC2 instance role '" + role + "' (instance metadata service at " +
             settings.baseUrl + "), expires " + *doc.findString("Expiration"));
    return true;
  }

  static ir::ImdsResponse get(const ir::ImdsSettings& settings, const std::string& path, const ir::Headers& headers,
                              const std::function<void(const std::string&)>& note) {
    try {
      return ir::exchange(settings, "GET", path, headers, settings.attempts, note);
    } catch (const ir::NoAnswer& e) {
      throw keeper_rotate::failure("imds.no-answer", "the instance metadata service at " + settings.baseUrl +
                                                         " gave a token but no answer to GET " + path + " (" +
                                                         e.what() + ")");
    }
  }

  static Secret sessionToken(const Context& ctx, const ir::ImdsSettings& settings,
                             const std::function<void(const std::string&)>& note) {
    ir::ImdsResponse r;
    try {
      r = ir::exchange(settings, "PUT", kTokenPath, {{kTokenTtlHeader, kTokenTtl}}, settings.tokenAttempts, note);
    } catch (const ir::NoAnswer& e) {
      throw Unavailable("no answer from the instance metadata service at " + settings.baseUrl +
                        " \u2014 not on EC2, or IMDSv2's hop limit is 1 and keeper-rotate runs in a container (set "
                        "the instance's HttpPutResponseHopLimit to 2); " +
                        std::to_string(settings.tokenAttempts) + " attempt" + (settings.tokenAttempts > 1 ? "s" : "") +
                        ", last: " + e.what());
    }
    if (r.status != 200)
      throw keeper_rotate::configError(
          "imds.token", answered("PUT", kTokenPath, settings, r) +
                            " instead of an IMDSv2 token; instance-role uses IMDSv2 only and never falls back to "
                            "IMDSv1" +
                            (r.status == 403 || r.status == 404 || r.status == 405
                                 ? std::string(" (is the instance metadata service turned off on the instance, or "
                                               "does ") +
                                       ir::kEndpointVariable + " name something else?)"
                                 : std::string()));
    Secret token(s::trim(r.body));
    if (token.empty())
      throw keeper_rotate::configError("imds.token", "PUT " + std::string(kTokenPath) + " at " + settings.baseUrl +
                                                         " answered HTTP 200 with an empty token");
    ctx.registerSecret(token.reveal());
    return token;
  }

  static std::string roleName(const ir::ImdsSettings& settings, const ir::Headers& withToken,
                              const std::function<void(const std::string&)>& note) {
    const ir::ImdsResponse r = get(settings, kRolesPath, withToken, note);
    const std::string noRole = "the instance has no IAM role attached (" + answered("GET", kRolesPath, settings, r) +
                               "); attach an instance profile with a role, or choose another credential source";
    if (r.status == 404) throw Unavailable(noRole);
    if (r.status != 200)
      throw keeper_rotate::configError(
          "imds.role", answered("GET", kRolesPath, settings, r) + " for the instance's role" +
                           (r.status == 401 ? std::string(" (the IMDSv2 token was refused)") : std::string()));
    const std::string_view body = r.body;
    const std::string_view first = s::trim(body.substr(0, body.find('\n')));
    if (first.empty()) throw Unavailable(noRole);
    if (!isRoleName(first))
      throw keeper_rotate::configError("imds.role", "GET " + std::string(kRolesPath) + " at " + settings.baseUrl +
                                                        " answered a first line that is not an IAM role name");
    return std::string(first);
  }
};

}  // namespace

KEEPER_ROTATE_REGISTER_CREDENTIAL_SOURCE(InstanceRoleSource)
