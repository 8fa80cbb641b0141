#include "kr_aws_iam/iam_api.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace kr_aws_iam {

namespace aws = keeper_rotate::aws;

namespace {

aws::XmlError missing(const std::string& action, const std::string& path) {
  return aws::XmlError(action + " answered without " + path);
}

}  // namespace

CallerIdentity IamApi::getCallerIdentity(const aws::Credentials& as) {
  const aws::XmlElement root = sts_.call("GetCallerIdentity", {}, as);
  CallerIdentity id;
  id.account = root.textOf("GetCallerIdentityResult/Account");
  id.arn = root.textOf("GetCallerIdentityResult/Arn");
  id.userId = root.textOf("GetCallerIdentityResult/UserId");
  if (id.arn.empty()) throw missing("GetCallerIdentity", "Arn");
  return id;
}

std::vector<KeyInfo> IamApi::listAccessKeys(const aws::Credentials& as, const std::string& user) {
  std::vector<KeyInfo> keys;
  std::string marker;
  for (int page = 0; page < 100; ++page) {
    std::vector<std::pair<std::string, std::string>> params{{"UserName", user}};
    if (!marker.empty()) params.emplace_back("Marker", marker);
    const aws::XmlElement root = iam_.call("ListAccessKeys", params, as);
    const aws::XmlElement* result = root.child("ListAccessKeysResult");
    if (result == nullptr) throw missing("ListAccessKeys", "ListAccessKeysResult");
    if (const aws::XmlElement* list = result->child("AccessKeyMetadata"))
      for (const aws::XmlElement* m : list->childrenNamed("member"))
        keys.push_back({m->textOf("AccessKeyId"), m->textOf("Status"), m->textOf("CreateDate")});
    if (result->textOf("IsTruncated") != "true") return keys;
    marker = result->textOf("Marker");
    if (marker.empty()) throw missing("ListAccessKeys", "Marker (IsTruncated is true)");
  }
  throw aws::XmlError("ListAccessKeys returned more than 100 pages");
}

NewKey IamApi::createAccessKey(const aws::Credentials& as, const std::string& user) {
  const aws::XmlElement root = iam_.call("CreateAccessKey", {{"UserName", user}}, as, /*idempotent=*/false);
  const aws::XmlElement* key = root.find("CreateAccessKeyResult/AccessKey");
  if (key == nullptr) throw missing("CreateAccessKey", "AccessKey");
  NewKey out;
  out.accessKeyId = key->textOf("AccessKeyId");
  const aws::XmlElement* secret = key->child("SecretAccessKey");
  if (out.accessKeyId.empty() || secret == nullptr || secret->text.empty())
    throw missing("CreateAccessKey", "AccessKeyId and SecretAccessKey");
  out.secretAccessKey = keeper_rotate::Secret(secret->text);  // the tree zeroes its copy when `root` goes
  out.createDate = normaliseIsoDate(key->textOf("CreateDate"));
  return out;
}

bool IamApi::deleteAccessKey(const aws::Credentials& as, const std::string& user, const std::string& keyId) {
  try {
    iam_.call("DeleteAccessKey", {{"UserName", user}, {"AccessKeyId", keyId}}, as);
    return true;
  } catch (const aws::ServiceError& e) {
    if (e.code() == "NoSuchEntity") return false;
    throw;
  }
}

void IamApi::updateAccessKey(const aws::Credentials& as, const std::string& user, const std::string& keyId,
                             const std::string& status) {
  iam_.call("UpdateAccessKey", {{"UserName", user}, {"AccessKeyId", keyId}, {"Status", status}}, as);
}

aws::Credentials IamApi::assumeRole(const aws::Credentials& as, const std::string& roleArn,
                                    const std::string& sessionName, int durationSeconds) {
  const aws::XmlElement root = sts_.call(
      "AssumeRole",
      {{"RoleArn", roleArn}, {"RoleSessionName", sessionName}, {"DurationSeconds", std::to_string(durationSeconds)}},
      as);
  const aws::XmlElement* c = root.find("AssumeRoleResult/Credentials");
  if (c == nullptr) throw missing("AssumeRole", "Credentials");
  const aws::XmlElement* secret = c->child("SecretAccessKey");
  const aws::XmlElement* token = c->child("SessionToken");
  const std::string id = c->textOf("AccessKeyId");
  if (id.empty() || secret == nullptr || token == nullptr || secret->text.empty() || token->text.empty())
    throw missing("AssumeRole", "AccessKeyId, SecretAccessKey and SessionToken");
  return aws::Credentials(id, secret->text, token->text);
}

std::string normaliseIsoDate(const std::string& text) {
  int y, mo, d, h, mi, s;
  char rest[32] = {0};
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%31s", &y, &mo, &d, &h, &mi, &s, rest) < 6) return text;
  std::string tail = rest;
  if (!tail.empty() && tail[0] == '.') {  // fractions: dropped
    std::size_t i = 1;
    while (i < tail.size() && std::isdigit(static_cast<unsigned char>(tail[i]))) ++i;
    tail = tail.substr(i);
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  std::time_t t = timegm(&tm);
  if (tail == "Z" || tail.empty() || tail == "+00:00") {
  } else if ((tail[0] == '+' || tail[0] == '-') && tail.size() == 6 && tail[3] == ':' &&
             std::isdigit(static_cast<unsigned char>(tail[1])) && std::isdigit(static_cast<unsigned char>(tail[2])) &&
             std::isdigit(static_cast<unsigned char>(tail[4])) && std::isdigit(static_cast<unsigned char>(tail[5]))) {
    const int offset = (std::stoi(tail.substr(1, 2)) * 60 + std::stoi(tail.substr(4, 2))) * 60;
    t += tail[0] == '+' ? -offset : offset;
  } else {
    return text;
  }
  std::tm out{};
  gmtime_r(&t, &out);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &out);
  return buf;
}

}  // namespace kr_aws_iam
