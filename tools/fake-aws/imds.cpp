// EC2 instance metadata service, version 2 (docs/aws-iam.md §6): session tokens from PUT /latest/api/token,
// the instance role's name and its temporary credentials under /latest/meta-data/iam/security-credentials/, 401
// for a missing or bad token when only IMDSv2 is allowed, and a token PUT that is never answered while the hop
// limit blocks it (a container one network hop too far away).
#include "fake_aws_impl.hpp"

#include <keeper_rotate/text.hpp>

#include <Poco/StreamCopier.h>

namespace keeper_rotate::fake_aws {
namespace {

const std::string kTokenPath = "/latest/api/token";
const std::string kCredentialsPath = "/latest/meta-data/iam/security-credentials/";
constexpr int kMaxTokenTtl = 21600;

Reply plain(int status, const std::string& body, const std::string& contentType = "text/plain") {
  Reply r;
  r.status = status;
  r.headers = {{"Content-Type", contentType}, {"Server", "EC2ws"}};
  r.body = body;
  return r;
}

Reply notFound() {
  return plain(404,
               "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 "
               "Transitional//EN\"\n\t\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n<html "
               "xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n <head>\n  <title>404 - Not "
               "Found</title>\n </head>\n <body>\n  <h1>404 - Not Found</h1>\n </body>\n</html>\n",
               "text/html");
}

Reply unauthorized() { return plain(401, ""); }

bool parseTtl(const std::string& text, int& out) {
  if (text.empty() || text.size() > 6) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  out = std::stoi(text);
  return out >= 1 && out <= kMaxTokenTtl;
}

}  // namespace

void FakeAws::Impl::handleImds(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
  const InFlight running(*this);
  Incoming in;
  in.method = request.getMethod();
  const std::string& target = request.getURI();
  in.path = target.substr(0, target.find('?'));
  for (const auto& [k, v] : request) in.headers.emplace_back(k, v);
  std::string ignored;
  Poco::StreamCopier::copyToString(request.stream(), ignored);

  LoggedRequest entry;
  entry.service = "imds";
  entry.action = in.method + " " + in.path;

  std::optional<Fault> fault;
  int hangs = 0;
  std::chrono::milliseconds hang{0};
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto it = faults.begin(); it != faults.end(); ++it) {
      if (it->service != "imds" || !(it->action.empty() || entry.action.rfind(it->action, 0) == 0)) continue;
      fault = *it;
      if (--it->times <= 0) faults.erase(it);
      break;
    }
    if (in.method == "PUT" && in.path == kTokenPath && instanceProfile.hopLimitBlocks > 0) {
      hangs = instanceProfile.hopLimitBlocks--;
      hang = instanceProfile.hopLimitHang;
    }
  }
  entry.faulted = fault.has_value();
  auto finish = [&](const Reply& reply) {
    entry.status = reply.status;
    std::lock_guard<std::mutex> lock(mutex);
    record(entry);
  };

  if (hangs > 0) {
    // The response would need one hop more than the hop limit allows: the client never hears back.
    interruptibleDelay(hang);
    finish(Reply{0, {}, "", ""});
    dropConnection(request);
  }
  if (fault && fault->delayMs > 0) interruptibleDelay(std::chrono::milliseconds(fault->delayMs));
  if (fault && !fault->afterHandling && fault->drop) {
    finish(Reply{0, {}, "", ""});
    dropConnection(request);
  }
  if (fault && !fault->afterHandling && fault->status != 0) {
    Reply r = plain(fault->status, fault->body);
    for (const auto& h : fault->headers) r.headers.push_back(h);
    finish(r);
    send(response, r);
    return;
  }

  Reply reply;
  {
    std::lock_guard<std::mutex> lock(mutex);
    const auto now = std::chrono::steady_clock::now();
    if (in.path == kTokenPath) {
      int ttl = 0;
      if (in.method != "PUT")
        reply = plain(405, "");
      else if (in.hasHeader("X-Forwarded-For"))
        reply = plain(403, "");  // IMDS refuses token requests that went through a proxy
      else if (!parseTtl(in.header("X-aws-ec2-metadata-token-ttl-seconds"), ttl))
        reply = plain(400, "");
      else {
        const std::string token = newImdsToken();
        imdsTokens[token] = now + std::chrono::seconds(ttl);
        reply = plain(200, token);
        reply.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds", std::to_string(ttl));
      }
    } else if (in.method != "GET" && in.method != "HEAD") {
      reply = plain(405, "");
    } else {
      const bool hasToken = in.hasHeader("X-aws-ec2-metadata-token");
      bool tokenOk = false;
      if (hasToken) {
        auto it = imdsTokens.find(in.header("X-aws-ec2-metadata-token"));
        tokenOk = it != imdsTokens.end() && now < it->second;
      }
      if (hasToken ? !tokenOk : instanceProfile.v2Only) {
        reply = unauthorized();
      } else if (in.path == "/latest/meta-data/instance-id") {
        reply = plain(200, instanceProfile.instanceId);
      } else if (in.path == kCredentialsPath || in.path + "/" == kCredentialsPath) {
        reply = instanceProfile.roleName.empty() ? notFound() : plain(200, instanceProfile.roleName);
      } else if (in.path == "/latest/meta-data/iam/info") {
        if (instanceProfile.roleName.empty()) {
          reply = notFound();
        } else {
          reply = plain(200,
                        "{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : " +
                            jsonText(isoTime(std::chrono::system_clock::now())) + ",\n  \"InstanceProfileArn\" : " +
                            jsonText("arn:" + account.partition + ":iam::" + account.accountId + ":instance-profile/" +
                                     instanceProfile.roleName) +
                            ",\n  \"InstanceProfileId\" : \"AIPAFAKEAWSINSTANCE01\"\n}");
        }
      } else if (in.path.rfind(kCredentialsPath, 0) == 0 && !instanceProfile.roleName.empty() &&
                 in.path.substr(kCredentialsPath.size()) == instanceProfile.roleName) {
        // The instance role's current session; renewed well before it expires, as EC2 does.
        auto it = sessions.find(instanceSessionKeyId);
        if (it == sessions.end() || it->second.expires - std::chrono::system_clock::now() < std::chrono::minutes(15)) {
          Role fallback;
          fallback.roleName = instanceProfile.roleName;
          fallback.roleId = "AROAFAKEAWSINSTANCE01";
          const Role* role = findRole(instanceProfile.roleName);
          Session& s = startSession(role ? *role : fallback, instanceProfile.instanceId, std::chrono::hours(6));
          instanceSessionKeyId = s.credentials.accessKeyId;
          it = sessions.find(instanceSessionKeyId);
        }
        const SessionCredentials& c = it->second.credentials;
        reply = plain(200,
                      "{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : " +
                          jsonText(isoTime(std::chrono::system_clock::now())) +
                          ",\n  \"Type\" : \"AWS-HMAC\",\n  \"AccessKeyId\" : " + jsonText(c.accessKeyId) +
                          ",\n  \"SecretAccessKey\" : " + jsonText(c.secretAccessKey) + ",\n  \"Token\" : " +
                          jsonText(c.sessionToken) + ",\n  \"Expiration\" : " + jsonText(c.expiration) + "\n}");
      } else {
        reply = notFound();
      }
    }
  }
  if (fault && fault->afterHandling) {
    if (fault->drop) {
      finish(Reply{0, {}, "", ""});
      dropConnection(request);
    }
    if (fault->status != 0) reply = plain(fault->status, fault->body);
  }
  finish(reply);
  send(response, reply);
}

}  // namespace keeper_rotate::fake_aws
