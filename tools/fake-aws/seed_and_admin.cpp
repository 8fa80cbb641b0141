// Seed documents (JSON, format in README.md) and the admin API under /_fake/ on the HTTPS server, for tests that
// run the fake out of process and for the demo:
//   GET    /_fake/state                         account, users, keys, roles (never a secret value)
//   GET    /_fake/requests                      request log;  DELETE /_fake/requests clears it
//   POST   /_fake/faults                        add a fault (object or array, fields as struct Fault)
//   DELETE /_fake/faults                        clear faults
//   POST   /_fake/consistency                   {"delayMs","rejectFirstAttempts","pattern","never"}
//   POST   /_fake/instance-profile              {"roleName","v2Only","hopLimitBlocks","hopLimitHangMs","instanceId"}
//   POST   /_fake/clock-skew                    {"seconds": N}
//   POST   /_fake/seed                          merge a seed document
//   POST   /_fake/users/{user}/keys             create a key as CreateAccessKey would, answer it with its secret
//   DELETE /_fake/users/{user}/keys/{keyId}     delete a key
//   POST   /_fake/roles/{role}/sessions         {"sessionName","durationSeconds"}: temporary credentials
//   POST   /_fake/expire-sessions               every role session issued so far expires
#include "fake_aws_impl.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <keeper_rotate/text.hpp>

#include <sstream>
#include <stdexcept>

namespace keeper_rotate::fake_aws {
namespace {

using Obj = Poco::JSON::Object::Ptr;

std::string str(const Obj& o, const char* key, const std::string& fallback = "") {
  return o->has(key) && !o->get(key).isEmpty() ? o->get(key).toString() : fallback;
}
int integer(const Obj& o, const char* key, int fallback) {
  return o->has(key) && !o->get(key).isEmpty() ? o->getValue<int>(key) : fallback;
}
bool boolean(const Obj& o, const char* key, bool fallback) {
  return o->has(key) && !o->get(key).isEmpty() ? o->getValue<bool>(key) : fallback;
}
std::vector<std::string> strings(const Obj& o, const char* key, std::vector<std::string> fallback = {}) {
  if (!o->has(key)) return fallback;
  std::vector<std::string> out;
  if (auto arr = o->getArray(key))
    for (std::size_t i = 0; i < arr->size(); ++i) out.push_back(arr->get(i).toString());
  return out;
}

Obj parseObject(const std::string& json, const char* what) {
  try {
    auto parsed = Poco::JSON::Parser().parse(json);
    if (parsed.type() != typeid(Obj)) throw std::invalid_argument("not an object");
    return parsed.extract<Obj>();
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("fake-aws ") + what + " is not a JSON object: " + e.what());
  }
}

Fault parseFault(const Obj& o) {
  Fault f;
  f.action = str(o, "action");
  f.service = str(o, "service");
  f.times = integer(o, "times", 1);
  f.status = integer(o, "status", 0);
  f.code = str(o, "code");
  f.message = str(o, "message");
  f.body = str(o, "body");
  f.delayMs = integer(o, "delayMs", 0);
  f.drop = boolean(o, "drop", false);
  f.afterHandling = boolean(o, "afterHandling", false);
  if (auto headers = o->getObject("headers"))
    for (const auto& name : headers->getNames()) f.headers.emplace_back(name, headers->get(name).toString());
  return f;
}

Consistency parseConsistency(const Obj& o) {
  Consistency c;
  c.delay = std::chrono::milliseconds(integer(o, "delayMs", 0));
  c.rejectFirstAttempts = integer(o, "rejectFirstAttempts", 0);
  c.pattern = str(o, "pattern");
  c.never = boolean(o, "never", false);
  for (char ch : c.pattern)
    if (ch != 'x' && ch != '.') throw std::invalid_argument("fake-aws consistency pattern takes only 'x' and '.'");
  return c;
}

InstanceProfile parseInstanceProfile(const Obj& o) {
  InstanceProfile p;
  p.roleName = str(o, "roleName");
  p.v2Only = boolean(o, "v2Only", true);
  p.hopLimitBlocks = integer(o, "hopLimitBlocks", 0);
  p.hopLimitHang = std::chrono::milliseconds(integer(o, "hopLimitHangMs", 3000));
  p.instanceId = str(o, "instanceId", p.instanceId);
  return p;
}

std::string json(const Poco::JSON::Object& o) {
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

Poco::JSON::Array array(const std::vector<std::string>& items) {
  Poco::JSON::Array a;
  for (const auto& i : items) a.add(i);
  return a;
}

Reply jsonReply(int status, const std::string& body) {
  Reply r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = body;
  return r;
}

std::string keyJson(const AccessKey& k, const std::string& userName) {
  Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("userName", userName);
  o.set("accessKeyId", k.accessKeyId);
  o.set("secretAccessKey", k.secretAccessKey);
  o.set("status", k.status);
  o.set("createDate", k.createDate);
  return json(o);
}

}  // namespace

void FakeAws::Impl::applySeed(const std::string& text) {
  const Obj root = parseObject(text, "seed");
  // Parse everything first, so a bad document changes nothing.
  Account next = account;
  if (auto a = root->getObject("account")) {
    next.accountId = str(a, "accountId", next.accountId);
    next.partition = str(a, "partition", next.partition);
  }
  if (next.accountId.size() != 12 || next.accountId.find_first_not_of("0123456789") != std::string::npos)
    throw std::invalid_argument("fake-aws seed: accountId must be 12 digits");
  if (next.partition != "aws" && next.partition != "aws-us-gov" && next.partition != "aws-cn")
    throw std::invalid_argument("fake-aws seed: partition must be aws, aws-us-gov or aws-cn");
  auto users = root->getArray("users");
  for (std::size_t i = 0; users && i < users->size(); ++i) {
    const Obj u = users->getObject(i);
    if (!u) throw std::invalid_argument("fake-aws seed: users[] holds objects");
    User user;
    user.userName = str(u, "userName");
    if (user.userName.empty()) throw std::invalid_argument("fake-aws seed: a user needs userName");
    user.userId = str(u, "userId");
    user.path = str(u, "path", "/");
    user.createDate = str(u, "createDate");
    user.permissions = strings(u, "permissions");
    user.resources = strings(u, "resources", {"*"});
    auto keys = u->getArray("keys");
    for (std::size_t k = 0; keys && k < keys->size(); ++k) {
      const Obj ko = keys->getObject(k);
      AccessKey key;
      key.accessKeyId = str(ko, "accessKeyId");
      key.secretAccessKey = str(ko, "secretAccessKey");
      key.status = str(ko, "status", "Active");
      key.createDate = str(ko, "createDate");
      if (key.status != "Active" && key.status != "Inactive")
        throw std::invalid_argument("fake-aws seed: key status must be Active or Inactive");
      user.keys.push_back(key);
    }
    if (user.keys.size() > 2) throw std::invalid_argument("fake-aws seed: user " + user.userName + " has more than 2 keys");
    normalise(user);
    bool replaced = false;
    for (auto& existing : next.users)
      if (text::iequals(existing.userName, user.userName)) {
        existing = user;
        replaced = true;
      }
    if (!replaced) next.users.push_back(user);
  }
  auto roles = root->getArray("roles");
  for (std::size_t i = 0; roles && i < roles->size(); ++i) {
    const Obj r = roles->getObject(i);
    if (!r) throw std::invalid_argument("fake-aws seed: roles[] holds objects");
    Role role;
    role.roleName = str(r, "roleName");
    if (role.roleName.empty()) throw std::invalid_argument("fake-aws seed: a role needs roleName");
    role.roleId = str(r, "roleId");
    role.path = str(r, "path", "/");
    role.permissions = strings(r, "permissions");
    role.resources = strings(r, "resources", {"*"});
    role.trustedUsers = strings(r, "trustedUsers");
    role.maxSessionDuration = integer(r, "maxSessionDuration", 3600);
    normalise(role);
    bool replaced = false;
    for (auto& existing : next.roles)
      if (text::iequals(existing.roleName, role.roleName)) {
        existing = role;
        replaced = true;
      }
    if (!replaced) next.roles.push_back(role);
  }
  std::optional<Consistency> c;
  if (auto o = root->getObject("consistency")) c = parseConsistency(o);
  std::optional<InstanceProfile> p;
  if (auto o = root->getObject("instanceProfile")) p = parseInstanceProfile(o);
  const int skew = integer(root, "clockSkewSeconds", static_cast<int>(clockSkewLimit.count()));

  account = std::move(next);
  if (c) consistency = *c;
  if (p) {
    instanceProfile = *p;
    instanceSessionKeyId.clear();
  }
  clockSkewLimit = std::chrono::seconds(skew);
}

std::string FakeAws::Impl::stateJsonLocked() const {
  Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
  Poco::JSON::Object acct(Poco::JSON_PRESERVE_KEY_ORDER);
  acct.set("accountId", account.accountId);
  acct.set("partition", account.partition);
  root.set("account", acct);
  Poco::JSON::Array users;
  for (const auto& u : account.users) {
    Poco::JSON::Object uo(Poco::JSON_PRESERVE_KEY_ORDER);
    uo.set("userName", u.userName);
    uo.set("userId", u.userId);
    uo.set("arn", userArn(u));
    uo.set("permissions", array(u.permissions));
    uo.set("resources", array(u.resources));
    Poco::JSON::Array keys;
    for (const auto& k : u.keys) {
      Poco::JSON::Object ko(Poco::JSON_PRESERVE_KEY_ORDER);
      ko.set("accessKeyId", k.accessKeyId);
      ko.set("status", k.status);
      ko.set("createDate", k.createDate);
      ko.set("lastUsedDate", k.lastUsedDate);
      keys.add(ko);
    }
    uo.set("keys", keys);
    users.add(uo);
  }
  root.set("users", users);
  Poco::JSON::Array roles;
  for (const auto& r : account.roles) {
    Poco::JSON::Object ro(Poco::JSON_PRESERVE_KEY_ORDER);
    ro.set("roleName", r.roleName);
    ro.set("roleId", r.roleId);
    ro.set("arn", roleArn(r));
    ro.set("permissions", array(r.permissions));
    ro.set("trustedUsers", array(r.trustedUsers));
    roles.add(ro);
  }
  root.set("roles", roles);
  Poco::JSON::Array sessionList;
  for (const auto& [id, s] : sessions) {
    Poco::JSON::Object so(Poco::JSON_PRESERVE_KEY_ORDER);
    so.set("accessKeyId", id);
    so.set("arn", s.credentials.assumedRoleArn);
    so.set("expiration", s.credentials.expiration);
    sessionList.add(so);
  }
  root.set("sessions", sessionList);
  root.set("mutations", static_cast<Poco::UInt64>(mutationCount));
  return json(root);
}

std::string FakeAws::stateJson() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->stateJsonLocked();
}

void FakeAws::loadSeed(const std::string& json) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->applySeed(json);
}

Reply FakeAws::Impl::admin(const Incoming& in) {
  try {
    const std::string& path = in.path;
    if (in.method == "GET" && path == "/_fake/state") return jsonReply(200, stateJsonLocked());
    if (path == "/_fake/requests" && in.method == "GET") {
      Poco::JSON::Array arr;
      for (const auto& e : log) {
        Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
        o.set("service", e.service);
        o.set("action", e.action);
        o.set("accessKeyId", e.accessKeyId);
        o.set("userName", e.userName);
        o.set("status", e.status);
        o.set("errorCode", e.errorCode);
        o.set("faulted", e.faulted);
        arr.add(o);
      }
      std::ostringstream out;
      arr.stringify(out);
      return jsonReply(200, out.str());
    }
    if (path == "/_fake/requests" && in.method == "DELETE") {
      log.clear();
      return jsonReply(204, "");
    }
    if (path == "/_fake/faults" && in.method == "POST") {
      auto parsed = Poco::JSON::Parser().parse(in.body);
      if (parsed.type() == typeid(Poco::JSON::Array::Ptr)) {
        auto arr = parsed.extract<Poco::JSON::Array::Ptr>();
        for (std::size_t i = 0; i < arr->size(); ++i) faults.push_back(parseFault(arr->getObject(i)));
      } else {
        faults.push_back(parseFault(parsed.extract<Obj>()));
      }
      return jsonReply(204, "");
    }
    if (path == "/_fake/faults" && in.method == "DELETE") {
      faults.clear();
      return jsonReply(204, "");
    }
    if (path == "/_fake/consistency" && in.method == "POST") {
      consistency = parseConsistency(parseObject(in.body, "consistency"));
      return jsonReply(204, "");
    }
    if (path == "/_fake/instance-profile" && in.method == "POST") {
      instanceProfile = parseInstanceProfile(parseObject(in.body, "instance profile"));
      instanceSessionKeyId.clear();
      return jsonReply(204, "");
    }
    if (path == "/_fake/clock-skew" && in.method == "POST") {
      clockSkewLimit = std::chrono::seconds(integer(parseObject(in.body, "clock skew"), "seconds", 300));
      return jsonReply(204, "");
    }
    if (path == "/_fake/seed" && in.method == "POST") {
      applySeed(in.body);
      return jsonReply(204, "");
    }
    if (path == "/_fake/expire-sessions" && in.method == "POST") {
      for (auto& [id, s] : sessions) s.expires = std::chrono::system_clock::now() - std::chrono::seconds(1);
      return jsonReply(204, "");
    }
    const std::string usersPrefix = "/_fake/users/";
    if (path.rfind(usersPrefix, 0) == 0) {
      const std::string rest = path.substr(usersPrefix.size());
      const std::size_t slash = rest.find('/');
      const std::string name = rest.substr(0, slash);
      const std::string tail = slash == std::string::npos ? "" : rest.substr(slash);
      User* user = findUser(name);
      if (!user) return jsonReply(404, R"({"error":"no such user"})");
      if (tail == "/keys" && in.method == "POST") {
        const std::string status = in.body.empty() ? "Active" : str(parseObject(in.body, "key"), "status", "Active");
        if (status != "Active" && status != "Inactive") return jsonReply(400, R"({"error":"status: Active or Inactive"})");
        if (user->keys.size() >= 2) return jsonReply(409, R"({"error":"Cannot exceed quota for AccessKeysPerUser: 2"})");
        user->keys.push_back(newKey(status));
        return jsonReply(200, keyJson(user->keys.back(), user->userName));
      }
      if (tail.rfind("/keys/", 0) == 0 && in.method == "DELETE") {
        const std::string id = tail.substr(6);
        for (auto it = user->keys.begin(); it != user->keys.end(); ++it)
          if (it->accessKeyId == id) {
            user->keys.erase(it);
            return jsonReply(204, "");
          }
        return jsonReply(404, R"({"error":"no such key"})");
      }
    }
    const std::string rolesPrefix = "/_fake/roles/";
    if (path.rfind(rolesPrefix, 0) == 0 && in.method == "POST") {
      const std::string rest = path.substr(rolesPrefix.size());
      const std::size_t slash = rest.find('/');
      if (slash != std::string::npos && rest.substr(slash) == "/sessions") {
        const Role* role = findRole(rest.substr(0, slash));
        if (!role) return jsonReply(404, R"({"error":"no such role"})");
        const Obj o = in.body.empty() ? Obj(new Poco::JSON::Object) : parseObject(in.body, "session");
        const Session& s = startSession(*role, str(o, "sessionName", "fake-aws-admin"),
                                        std::chrono::seconds(integer(o, "durationSeconds", 3600)));
        Poco::JSON::Object out(Poco::JSON_PRESERVE_KEY_ORDER);
        out.set("accessKeyId", s.credentials.accessKeyId);
        out.set("secretAccessKey", s.credentials.secretAccessKey);
        out.set("sessionToken", s.credentials.sessionToken);
        out.set("expiration", s.credentials.expiration);
        out.set("arn", s.credentials.assumedRoleArn);
        return jsonReply(200, json(out));
      }
    }
    return jsonReply(404, R"({"error":"unknown admin endpoint"})");
  } catch (const std::exception& e) {
    Poco::JSON::Object o;
    o.set("error", std::string(e.what()));
    return jsonReply(400, json(o));
  }
}

}  // namespace keeper_rotate::fake_aws
