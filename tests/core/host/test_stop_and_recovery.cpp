// Stopped and killed runs through the real host binary with the fake provider (docs/contract.md, "Stopped runs
// and time budgets"): SIGTERM while a step waits ends the run as a failure at that step with the rollback done;
// a second signal during the rollback ends it at once with exit 6 and the new key's id; SIGKILL after the create
// leaves a crash journal entry, and the next run removes that key before it creates one; a step that would outlast
// the run's budget fails at once.
#include "support/scenario.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <filesystem>

using namespace krtest;

namespace {

/// Send `sig` once the host's log shows `marker`, and `againSig` when `againMarker` shows up after that.
struct SignalAt {
  SignalAt(std::string m, int s, std::string again = {}, int againS = SIGTERM)
      : marker(std::move(m)), sig(s), againMarker(std::move(again)), againSig(againS) {}
  std::string marker;
  int sig;
  std::string againMarker;
  int againSig;
  bool sent = false, sentAgain = false;
  std::chrono::steady_clock::time_point sentAt;
  void operator()(int pid, const ProcessResult& soFar) {
    if (!sent && soFar.err.find(marker) != std::string::npos) {
      ::kill(pid, sig);
      sent = true;
      sentAt = std::chrono::steady_clock::now();
    } else if (sent && !sentAgain && !againMarker.empty() && soFar.err.find(againMarker) != std::string::npos) {
      ::kill(pid, againSig);
      sentAgain = true;
    }
  }
};

std::size_t journalFiles(const Scenario& s) {
  std::size_t n = 0;
  if (!std::filesystem::exists(s.stateDir())) return 0;
  for (const auto& e : std::filesystem::directory_iterator(s.stateDir()))
    n += e.path().filename().string().rfind("pending-", 0) == 0 ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("stop: SIGTERM while the proof waits rolls the new key back, prints the summary and exits 4") {
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) {
    Scenario s;
    s.set("fake_wait_at", "prove");
    const auto before = s.stateKeys();
    SignalAt at{"fake: waiting at prove", sig};
    const auto r = s.runWatched(std::ref(at));
    INFO("signal " << sig << "\n" << r.err << r.out);
    REQUIRE(at.sent);
    CHECK(r.exitCode == 4);
    const auto summary = summaryOf(r);
    CHECK(summary->getValue<std::string>("status") == "failed");
    CHECK(summary->getObject("error")->getValue<std::string>("stage") == "prove");
    CHECK(summary->getObject("error")->getValue<std::string>("code") == "run.stopped");
    CHECK(summary->has("stoppedBy"));
    CHECK(summary->getObject("rollback")->getValue<bool>("ok"));
    CHECK(s.stateKeys() == before);  // the new key is gone, the old ones untouched
    CHECK(s.storeLines().empty());   // nothing stored
    CHECK(journalFiles(s) == 0);     // the rollback removed the key: nothing left to recover
    // Acted on within about a second, not after the 30 s wait.
    CHECK(std::chrono::steady_clock::now() - at.sentAt < std::chrono::seconds(5));
    CHECK(findLeak(r, s.forbidden()).empty());
  }
}

TEST_CASE("stop: SIGTERM during the retire keeps the stored new key and reports the old keys as remaining (exit 5)") {
  Scenario s;
  s.set("fake_wait_at", "retire");
  s.set("fake_wait_ms", "15000");  // within the 20 s cleanup budget: the signal, not the budget, ends it
  SignalAt at{"fake: waiting at retire", SIGTERM};
  const auto r = s.runWatched(std::ref(at));
  INFO(r.err << r.out);
  REQUIRE(at.sent);
  CHECK(r.exitCode == 5);
  const auto summary = summaryOf(r);
  CHECK(summary->getValue<std::string>("stoppedBy") == "SIGTERM");
  const std::string keyId = summary->getValue<std::string>("keyId");
  const auto keys = s.stateKeys();
  CHECK(keys.size() == 3);  // the stored new key and both old ones
  CHECK(std::find(keys.begin(), keys.end(), keyId) != keys.end());
  CHECK(journalFiles(s) == 0);  // Keeper holds the new key: nothing to recover
}

TEST_CASE("stop: a second signal during the rollback ends the run at once with exit 6 and the new key's id") {
  Scenario s;
  s.set("fake_wait_at", "prove,rollback");
  s.set("fake_wait_ms", "15000");  // the rollback's wait fits its 20 s budget: only the second signal can end it
  SignalAt at{"fake: waiting at prove", SIGTERM, "fake: waiting at rollback", SIGTERM};
  const auto r = s.runWatched(std::ref(at));
  INFO(r.err << r.out);
  REQUIRE(at.sentAgain);
  CHECK(r.exitCode == 6);
  const auto summary = summaryOf(r);
  CHECK(summary->getValue<std::string>("status") == "rollback-failed");
  const std::string keyId = summary->getValue<std::string>("keyId");
  CHECK(keyId.rfind("fake-key-", 0) == 0);
  CHECK(summary->getObject("error")->getValue<std::string>("message").find(keyId) != std::string::npos);
  // The key is still there, and the journal knows it: the next run removes it before creating its own.
  auto keys = s.stateKeys();
  CHECK(std::find(keys.begin(), keys.end(), keyId) != keys.end());
  CHECK(journalFiles(s) == 1);
  s.remove("fake_wait_at");
  const auto next = s.run();
  INFO(next.err << next.out);
  CHECK(next.exitCode == 0);
  const auto recovered = summaryOf(next)->getArray("recovered");
  REQUIRE(recovered);
  CHECK(recovered->getElement<std::string>(0) == keyId);
  keys = s.stateKeys();
  CHECK(std::find(keys.begin(), keys.end(), keyId) == keys.end());
  CHECK(journalFiles(s) == 0);
}

TEST_CASE("stop: SIGKILL after the create leaves a journal entry, and the next run removes the key first") {
  Scenario s;
  s.set("fake_wait_at", "prove");
  SignalAt at{"fake: waiting at prove", SIGKILL};
  const auto killed = s.runWatched(std::ref(at));
  REQUIRE(at.sent);
  CHECK(killed.exitCode == -1);  // killed: no summary, no rollback
  CHECK(s.stateKeys().size() == 3);
  REQUIRE(journalFiles(s) == 1);
  const auto journal = readFile(s.stateDir() / "pending-USER1.json");
  CHECK(journal.find("fake-key-") != std::string::npos);
  CHECK(journal.find("secret") == std::string::npos);  // ids only
  CHECK((std::filesystem::status(s.stateDir() / "pending-USER1.json").permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));

  s.remove("fake_wait_at");
  s.set("fake_fail_at", "prove");  // the second run fails too: the recovery happens before its create all the same
  const auto next = s.run();
  INFO(next.err << next.out);
  CHECK(next.exitCode == 4);
  CHECK(summaryOf(next)->getArray("recovered")->size() == 1);
  CHECK(next.err.find("crash journal: removed credential") != std::string::npos);
  CHECK(s.stateKeys().size() == 2);  // only the two old keys: the killed run's key and this run's are gone
  CHECK(journalFiles(s) == 0);
}

TEST_CASE("stop: a dry run reports a journaled key without removing it") {
  Scenario s;
  s.set("fake_wait_at", "prove");
  SignalAt at{"fake: waiting at prove", SIGKILL};
  s.runWatched(std::ref(at));
  REQUIRE(journalFiles(s) == 1);
  s.remove("fake_wait_at");
  const auto dry = s.run({"--dry-run"});
  CHECK(dry.exitCode == 0);
  CHECK(dry.err.find("crash journal: would remove") != std::string::npos);
  CHECK(s.stateKeys().size() == 3);
  CHECK(journalFiles(s) == 1);
}

TEST_CASE("budget: a wait that would outlast remote_budget_seconds fails at once, naming the budget") {
  Scenario s;
  s.set("fake_wait_at", "validate");
  s.set("fake_wait_ms", "60000");
  s.set("remote_budget_seconds", "10");
  const auto start = std::chrono::steady_clock::now();
  const auto r = s.run();
  INFO(r.err << r.out);
  CHECK(r.exitCode == 4);
  CHECK(summaryOf(r)->getObject("error")->getValue<std::string>("code") == "run.budget");
  CHECK(summaryOf(r)->getObject("error")->getValue<std::string>("message").find("time budget") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("state: an unusable KEEPER_ROTATE_STATE_DIR is a warning, the run goes on without a journal") {
  Scenario s;
  s.env["KEEPER_ROTATE_STATE_DIR"] = "/proc/keeper-rotate-cannot-be-here";
  const auto r = s.run();
  INFO(r.err);
  CHECK(r.exitCode == 0);
  CHECK(r.err.find("keeps no crash journal") != std::string::npos);
}

TEST_CASE("state: a journal file another user could have written is refused (exit 3), never acted on") {
  Scenario s;
  std::filesystem::create_directories(s.stateDir());
  std::filesystem::permissions(s.stateDir(), std::filesystem::perms::owner_all);
  writeFile(s.stateDir() / "pending-USER1.json",
            R"({"version":1,"entries":[{"provider":"fake","keyId":"old1","userRecordUid":"USER1"}]})");
  std::filesystem::permissions(s.stateDir() / "pending-USER1.json", std::filesystem::perms::owner_read |
                                                                        std::filesystem::perms::owner_write |
                                                                        std::filesystem::perms::others_write);
  const auto before = s.stateKeys();
  const auto r = s.run();
  INFO(r.err << r.out);
  CHECK(r.exitCode == 3);
  CHECK(summaryOf(r)->getObject("error")->getValue<std::string>("code") == "state.journal");
  CHECK(s.stateKeys() == before);
}

TEST_CASE("progress: a wait longer than 10 s says what it waits for every 10 s") {
  Scenario s;
  s.set("fake_wait_at", "prove");
  s.set("fake_wait_ms", "21000");
  const auto r = s.run();
  INFO(r.err);
  CHECK(r.exitCode == 0);
  std::size_t lines = 0;
  for (std::size_t at = r.err.find("still waiting for the fake's prove"); at != std::string::npos;
       at = r.err.find("still waiting for the fake's prove", at + 1))
    ++lines;
  CHECK(lines == 2);  // after 10 s and after 20 s
  CHECK(r.err.find("s of this wait left") != std::string::npos);
}
