#include "scenario.hpp"

#include "json_schema.hpp"
#include "util/encoding.hpp"

#include <doctest/doctest.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <stdlib.h>

namespace krtest {
namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string templ = (fs::temp_directory_path() / "kr-core-test-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeFile(const fs::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
}

std::string base64(const std::string& bytes) { return keeper_rotate::host::util::encodeBase64(bytes, false, true); }

std::string hostBinary() { return KR_TEST_HOST_BIN; }
std::string testPluginDir() { return KR_TEST_PLUGIN_DIR; }
std::string brokenPluginDir() { return KR_BROKEN_PLUGIN_DIR; }
std::string realPluginDir() { return KR_REAL_PLUGIN_DIR; }

namespace {

std::vector<std::string> lines(const fs::path& p) {
  std::vector<std::string> out;
  std::istringstream in(readFile(p));
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

Poco::JSON::Object::Ptr toObject(const Fields& fields) {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const auto& [k, v] : fields) o->set(k, v);
  return o;
}

std::string stringify(const Poco::Dynamic::Var& v) {
  std::ostringstream os;
  Poco::JSON::Stringifier::stringify(v, os);
  return os.str();
}

}  // namespace

Scenario::Scenario() {
  writeFile(dir() / "state", "old-1\nold-2\n");
  pamUser = {{"uid", "USER1"},
             {"title", "Test app"},
             {"login", "app"},
             {"password", newPassword},
             {"fake_state_file", (dir() / "state").string()},
             {"fake_store_file", (dir() / "store").string()},
             {"record_writer", "fake-durable"},
             {"credential_source", "fake-vault"}};
  otherRecords.push_back({{"uid", "ADMIN1"}, {"title", "Admin app"}, {"fake_admin_id", "admin-client"},
                          {"fake_admin_token", adminToken}});
  otherRecords.push_back({{"uid", "CFG1"}, {"title", "PAM Configuration"}, {"pamResources", "x"}});
}

void Scenario::set(const std::string& label, const std::string& value) {
  for (auto& [k, v] : pamUser)
    if (k == label) {
      v = value;
      return;
    }
  pamUser.emplace_back(label, value);
}

void Scenario::remove(const std::string& label) {
  for (auto it = pamUser.begin(); it != pamUser.end(); ++it)
    if (it->first == label) {
      pamUser.erase(it);
      return;
    }
}

std::string Scenario::gatewayInput() const {
  Poco::JSON::Array::Ptr records = new Poco::JSON::Array;
  for (const auto& r : otherRecords) records->add(toObject(r));
  if (pamUserInRecords) records->add(toObject(pamUser));
  Poco::JSON::Object::Ptr root = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  root->set("providerRecordUid", "CFG1");
  root->set("resourceRecordUid", "");
  root->set("userRecordUid", "USER1");
  root->set("newPassword", newPassword);
  root->set("oldPassword", oldPassword);
  root->set("user", "app");
  root->set("records", base64(stringify(records)));
  return base64(stringify(root)) + "\n";
}

ProcessResult Scenario::run(const std::vector<std::string>& extraArgs) { return runWithStdin(gatewayInput(), extraArgs); }

namespace {

ProcessResult runScenario(const Scenario& s, const std::string& stdinData, const std::vector<std::string>& extraArgs,
                          const ProcessWatch& watch) {
  std::vector<std::string> argv = {hostBinary()};
  argv.insert(argv.end(), s.args.begin(), s.args.end());
  argv.insert(argv.end(), {"--plugin-dir", testPluginDir(), "--verbose"});
  argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());
  std::map<std::string, std::string> environment = s.env;
  environment["PATH"] = "/usr/bin:/bin";
  // Each scenario keeps its crash journal to itself.
  if (!environment.count("KEEPER_ROTATE_STATE_DIR")) environment["KEEPER_ROTATE_STATE_DIR"] = s.stateDir().string();
  ProcessResult r = runProcess(argv, stdinData, environment, 60, watch);
  checkSummarySchema(r);
  return r;
}

}  // namespace

ProcessResult Scenario::runWithStdin(const std::string& stdinData, const std::vector<std::string>& extraArgs) {
  return runScenario(*this, stdinData, extraArgs, {});
}

ProcessResult Scenario::runWatched(const ProcessWatch& watch, const std::vector<std::string>& extraArgs) {
  return runScenario(*this, gatewayInput(), extraArgs, watch);
}

std::vector<std::string> Scenario::stateKeys() const { return lines(dir() / "state"); }
std::vector<std::string> Scenario::storeLines() const { return lines(dir() / "store"); }
std::vector<std::string> Scenario::createdSecrets() const { return lines(dir() / "state.secrets"); }

std::vector<std::string> Scenario::forbidden() const {
  std::vector<std::string> values = {newPassword, oldPassword, adminToken};
  for (const auto& s : createdSecrets()) values.push_back(s);
  std::vector<std::string> all;
  for (const auto& v : values) {
    all.push_back(v);
    all.push_back(base64(v));
    all.push_back(keeper_rotate::host::util::encodeBase64(v, true, false));
  }
  return all;
}

namespace {
std::size_t validatedSummaries = 0;
}

std::vector<std::string> summarySchemaErrors(const ProcessResult& r) {
  std::string text = r.out;
  if (!text.empty() && text.back() == '\n') text.pop_back();
  const auto nl = text.rfind('\n');
  return summarySchema().errorsInText(nl == std::string::npos ? text : text.substr(nl + 1));
}

void checkSummarySchema(const ProcessResult& r) {
  if (r.out.empty()) return;  // usage errors print no summary line
  const auto errors = summarySchemaErrors(r);
  std::string all;
  for (const auto& e : errors) all += "\n  " + e;
  CHECK_MESSAGE(errors.empty(), "summary line does not match docs/summary.schema.json:" << all << "\n" << r.out);
  ++validatedSummaries;
}

std::size_t summariesValidated() { return validatedSummaries; }

Poco::JSON::Object::Ptr summaryOf(const ProcessResult& r) {
  std::string text = r.out;
  if (text.empty() || text.back() != '\n') throw std::runtime_error("stdout does not end with a newline: " + text);
  text.pop_back();
  if (text.find('\n') != std::string::npos) throw std::runtime_error("stdout has more than one line: " + r.out);
  Poco::JSON::Parser parser;
  return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

std::string findLeak(const ProcessResult& r, const std::vector<std::string>& forbidden) {
  for (const auto& f : forbidden) {
    if (f.empty()) continue;
    if (r.out.find(f) != std::string::npos) return "stdout contains a secret form";
    if (r.err.find(f) != std::string::npos) return "stderr contains a secret form";
  }
  return {};
}

}  // namespace krtest
