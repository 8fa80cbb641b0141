// The provider-independent half of the fault matrix: the KSM steps, one case's run(s), the expected outcome from
// docs/contract.md, the comparison and the result line.
#include "matrix.hpp"

#include "summary_check.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <thread>

namespace matrix {

namespace fs = std::filesystem;
using krtest::Child;

const char* name(Step s) {
  switch (s) {
    case Step::Token: return "token";
    case Step::Resolve: return "resolve";
    case Step::List: return "list";
    case Step::Create: return "create";
    case Step::Prove: return "prove";
    case Step::KsmRead: return "ksm-read";
    case Step::KsmUpdate: return "ksm-update";
    case Step::ReadBack: return "read-back";
    case Step::Remove: return "remove";
  }
  return "?";
}

const char* name(Kind k) {
  switch (k) {
    case Kind::Transient: return "transient";
    case Kind::Persistent: return "persistent";
    case Kind::Sigterm: return "SIGTERM";
    case Kind::Sigkill: return "SIGKILL";
  }
  return "?";
}

const char* stageOf(Step s) {
  switch (s) {
    case Step::Token:
    case Step::Resolve:
    case Step::List:
    case Step::KsmRead: return "validate";
    case Step::Create: return "create";
    case Step::Prove: return "prove";
    case Step::KsmUpdate: return "store";
    case Step::ReadBack: return "verify";
    case Step::Remove: return "retire";
  }
  return "?";
}

namespace {

bool isKsmStep(Step s) { return s == Step::KsmRead || s == Step::KsmUpdate || s == Step::ReadBack; }
bool isSignal(Kind k) { return k == Kind::Sigterm || k == Kind::Sigkill; }

}  // namespace

// ---- Adapter: the KSM side ----

Adapter::Adapter(const std::string& tempName)
    : dir(tempName), ca(keeper_rotate::testsupport::TestCa::create(dir.path() + "/ca")) {
  ksm = std::make_unique<keeper_rotate::fakeksm::FakeKsm>(ca);
  configFile = dir.path() + "/ksm-config.json";
  std::ofstream(configFile) << ksm->createDevice().json;
  stateDir = dir.path() + "/state";
  fs::create_directory(stateDir);
  fs::permissions(stateDir, fs::perms::owner_all);
}

Adapter::~Adapter() = default;

void Adapter::putVaultRecord(const std::string& json) { ksm->putRecord(userUid, json); }

void Adapter::inject(Step step, Kind kind) {
  heldStep_ = step;
  if (!isKsmStep(step)) return injectRemote(step, kind);
  keeper_rotate::fakeksm::RequestFault f;
  f.endpoint = step == Step::KsmUpdate ? "update_secret" : "get_secret";
  // The writer reads the record in validate and again right before its update (store); the read-back is the third.
  f.skip = step == Step::ReadBack ? 2 : 0;
  if (isSignal(kind)) {
    f.times = 1;
    f.status = 0;
    f.delayMs = kHoldMs;
  } else {
    // Throttling is what KSM asks clients to retry (docs/ksm-protocol.md); persistent: every later request.
    f.times = kind == Kind::Transient ? 1 : -1;
    f.status = 403;
    f.error = "throttled";
    f.retryAfterSeconds = 0.05;
  }
  ksm->addFault(f);
}

bool Adapter::held() const {
  if (!heldStep_) return false;
  return isKsmStep(*heldStep_) ? ksm->faultsApplied() > 0 : remoteHeld(*heldStep_);
}

bool Adapter::heldAnswered() const {
  if (!heldStep_) return true;
  return isKsmStep(*heldStep_) ? ksm->faultsAnswered() > 0 : remoteHeldAnswered(*heldStep_);
}

void Adapter::clearFaults() {
  ksm->clearFaults();
  clearRemoteFaults();
  fieldOverrides.clear();
}

std::string Adapter::vaultField(const std::string& label) const {
  const auto data = Poco::JSON::Parser().parse(ksm->readRecord(userUid)).extract<Poco::JSON::Object::Ptr>();
  for (const char* section : {"fields", "custom"}) {
    const auto list = data->getArray(section);
    for (std::size_t i = 0; list && i < list->size(); ++i) {
      const auto field = list->getObject(static_cast<unsigned>(i));
      if (field->optValue<std::string>("label", field->optValue<std::string>("type", "")) != label) continue;
      const auto values = field->getArray("value");
      return values && values->size() > 0 ? values->get(0).toString() : std::string();
    }
  }
  return "";
}

std::size_t Adapter::journalEntries() const {
  const std::string path = stateDir + "/pending-" + userUid + ".json";
  if (!fs::exists(path)) return 0;
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // One entry per journaled credential: count the key ids.
  std::size_t n = 0;
  for (std::size_t at = text.find("\"keyId\""); at != std::string::npos; at = text.find("\"keyId\"", at + 1)) ++n;
  return n;
}

Child Adapter::run(const krtest::Watch& watch) {
  Child c = krtest::spawnHost(argv(), gatewayLine(), environment(), [&](pid_t pid, const std::string& err) {
    poll();
    if (watch) watch(pid, err);
  });
  poll();
  return c;
}

// ---- one case ----

namespace {

/// What a run ended with, as far as the summary says (deterministic values only).
struct RunView {
  std::string exit;  ///< "0".."6", or "killed" when SIGKILL ended it (no summary)
  std::string status, stage, code, rollback = "none";
  std::size_t recovered = 0;
};

/// The fakes' state after a run.
struct State {
  std::size_t newAtCloud = 0;  ///< credentials at the cloud that the arrangement did not have
  std::size_t oldLeft = 0, oldTotal = 0;
  std::string keeper;          ///< which credential the vault record holds: old (the held one), new, none, other
  bool works = false;          ///< and whether it authenticates at the fake
  std::size_t journal = 0;     ///< crash journal entries left
};

struct Expect {
  RunView run;
  State state;
  bool anyCode = true;
};

std::string describe(const RunView& r, const State& s, bool withCode) {
  std::ostringstream o;
  if (r.exit == "killed") {
    o << "killed, no summary";
  } else {
    o << "exit " << r.exit << " " << r.status;
    if (!r.stage.empty()) o << " @" << r.stage;
    if (withCode && !r.code.empty()) o << " `" << r.code << "`";
    o << ", rollback " << r.rollback;
    if (r.recovered > 0) o << ", recovered " << r.recovered;
  }
  o << "; cloud: " << s.newAtCloud << " new, " << s.oldLeft << "/" << s.oldTotal << " old; Keeper: " << s.keeper
    << (s.works ? " (works)" : " (does NOT work)") << "; journal " << s.journal;
  return o.str();
}

RunView viewOf(const Child& c) {
  RunView v;
  if (c.killedBy == SIGKILL) {
    v.exit = "killed";
    return v;
  }
  v.exit = c.killedBy != 0 ? "signal " + std::to_string(c.killedBy) : std::to_string(c.exitCode);
  const krtest::Summary s = krtest::summaryOf(c);
  v.status = s.str("status");
  v.stage = s.error("stage");
  v.code = s.error("code");
  if (s.hasRollback()) v.rollback = s.rollbackOk() ? "ok" : "failed";
  v.recovered = s.ids("recovered").size();
  return v;
}

State stateOf(const Adapter& a, const std::set<std::string>& original) {
  State s;
  const auto olds = a.oldKeyIds();
  s.oldTotal = olds.size();
  for (const auto& id : a.cloudKeyIds()) (original.count(id) ? s.oldLeft : s.newAtCloud) += 1;
  const std::string held = a.vaultField(a.vaultKeyIdLabel());
  s.keeper = held.empty() ? "none" : held == olds.front() ? "old" : original.count(held) ? "other" : "new";
  s.works = !held.empty() && a.works(held, a.vaultField(a.vaultSecretLabel()));
  s.journal = a.journalEntries();
  return s;
}

RunView exits(const std::string& code, const std::string& status, const std::string& stage,
              const std::string& rollback, const std::string& errorCode = "") {
  RunView v;
  v.exit = code;
  v.status = status;
  v.stage = stage;
  v.rollback = rollback;
  v.code = errorCode;
  return v;
}

State state(std::size_t newAtCloud, std::size_t oldLeft, std::size_t oldTotal, const std::string& keeper,
            std::size_t journal = 0) {
  State s;
  s.newAtCloud = newAtCloud;
  s.oldLeft = oldLeft;
  s.oldTotal = oldTotal;
  s.keeper = keeper;
  s.works = true;  // docs/contract.md, invariants: Keeper always holds a working credential
  s.journal = journal;
  return s;
}

/// docs/contract.md for a fault of `kind` in `step`, with `oldTotal` old credentials that the arrangement's policy
/// (delete-all / delete) retires after a successful store.
Expect expectedFor(Step step, Kind kind, std::size_t oldTotal) {
  const std::string stage = stageOf(step);
  Expect e;
  const State unchanged = state(0, oldTotal, oldTotal, "old");
  const State rotated = state(1, 0, oldTotal, "new");
  switch (kind) {
    case Kind::Transient:  // retried within the budget: the rotation completes
      e.run = exits("0", "rotated", "", "none");
      e.state = rotated;
      break;
    case Kind::Persistent:
      if (stage == "validate" || stage == "create") {
        // "in 1: nothing changed (exit 3, or 4 for a remote failure)"; "in 2: nothing changed (exit 4)".
        e.run = exits("4", "failed", stage, "none");
        e.state = unchanged;
      } else if (stage == "prove" || stage == "store") {
        // "in 3 or 4: the new secret is removed again and Keeper and the old secrets stay as they were (exit 4)".
        e.run = exits("4", "failed", stage, "ok");
        e.state = unchanged;
      } else if (stage == "verify") {
        // The read-back fails, so the writer restores the record first; KSM keeps failing, the restore fails, and
        // "the new secret is deliberately left in place, because Keeper may already hold it (exit 6)". Its journal
        // entry stays: neither a read-back nor a rollback confirmed it.
        e.run = exits("6", "rollback-failed", stage, "failed");
        e.state = state(1, oldTotal, oldTotal, "new", 1);
      } else {  // retire: "the new secret is stored and works; the key ids that could not be removed (exit 5)"
        e.run = exits("5", "retire-incomplete", stage, "none");
        e.state = state(1, oldTotal, oldTotal, "new");
      }
      break;
    case Kind::Sigterm:
      e.anyCode = false;
      if (stage == "retire") {
        // "A signal during the retire step stops it; what it could not retire is reported (exit 5)". The removal in
        // flight finishes ("a request that is in flight when a signal arrives finishes"); the others are not made.
        e.anyCode = true;
        if (oldTotal > 1) {
          e.run = exits("5", "retire-incomplete", stage, "none");
          e.state = state(1, oldTotal - 1, oldTotal, "new");
        } else {
          e.run = exits("0", "rotated", "", "none");
          e.state = rotated;
        }
      } else {
        // "end it as a failure at the current step ... the new credential is removed again (after the record is
        // put back, when the store had happened) ... exit 4".
        const bool created = stage != "validate";
        e.run = exits("4", "failed", stage, created ? "ok" : "none", "run.stopped");
        e.state = unchanged;
      }
      break;
    case Kind::Sigkill:
      // The second run, with the same state directory and no faults: "removes every journaled credential of its
      // provider that Keeper does not hold" (only the proof's new credential is journaled and not yet held: the
      // create's was never reported, the store's and later ones are in the record), then rotates; the policy leaves
      // only the new credential.
      e.run = exits("0", "rotated", "", "none");
      e.run.recovered = step == Step::Prove ? 1 : 0;
      e.state = rotated;
      break;
  }
  return e;
}

bool same(const RunView& want, const RunView& got, bool anyCode) {
  return want.exit == got.exit && want.status == got.status && want.stage == got.stage &&
         (anyCode || want.code == got.code) && want.rollback == got.rollback && want.recovered == got.recovered;
}

bool same(const State& want, const State& got) {
  return want.newAtCloud == got.newAtCloud && want.oldLeft == got.oldLeft && want.oldTotal == got.oldTotal &&
         want.keeper == got.keeper && want.works == got.works && want.journal == got.journal;
}

int providerIndex(const std::string& p) { return p == "azure-app-secret" ? 0 : 1; }

void record(const std::string& provider, Step step, Kind kind, const std::string& expected,
            const std::string& observed, const std::string& result) {
  const char* dirEnv = std::getenv("KR_FAULT_MATRIX_RESULTS");
  if (dirEnv == nullptr || *dirEnv == '\0') return;
  fs::create_directories(dirEnv);
  Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("order", providerIndex(provider) * 100 + static_cast<int>(step) * 10 + static_cast<int>(kind));
  o.set("provider", provider);
  o.set("step", name(step));
  o.set("fault", name(kind));
  o.set("expected", expected);
  o.set("observed", observed);
  o.set("result", result);
  const std::string file = std::string(dirEnv) + "/" + provider + "." + name(step) + "." + name(kind) + ".json";
  const std::string tmp = file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    o.stringify(out);
    out << "\n";
  }
  fs::rename(tmp, file);
}

}  // namespace

void runCase(const std::string& provider, Step step, Kind kind) {
  std::unique_ptr<Adapter> a = provider == "azure-app-secret" ? makeAzure() : makeAws();
  if (const auto reason = a->notApplicable(step)) {
    record(provider, step, kind, "n/a", "n/a: " + *reason, "n/a");
    return;
  }
  a->arrange(step);
  const auto olds = a->oldKeyIds();
  const std::set<std::string> original(olds.begin(), olds.end());
  a->inject(step, kind);

  bool sent = false;
  const int sig = kind == Kind::Sigterm ? SIGTERM : SIGKILL;
  const Child first = a->run([&](pid_t pid, const std::string&) {
    if (!isSignal(kind) || sent || !a->held()) return;
    ::kill(pid, sig);
    sent = true;
  });
  INFO("first run stdout: " << first.out);
  INFO("first run stderr: " << first.err);
  if (kind == Kind::Sigkill) {
    const auto deadline = krtest::Clock::now() + std::chrono::seconds(10);
    while (!a->heldAnswered() && krtest::Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    a->poll();
  }
  std::vector<std::string> problems;
  if (isSignal(kind) && !sent) problems.push_back("the step was never held, no signal sent");
  if (!isSignal(kind) && !a->held()) problems.push_back("the fault was never hit");
  if (first.timedOut) problems.push_back("the run timed out");
  if (kind == Kind::Sigkill && !first.out.empty()) problems.push_back("a killed run printed a summary");
  if (kind != Kind::Sigkill && !krtest::summaryLineProblems(first.out).empty())
    problems.push_back("summary line does not match docs/summary.schema.json");
  // The faults go before the state is looked at: checking the credential Keeper holds makes requests too.
  a->clearFaults();
  const RunView firstView = viewOf(first);
  const State firstState = stateOf(*a, original);

  const Expect want = expectedFor(step, kind, olds.size());
  std::string expected, observed;
  bool pass = false;
  std::vector<Child> runs{first};
  std::string secondOut, secondErr;
  if (kind == Kind::Sigkill) {
    const Child second = a->run();
    secondOut = second.out;
    secondErr = second.err;
    runs.push_back(second);
    if (second.timedOut) problems.push_back("the second run timed out");
    if (!krtest::summaryLineProblems(second.out).empty())
      problems.push_back("second run's summary line does not match docs/summary.schema.json");
    const RunView secondView = viewOf(second);
    const State secondState = stateOf(*a, original);
    // The killed run: "at most one new credential", Keeper holds a working one.
    expected = "killed, no summary; cloud: ≤ 1 new; Keeper: works ⇒ 2nd run: " + describe(want.run, want.state, false);
    observed = describe(firstView, firstState, true) + " ⇒ 2nd run: " + describe(secondView, secondState, true);
    pass = firstView.exit == "killed" && firstState.newAtCloud <= 1 && firstState.works &&
           same(want.run, secondView, want.anyCode) && same(want.state, secondState);
  } else {
    expected = describe(want.run, want.state, !want.anyCode);
    observed = describe(firstView, firstState, true);
    pass = same(want.run, firstView, want.anyCode) && same(want.state, firstState);
  }
  // The leak scan of every run's output (the secrets the case knows, in every form the redactor knows).
  std::size_t leaks = 0;
  for (const auto& c : runs)
    for (const auto& secret : a->secrets())
      for (const auto& form : krtest::forms(secret))
        leaks += (c.out.find(form) != std::string::npos) + (c.err.find(form) != std::string::npos);
  if (leaks > 0) problems.push_back("secret value in the output");
  for (const auto& p : problems) observed += "; " + p;
  const bool ok = pass && problems.empty();
  record(provider, step, kind, expected, observed, ok ? "pass" : "FAIL");
  INFO("second run stdout: " << secondOut);
  INFO("second run stderr: " << secondErr);
  INFO("expected: " << expected);
  INFO("observed: " << observed);
  CHECK(ok);
  for (const auto& c : runs) krtest::checkNoLeak(c, a->secrets());
}

}  // namespace matrix
