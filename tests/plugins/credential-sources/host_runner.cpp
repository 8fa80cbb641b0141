#include "host_runner.hpp"
#include "summary_check.hpp"

#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <keeper_rotate/text.hpp>

#include <sstream>
#include <stdexcept>

namespace kr_test {

std::string base64(const std::string& in) { return keeper_rotate::text::encodeBase64(in); }

namespace {

Poco::JSON::Object::Ptr parseSummary(const std::string& out) {
  const auto newline = out.find('\n');
  if (newline == std::string::npos || newline + 1 != out.size())
    throw std::runtime_error("stdout is not exactly one line: " + out);
  return Poco::JSON::Parser().parse(out.substr(0, newline)).extract<Poco::JSON::Object::Ptr>();
}

}  // namespace

std::string HostRun::summaryString(const std::string& key) const {
  auto o = parseSummary(out);
  if (!o->has(key) || o->isNull(key)) return "";
  return o->get(key).toString();
}

bool HostRun::summaryIsNull(const std::string& key) const {
  auto o = parseSummary(out);
  return !o->has(key) || o->isNull(key);
}

HostRun runHost(const std::vector<std::string>& args, const std::string& stdinData,
                const std::map<std::string, std::string>& env) {
  // The child inherits the test's environment; strip what could change which credential source answers.
  for (const char* name : {"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "KSM_CONFIG", "GATEWAY_CONFIG",
                           "KEEPER_ROTATE_PLUGIN_PATH"})
    unsetenv(name);
  Poco::Process::Env childEnv(env.begin(), env.end());
  Poco::Pipe in, out, err;
  auto handle = Poco::Process::launch(KR_TEST_HOST, args, ".", &in, &out, &err, childEnv);
  Poco::PipeInputStream outStream(out), errStream(err);
  auto errText = std::async(std::launch::async, [&] {
    std::string s;
    Poco::StreamCopier::copyToString(errStream, s);
    return s;
  });
  {
    Poco::PipeOutputStream inStream(in);
    inStream << stdinData;
    inStream.close();
  }
  HostRun run;
  Poco::StreamCopier::copyToString(outStream, run.out);
  run.err = errText.get();
  run.exitCode = handle.wait();
  krtest::checkSummaryLine(run.out);
  return run;
}

std::string gatewayInputJson(const std::string& userUid, const std::string& configUid,
                             const std::vector<std::string>& records) {
  std::string array = "[";
  for (std::size_t i = 0; i < records.size(); ++i) array += (i ? "," : "") + records[i];
  array += "]";
  Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("providerRecordUid", configUid);
  o.set("resourceRecordUid", "");
  o.set("userRecordUid", userUid);
  o.set("newPassword", "gateway-generated-password-unused");
  o.set("oldPassword", "");
  o.set("user", "payroll-api");
  o.set("records", base64(array));
  std::ostringstream text;
  o.stringify(text);
  return text.str();
}

std::string gatewayInputLine(const std::string& userUid, const std::string& configUid,
                             const std::vector<std::string>& records) {
  return base64(gatewayInputJson(userUid, configUid, records)) + "\n";
}

}  // namespace kr_test
