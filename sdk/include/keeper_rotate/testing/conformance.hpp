// keeper_rotate::testing — the checks every plugin must pass, per kind, as one Report:
//
//   metadata                     name (and file name), semver-looking version, description, every field complete
//                                and consistent, defaults that pass the field rules, secret fields typed "secret",
//                                a provider's credential declaration consistent with required_credentials
//   required-fields              a PAM User lacking each required field (or with a malformed typed value) is
//                                refused by the kit's validation naming the field, before the plugin is called
//   validate-no-mutation         validate and --dry-run change nothing: no KR_KEY_CREATED/REMOVED, no results,
//                                nothing stored, no mutation the author's backend hook reports
//   rotation                     a full run with the in-memory writer rotates; results are declared OUTPUT fields
//   rollback-on-writer-failure   with a writer failing at store / verify the provider's rollback runs exactly once,
//                                after create, and (with the author's keyExists hook) the new credential is gone
//                                unless the run ends in rollback failure; with a failing revert the new credential
//                                is kept and rollback is not called
//   errors-explained             every non-OK status came with set_error
//   no-secret-in-output          findLeaks() over every run
//
//   ConformanceOptions o;
//   o.input = gatewayInput().pamUser(record("PamUser0000000000001").field("example_account", "acct-1"));
//   o.credentials = {{"client_id", "id"}, {"client_secret", "a-secret-value"}};
//   Report report = checkConformance(load("build/provider-example.so"), o);
//   CHECK_MESSAGE(report.ok(), report.text());
#pragma once

#include <keeper_rotate/field_rules.hpp>
#include <keeper_rotate/testing/builders.hpp>
#include <keeper_rotate/testing/field_check.hpp>
#include <keeper_rotate/testing/in_memory_host.hpp>
#include <keeper_rotate/testing/leak_check.hpp>
#include <keeper_rotate/testing/operation.hpp>
#include <keeper_rotate/testing/plugin.hpp>
#include <keeper_rotate/testing/report.hpp>
#include <keeper_rotate/testing/runner.hpp>
#include <keeper_rotate/testing/writers.hpp>
#include <keeper_rotate/text.hpp>

#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace keeper_rotate::testing {

struct ConformanceOptions {
  /// A valid Gateway input for the plugin: a PAM User with every required field (and whatever the backend needs).
  GatewayInput input = gatewayInput().pamUser(record("PamUser000000000000001").title("conformance")).build();
  /// The resolved admin credential (providers); secret parts are scanned for leaks.
  std::map<std::string, std::string> credentials;
  /// Host settings on top of the defaults.
  std::map<std::string, std::string> settings;
  /// Further setup of each run's host (extraSecrets, records); called after input, credentials and settings.
  std::function<void(InMemoryHost&)> prepare;
  /// Called before each run: put the fake backend into its initial state.
  std::function<void()> resetBackend;
  /// Every mutation the fake backend saw so far, one line each (compared before and after validate and dry-run).
  std::function<std::vector<std::string>()> backendMutations;
  /// Whether the backend still holds credential `id`: lets the rollback check see that the new credential is gone.
  std::function<bool(const std::string& id)> keyExists;
  /// Run a full rotation and the writer-failure paths (providers); off for a plugin without a backend to run on.
  bool rotate = true;
  std::vector<FailAt> writerFailures{FailAt::Store, FailAt::Verify, FailAt::Revert};
  /// Credential sources: the declaration the host would serve (credential_spec) while the source resolves.
  const kr_credential_spec* credentialSpec = nullptr;
  /// Writers: the results a provider would have put before store.
  std::map<std::string, ResultValue> writerResults{{"kit_check_id", {"kit-check-id-0001", false}},
                                                   {"kit_check_secret", {"kit-check-secret-value-0001", true}}};
};

namespace detail {

inline bool isPluginName(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  if (!((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= '0' && n[0] <= '9'))) return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

/// MAJOR.MINOR.PATCH in digits, optionally followed by a -pre-release or +build suffix.
inline bool looksLikeSemver(const char* v) {
  if (v == nullptr) return false;
  const std::string s(v);
  std::size_t i = 0;
  for (int part = 0; part < 3; ++part) {
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return false;
    if (part < 2) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size() || ((s[i] == '-' || s[i] == '+') && i + 1 < s.size());
}

inline bool empty(const char* s) { return s == nullptr || *s == '\0'; }

inline std::string baseName(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace detail

/// Problems of the plugin's metadata, one sentence each naming the field or part.
inline std::vector<std::string> checkMetadata(const Plugin& plugin) {
  std::vector<std::string> p;
  const kr_plugin_descriptor& d = plugin.descriptor();
  const std::string name = plugin.name();
  if (!detail::isPluginName(name))
    p.push_back("name '" + name + "' is not lower-case letters, digits and '-' (at most 64, starting with a letter "
                "or digit)");
  if (!plugin.path().empty() && detail::baseName(plugin.path()) != expectedFileName(plugin))
    p.push_back("file " + detail::baseName(plugin.path()) + " should be named " + expectedFileName(plugin) +
                " for a " + kindPrefix(plugin.kind()) + " named '" + name + "'");
  if (!detail::looksLikeSemver(d.version))
    p.push_back(std::string("version '") + (d.version ? d.version : "(null)") + "' is not MAJOR.MINOR.PATCH");
  if (detail::empty(d.description)) p.push_back("description is empty");
  if (d.abi_major != KR_ABI_MAJOR) p.push_back("descriptor ABI major " + std::to_string(d.abi_major) + " is not " +
                                               std::to_string(KR_ABI_MAJOR));

  std::set<std::string> labels;
  constexpr std::uint32_t kKnownFlags =
      KR_FIELD_INPUT | KR_FIELD_OUTPUT | KR_FIELD_REQUIRED | KR_FIELD_SECRET | KR_FIELD_OTHER_RECORD;
  for (std::size_t i = 0; i < plugin.fields().size(); ++i) {
    const kr_field_spec& f = plugin.fields()[i];
    const std::string who = detail::empty(f.label) ? "field #" + std::to_string(i) : "field '" + std::string(f.label) + "'";
    if (detail::empty(f.label)) p.push_back(who + " has no label");
    else if (!labels.insert(f.label).second) p.push_back(who + " is declared twice");
    if (detail::empty(f.type)) p.push_back(who + " has no type");
    const bool knownKind = !detail::empty(f.value_kind) &&
                           (field_rules::kindIs(f, "string") || field_rules::kindIs(f, "int") ||
                            field_rules::kindIs(f, "enum") || field_rules::kindIs(f, "url") ||
                            field_rules::kindIs(f, "uuid"));
    if (!knownKind)
      p.push_back(who + " has value_kind '" + (f.value_kind ? f.value_kind : "(null)") +
                  "', expected string, int, enum, url or uuid");
    if (detail::empty(f.description)) p.push_back(who + " has no description");
    if ((f.flags & (KR_FIELD_INPUT | KR_FIELD_OUTPUT)) == 0) p.push_back(who + " is neither INPUT nor OUTPUT");
    if ((f.flags & ~kKnownFlags) != 0) p.push_back(who + " has unknown flag bits");
    if ((f.flags & KR_FIELD_REQUIRED) && !(f.flags & KR_FIELD_INPUT)) p.push_back(who + " is REQUIRED but not INPUT");
    if ((f.flags & KR_FIELD_SECRET) && (f.type == nullptr || std::strcmp(f.type, "secret") != 0))
      p.push_back(who + " is SECRET but its type is '" + (f.type ? f.type : "(null)") + "', not 'secret'");
    if (field_rules::kindIs(f, "enum")) {
      if (detail::empty(f.allowed_values)) {
        p.push_back(who + " is an enum without allowed values");
      } else {
        const std::string values = f.allowed_values;
        if (values.front() == '|' || values.back() == '|' || values.find("||") != std::string::npos)
          p.push_back(who + " has an empty alternative in its allowed values '" + values + "'");
      }
    }
    if (field_rules::kindIs(f, "int") && f.min_value > f.max_value)
      p.push_back(who + " has bounds " + std::to_string(f.min_value) + ".." + std::to_string(f.max_value) +
                  " with min > max");
    if (f.default_value != nullptr) {
      if (!(f.flags & KR_FIELD_INPUT)) p.push_back(who + " has a default but is not INPUT: the host never applies it");
      if (f.flags & KR_FIELD_REQUIRED)
        p.push_back(who + " is REQUIRED and has a default: the host refuses a missing value, so the default is "
                          "never used");
      if (auto problem = field_rules::checkFieldValue(f, f.default_value))
        p.push_back(who + ": its default " + *problem);
    }
  }

  if (plugin.kind() == KR_KIND_PROVIDER) {
    if (const kr_credential_spec* spec = plugin.credentialSpec()) {
      if (detail::empty(spec->scheme)) p.push_back("the admin credential declaration has no scheme");
      std::set<std::string> names;
      std::vector<std::string> required;
      for (std::size_t i = 0; i < plugin.credentialParts().size(); ++i) {
        const kr_credential_part& c = plugin.credentialParts()[i];
        const std::string who =
            detail::empty(c.name) ? "credential part #" + std::to_string(i) : "credential part '" + std::string(c.name) + "'";
        if (detail::empty(c.name)) {
          p.push_back(who + " has no name");
          continue;
        }
        if (!names.insert(c.name).second) p.push_back(who + " is declared twice");
        if (detail::empty(c.description)) p.push_back(who + " has no description");
        if ((c.flags & KR_CREDENTIAL_OPTIONAL) == 0) required.emplace_back(c.name);
      }
      if (required != plugin.requiredCredentials())
        p.push_back("the credential declaration's required parts (" + text::join(required) +
                    ") differ from required_credentials (" + text::join(plugin.requiredCredentials()) + ")");
    }
  }
  return p;
}

namespace detail {

/// A fresh host for one conformance run, set up from the options.
inline void prepareHost(InMemoryHost& host, const ConformanceOptions& o) {
  if (o.resetBackend) o.resetBackend();
  host.useInput(o.input);
  host.credentials = o.credentials;
  for (const auto& [k, v] : o.settings) host.settings[k] = v;
  if (o.prepare) o.prepare(host);
}

inline std::vector<std::string> mutationsSince(const ConformanceOptions& o, std::size_t before) {
  if (!o.backendMutations) return {};
  std::vector<std::string> all = o.backendMutations();
  return before < all.size() ? std::vector<std::string>(all.begin() + static_cast<std::ptrdiff_t>(before), all.end())
                             : std::vector<std::string>{};
}

inline std::size_t mutationCount(const ConformanceOptions& o) {
  return o.backendMutations ? o.backendMutations().size() : 0;
}

inline void leaks(Report& report, const InMemoryHost& host, const std::string& run, const RunOutcome* outcome) {
  LeakOptions lo;
  if (outcome) lo.extraOutput.emplace_back("the run's outcome", outcome->text());
  for (const auto& l : findLeaks(host, lo)) report.fail("no-secret-in-output", run + ": " + l);
  report.ran("no-secret-in-output");
}

inline void explained(Report& report, const RunOutcome& o, const std::string& run) {
  report.ran("errors-explained");
  if (o.error.code == "plugin.no_error") report.fail("errors-explained", run + ": " + o.error.message);
  if (o.rollbackError.code == "plugin.no_error") report.fail("errors-explained", run + ": " + o.rollbackError.message);
}

/// A value the field rules refuse for this kind, or nullptr for free text.
inline const char* malformedValue(const kr_field_spec& f) {
  if (field_rules::kindIs(f, "int")) return "not-a-number";
  if (field_rules::kindIs(f, "enum")) return "not-one-of-the-allowed-values";
  if (field_rules::kindIs(f, "url")) return "http://plain-http.invalid";
  if (field_rules::kindIs(f, "uuid")) return "not-a-uuid";
  return nullptr;
}

inline void requiredFields(Report& report, const Plugin& plugin, const ConformanceOptions& o,
                           const std::function<RunOutcome(InMemoryHost&)>& run) {
  const std::string check = "required-fields";
  report.ran(check);
  const Record* pam = o.input.pamUser();
  if (pam == nullptr) {
    report.fail(check, "the conformance input has no PAM User record (userRecordUid names none of its records)");
    return;
  }
  for (const auto& p : checkFields(plugin.fields(), *pam, plugin.origin()))
    report.fail(check, "the conformance input itself fails field validation: " + p.message);
  for (const kr_field_spec& f : plugin.fields()) {
    if (!(f.flags & KR_FIELD_INPUT) || (f.flags & KR_FIELD_OTHER_RECORD)) continue;
    const std::string label = f.label;
    struct Case {
      std::string description;
      bool remove;
      std::string value;
      const char* code;
    };
    std::vector<Case> cases;
    if (f.flags & KR_FIELD_REQUIRED) cases.push_back({"without required field '" + label + "'", true, "", "field.missing"});
    if (const char* bad = malformedValue(f))
      cases.push_back({"with field '" + label + "' = '" + bad + "'", false, bad, "field.invalid"});
    for (const Case& c : cases) {
      InMemoryHost host;
      prepareHost(host, o);
      if (c.remove) host.fields.erase(label);
      else host.fields[label] = c.value;
      const RunOutcome out = run(host);
      bool named = false;
      for (const auto& p : out.fieldProblems)
        if (p.label == label && p.code == c.code && p.message.find("'" + label + "'") != std::string::npos) named = true;
      if (!named || out.failedStage != "validate" || out.error.code != c.code)
        report.fail(check, "a run " + c.description + " was not refused naming it (" + c.code + "): " + out.text());
      if (!out.calls.empty() || host.totalCallbackCalls() != 0)
        report.fail(check, "a run " + c.description + " called the plugin before field validation refused it (" +
                               std::to_string(host.totalCallbackCalls()) + " host callbacks)");
    }
  }
}

inline void providerChecks(Report& report, const Plugin& plugin, const ConformanceOptions& o) {
  auto runWith = [&](InMemoryHost& host, Writer& writer, bool dryRun) {
    RunOptions ro;
    ro.dryRun = dryRun;
    return Runner(host, plugin, writer).run(ro);
  };
  requiredFields(report, plugin, o, [&](InMemoryHost& host) {
    InMemoryWriter w;
    return runWith(host, w, false);
  });

  // Validate, alone and as --dry-run, mutates nothing.
  {
    const std::string check = "validate-no-mutation";
    report.ran(check);
    InMemoryHost host;
    prepareHost(host, o);
    InMemoryWriter writer;
    const std::size_t before = mutationCount(o);
    const RunOutcome out = runWith(host, writer, true);
    explained(report, out, "dry run");
    if (out.status != "dry-run") report.fail(check, "the dry run did not get through validate: " + out.text());
    for (const auto& k : host.keyEvents)
      if (k.event == KR_KEY_CREATED || k.event == KR_KEY_REMOVED)
        report.fail(check, "validate reported key " + k.id + " as " + keyEventName(k.event));
    for (const auto& [label, r] : host.results) report.fail(check, "validate put result '" + label + "'");
    if (writer.storeCalls != 0) report.fail(check, "the dry run stored the record");
    for (const auto& c : out.calls)
      if (c.size() < 9 || c.compare(c.size() - 9, 9, " validate") != 0)
        report.fail(check, "the dry run called " + c);
    for (const auto& m : mutationsSince(o, before)) report.fail(check, "the backend was changed during validate: " + m);
    leaks(report, host, "dry run", &out);
  }
  if (!o.rotate) return;

  // A full rotation with the in-memory durable writer.
  {
    const std::string check = "rotation";
    report.ran(check);
    InMemoryHost host;
    prepareHost(host, o);
    InMemoryWriter writer;
    const RunOutcome out = runWith(host, writer, false);
    explained(report, out, "rotation");
    if (out.status != "rotated") report.fail(check, "the rotation with the in-memory writer did not rotate: " + out.text());
    if (out.ok() && host.keys(KR_KEY_CREATED).empty()) report.fail(check, "create reported no KR_KEY_CREATED id");
    std::set<std::string> outputs;
    for (const auto& f : plugin.fields())
      if (f.flags & KR_FIELD_OUTPUT) outputs.insert(f.label);
    for (const auto& [label, r] : host.results)
      if (!outputs.count(label)) report.fail(check, "result '" + label + "' is not a declared OUTPUT field");
    if (out.ok() && host.results.empty()) report.fail(check, "the rotation put no results");
    leaks(report, host, "rotation", &out);
  }

  // Every writer failure: rollback exactly once after create, and the new credential gone (or kept on purpose).
  for (FailAt at : o.writerFailures) {
    const std::string check = "rollback-on-writer-failure";
    report.ran(check);
    const std::string run = std::string("writer failing at ") + failAtName(at);
    InMemoryHost host;
    prepareHost(host, o);
    FailingWriter writer(at);
    const RunOutcome out = runWith(host, writer, false);
    explained(report, out, run);
    const int rollbacks = out.count("rollback");
    if (at == FailAt::Revert) {
      if (out.status != "rollback-failed")
        report.fail(check, run + ": expected the run to end in rollback-failed (new credential kept): " + out.text());
      if (rollbacks != 0)
        report.fail(check, run + ": the provider's rollback ran although the record may hold the new credential");
    } else {
      const std::string expectedStage = at == FailAt::Store ? "store" : at == FailAt::Verify ? "verify" : failAtName(at);
      if (out.failedStage != expectedStage) report.fail(check, run + ": the run did not fail at " + expectedStage + ": " + out.text());
      if (rollbacks != 1) report.fail(check, run + ": rollback was called " + std::to_string(rollbacks) + " times, expected once");
      std::size_t createAt = out.calls.size(), rollbackAt = out.calls.size();
      for (std::size_t i = 0; i < out.calls.size(); ++i) {
        const std::string& c = out.calls[i];
        if (c == plugin.origin() + " create" && createAt == out.calls.size()) createAt = i;
        if (c == plugin.origin() + " rollback") rollbackAt = i;
      }
      if (rollbacks == 1 && !(createAt < rollbackAt)) report.fail(check, run + ": rollback ran before create");
      const auto created = host.keys(KR_KEY_CREATED);
      if (created.empty()) report.fail(check, run + ": create reported no KR_KEY_CREATED id");
      // The ABI does not ask rollback to report KR_KEY_REMOVED, so only the backend can tell whether the new
      // credential is gone; without the author's keyExists hook the kit checks the call, not its effect.
      if (out.status != "rollback-failed" && o.keyExists) {
        for (const auto& id : created)
          if (o.keyExists(id))
            report.fail(check, run + ": rollback succeeded but the created key " + id + " is still in the backend");
      }
    }
    leaks(report, host, run, &out);
  }
}

inline void writerChecks(Report& report, const Plugin& plugin, const ConformanceOptions& o) {
  requiredFields(report, plugin, o, [&](InMemoryHost& host) {
    RunOutcome out;
    out.fieldProblems = checkFields(plugin.fields(), host.pamUser(), plugin.origin());
    if (!out.fieldProblems.empty()) {
      out.exitCode = kExitConfig;
      out.status = "config-error";
      out.failedStage = "validate";
      out.error = StepResult::failed(KR_ERR_CONFIG, out.fieldProblems[0].code, out.fieldProblems[0].message);
    }
    return out;
  });
  const std::string check = "validate-no-mutation";
  report.ran(check);
  InMemoryHost host;
  prepareHost(host, o);
  host.results = o.writerResults;
  PluginWriter writer(plugin);
  writer.begin(host);
  const std::size_t before = mutationCount(o);
  const auto keysBefore = host.keyEvents.size();
  StepResult r = writer.validate(host);
  RunOutcome shown;
  if (!r.ok()) {
    shown.error = r;
    report.fail(check, "validate failed: " + r.code + ": " + r.message);
  }
  explained(report, shown, "writer validate");
  if (host.results.size() != o.writerResults.size()) report.fail(check, "validate changed the results");
  if (host.keyEvents.size() != keysBefore) report.fail(check, "validate reported key events");
  for (const auto& m : mutationsSince(o, before)) report.fail(check, "the backend was changed during validate: " + m);
  if (o.rotate && r.ok()) {
    report.ran("rotation");
    if (StepResult s = writer.store(host); !s.ok()) report.fail("rotation", "store failed: " + s.code + ": " + s.message);
    else if (StepResult v = writer.verify(host); !v.ok())
      report.fail("rotation", "verify failed: " + v.code + ": " + v.message);
  }
  writer.end();
  leaks(report, host, "writer", nullptr);
}

inline void sourceChecks(Report& report, const Plugin& plugin, const ConformanceOptions& o) {
  requiredFields(report, plugin, o, [&](InMemoryHost& host) {
    RunOutcome out;
    out.fieldProblems = checkFields(plugin.fields(), host.pamUser(), plugin.origin());
    if (!out.fieldProblems.empty()) {
      out.exitCode = kExitConfig;
      out.failedStage = "validate";
      out.error = StepResult::failed(KR_ERR_CONFIG, out.fieldProblems[0].code, out.fieldProblems[0].message);
    }
    return out;
  });
  const std::string check = "resolve";
  report.ran(check);
  InMemoryHost host;
  prepareHost(host, o);
  host.setCredentialSpec(o.credentialSpec);
  host.credentials.clear();
  Instance source(plugin, host);
  const StepResult r = source.call(plugin.credentialSource()->resolve, "resolve");
  RunOutcome shown;
  shown.error = r;
  explained(report, shown, "resolve");
  if (!r.ok() && r.status != KR_ERR_UNAVAILABLE) report.fail(check, "resolve failed: " + r.code + ": " + r.message);
  if (const kr_credential_spec* spec = host.credentialSpec())
    for (std::size_t i = 0; i < spec->part_count; ++i) {
      const kr_credential_part& p = spec->parts[i];
      if ((p.flags & KR_CREDENTIAL_SECRET) && host.credentials.count(p.name) && !host.secretCredentialNames.count(p.name))
        report.fail(check, std::string("secret credential part '") + p.name + "' was put without the secret flag");
    }
  leaks(report, host, "resolve", nullptr);
}

}  // namespace detail

/// Every check for the plugin's kind (see the top of this header).
inline Report checkConformance(const Plugin& plugin, const ConformanceOptions& options = {}) {
  Report report;
  report.ran("metadata");
  report.failAll("metadata", checkMetadata(plugin));
  switch (plugin.kind()) {
    case KR_KIND_PROVIDER: detail::providerChecks(report, plugin, options); break;
    case KR_KIND_RECORD_WRITER: detail::writerChecks(report, plugin, options); break;
    case KR_KIND_CREDENTIAL_SOURCE: detail::sourceChecks(report, plugin, options); break;
  }
  return report;
}

}  // namespace keeper_rotate::testing
