// The real keeper-rotate binary, as the Gateway runs it (env credential source, stdout writer), with a token
// endpoint whose certificate comes from a CA that SSL_CERT_FILE does not hold: exit 3 (config-error at validate)
// within a second or two, one TLS connection at the endpoint (no retry), and a summary error naming the host, the
// certificate's subject and issuer and SSL_CERT_FILE.
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

#include <cstdlib>
#include <sstream>
#include <thread>

namespace {

std::string base64(const std::string& raw) { return keeper_rotate::text::encodeBase64(raw); }

std::string json(const Poco::JSON::Object& o) {
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

}  // namespace

TEST_CASE("azure host e2e: an untrusted token endpoint certificate is exit 3 at once, naming host, subject, issuer") {
  azure_test::Fixture f;
  for (const char* v : {"HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "KSM_CONFIG", "GATEWAY_CONFIG"})
    ::unsetenv(v);
  const auto stranger = keeper_rotate::testsupport::TestCa::create(f.dir.path() + "/stranger");
  krtest_faults::CountingTlsServer login(stranger);

  Poco::JSON::Object user(Poco::JSON_PRESERVE_KEY_ORDER);
  user.set("uid", "AzureTlsPamUser0000001");
  user.set("title", "payments-api client secret");
  user.set("application_object_id", f.targetObjectId);
  user.set("azure_authority_host", login.url());
  user.set("azure_graph_endpoint", f.fake->baseUrl());
  user.set("record_writer", "stdout");
  Poco::JSON::Array records;
  records.add(user);
  std::ostringstream r;
  records.stringify(r);
  Poco::JSON::Object input(Poco::JSON_PRESERVE_KEY_ORDER);
  input.set("providerRecordUid", "AzureTlsPamConfig00001");
  input.set("resourceRecordUid", "");
  input.set("userRecordUid", "AzureTlsPamUser0000001");
  input.set("newPassword", "unused-by-azure-app-secret");
  input.set("oldPassword", "");
  input.set("records", base64(r.str()));

  const Poco::Process::Env env{{"SSL_CERT_FILE", f.ca.caCertFile()},
                               {"AZURE_TENANT_ID", f.tenantId},
                               {"AZURE_CLIENT_ID", f.adminAppId},
                               {"AZURE_CLIENT_SECRET", f.adminSecret}};
  Poco::Pipe in, out, err;
  const auto start = std::chrono::steady_clock::now();
  Poco::ProcessHandle ph = Poco::Process::launch(KR_HOST_BINARY, {"azure-app-secret"}, f.dir.path(), &in, &out, &err, env);
  std::string stdoutText, stderrText;
  std::thread errReader([&] {
    Poco::PipeInputStream s(err);
    Poco::StreamCopier::copyToString(s, stderrText);
  });
  {
    Poco::PipeOutputStream s(in);
    s << base64(json(input)) << "\n";
    s.close();
  }
  Poco::PipeInputStream os(out);
  Poco::StreamCopier::copyToString(os, stdoutText);
  errReader.join();
  const int exitCode = ph.wait();
  const auto took = std::chrono::steady_clock::now() - start;
  INFO(stdoutText);
  INFO(stderrText);
  krtest::checkSummaryLine(stdoutText);
  CHECK(exitCode == 3);
  Poco::JSON::Object::Ptr error;
  auto summary = Poco::JSON::Parser().parse(stdoutText.substr(0, stdoutText.find('\n'))).extract<Poco::JSON::Object::Ptr>();
  if (summary->has("error") && !summary->isNull("error")) error = summary->getObject("error");
  REQUIRE(error);
  const std::string message = error->optValue<std::string>("message", "");
  CHECK(error->optValue<std::string>("code", "") == "tls.certificate");
  CHECK(error->optValue<std::string>("stage", "") == "validate");
  CHECK(message.find("localhost:" + std::to_string(login.port())) != std::string::npos);
  CHECK(message.find("subject 'CN=localhost,O=keeper-rotate tests'") != std::string::npos);
  CHECK(message.find("issuer 'CN=keeper-rotate test CA,O=keeper-rotate tests'") != std::string::npos);
  CHECK(message.find("SSL_CERT_FILE=" + f.ca.caCertFile()) != std::string::npos);
  CHECK(login.connections() == 1);
  CHECK(took < std::chrono::seconds(3));
  CHECK(f.targetKeyIds() == f.oldKeyIds);
  CHECK(stdoutText.find(f.adminSecret) == std::string::npos);
  CHECK(stderrText.find(f.adminSecret) == std::string::npos);
}
