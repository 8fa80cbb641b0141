// The real keeper-rotate binary, as the Gateway runs it, with an STS endpoint whose certificate comes from a CA that
// SSL_CERT_FILE does not hold: exit 3 (config-error at validate) within a second or two, one TLS connection at the
// endpoint (no retry), and a summary error naming the host, the certificate's subject and issuer and SSL_CERT_FILE.
#include "fixture.hpp"
#include "summary_check.hpp"

#include "../../../sdk/https/fault_servers.hpp"

#include <keeper_rotate/text.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <doctest/doctest.h>

#include <sstream>
#include <thread>

namespace {

std::string base64(const std::string& raw) { return keeper_rotate::text::encodeBase64(raw); }

std::string json(const Poco::JSON::Object& o) {
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

struct HostRun {
  int exitCode = -1;
  std::string out, err;
  Poco::JSON::Object::Ptr error;
};

HostRun runHost(const std::string& line, const Poco::Process::Env& env, const std::string& cwd) {
  Poco::Pipe in, out, err;
  Poco::ProcessHandle ph =
      Poco::Process::launch(KR_HOST_BINARY, {"aws-iam-access-key", cwd + "/attached.sh"}, cwd, &in, &out, &err, env);
  HostRun run;
  std::thread errReader([&] {
    Poco::PipeInputStream s(err);
    Poco::StreamCopier::copyToString(s, run.err);
  });
  {
    Poco::PipeOutputStream s(in);
    s << line;
    s.close();
  }
  Poco::PipeInputStream os(out);
  Poco::StreamCopier::copyToString(os, run.out);
  errReader.join();
  run.exitCode = ph.wait();
  krtest::checkSummaryLine(run.out);
  try {
    auto summary = Poco::JSON::Parser().parse(run.out.substr(0, run.out.find('\n'))).extract<Poco::JSON::Object::Ptr>();
    if (summary && summary->has("error") && !summary->isNull("error")) run.error = summary->getObject("error");
  } catch (const std::exception&) {
  }
  return run;
}

}  // namespace

TEST_CASE("aws host e2e: an untrusted STS certificate is exit 3 at once, naming host, subject, issuer, SSL_CERT_FILE") {
  aws_test::Fixture f;
  for (const char* v : {"HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "KSM_CONFIG", "GATEWAY_CONFIG",
                        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"})
    ::unsetenv(v);
  const keeper_rotate::testsupport::TestCa stranger =
      keeper_rotate::testsupport::TestCa::create(f.dir.path() + "/stranger");
  krtest_faults::CountingTlsServer sts(stranger);

  Poco::JSON::Object user(Poco::JSON_PRESERVE_KEY_ORDER);
  user.set("uid", "AwsTlsPamUser000000001");
  user.set("title", "app-deployer access key");
  user.set("login", f.targetUser);
  user.set("aws_access_key_id", f.held().accessKeyId);
  user.set("aws_iam_endpoint", f.fake->baseUrl());
  user.set("aws_sts_endpoint", sts.url());
  user.set("aws_region", "us-east-1");
  user.set("record_writer", "stdout");
  Poco::JSON::Object admin(Poco::JSON_PRESERVE_KEY_ORDER);
  admin.set("uid", "AwsTlsAdminRecord00001");
  admin.set("title", "AWS rotation admin");
  admin.set("aws_access_key_id", f.adminKey.accessKeyId);
  admin.set("aws_secret_access_key", f.adminKey.secretAccessKey);
  Poco::JSON::Array records;
  records.add(user);
  records.add(admin);
  std::ostringstream r;
  records.stringify(r);
  Poco::JSON::Object input(Poco::JSON_PRESERVE_KEY_ORDER);
  input.set("providerRecordUid", "AwsTlsPamConfig0000001");
  input.set("resourceRecordUid", "");
  input.set("userRecordUid", "AwsTlsPamUser000000001");
  input.set("newPassword", "unused-by-aws-Pa55word");
  input.set("oldPassword", "");
  input.set("records", base64(r.str()));

  const Poco::Process::Env env{{"SSL_CERT_FILE", f.ca.caCertFile()}, {"AWS_EC2_METADATA_DISABLED", "true"}};
  const auto start = std::chrono::steady_clock::now();
  const HostRun run = runHost(base64(json(input)) + "\n", env, f.dir.path());
  const auto took = std::chrono::steady_clock::now() - start;
  INFO(run.out);
  INFO(run.err);
  CHECK(run.exitCode == 3);
  REQUIRE(run.error);
  const std::string message = run.error->optValue<std::string>("message", "");
  CHECK(run.error->optValue<std::string>("code", "") == "tls.certificate");
  CHECK(run.error->optValue<std::string>("stage", "") == "validate");
  CHECK(message.find("localhost:" + std::to_string(sts.port())) != std::string::npos);
  CHECK(message.find("subject 'CN=localhost,O=keeper-rotate tests'") != std::string::npos);
  CHECK(message.find("issuer 'CN=keeper-rotate test CA,O=keeper-rotate tests'") != std::string::npos);
  CHECK(message.find("SSL_CERT_FILE=" + f.ca.caCertFile()) != std::string::npos);
  CHECK(sts.connections() == 1);
  CHECK(took < std::chrono::seconds(3));
  CHECK(f.fake->mutations() == 0);
  CHECK(run.out.find(f.adminKey.secretAccessKey) == std::string::npos);
  CHECK(run.err.find(f.adminKey.secretAccessKey) == std::string::npos);
}
