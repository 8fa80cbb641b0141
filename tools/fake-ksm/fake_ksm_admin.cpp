// Admin endpoints of the fake (used by the executable, the demo and the Node fidelity test): seeding and reading
// records in plain form, tokens, devices and fault injection. Loopback only, and guarded by a bearer token printed
// at startup, because plain record reads expose secrets.
#include "fake_ksm_impl.hpp"

#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include <sstream>

namespace keeper_rotate::fakeksm {
namespace {

using Poco::JSON::Object;

void reply(Poco::Net::HTTPServerResponse& resp, int status, const std::string& body) {
  resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  resp.setContentType("application/json");
  resp.setContentLength(static_cast<std::streamsize>(body.size()));
  resp.send().write(body.data(), static_cast<std::streamsize>(body.size()));
}

std::string message(const std::string& key, const std::string& value) {
  Object o;
  o.set(key, value);
  std::ostringstream s;
  o.stringify(s);
  return s.str();
}

Poco::Dynamic::Var parsed(const std::string& json) {
  Poco::JSON::Parser parser;
  return parser.parse(json);
}

}  // namespace

void FakeKsm::Impl::handleAdmin(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                                const std::string& path, const std::string& body) {
  std::string token;
  {
    std::lock_guard<std::mutex> lock(mutex);
    token = adminToken;
  }
  if (token.empty() || request.get("Authorization", "") != "Bearer " + token) {
    reply(response, 403, message("error", "admin token required"));
    return;
  }
  try {
    const std::string method = request.getMethod();
    if (path == "/admin/token" && method == "POST") {
      reply(response, 200, message("token", owner->createOneTimeToken()));
    } else if (path == "/admin/device" && method == "POST") {
      reply(response, 200, owner->createDevice().json);
    } else if (path == "/admin/seed" && method == "POST") {
      owner->loadSeed(body);
      reply(response, 200, "{}");
    } else if (path.rfind("/admin/record/", 0) == 0) {
      const std::string uid = path.substr(14);
      if (method == "GET") {
        Object o(Poco::JSON_PRESERVE_KEY_ORDER);
        o.set("uid", uid);
        o.set("revision", owner->revision(uid));
        o.set("data", parsed(owner->readRecord(uid)));
        auto staged = owner->stagedRecord(uid);
        o.set("staged", staged ? parsed(*staged) : Poco::Dynamic::Var());
        std::ostringstream s;
        o.stringify(s);
        reply(response, 200, s.str());
      } else {
        Poco::URI uri(request.getURI());
        std::string folder;
        for (const auto& [k, v] : uri.getQueryParameters())
          if (k == "folder") folder = v;
        if (!folder.empty()) owner->addSharedFolder(folder);
        owner->putRecord(uid, body, folder);
        reply(response, 200, "{}");
      }
    } else if (path == "/admin/fault" && method == "POST") {
      auto f = parsed(body).extract<Object::Ptr>();
      const std::string type = f->getValue<std::string>("type");
      if (type == "throttle") {
        owner->throttleNext(f->getValue<int>("count"), f->has("retryAfter") ? f->getValue<double>("retryAfter") : 0.0);
      } else if (type == "rotateKey") {
        owner->rotateKeyId(f->getValue<int>("keyId"));
      } else if (type == "failUpdate") {
        owner->failNextUpdate(f->getValue<std::string>("uid"), f->has("status") ? f->getValue<int>("status") : 500,
                              f->has("error") ? f->getValue<std::string>("error") : "internal_error");
      } else if (type == "bumpRevision") {
        owner->bumpRevision(f->getValue<std::string>("uid"));
      } else if (type == "corruptRecord") {
        owner->corruptRecordData(f->getValue<std::string>("uid"));
      } else if (type == "readOnly") {
        owner->setEditable(f->getValue<std::string>("uid"), false);
      } else if (type == "changePassword") {
        owner->changePasswordBeforeNextUpdate(f->getValue<std::string>("uid"), f->getValue<std::string>("password"));
      } else {
        reply(response, 400, message("error", "unknown fault type " + type));
        return;
      }
      reply(response, 200, "{}");
    } else {
      reply(response, 404, message("error", "unknown admin path"));
    }
  } catch (const std::exception& e) {
    reply(response, 400, message("error", e.what()));
  }
}

}  // namespace keeper_rotate::fakeksm
