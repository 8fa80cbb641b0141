// Plugin integrity through the real binary (docs/contract.md, "Install layout"; sdk/docs/security.md, "Plugin
// integrity"): ownership and permissions of a plugin and of every directory above it, and plugins.lock with
// `plugins lock` / `plugins verify`. Every case builds its own install prefix in a temp directory (the binary
// hard-linked or copied to <tmp>/bin, the test plugins copied to <tmp>/lib/keeper-rotate/plugins), so the lock it
// writes is <tmp>/lib/keeper-rotate/plugins.lock and no other test, nor the build tree, ever sees it.
#include "loader/integrity.hpp"
#include "loader/plugin.hpp"
#include "support/scenario.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

using namespace krtest;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

mode_t modeOf(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

void chmodOrFail(const fs::path& p, mode_t mode) { REQUIRE(::chmod(p.c_str(), mode) == 0); }

/// A relocatable install of the host with the test plugins, under `root` (by default a fresh temp directory).
class Prefix {
 public:
  explicit Prefix(const fs::path& under = {}) {
    root_ = under.empty() ? tmp_.path() / "prefix" : under / "prefix";
    fs::create_directories(root_ / "bin");
    fs::create_directories(pluginDir());
    std::error_code ec;
    fs::create_hard_link(hostBinary(), bin(), ec);
    if (ec) fs::copy_file(hostBinary(), bin());
    for (const char* file : {"provider-fake.so", "source-fake-vault.so", "writer-fake-durable.so"})
      fs::copy_file(fs::path(testPluginDir()) / file, pluginDir() / file);
    // The umask of the test runner must not decide the outcome: these are the modes of a normal install.
    for (const fs::path& d : {root_, root_ / "bin", root_ / "lib", root_ / "lib/keeper-rotate", pluginDir()})
      chmodOrFail(d, 0755);
    for (const auto& e : fs::directory_iterator(pluginDir())) chmodOrFail(e.path(), 0755);
  }

  fs::path bin() const { return root_ / "bin" / "keeper-rotate"; }
  fs::path pluginDir() const { return root_ / "lib" / "keeper-rotate" / "plugins"; }
  fs::path lock() const { return root_ / "lib" / "keeper-rotate" / "plugins.lock"; }
  fs::path plugin(const std::string& file) const { return pluginDir() / file; }
  const fs::path& root() const { return root_; }
  const fs::path& scratch() const { return tmp_.path(); }

  ProcessResult run(const std::vector<std::string>& args, const std::string& stdinData = "") const {
    std::vector<std::string> argv = {bin().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::map<std::string, std::string> env = {{"PATH", "/usr/bin:/bin"}};
    if (const char* state = std::getenv("KEEPER_ROTATE_STATE_DIR")) env["KEEPER_ROTATE_STATE_DIR"] = state;
    return runProcess(argv, stdinData, env);
  }

 private:
  TempDir tmp_;
  fs::path root_;
};

/// `plugins describe fake` is the smallest command that loads the provider.
void expectRefused(const Prefix& p, const std::vector<std::string>& parts, const std::vector<std::string>& args = {}) {
  std::vector<std::string> argv = {"plugins", "describe", "provider/fake"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = p.run(argv);
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  CHECK(r.exitCode == 3);
  for (const auto& part : parts) CHECK_MESSAGE(contains(r.err, part), part);
  CHECK_FALSE(contains(r.out, "fake_state_file"));  // no metadata: the plugin was not loaded
}

void expectLoads(const Prefix& p, const std::vector<std::string>& args = {}) {
  std::vector<std::string> argv = {"plugins", "describe", "provider/fake"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = p.run(argv);
  INFO("stderr: " << r.err);
  CHECK(r.exitCode == 0);
  CHECK(contains(r.out, "fake_state_file"));
}

/// A rotation run with the prefix's plugins: the Scenario's record and input, this prefix's binary.
ProcessResult rotate(const Prefix& p, Scenario& s, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"fake", "--verbose"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = p.run(args, s.gatewayInput());
  checkSummarySchema(r);
  return r;
}

void appendByte(const fs::path& file) {
  const std::string bytes = readFile(file);
  writeFile(file, bytes + std::string(1, '\0'));
}

}  // namespace

TEST_CASE("integrity: a normal install under the sticky root-owned temp directory loads and rotates") {
  Prefix p;
  struct stat tmp {};
  REQUIRE(::stat(fs::temp_directory_path().c_str(), &tmp) == 0);
  if (tmp.st_uid == 0 && (tmp.st_mode & S_ISVTX) && (tmp.st_mode & S_IWOTH)) {
    MESSAGE("the temp directory " << fs::temp_directory_path() << " is root-owned, sticky and world-writable: "
                                   "accepted as an ancestor");
  }
  const auto list = p.run({"plugins", "list"});
  INFO("stderr: " << list.err);
  CHECK(list.exitCode == 0);
  CHECK(contains(list.out, "provider fake"));
  CHECK(contains(list.out, "writer   fake-durable"));
  Scenario s;
  const auto r = rotate(p, s);
  INFO("stderr: " << r.err);
  CHECK(r.exitCode == 0);
  CHECK(summaryOf(r)->getValue<std::string>("status") == "rotated");
  // The build tree's own plugin directories pass too (every other host test depends on it).
  const auto build = runProcess({hostBinary(), "plugins", "list", "--plugin-dir", testPluginDir()}, "",
                                {{"PATH", "/usr/bin:/bin"}});
  CHECK(build.exitCode == 0);
}

TEST_CASE("integrity: a group-writable plugin file is refused by every command that loads it, with the fix") {
  Prefix p;
  const fs::path file = p.plugin("provider-fake.so");
  chmodOrFail(file, 0775);
  expectRefused(p, {"cannot load plugin " + file.string(), "the file is group-writable (mode 0775)",
                    "chmod g-w " + file.string()});
  Scenario s;
  const auto r = rotate(p, s);
  INFO("stderr: " << r.err);
  CHECK(r.exitCode == 3);
  const auto sum = summaryOf(r);
  CHECK(sum->getValue<std::string>("status") == "config-error");
  CHECK(contains(sum->getObject("error")->getValue<std::string>("message"), "group-writable"));
  CHECK(s.createdSecrets().empty());
  const auto tmpl = p.run({"template", "pam-user", "fake"});
  CHECK(tmpl.exitCode == 3);
  CHECK(contains(tmpl.err, "group-writable"));
  const auto list = p.run({"plugins", "list"});
  CHECK(list.exitCode == 3);
  CHECK(contains(list.err, "chmod g-w " + file.string()));
  CHECK_FALSE(contains(list.out, "provider fake"));
  // World-writable, as before.
  chmodOrFail(file, 0757);
  expectRefused(p, {"the file is world-writable (mode 0757)", "chmod o-w " + file.string()});
  chmodOrFail(file, 0755);
  expectLoads(p);
}

TEST_CASE("integrity: a writable plugin directory is refused, even with the sticky bit") {
  Prefix p;
  chmodOrFail(p.pluginDir(), 0757);
  expectRefused(p, {"its directory " + p.pluginDir().string() + " is world-writable (mode 0757)",
                    "chmod o-w " + p.pluginDir().string()});
  chmodOrFail(p.pluginDir(), 0775);
  expectRefused(p, {"group-writable (mode 0775)", "chmod g-w " + p.pluginDir().string()});
  chmodOrFail(p.pluginDir(), 01777);  // others could still add files beside the plugins
  expectRefused(p, {"group- and world-writable (mode 1777)", "chmod go-w " + p.pluginDir().string()});
  chmodOrFail(p.pluginDir(), 0755);
  expectLoads(p);
}

TEST_CASE("integrity: a writable directory anywhere above the plugin is refused, a root-owned sticky one is not") {
  Prefix p;
  const fs::path above = p.root() / "lib";
  chmodOrFail(above, 0777);
  expectRefused(p, {"the directory " + above.string() + " on the path to it is group- and world-writable (mode 0777)",
                    "chmod go-w " + above.string()});
  chmodOrFail(above, 0755);
  chmodOrFail(p.root(), 0775);
  expectRefused(p, {"the directory " + p.root().string() + " on the path to it is group-writable"});
  if (::geteuid() == 0) {
    chmodOrFail(p.root(), 01777);  // root-owned and sticky, like /tmp
    expectLoads(p);
  } else {
    MESSAGE("not running as root: the directories made here are not root-owned, so the sticky-bit case is covered "
            "only by the temp directory itself");
  }
  chmodOrFail(p.root(), 0755);
  expectLoads(p);
}

TEST_CASE("integrity: a directory above the plugin owned by another user is refused") {
  if (::geteuid() != 0) {
    MESSAGE("SKIPPED: creating a directory owned by another uid needs root");
    return;
  }
  TempDir scratch;
  const fs::path other = scratch.path() / "other-owned";
  fs::create_directories(other);
  chmodOrFail(other, 0755);
  Prefix p(other);
  REQUIRE(::chown(other.c_str(), 54321, 54321) == 0);
  expectRefused(p, {"the directory " + other.string() + " on the path to it is owned by uid 54321",
                    "neither root nor the user keeper-rotate runs as (uid 0", "chown root " + other.string()});
  // The plugin file itself owned by another uid is refused the same way.
  REQUIRE(::chown(other.c_str(), 0, 0) == 0);
  expectLoads(p);
  REQUIRE(::chown(p.plugin("provider-fake.so").c_str(), 54321, 54321) == 0);
  expectRefused(p, {"the file is owned by uid 54321", "chown root " + p.plugin("provider-fake.so").string()});
}

TEST_CASE("integrity: a symlinked plugin is checked where it really lives") {
  Prefix p;
  const fs::path elsewhere = p.scratch() / "elsewhere";
  fs::create_directories(elsewhere);
  chmodOrFail(elsewhere, 0755);
  fs::rename(p.plugin("provider-fake.so"), elsewhere / "provider-fake.so");
  fs::create_symlink(elsewhere / "provider-fake.so", p.plugin("provider-fake.so"));
  expectLoads(p);
  chmodOrFail(elsewhere, 0775);  // the target's directory: someone could swap the real file
  expectRefused(p, {"the directory " + elsewhere.string(), "group-writable", "chmod g-w " + elsewhere.string()});
  chmodOrFail(elsewhere, 0755);
  chmodOrFail(elsewhere / "provider-fake.so", 0757);
  expectRefused(p, {"the file " + (elsewhere / "provider-fake.so").string() + " it links to is world-writable"});
  chmodOrFail(elsewhere / "provider-fake.so", 0755);
  // A symlinked directory on the way: the directories it leads through are checked.
  const fs::path linkedDir = p.scratch() / "linked-plugins";
  fs::create_symlink(p.pluginDir(), linkedDir);
  expectLoads(p, {"--plugin-dir", linkedDir.string()});
  chmodOrFail(p.root() / "lib", 0777);
  const auto r = p.run({"plugins", "describe", "provider/fake", "--plugin-dir", linkedDir.string()});
  CHECK(r.exitCode == 3);
  CHECK(contains(r.err, "the directory " + (p.root() / "lib").string() + " on the path to it"));
}

TEST_CASE("integrity: the loader refuses a group-writable file itself, before dlopen") {
  TempDir dir;
  chmodOrFail(dir.path(), 0755);
  const fs::path file = dir.path() / "provider-fake.so";
  fs::copy_file(fs::path(testPluginDir()) / "provider-fake.so", file);
  chmodOrFail(file, 0664);
  CHECK_THROWS_WITH_AS(keeper_rotate::host::loadPluginFile(file, KR_KIND_PROVIDER, "fake"),
                       doctest::Contains("group-writable (mode 0664)"), keeper_rotate::host::IntegrityError);
  chmodOrFail(file, 0644);
  CHECK(keeper_rotate::host::loadPluginFile(file, KR_KIND_PROVIDER, "fake")->name == "fake");
}

TEST_CASE("plugins lock: pins every plugin of the search path, mode 0644, and is idempotent, then verify is ok") {
  Prefix p;
  const auto verifyMissing = p.run({"plugins", "verify"});
  CHECK(verifyMissing.exitCode == 3);
  CHECK(contains(verifyMissing.err, "no plugin lock file at " + p.lock().string()));
  CHECK(contains(verifyMissing.err, "keeper-rotate plugins lock"));

  const auto first = p.run({"plugins", "lock"});
  INFO("stderr: " << first.err);
  REQUIRE(first.exitCode == 0);
  CHECK(contains(first.out, "pinned provider-fake.so"));
  CHECK(contains(first.out, "wrote " + p.lock().string() + " (3 plugins)"));
  CHECK(modeOf(p.lock()) == 0644);
  const std::string text = readFile(p.lock());
  CHECK(contains(text, "provider-fake.so "));
  CHECK(contains(text, "source-fake-vault.so "));
  CHECK(contains(text, "writer-fake-durable.so "));

  const auto second = p.run({"plugins", "lock"});
  CHECK(second.exitCode == 0);
  CHECK(second.out == first.out);
  CHECK(readFile(p.lock()) == text);
  for (const auto& e : fs::directory_iterator(p.root() / "lib" / "keeper-rotate"))
    CHECK_MESSAGE(!contains(e.path().filename().string(), ".tmp-"), e.path());  // no temp file left behind

  const auto verify = p.run({"plugins", "verify"});
  INFO("verify: " << verify.out << verify.err);
  CHECK(verify.exitCode == 0);
  CHECK(contains(verify.out, "ok            provider-fake.so"));
  CHECK(contains(verify.out, "all 3 plugins match " + p.lock().string()));
  Scenario s;
  const auto r = rotate(p, s);
  INFO("stderr: " << r.err);
  CHECK(r.exitCode == 0);
}

TEST_CASE("plugins lock: a modified plugin is refused at load and reported by verify") {
  Prefix p;
  REQUIRE(p.run({"plugins", "lock"}).exitCode == 0);
  const std::string pinned = readFile(p.lock());
  const fs::path file = p.plugin("writer-fake-durable.so");
  appendByte(file);
  const auto describe = p.run({"plugins", "describe", "writer/fake-durable"});
  INFO("stderr: " << describe.err);
  CHECK(describe.exitCode == 3);
  CHECK(contains(describe.err, "cannot load plugin " + file.string() + ": its sha256 is "));
  CHECK(contains(describe.err, "but the plugin lock file " + p.lock().string() + " pins writer-fake-durable.so to "));
  CHECK(contains(describe.err, "keeper-rotate plugins lock"));
  Scenario s;
  const auto r = rotate(p, s);
  CHECK(r.exitCode == 3);
  CHECK(contains(summaryOf(r)->getObject("error")->getValue<std::string>("message"), "pins writer-fake-durable.so"));
  CHECK(s.createdSecrets().empty());

  const auto verify = p.run({"plugins", "verify"});
  CHECK(verify.exitCode == 3);
  CHECK(contains(verify.out, "ok            provider-fake.so"));
  CHECK(contains(verify.out, "mismatch      writer-fake-durable.so"));
  CHECK(contains(verify.out, ": expected "));
  CHECK(contains(verify.out, ", actual "));
  CHECK(contains(verify.err, "1 of 3 plugins are not ok"));
  CHECK(readFile(p.lock()) == pinned);  // verify never writes

  // Re-pinning accepts the file as it is now.
  REQUIRE(p.run({"plugins", "lock"}).exitCode == 0);
  CHECK(p.run({"plugins", "verify"}).exitCode == 0);
  CHECK(p.run({"plugins", "describe", "writer/fake-durable"}).exitCode == 0);
}

TEST_CASE("plugins lock: an unlisted plugin is refused, a pinned plugin that is gone is a missing file") {
  Prefix p;
  const fs::path parked = p.scratch() / "source-fake-vault.so";
  fs::rename(p.plugin("source-fake-vault.so"), parked);
  REQUIRE(p.run({"plugins", "lock"}).exitCode == 0);
  fs::rename(parked, p.plugin("source-fake-vault.so"));
  const auto describe = p.run({"plugins", "describe", "source/fake-vault"});
  CHECK(describe.exitCode == 3);
  CHECK(contains(describe.err, "source-fake-vault.so is not listed in the plugin lock file " + p.lock().string()));
  const auto verify = p.run({"plugins", "verify"});
  CHECK(verify.exitCode == 3);
  CHECK(contains(verify.out, "not listed    source-fake-vault.so"));

  REQUIRE(p.run({"plugins", "lock"}).exitCode == 0);
  fs::remove(p.plugin("writer-fake-durable.so"));
  const auto gone = p.run({"plugins", "verify"});
  CHECK(gone.exitCode == 3);
  CHECK(contains(gone.out, "missing file  writer-fake-durable.so"));
  CHECK(contains(gone.out, "not found in the search path"));
}

TEST_CASE("plugins lock: the first match per name is pinned, as the loader takes it") {
  Prefix p;
  TempDir extraDir;
  chmodOrFail(extraDir.path(), 0755);
  const fs::path extra = extraDir.path() / "provider-fake.so";
  fs::copy_file(p.plugin("provider-fake.so"), extra);
  chmodOrFail(extra, 0755);
  appendByte(extra);
  REQUIRE(p.run({"plugins", "lock", "--plugin-dir", extraDir.path().string()}).exitCode == 0);
  CHECK(p.run({"plugins", "verify", "--plugin-dir", extraDir.path().string()}).exitCode == 0);
  expectLoads(p, {"--plugin-dir", extraDir.path().string()});
  // Without the directory the default provider-fake.so loads, and it is not the pinned one.
  const auto verify = p.run({"plugins", "verify"});
  CHECK(verify.exitCode == 3);
  CHECK(contains(verify.out, "mismatch      provider-fake.so"));
  expectRefused(p, {"pins provider-fake.so to"});
  // A plugin refused by the permission rules is not pinned, and nothing is written.
  const std::string before = readFile(p.lock());
  chmodOrFail(extra, 0775);
  const auto refused = p.run({"plugins", "lock", "--plugin-dir", extraDir.path().string()});
  CHECK(refused.exitCode == 3);
  CHECK(contains(refused.err, "cannot pin plugin " + extra.string()));
  CHECK(contains(refused.err, "nothing written"));
  CHECK(readFile(p.lock()) == before);
  // The lock's own directory must be trusted too (no default plugins here, so only that is in the way).
  chmodOrFail(extra, 0755);
  fs::remove_all(p.pluginDir());
  chmodOrFail(p.root() / "lib" / "keeper-rotate", 0775);
  const auto intoWritable = p.run({"plugins", "lock", "--plugin-dir", extraDir.path().string()});
  CHECK(intoWritable.exitCode == 3);
  CHECK(contains(intoWritable.err, "cannot write the plugin lock file " + p.lock().string()));
  CHECK(contains(intoWritable.err, "group-writable"));
  CHECK(readFile(p.lock()) == before);
}

TEST_CASE("plugins lock: a lock file others could change, or that does not parse, refuses every plugin") {
  Prefix p;
  REQUIRE(p.run({"plugins", "lock"}).exitCode == 0);
  chmodOrFail(p.lock(), 0664);
  expectRefused(p, {"cannot use the plugin lock file " + p.lock().string(), "group-writable (mode 0664)",
                    "chmod g-w " + p.lock().string(), "No plugin loads until the lock file is fixed"});
  const auto verify = p.run({"plugins", "verify"});
  CHECK(verify.exitCode == 3);
  CHECK(contains(verify.err, "cannot use the plugin lock file"));
  Scenario s;
  CHECK(rotate(p, s).exitCode == 3);
  chmodOrFail(p.lock(), 0646);
  expectRefused(p, {"world-writable (mode 0646)"});
  chmodOrFail(p.lock(), 0644);
  expectLoads(p);
  if (::geteuid() == 0) {
    REQUIRE(::chown(p.lock().c_str(), 54321, 54321) == 0);
    expectRefused(p, {"cannot use the plugin lock file", "owned by uid 54321"});
    REQUIRE(::chown(p.lock().c_str(), 0, 0) == 0);
  } else {
    MESSAGE("SKIPPED: a lock file owned by another uid needs root");
  }
  writeFile(p.lock(), readFile(p.lock()) + "provider-fake.so not-a-hash\n");
  expectRefused(p, {"cannot use the plugin lock file", "not a SHA-256"});
  // `plugins lock` replaces a broken or untrusted lock (the directory is what must be trusted).
  chmodOrFail(p.lock(), 0666);
  REQUIRE(p.run({"plugins", "lock"}).exitCode == 0);
  CHECK(modeOf(p.lock()) == 0644);
  CHECK(p.run({"plugins", "verify"}).exitCode == 0);
  // ... but not into a directory others could change (here the plugins below it are refused first).
  const std::string good = readFile(p.lock());
  chmodOrFail(p.root() / "lib" / "keeper-rotate", 0775);
  const auto intoWritable = p.run({"plugins", "lock"});
  CHECK(intoWritable.exitCode == 3);
  CHECK(contains(intoWritable.err, (p.root() / "lib" / "keeper-rotate").string() + " on the path to it is group-writable"));
  CHECK(contains(intoWritable.err, "nothing written"));
  CHECK(readFile(p.lock()) == good);
}

TEST_CASE("plugins lock and verify: usage") {
  Prefix p;
  CHECK(p.run({"plugins", "lock", "extra"}).exitCode == 2);
  CHECK(p.run({"plugins", "verify", "--json"}).exitCode == 2);
  CHECK(p.run({"plugins", "frobnicate"}).exitCode == 2);
}
