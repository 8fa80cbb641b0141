// Shared set-up of the fake-aws tests: a test CA, the fake seeded with an admin user, a restricted user and a
// target user, a role, an HTTPS client that trusts the test CA, and helpers that sign requests with
// keeper_rotate::aws (QueryClient for results, sign() for raw responses).
#pragma once

#include "fake_aws.hpp"

#include <keeper_rotate/aws/query_client.hpp>
#include <keeper_rotate/aws/sigv4.hpp>
#include <keeper_rotate/https_client.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace fake_aws_test {

namespace aws = keeper_rotate::aws;
namespace https = keeper_rotate::https;
namespace fa = keeper_rotate::fake_aws;

using Params = std::vector<std::pair<std::string, std::string>>;

/// Seeded identities: "admin" (every permission), "reader" (iam:ListAccessKeys and iam:GetUser on every user),
/// "bob" (the rotation target, no permissions, one key), role "rotator" trusted by admin.
struct Fixture {
  keeper_rotate::testsupport::TempDir dir{"fake-aws-test"};
  keeper_rotate::testsupport::TestCa ca;
  fa::FakeAws fake;
  https::Client http;
  std::string adminKeyId = "AKIAADMINFAKE0000001";
  std::string adminSecret = "adminSecretKey/with+Slash000000000000001";
  std::string readerKeyId = "AKIAREADERFAKE000001";
  std::string readerSecret = "readerSecretKey/with+Slash00000000000001";
  std::string bobKeyId = "AKIABOBFAKE000000001";
  std::string bobSecret = "bobSecretKey/with+Slash00000000000000001";
  std::string accountId = "123456789012";

  Fixture();
  ~Fixture();

  aws::Credentials admin() const { return aws::Credentials(adminKeyId, adminSecret); }
  aws::Credentials reader() const { return aws::Credentials(readerKeyId, readerSecret); }
  aws::Credentials bob() const { return aws::Credentials(bobKeyId, bobSecret); }

  /// A QueryClient without retries (every answer is seen as it is).
  aws::QueryClient client(const std::string& service, aws::RetryPolicy retry = noRetry(),
                          const std::string& region = "us-east-1");
  static aws::RetryPolicy noRetry();

  /// Sign and POST Action=...&Version=... with `params`; the raw response.
  https::Response post(const std::string& service, const std::string& action, const Params& params,
                       const aws::Credentials& credentials,
                       std::chrono::system_clock::time_point when = std::chrono::system_clock::now(),
                       const std::string& region = "us-east-1");
  /// A request already built (headers, body), signed for `service` and sent.
  https::Response sendSigned(https::Request request, const std::string& service, const aws::Credentials& credentials,
                             std::chrono::system_clock::time_point when = std::chrono::system_clock::now(),
                             const std::string& region = "us-east-1");
  /// A plain request to the admin API.
  https::Response adminCall(const std::string& method, const std::string& path, const std::string& body = "");

  static std::string formBody(const std::string& action, const std::string& version, const Params& params);
};

/// Body of <tag>...</tag> (first occurrence), "" when absent; for byte-level shape checks.
std::string between(const std::string& body, const std::string& tag);

/// Plain HTTP to the IMDS server: method, path, headers; returns status and body. `timeout` bounds the wait.
struct PlainResponse {
  int status = 0;  ///< 0: no response (connection closed or timed out)
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool timedOut = false;
};
PlainResponse plainHttp(const std::string& baseUrl, const std::string& method, const std::string& path,
                        const std::vector<std::pair<std::string, std::string>>& headers,
                        std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace fake_aws_test
