// Target aws_iam: IAM and STS answers as the aws-iam-access-key provider reads them (plugins/providers/
// aws-iam-access-key/lib, iam_api.hpp: GetCallerIdentity, ListAccessKeys with Marker pagination, CreateAccessKey,
// DeleteAccessKey, UpdateAccessKey, AssumeRole) through KeeperRotate::aws's QueryClient (retries, ErrorResponse
// bodies, Retry-After), against a loopback HTTPS server (support/loopback_server.hpp) that answers every request
// with the fuzzed answer; and the provider's text helpers normaliseIsoDate (iam_api.hpp) and splitKeyIds
// (config.hpp), which read CreateDate from IAM and key-id lists from the record.
//
// Input: the canned answer format of support/fuzz_input.hpp; operations GetCallerIdentity, ListAccessKeys,
// CreateAccessKey, DeleteAccessKey, UpdateAccessKey, AssumeRole; normaliseIsoDate and splitKeyIds take the body as
// their text (the status is ignored). Documented failures: aws::ServiceError, aws::Unreachable,
// aws::OutcomeUnknown, aws::XmlError; normaliseIsoDate returns its input unchanged when it does not parse.
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <keeper_rotate/aws/query_client.hpp>
#include <keeper_rotate/https_client.hpp>
#include <kr_aws_iam/config.hpp>
#include <kr_aws_iam/iam_api.hpp>
#include <string>

#include "fuzz_input.hpp"
#include "loopback_server.hpp"

namespace aws = keeper_rotate::aws;
namespace https = keeper_rotate::https;

namespace {

https::Client& httpClient() {
  static https::Client client([] {
    https::Options o;
    o.caFile = kr_fuzz::LoopbackServer::instance().caFile();
    o.useProxyEnvironment = false;
    o.ioTimeout = std::chrono::seconds(5);
    return o;
  }());
  return client;
}

aws::QueryClient makeClient(const char* version, const char* signingName) {
  aws::RetryPolicy retry;  // two attempts, no waiting: retries are exercised, the run stays fast
  retry.maxAttempts = 2;
  retry.baseDelay = std::chrono::milliseconds(0);
  retry.maxDelay = std::chrono::milliseconds(0);
  retry.totalWaitBudget = std::chrono::milliseconds(1000);
  return aws::QueryClient(
      httpClient(), aws::Service{kr_fuzz::LoopbackServer::instance().baseUrl(), version, {"us-east-1", signingName}},
      retry, [](std::chrono::milliseconds) {}, [](const std::string&) {});
}

std::size_t normaliseIsoDate(const std::string& text) {
  const std::string out = kr_aws_iam::normaliseIsoDate(text);
  // Either the input unchanged or "YYYY-MM-DDTHH:MM:SSZ" (a normalised date is a fixed point).
  if (out != text && kr_aws_iam::normaliseIsoDate(out) != out)
    kr_fuzz::violated("normaliseIsoDate: a normalised date is not a fixed point");
  return out.size();
}

std::size_t splitKeyIds(const std::string& text) {
  const auto ids = kr_aws_iam::splitKeyIds(text);
  for (const auto& id : ids)
    if (id.empty() || id.find(',') != std::string::npos)
      kr_fuzz::violated("splitKeyIds: an empty item or an item with a comma");
  // Keeper's stored form (joinKeyIds) reads back as the same list.
  if (kr_aws_iam::splitKeyIds(kr_aws_iam::joinKeyIds(ids)) != ids)
    kr_fuzz::violated("splitKeyIds(joinKeyIds(ids)) != ids");
  return ids.size() + (kr_aws_iam::validUserName(text) ? 1 : 0);
}

}  // namespace

namespace {

void fuzzOne(std::string_view input) {
  const auto canned = kr_fuzz::parseCannedAnswer(input);
  if (!canned) return;
  const std::string& op = canned->operation;
  if (op == "normaliseIsoDate") {
    kr_fuzz::keep(normaliseIsoDate(canned->body));
    return;
  }
  if (op == "splitKeyIds") {
    kr_fuzz::keep(splitKeyIds(canned->body));
    return;
  }
  if (op != "GetCallerIdentity" && op != "ListAccessKeys" && op != "CreateAccessKey" && op != "DeleteAccessKey" &&
      op != "UpdateAccessKey" && op != "AssumeRole")
    return;

  const kr_fuzz::AnswerScope scope(
      [&canned](Poco::Net::HTTPServerRequest&, const std::string&, Poco::Net::HTTPServerResponse& rs) {
        rs.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(canned->status));
        for (const auto& [name, value] : canned->headers) rs.set(name, value);
        rs.setContentLength(static_cast<std::streamsize>(canned->body.size()));
        rs.send().write(canned->body.data(), static_cast<std::streamsize>(canned->body.size()));
      });
  static aws::QueryClient iam = makeClient("2010-05-08", "iam");
  static aws::QueryClient sts = makeClient("2011-06-15", "sts");
  kr_aws_iam::IamApi api(iam, sts);
  const aws::Credentials as("AKIAFUZZFUZZFUZZFUZZ", "fuzz/secret/access/key/0000000000000000");
  std::size_t total = 0;
  try {
    if (op == "GetCallerIdentity") {
      const auto id = api.getCallerIdentity(as);
      if (id.arn.empty())
        kr_fuzz::violated("getCallerIdentity returned without an Arn");  // documented: XmlError instead
      total += id.account.size() + id.userId.size();
    } else if (op == "ListAccessKeys") {
      for (const auto& key : api.listAccessKeys(as, "fuzz-user"))
        total += key.accessKeyId.size() + key.status.size() + key.createDate.size();
    } else if (op == "CreateAccessKey") {
      const auto key = api.createAccessKey(as, "fuzz-user");
      if (key.accessKeyId.empty() || key.secretAccessKey.empty())
        kr_fuzz::violated(
            "createAccessKey returned without AccessKeyId or SecretAccessKey");  // documented: XmlError instead
      total += key.createDate.size();
    } else if (op == "DeleteAccessKey") {
      total += api.deleteAccessKey(as, "fuzz-user", "AKIAOLDOLDOLDOLDOLD1") ? 1 : 2;
    } else if (op == "UpdateAccessKey") {
      api.updateAccessKey(as, "fuzz-user", "AKIAOLDOLDOLDOLDOLD1", "Inactive");
    } else {
      const aws::Credentials assumed = api.assumeRole(as, "arn:aws:iam::123456789012:role/rotator", "keeper-rotate");
      if (!assumed.temporary())
        kr_fuzz::violated(
            "assumeRole returned credentials without a session token");  // documented: a session token or XmlError
      total += assumed.accessKeyId.size();
    }
  } catch (const aws::ServiceError& e) {
    kr_fuzz::note(e);
    total += e.code().size() + e.requestId().size() + (e.throttling() ? 1 : 0);
  } catch (const aws::Unreachable& e) {
    kr_fuzz::note(e);
  } catch (const aws::OutcomeUnknown& e) {
    kr_fuzz::note(e);
  } catch (const aws::XmlError& e) {
    kr_fuzz::note(e);
  }
  kr_fuzz::keep(total);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return kr_fuzz::run([&] { fuzzOne(kr_fuzz::bytes(data, size)); });
}
