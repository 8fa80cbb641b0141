// `keeper-rotate template pam-user` against Keeper Commander's import rules (cli/template_command.cpp explains
// them): the CSV row and the JSON file are read the way Commander's importers read them, every PAM User field of
// the provider and of the host must survive with its type, and the imported record must be rejected until the
// placeholders are replaced, then rotate.
#include "support/scenario.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <stdexcept>

using namespace krtest;

namespace {

/// One CSV record (RFC 4180 quoting, as Python's csv.reader reads it).
std::vector<std::string> parseCsvLine(const std::string& line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cells.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cells.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else if (c != '\r' && c != '\n') {
      cells.back() += c;
    }
  }
  if (quoted) throw std::runtime_error("unterminated quote in CSV line");
  return cells;
}

std::string strip(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

struct ImportedField {
  std::string type;  // empty: Commander stores it as text
  std::string label;
  std::string value;
};

struct Imported {
  std::string title;
  std::string recordType;
  std::vector<ImportedField> fields;
  const ImportedField* find(const std::string& label) const {
    for (const auto& f : fields)
      if (f.label == label) return &f;
    return nullptr;
  }
};

/// "$type:label" -> {type, label}; a plain key is a label of a text field.
ImportedField splitKey(const std::string& key, const std::string& value) {
  if (!key.empty() && key[0] == '$') {
    const auto colon = key.find(':');
    return {key.substr(1, colon == std::string::npos ? std::string::npos : colon - 1),
            colon == std::string::npos ? std::string() : key.substr(colon + 1), value};
  }
  return {"", key, value};
}

/// Commander's CSV import: columns 0..6 are folder, title, login, password, url, notes, shared folder; from column
/// 7 on, key/value pairs, each kept only when key and value are both non-empty after stripping.
Imported importCsv(const std::string& line) {
  const auto row = parseCsvLine(line);
  REQUIRE(row.size() >= 7);
  Imported out;
  out.title = strip(row[1]);
  for (std::size_t i = 7; i + 1 < row.size(); i += 2) {
    const std::string key = strip(row[i]);
    const std::string value = strip(row[i + 1]);
    if (key.empty() || value.empty()) continue;
    if (key == "$type") out.recordType = value;
    else out.fields.push_back(splitKey(key, value));
  }
  CHECK_MESSAGE(row.size() % 2 == 1, "a custom field key without its value cell");
  return out;
}

/// Commander's JSON import: records[].title, $type and custom_fields {"$type:label": value}.
Imported importJson(const std::string& text) {
  const auto root = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
  const auto records = root->getArray("records");
  REQUIRE(records);
  REQUIRE(records->size() == 1);
  const auto r = records->getObject(0);
  Imported out;
  out.title = r->optValue<std::string>("title", "");
  out.recordType = r->optValue<std::string>("$type", "");
  const auto custom = r->getObject("custom_fields");
  REQUIRE(custom);
  for (const auto& [key, value] : *custom) {
    REQUIRE(value.isString());
    const std::string v = strip(value.extract<std::string>());
    if (!v.empty()) out.fields.push_back(splitKey(key, v));
  }
  return out;
}

struct FieldSpec {
  std::string label, type, direction;
  bool required = false, secret = false;
  std::string defaultValue;
};

/// The PAM User fields a plugin declares (plugins describe --json), host fields included, other records' excluded.
std::vector<FieldSpec> pamUserFields(const std::string& provider, const std::string& pluginDir) {
  const auto r = runProcess({hostBinary(), "plugins", "describe", provider, "--json", "--plugin-dir", pluginDir}, "",
                            {{"PATH", "/usr/bin:/bin"}});
  REQUIRE(r.exitCode == 0);
  const auto o = Poco::JSON::Parser().parse(r.out).extract<Poco::JSON::Object::Ptr>();
  std::vector<FieldSpec> out;
  for (const char* table : {"fields", "hostFields"}) {
    const auto a = o->getArray(table);
    REQUIRE(a);
    for (std::size_t i = 0; i < a->size(); ++i) {
      const auto f = a->getObject(static_cast<unsigned>(i));
      if (f->optValue<bool>("otherRecord", false)) continue;
      FieldSpec s;
      s.label = f->getValue<std::string>("label");
      s.type = f->optValue<std::string>("type", "text");
      s.direction = f->optValue<std::string>("direction", "");
      s.required = f->optValue<bool>("required", false);
      s.secret = f->optValue<bool>("secret", false);
      if (!f->isNull("default")) s.defaultValue = f->optValue<std::string>("default", "");
      out.push_back(s);
    }
  }
  return out;
}

ProcessResult templateOf(const std::string& provider, const std::string& pluginDir,
                         const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {hostBinary(), "template", "pam-user", provider, "--plugin-dir", pluginDir};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return runProcess(argv, "", {{"PATH", "/usr/bin:/bin"}});
}

/// Every declared field survived the import with a value and the right type; returns them by label.
std::map<std::string, ImportedField> checkEveryField(const Imported& imported, const std::vector<FieldSpec>& specs) {
  CHECK(imported.recordType == "pamUser");
  CHECK_FALSE(imported.title.empty());
  std::map<std::string, ImportedField> byLabel;
  for (const auto& spec : specs) {
    INFO("field " << spec.label);
    const ImportedField* f = imported.find(spec.label);
    REQUIRE_MESSAGE(f != nullptr, "dropped by the importer (no value)");
    const std::string type = f->type.empty() ? "text" : f->type;
    CHECK(type == (spec.secret ? "secret" : "text"));
    if (!spec.defaultValue.empty()) CHECK(f->value == spec.defaultValue);
    if (spec.required && spec.defaultValue.empty()) CHECK(f->value.rfind("REPLACE-ME", 0) == 0);
    byLabel[spec.label] = *f;
  }
  CHECK(imported.fields.size() == specs.size());  // nothing but the declared fields
  return byLabel;
}

}  // namespace

TEST_CASE("template: the CSV row survives Keeper's importer rule with every field, typed, in Keeper's columns") {
  const auto r = templateOf("fake", testPluginDir());
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  const auto specs = pamUserFields("fake", testPluginDir());
  REQUIRE(specs.size() >= 10);
  const auto row = parseCsvLine(r.out);
  CHECK(row[0].empty());  // folder: the admin picks the shared folder
  CHECK(row[1] == "fake rotated credential");
  CHECK(row[5].find("Run PAM scripts only") != std::string::npos);
  CHECK(row[7] == "$type");
  const auto fields = checkEveryField(importCsv(r.out), specs);
  CHECK(fields.at("client_secret").type == "secret");  // hidden in the vault
  CHECK(fields.at("record_writer").value == "ksm");
  CHECK(fields.at("fake_lifetime_days").value == "365");
}

TEST_CASE("template: --format json carries the same fields with their types for Keeper's JSON import") {
  const auto r = templateOf("fake", testPluginDir(), {"--format", "json"});
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  const auto fields = checkEveryField(importJson(r.out), pamUserFields("fake", testPluginDir()));
  CHECK(fields.at("client_secret").type == "secret");
  CHECK(fields.at("fake_state_file").type == "text");
  // Both formats hold the same values.
  const auto csv = importCsv(templateOf("fake", testPluginDir()).out);
  for (const auto& [label, f] : fields) {
    INFO(label);
    REQUIRE(csv.find(label));
    CHECK(csv.find(label)->value == f.value);
  }
  CHECK(templateOf("fake", testPluginDir(), {"--format", "xml"}).exitCode == 2);
}

TEST_CASE("template: an imported record is rejected until its placeholders are replaced, then it rotates") {
  const auto imported = importCsv(templateOf("fake", testPluginDir()).out);
  Scenario s;
  s.pamUser = {{"uid", "USER1"}, {"title", imported.title}};
  for (const auto& f : imported.fields) s.pamUser.emplace_back(f.label, f.value);
  s.set("record_writer", "fake-durable");  // the test writer and source stand in for ksm and the default chain
  s.set("credential_source", "fake-vault");

  auto r = s.run();
  INFO("stderr: " << r.err);
  CHECK(r.exitCode == 3);
  auto sum = summaryOf(r);
  CHECK(sum->getObject("error")->getValue<std::string>("code") == "field.placeholder");
  const std::string message = sum->getObject("error")->getValue<std::string>("message");
  CHECK(message.find("fake_state_file") != std::string::npos);
  CHECK(message.find("placeholder") != std::string::npos);
  CHECK(message.find("state file of the fake identity system") != std::string::npos);
  CHECK(s.stateKeys() == std::vector<std::string>{"old-1", "old-2"});

  // Replaced: the "(not set)" optional fields (one is a URL that would fail its https check) and the outputs'
  // "(set by keeper-rotate)" read as empty, so the run goes through and fills the outputs.
  s.set("fake_state_file", (s.dir() / "state").string());
  s.set("fake_store_file", (s.dir() / "store").string());
  r = s.run();
  REQUIRE(r.exitCode == 0);
  sum = summaryOf(r);
  CHECK(sum->getValue<std::string>("status") == "rotated");
  CHECK(s.storeLines().size() == 3);
  CHECK(findLeak(r, s.forbidden()).empty());
}

TEST_CASE("template: azure-app-secret's template names every field and its object id placeholder is rejected") {
  if (!std::filesystem::exists(realPluginDir() + "/provider-azure-app-secret.so")) {
    MESSAGE("provider-azure-app-secret.so is not built; case skipped");
    return;
  }
  const auto r = templateOf("azure-app-secret", realPluginDir());
  REQUIRE(r.exitCode == 0);
  const auto specs = pamUserFields("azure-app-secret", realPluginDir());
  const auto fields = checkEveryField(importCsv(r.out), specs);
  for (const char* label : {"application_object_id", "client_secret_id", "client_secret", "expires",
                            "secret_lifetime_days", "old_secrets", "azure_cloud", "record_writer"})
    CHECK_MESSAGE(fields.count(label) == 1, label);
  checkEveryField(importJson(templateOf("azure-app-secret", realPluginDir(), {"--format", "json"}).out), specs);

  // Validation (a dry run stops there) rejects the imported record, naming the field to fill in.
  Scenario s;
  s.args = {"azure-app-secret"};
  s.pamUser = {{"uid", "USER1"}, {"title", "imported"}};
  for (const auto& [label, f] : fields) s.pamUser.emplace_back(label, f.value);
  const auto run = runProcess({hostBinary(), "azure-app-secret", "--dry-run"}, s.gatewayInput(),
                              {{"PATH", "/usr/bin:/bin"}});
  INFO(run.err);
  CHECK(run.exitCode == 3);
  checkSummarySchema(run);
  const auto sum = summaryOf(run);
  CHECK(sum->getObject("error")->getValue<std::string>("code") == "field.placeholder");
  CHECK(sum->getObject("error")->getValue<std::string>("message").find("application_object_id") != std::string::npos);
}
