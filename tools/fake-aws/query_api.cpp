// IAM and STS over the query protocol (docs/aws-iam.md §2–§5): SigV4 verification of every request with the
// secret of the signing key, temporary credentials and their session token, eventual consistency of new keys,
// per-principal permissions, and the access-key, user and caller-identity actions with AWS's result and error
// shapes.
#include "fake_aws_impl.hpp"

#include <keeper_rotate/aws/sigv4.hpp>
#include <keeper_rotate/text.hpp>

#include <openssl/crypto.h>

#include <algorithm>
#include <regex>

namespace keeper_rotate::fake_aws {
namespace {

using keeper_rotate::text::iequals;

const char* kBadToken = "The security token included in the request is invalid.";
const char* kBadSignature =
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
    "Key and signing method. Consult the service documentation for details.";

/// The region IAM requests must be signed for, per partition (docs/aws-iam.md §4).
std::string iamSigningRegion(const std::string& partition) {
  if (partition == "aws-us-gov") return "us-gov-west-1";
  if (partition == "aws-cn") return "cn-north-1";
  return "us-east-1";
}

bool validRegion(const std::string& region) {
  static const std::regex kRegion(R"(^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$)");
  return std::regex_match(region, kRegion);
}

std::string skewText(std::chrono::seconds limit) {
  const auto minutes = limit.count() / 60;
  return minutes * 60 == limit.count() ? std::to_string(minutes) + " min." : std::to_string(limit.count()) + " sec.";
}

/// The value of a signed header as SigV4 sees it: every occurrence, comma-joined in order.
std::optional<std::string> headerValue(const Incoming& in, const std::string& lowerName) {
  std::optional<std::string> out;
  for (const auto& [k, v] : in.headers)
    if (iequals(k, lowerName)) out = out ? *out + "," + v : v;
  return out;
}

bool allowedBy(const std::vector<std::string>& permissions, const std::vector<std::string>& resources,
               const std::string& action, const std::string& resourceName) {
  const std::string servicePrefix = action.substr(0, action.find(':') + 1);
  const bool actionOk = std::any_of(permissions.begin(), permissions.end(), [&](const std::string& p) {
    return p == "*" || p == servicePrefix + "*" || iequals(p, action);
  });
  if (!actionOk) return false;
  return std::any_of(resources.begin(), resources.end(),
                     [&](const std::string& r) { return r == "*" || iequals(r, resourceName); });
}

AwsError validation(const std::string& value, const std::string& member, const std::string& constraint) {
  return {400, "ValidationError",
          "1 validation error detected: Value '" + value + "' at '" + member + "' failed to satisfy constraint: " +
              constraint};
}

std::optional<AwsError> checkUserName(const std::string& name) {
  static const std::regex kName(R"(^[\w+=,.@-]+$)");
  if (name.size() > 128) return validation(name, "userName", "Member must have length less than or equal to 128");
  if (name.empty()) return validation(name, "userName", "Member must have length greater than or equal to 1");
  if (!std::regex_match(name, kName))
    return validation(name, "userName", "Member must satisfy regular expression pattern: [\\w+=,.@-]+");
  return std::nullopt;
}

std::optional<AwsError> checkAccessKeyId(const std::string& id) {
  static const std::regex kId(R"(^[\w]+$)");
  if (id.size() < 16) return validation(id, "accessKeyId", "Member must have length greater than or equal to 16");
  if (id.size() > 128) return validation(id, "accessKeyId", "Member must have length less than or equal to 128");
  if (!std::regex_match(id, kId))
    return validation(id, "accessKeyId", "Member must satisfy regular expression pattern: [\\w]+");
  return std::nullopt;
}

AwsError missing(const std::string& member) {
  return {400, "ValidationError",
          "1 validation error detected: Value null at '" + member + "' failed to satisfy constraint: Member must not "
          "be null"};
}

std::string keyMetadata(const AccessKey& k, const std::string& userName, const std::string& indent) {
  return indent + element("UserName", userName) + "\n" + indent + element("AccessKeyId", k.accessKeyId) + "\n" +
         indent + element("Status", k.status) + "\n" + indent + element("CreateDate", k.createDate) + "\n";
}

}  // namespace

std::optional<AwsError> FakeAws::Impl::authenticate(const Incoming& in, const std::string& service,
                                                    const std::string& region, Principal& who,
                                                    LoggedRequest& entry) {
  const auto parsed = aws::parseAuthorization(in.header("Authorization"));
  if (!parsed) return AwsError{400, "IncompleteSignature", "The Authorization header is malformed."};
  const auto& signedHeaders = parsed->signedHeaders;
  auto isSigned = [&](const std::string& name) {
    return std::find(signedHeaders.begin(), signedHeaders.end(), name) != signedHeaders.end();
  };
  if (!isSigned("host"))
    return AwsError{400, "IncompleteSignature", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."};
  const std::string amzDate = in.header("X-Amz-Date");
  if (amzDate.empty())
    return AwsError{400, "IncompleteSignature",
                    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."};
  std::chrono::system_clock::time_point signedAt;
  if (!parseAmzDate(amzDate, signedAt))
    return AwsError{400, "IncompleteSignature",
                    "Date must be in ISO-8601 'basic format'. Got '" + amzDate + "'. See http://en.wikipedia.org/wiki/ISO_8601"};
  if (parsed->date8 != amzDate.substr(0, 8))
    return AwsError{403, "SignatureDoesNotMatch",
                    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
                        parsed->date8 + "' != '" + amzDate.substr(0, 8) + "', from '" + amzDate + "'."};
  if (service == "iam" ? region != iamSigningRegion(account.partition) : !validRegion(region))
    return AwsError{403, "SignatureDoesNotMatch", "Credential should be scoped to a valid region. "};

  // The key: a long-term user key, or the key of a temporary session (which needs its session token).
  const std::string& keyId = parsed->accessKeyId;
  std::string secret;
  const std::string token = in.header("X-Amz-Security-Token");
  AccessKey* key = nullptr;
  User* user = ownerOfKey(keyId, &key);
  Session* session = nullptr;
  if (user) {
    if (!token.empty() || key->status != "Active") return AwsError{403, "InvalidClientTokenId", kBadToken};
    // Eventual consistency: the replica serving this request may not know the new key yet. Counted per request
    // signed with the key, before its signature can be checked.
    bool reject = key->neverValid || std::chrono::steady_clock::now() < key->validFrom;
    if (key->rejectionsLeft > 0) {
      --key->rejectionsLeft;
      reject = true;
    } else if (!reject && !key->rejectPattern.empty()) {
      reject = key->rejectPattern.front() == 'x';
      key->rejectPattern.erase(0, 1);
    }
    if (reject) return AwsError{403, "InvalidClientTokenId", kBadToken};
    secret = key->secretAccessKey;
  } else {
    auto it = sessions.find(keyId);
    if (it == sessions.end()) return AwsError{403, "InvalidClientTokenId", kBadToken};
    session = &it->second;
    if (token.empty() || token != session->credentials.sessionToken)
      return AwsError{403, "InvalidClientTokenId", kBadToken};
    if (!isSigned("x-amz-security-token")) return AwsError{403, "SignatureDoesNotMatch", kBadSignature};
    if (std::chrono::system_clock::now() >= session->expires)
      return AwsError{403, "ExpiredToken", "The security token included in the request is expired"};
    secret = session->credentials.secretAccessKey;
  }

  const auto now = std::chrono::system_clock::now();
  if (signedAt < now - clockSkewLimit)
    return AwsError{403, "SignatureDoesNotMatch",
                    "Signature expired: " + amzDate + " is now earlier than " + aws::amzDate(now - clockSkewLimit) +
                        " (" + aws::amzDate(now) + " - " + skewText(clockSkewLimit) + ")"};
  if (signedAt > now + clockSkewLimit)
    return AwsError{403, "SignatureDoesNotMatch",
                    "Signature not yet current: " + amzDate + " is still later than " +
                        aws::amzDate(now + clockSkewLimit) + " (" + aws::amzDate(now) + " + " +
                        skewText(clockSkewLimit) + ")"};

  // Recompute the signature over what arrived: the signed headers with their received values, the raw path and
  // query, the body.
  aws::RequestToSign toSign;
  toSign.method = in.method;
  toSign.path = in.path;
  toSign.query = in.rawQuery;
  for (const auto& name : signedHeaders)
    if (auto value = headerValue(in, name)) toSign.headers.emplace_back(name, *value);
  toSign.body = in.body;
  const aws::Credentials credentials(keyId, secret, session ? session->credentials.sessionToken : "");
  const aws::SignatureParts expected =
      aws::computeSignature(toSign, credentials, aws::SigningScope{region, service}, amzDate);
  if (expected.signature.size() != parsed->signature.size() ||
      CRYPTO_memcmp(expected.signature.data(), parsed->signature.data(), expected.signature.size()) != 0)
    return AwsError{403, "SignatureDoesNotMatch", kBadSignature};

  who.accessKeyId = keyId;
  if (user) {
    who.userName = user->userName;
    who.arn = userArn(*user);
    who.userId = user->userId;
    key->lastUsedDate = isoTime(now);
    key->lastUsedService = service;
    key->lastUsedRegion = region;
  } else {
    who.roleName = session->roleName;
    who.sessionName = session->sessionName;
    who.arn = session->credentials.assumedRoleArn;
    const Role* role = findRole(session->roleName);
    who.userId = (role ? role->roleId : std::string("AROA")) + ":" + session->sessionName;
  }
  entry.accessKeyId = keyId;
  return std::nullopt;
}

Reply FakeAws::Impl::iam(const Incoming& in, const Principal& who, const std::string& action, LoggedRequest& entry) {
  static const std::vector<std::string> kActions = {"CreateAccessKey", "ListAccessKeys",  "UpdateAccessKey",
                                                    "DeleteAccessKey", "GetUser",         "GetAccessKeyLastUsed"};
  auto fail = [](const AwsError& e) { return errorReply(kIamNamespace, e.status, e.code, e.message); };
  if (action.empty())
    return fail({400, "MissingAction", "The request is missing an action or a required parameter."});
  const std::string version = in.param("Version");
  if (std::find(kActions.begin(), kActions.end(), action) == kActions.end() || (!version.empty() && version != kIamVersion))
    return fail({400, "InvalidAction",
                 "Could not find operation " + action + " for version " + (version.empty() ? kIamVersion : version)});

  // Validate the input first, as IAM does, then authorise, then look at the account.
  std::string targetName;
  std::string accessKeyId;
  const bool byKeyOnly = action == "GetAccessKeyLastUsed";
  if (byKeyOnly) {
    if (!in.hasParam("AccessKeyId")) return fail(missing("accessKeyId"));
  } else if (in.hasParam("UserName")) {
    targetName = in.param("UserName");
    if (auto e = checkUserName(targetName)) return fail(*e);
  } else if (who.userName.empty()) {
    return fail({400, "ValidationError", "Must specify userName when calling with non-User credentials"});
  } else {
    targetName = who.userName;
  }
  if (action == "UpdateAccessKey" || action == "DeleteAccessKey" || byKeyOnly) {
    if (!in.hasParam("AccessKeyId")) return fail(missing("accessKeyId"));
    accessKeyId = in.param("AccessKeyId");
    if (auto e = checkAccessKeyId(accessKeyId)) return fail(*e);
  }
  std::string status;
  if (action == "UpdateAccessKey") {
    if (!in.hasParam("Status")) return fail(missing("status"));
    status = in.param("Status");
    if (status != "Active" && status != "Inactive" && status != "Expired")
      return fail(validation(status, "status", "Member must satisfy enum value set: [Active, Inactive, Expired]"));
  }
  int maxItems = 100;
  if (action == "ListAccessKeys" && in.hasParam("MaxItems")) {
    const std::string text = in.param("MaxItems");
    try {
      std::size_t used = 0;
      maxItems = std::stoi(text, &used);
      if (used != text.size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      return fail({400, "ValidationError", "Invalid value for parameter MaxItems, value: " + text});
    }
    if (maxItems < 1) return fail(validation(text, "maxItems", "Member must have value greater than or equal to 1"));
    if (maxItems > 1000) return fail(validation(text, "maxItems", "Member must have value less than or equal to 1000"));
  }

  AccessKey* byIdKey = nullptr;
  User* byIdOwner = byKeyOnly ? ownerOfKey(accessKeyId, &byIdKey) : nullptr;
  if (byKeyOnly && byIdOwner) targetName = byIdOwner->userName;

  // Authorise: the principal's permissions (a user's own, a session's role's) for iam:<Action> on the user.
  const std::vector<std::string>* permissions = nullptr;
  const std::vector<std::string>* resources = nullptr;
  static const std::vector<std::string> kNone;
  if (!who.userName.empty()) {
    if (User* caller = findUser(who.userName)) {
      permissions = &caller->permissions;
      resources = &caller->resources;
    }
  } else if (Role* role = findRole(who.roleName)) {
    permissions = &role->permissions;
    resources = &role->resources;
  }
  const std::string iamAction = "iam:" + action;
  if (!allowedBy(permissions ? *permissions : kNone, resources ? *resources : kNone, iamAction,
                 targetName.empty() ? std::string("*") : targetName))
    return fail({403, "AccessDenied",
                 "User: " + who.arn + " is not authorized to perform: " + iamAction + " on resource: " +
                     (targetName.empty() ? "access key " + accessKeyId : "user " + targetName)});

  if (byKeyOnly) {
    if (!byIdOwner) return fail({404, "NoSuchEntity", "The Access Key with id " + accessKeyId + " cannot be found."});
    std::string r = "    " + element("UserName", byIdOwner->userName) + "\n    <AccessKeyLastUsed>\n";
    if (!byIdKey->lastUsedDate.empty()) r += "      " + element("LastUsedDate", byIdKey->lastUsedDate) + "\n";
    r += "      " + element("ServiceName", byIdKey->lastUsedService.empty() ? "N/A" : byIdKey->lastUsedService) + "\n";
    r += "      " + element("Region", byIdKey->lastUsedRegion.empty() ? "N/A" : byIdKey->lastUsedRegion) + "\n";
    r += "    </AccessKeyLastUsed>\n";
    return resultReply(kIamNamespace, action, r);
  }

  User* user = findUser(targetName);
  if (!user) return fail({404, "NoSuchEntity", "The user with name " + targetName + " cannot be found."});

  if (action == "GetUser") {
    std::string r = "    <User>\n";
    r += "      " + element("Path", user->path) + "\n";
    r += "      " + element("UserName", user->userName) + "\n";
    r += "      " + element("UserId", user->userId) + "\n";
    r += "      " + element("Arn", userArn(*user)) + "\n";
    r += "      " + element("CreateDate", user->createDate) + "\n";
    r += "    </User>\n";
    return resultReply(kIamNamespace, action, r);
  }

  if (action == "CreateAccessKey") {
    // Active and Inactive keys both count towards the quota.
    if (user->keys.size() >= 2)
      return fail({409, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2"});
    AccessKey k = newKey("Active");
    k.validFrom = std::chrono::steady_clock::now() + consistency.delay;
    k.rejectionsLeft = consistency.rejectFirstAttempts;
    k.rejectPattern = consistency.pattern;
    k.neverValid = consistency.never;
    user->keys.push_back(k);
    ++mutationCount;
    std::string r = "    <AccessKey>\n";
    r += "      " + element("UserName", user->userName) + "\n";
    r += "      " + element("AccessKeyId", k.accessKeyId) + "\n";
    r += "      " + element("Status", k.status) + "\n";
    r += "      " + element("SecretAccessKey", k.secretAccessKey) + "\n";
    r += "      " + element("CreateDate", k.createDate) + "\n";
    r += "    </AccessKey>\n";
    entry.userName = user->userName;
    return resultReply(kIamNamespace, action, r);
  }

  if (action == "ListAccessKeys") {
    std::size_t start = 0;
    if (in.hasParam("Marker")) {
      const auto decoded = text::decodeBase64(in.param("Marker"));
      const std::string prefix = "fake-aws:";
      auto it = user->keys.end();
      if (decoded && decoded->rfind(prefix, 0) == 0) {
        const std::string id = decoded->substr(prefix.size());
        it = std::find_if(user->keys.begin(), user->keys.end(),
                          [&](const AccessKey& k) { return k.accessKeyId == id; });
      }
      if (it == user->keys.end()) return fail({400, "ValidationError", "Invalid Marker."});
      start = static_cast<std::size_t>(it - user->keys.begin());
    }
    const std::size_t end = std::min(user->keys.size(), start + static_cast<std::size_t>(maxItems));
    std::string r = "    <AccessKeyMetadata>\n";
    for (std::size_t i = start; i < end; ++i)
      r += "      <member>\n" + keyMetadata(user->keys[i], user->userName, "        ") + "      </member>\n";
    r += "    </AccessKeyMetadata>\n";
    const bool truncated = end < user->keys.size();
    r += std::string("    <IsTruncated>") + (truncated ? "true" : "false") + "</IsTruncated>\n";
    if (truncated) r += "    " + element("Marker", text::encodeBase64("fake-aws:" + user->keys[end].accessKeyId)) + "\n";
    return resultReply(kIamNamespace, action, r);
  }

  // UpdateAccessKey, DeleteAccessKey: the key must belong to the named user.
  auto it = std::find_if(user->keys.begin(), user->keys.end(),
                         [&](const AccessKey& k) { return k.accessKeyId == accessKeyId; });
  if (it == user->keys.end())
    return fail({404, "NoSuchEntity", "The Access Key with id " + accessKeyId + " cannot be found."});
  if (action == "UpdateAccessKey")
    it->status = status;
  else
    user->keys.erase(it);
  ++mutationCount;
  return resultReply(kIamNamespace, action, std::nullopt);
}

Reply FakeAws::Impl::sts(const Incoming& in, const Principal& who, const std::string& region,
                         const std::string& action) {
  (void)region;
  auto fail = [](const AwsError& e) { return errorReply(kStsNamespace, e.status, e.code, e.message); };
  if (action.empty())
    return fail({400, "MissingAction", "The request is missing an action or a required parameter."});
  const std::string version = in.param("Version");
  if ((action != "GetCallerIdentity" && action != "AssumeRole") || (!version.empty() && version != kStsVersion))
    return fail({400, "InvalidAction",
                 "Could not find operation " + action + " for version " + (version.empty() ? kStsVersion : version)});

  if (action == "GetCallerIdentity") {
    // Needs no permission: every valid credential may ask who it is.
    std::string r = "    " + element("Arn", who.arn) + "\n";
    r += "    " + element("UserId", who.userId) + "\n";
    r += "    " + element("Account", account.accountId) + "\n";
    return resultReply(kStsNamespace, action, r);
  }

  // AssumeRole
  if (!in.hasParam("RoleArn")) return fail(missing("roleArn"));
  if (!in.hasParam("RoleSessionName")) return fail(missing("roleSessionName"));
  const std::string arn = in.param("RoleArn");
  const std::string sessionName = in.param("RoleSessionName");
  static const std::regex kSessionName(R"(^[\w+=,.@-]{2,64}$)");
  if (!std::regex_match(sessionName, kSessionName))
    return fail(sessionName.size() < 2 || sessionName.size() > 64
                    ? validation(sessionName, "roleSessionName",
                                 sessionName.size() < 2 ? "Member must have length greater than or equal to 2"
                                                        : "Member must have length less than or equal to 64")
                    : validation(sessionName, "roleSessionName",
                                 "Member must satisfy regular expression pattern: [\\w+=,.@-]*"));
  if (arn.size() < 20) return fail(validation(arn, "roleArn", "Member must have length greater than or equal to 20"));
  int duration = 3600;
  if (in.hasParam("DurationSeconds")) {
    const std::string text = in.param("DurationSeconds");
    try {
      std::size_t used = 0;
      duration = std::stoi(text, &used);
      if (used != text.size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      return fail({400, "ValidationError", "Invalid value for parameter DurationSeconds, value: " + text});
    }
    if (duration < 900)
      return fail(validation(text, "durationSeconds", "Member must have value greater than or equal to 900"));
    if (duration > 43200)
      return fail(validation(text, "durationSeconds", "Member must have value less than or equal to 43200"));
  }

  // The role must exist and trust the caller; an unknown role is refused the same way, revealing nothing.
  Role* role = nullptr;
  for (auto& r : account.roles)
    if (roleArn(r) == arn) role = &r;
  bool allowed = false;
  if (role) {
    const bool namedInTrust = !who.userName.empty() &&
                              std::any_of(role->trustedUsers.begin(), role->trustedUsers.end(),
                                          [&](const std::string& t) { return iequals(t, who.userName); });
    const bool trustsAny = std::find(role->trustedUsers.begin(), role->trustedUsers.end(), "*") != role->trustedUsers.end();
    // A trust policy naming the user grants on its own; one that trusts the whole account needs the caller's own
    // sts:AssumeRole permission as well.
    const std::vector<std::string>* perms = nullptr;
    const std::vector<std::string>* res = nullptr;
    if (!who.userName.empty()) {
      if (User* u = findUser(who.userName)) {
        perms = &u->permissions;
        res = &u->resources;
      }
    } else if (Role* callerRole = findRole(who.roleName)) {
      perms = &callerRole->permissions;
      res = &callerRole->resources;
    }
    static const std::vector<std::string> kNone;
    allowed = namedInTrust || (trustsAny && allowedBy(perms ? *perms : kNone, res ? *res : kNone, "sts:AssumeRole",
                                                      role->roleName));
  }
  if (!allowed)
    return fail({403, "AccessDenied",
                 "User: " + who.arn + " is not authorized to perform: sts:AssumeRole on resource: " + arn});
  if (duration > role->maxSessionDuration)
    return fail({400, "ValidationError",
                 "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."});

  const Session& s = startSession(*role, sessionName, std::chrono::seconds(duration));
  std::string r = "    <AssumedRoleUser>\n";
  r += "      " + element("AssumedRoleId", role->roleId + ":" + sessionName) + "\n";
  r += "      " + element("Arn", s.credentials.assumedRoleArn) + "\n";
  r += "    </AssumedRoleUser>\n    <Credentials>\n";
  r += "      " + element("AccessKeyId", s.credentials.accessKeyId) + "\n";
  r += "      " + element("SecretAccessKey", s.credentials.secretAccessKey) + "\n";
  r += "      " + element("SessionToken", s.credentials.sessionToken) + "\n";
  r += "      " + element("Expiration", s.credentials.expiration) + "\n";
  r += "    </Credentials>\n";
  return resultReply(kStsNamespace, action, r);
}

}  // namespace keeper_rotate::fake_aws
