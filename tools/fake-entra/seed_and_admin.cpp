// Seed documents (JSON) and the admin API under /_fake/ for out-of-process tests and the demo:
//   GET /_fake/state            directory without secret values
//   GET /_fake/requests         request log;            DELETE /_fake/requests clears it
//   POST /_fake/faults          add a fault (object or array, fields as struct Fault); DELETE /_fake/faults clears
//   POST /_fake/propagation     {"delayMs":N,"rejectFirstAttempts":K}
//   POST /_fake/seed            add tenants from a seed document
//   POST /_fake/expire-tokens   expire every access token issued so far
#include "fake_entra_impl.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <sstream>
#include <stdexcept>

namespace keeper_rotate::fake_entra {
namespace {

std::string str(const Poco::JSON::Object::Ptr& o, const char* key, const std::string& fallback = "") {
  return o->has(key) && !o->get(key).isEmpty() ? o->get(key).toString() : fallback;
}
int integer(const Poco::JSON::Object::Ptr& o, const char* key, int fallback) {
  return o->has(key) && !o->get(key).isEmpty() ? o->getValue<int>(key) : fallback;
}
std::vector<std::string> strings(const Poco::JSON::Object::Ptr& o, const char* key) {
  std::vector<std::string> out;
  if (auto arr = o->getArray(key))
    for (std::size_t i = 0; i < arr->size(); ++i) out.push_back(arr->get(i).toString());
  return out;
}

Fault parseFault(const Poco::JSON::Object::Ptr& o) {
  Fault f;
  f.method = str(o, "method");
  f.pathContains = str(o, "pathContains");
  f.queryContains = str(o, "queryContains");
  f.times = integer(o, "times", 1);
  f.status = integer(o, "status", 0);
  f.code = str(o, "code");
  f.message = str(o, "message");
  f.body = str(o, "body");
  f.delayMs = integer(o, "delayMs", 0);
  f.drop = o->has("drop") && o->getValue<bool>("drop");
  f.afterHandling = o->has("afterHandling") && o->getValue<bool>("afterHandling");
  if (auto headers = o->getObject("headers"))
    for (const auto& name : headers->getNames()) f.headers.emplace_back(name, headers->get(name).toString());
  return f;
}

Propagation parsePropagation(const Poco::JSON::Object::Ptr& o) {
  Propagation p;
  p.delay = std::chrono::milliseconds(integer(o, "delayMs", 0));
  p.rejectFirstAttempts = integer(o, "rejectFirstAttempts", 0);
  p.removeMissesAfterAdd = integer(o, "removeMissesAfterAdd", 0);
  p.newKeyHiddenReads = integer(o, "newKeyHiddenReads", 0);
  p.concurrentWriteWindow = std::chrono::milliseconds(integer(o, "concurrentWriteWindowMs", 0));
  return p;
}

struct Seed {
  std::vector<Tenant> tenants;
  std::optional<Propagation> propagation;
};

}  // namespace

namespace {
Seed parseSeed(FakeEntra::Impl& impl, const std::string& json) {
  Seed seed;
  Poco::JSON::Object::Ptr root;
  try {
    root = Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("fake-entra seed is not a JSON object: ") + e.what());
  }
  if (auto p = root->getObject("propagation"))
    seed.propagation = parsePropagation(p);
  auto tenants = root->getArray("tenants");
  for (std::size_t i = 0; tenants && i < tenants->size(); ++i) {
    auto t = tenants->getObject(i);
    Tenant tenant;
    tenant.id = str(t, "id", newGuid());
    tenant.domains = strings(t, "domains");
    tenant.maxPasswordLifetimeDays = integer(t, "maxPasswordLifetimeDays", 0);
    tenant.lifetimePolicyId = str(t, "lifetimePolicyId", tenant.lifetimePolicyId);
    auto apps = t->getArray("apps");
    for (std::size_t j = 0; apps && j < apps->size(); ++j) {
      auto a = apps->getObject(j);
      Application app;
      app.id = str(a, "id", newGuid());
      app.appId = str(a, "appId", newGuid());
      app.displayName = str(a, "displayName", "app");
      app.signInAudience = str(a, "signInAudience", app.signInAudience);
      app.permissions = strings(a, "permissions");
      app.ownerAppIds = strings(a, "ownerAppIds");
      auto passwords = a->getArray("passwords");
      for (std::size_t k = 0; passwords && k < passwords->size(); ++k) {
        auto p = passwords->getObject(k);
        const auto now = std::chrono::system_clock::now();
        PasswordCredential cred = impl.newPassword(str(p, "displayName"), now,
                                                   now + std::chrono::hours(24) * integer(p, "lifetimeDays", 365), "");
        cred.rejectionsLeft = 0;
        cred.removeMissesLeft = 0;
        cred.hiddenReadsLeft = 0;
        cred.created = now - std::chrono::hours(24);
        cred.keyId = str(p, "keyId", cred.keyId);
        if (p->has("secretText")) {
          cred.secretText = str(p, "secretText");
          cred.hint = cred.secretText.substr(0, 3);
        }
        app.passwords.push_back(cred);
      }
      tenant.apps.push_back(std::move(app));
    }
    seed.tenants.push_back(std::move(tenant));
  }
  return seed;
}

std::string stateJsonLocked(const FakeEntra::Impl& impl) {
  Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
  Poco::JSON::Array tenants;
  for (const auto& t : impl.tenants) {
    Poco::JSON::Object to(Poco::JSON_PRESERVE_KEY_ORDER);
    to.set("id", t.id);
    Poco::JSON::Array apps;
    for (const auto& a : t.apps) {
      Poco::JSON::Object ao(Poco::JSON_PRESERVE_KEY_ORDER);
      ao.set("id", a.id);
      ao.set("appId", a.appId);
      ao.set("displayName", a.displayName);
      Poco::JSON::Array pw;
      for (const auto& p : a.passwords) {
        Poco::JSON::Object po(Poco::JSON_PRESERVE_KEY_ORDER);
        po.set("keyId", p.keyId);
        po.set("displayName", p.displayName ? Poco::Dynamic::Var(*p.displayName) : Poco::Dynamic::Var());
        po.set("hint", p.hint ? Poco::Dynamic::Var(*p.hint) : Poco::Dynamic::Var());
        po.set("startDateTime", p.startDateTime);
        po.set("endDateTime", p.endDateTime);
        pw.add(po);
      }
      ao.set("passwordCredentials", pw);
      apps.add(ao);
    }
    to.set("apps", apps);
    tenants.add(to);
  }
  root.set("tenants", tenants);
  return toJson(root);
}
}  // namespace

void FakeEntra::loadSeed(const std::string& json) {
  Seed seed = parseSeed(*impl_, json);
  std::lock_guard<std::mutex> lock(impl_->mutex);
  for (auto& t : seed.tenants) impl_->tenants.push_back(std::move(t));
  if (seed.propagation) impl_->propagation = *seed.propagation;
}

std::string FakeEntra::stateJson() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return stateJsonLocked(*impl_);
}

Reply FakeEntra::Impl::admin(const Incoming& in) {
  Reply r;
  r.headers = {{"Content-Type", "application/json"}};
  try {
    if (in.method == "GET" && in.path == "/_fake/state") {
      r.body = stateJsonLocked(*this);
    } else if (in.path == "/_fake/requests" && in.method == "GET") {
      Poco::JSON::Array arr;
      for (const auto& e : log) {
        Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
        o.set("method", e.method);
        o.set("path", e.path);
        o.set("query", e.query);
        o.set("status", e.status);
        o.set("clientId", e.clientId);
        o.set("faulted", e.faulted);
        arr.add(o);
      }
      std::ostringstream out;
      arr.stringify(out);
      r.body = out.str();
    } else if (in.path == "/_fake/requests" && in.method == "DELETE") {
      log.clear();
      r.status = 204;
    } else if (in.path == "/_fake/faults" && in.method == "POST") {
      auto parsed = Poco::JSON::Parser().parse(in.body);
      if (parsed.type() == typeid(Poco::JSON::Array::Ptr)) {
        auto arr = parsed.extract<Poco::JSON::Array::Ptr>();
        for (std::size_t i = 0; i < arr->size(); ++i) faults.push_back(parseFault(arr->getObject(i)));
      } else {
        faults.push_back(parseFault(parsed.extract<Poco::JSON::Object::Ptr>()));
      }
      r.status = 204;
    } else if (in.path == "/_fake/faults" && in.method == "DELETE") {
      faults.clear();
      r.status = 204;
    } else if (in.path == "/_fake/propagation" && in.method == "POST") {
      auto o = Poco::JSON::Parser().parse(in.body).extract<Poco::JSON::Object::Ptr>();
      propagation = parsePropagation(o);
      r.status = 204;
    } else if (in.path == "/_fake/seed" && in.method == "POST") {
      Seed seed = parseSeed(*this, in.body);
      for (auto& t : seed.tenants) tenants.push_back(std::move(t));
      if (seed.propagation) propagation = *seed.propagation;
      r.status = 204;
    } else if (in.path == "/_fake/expire-tokens" && in.method == "POST") {
      for (auto& [token, info] : tokens) info.expires = std::chrono::system_clock::now() - std::chrono::seconds(1);
      r.status = 204;
    } else {
      r.status = 404;
      r.body = R"({"error":"unknown admin endpoint"})";
    }
  } catch (const std::exception& e) {
    r.status = 400;
    Poco::JSON::Object o;
    o.set("error", std::string(e.what()));
    r.body = toJson(o);
  }
  return r;
}

}  // namespace keeper_rotate::fake_entra
