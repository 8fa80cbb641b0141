// kr-bench-rotation — one Azure app-secret rotation, done by keeper-rotate and by the reference script on Keeper's
// and Microsoft's official Node SDKs (tools/bench/reference), interleaved in one invocation over the same in-process
// fakes (fake Entra ID + Graph, fake KSM; real HTTPS with a throw-away test CA on 127.0.0.1). Prints medians of wall
// time and peak RSS of each, their ratios, keeper-rotate's run broken into its remote steps (as the servers saw
// them), and requests and TLS handshakes per host for both. Prints figures; asserts only that every run rotated
// (a failed run's figures would mean nothing). See tools/bench/README.md.
//
//   kr-bench-rotation --host KEEPER_ROTATE --node NODE --script REFERENCE_JS --node-path NODE_MODULES [--runs N]
#include <fake_entra.hpp>
#include <fake_ksm.hpp>
#include <https_server.hpp>
#include <keeper_rotate/text.hpp>
#include <test_ca.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

namespace fe = keeper_rotate::fake_entra;
namespace ts = keeper_rotate::testsupport;
using Clock = std::chrono::steady_clock;

const char* kTenant = "7b3a2c1d-0000-4000-8000-00000000be00";
const char* kAdminObject = "e0e0e0e0-5555-4555-8555-0000000000b1";
const char* kAdminApp = "a0a0a0a0-1111-4111-8111-0000000000b2";
const char* kTargetObject = "0b0b0b0b-2222-4222-8222-0000000000b3";
const char* kTargetApp = "c0c0c0c0-3333-4333-8333-0000000000b4";
const char* kUserUid = "BenchPamUser0000000001";
const char* kAdminUid = "BenchAdminRecord000001";
const char* kConfigUid = "BenchPamConfig00000001";

struct Options {
  std::string host, node, script, nodePath;
  int runs = 21;
  int warmup = 2;
  bool hostOnly = false;  ///< --host-only: keeper-rotate's runs alone (for profilers); no ratio is printed
};

struct Run {
  double wallMs = 0;
  double maxRssMb = 0;
  double cpuMs = 0;  ///< user + system time of the process (and of children it waited for)
  int exitCode = -1;
  std::string out, err;
  Clock::time_point started, ended;
};

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// posix_spawn `argv` with exactly `env`, stdin from `inputFile`; wall time and peak RSS from wait4.
Run spawnAndWait(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                 const std::string& inputFile, const std::string& workDir) {
  const std::string outFile = workDir + "/run.out", errFile = workDir + "/run.err";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, inputFile.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, outFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, errFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  Run run;
  pid_t pid = -1;
  run.started = Clock::now();
  const int rc = posix_spawn(&pid, argv.at(0).c_str(), &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("posix_spawn " + argv[0] + ": " + std::strerror(rc));
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) throw std::runtime_error("wait4 failed");
  }
  run.ended = Clock::now();
  run.wallMs = std::chrono::duration<double, std::milli>(run.ended - run.started).count();
  run.maxRssMb = static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
  auto ms = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3; };
  run.cpuMs = ms(usage.ru_utime) + ms(usage.ru_stime);
  run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = readFile(outFile);
  run.err = readFile(errFile);
  return run;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string randomSecret(const std::string& prefix) {
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  std::string raw(24, '\0');
  urandom.read(raw.data(), static_cast<std::streamsize>(raw.size()));
  std::string s = keeper_rotate::text::encodeBase64(raw);
  s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == '+' || c == '/' || c == '='; }), s.end());
  return prefix + s;
}

template <typename T>
std::string json(const T& o) {
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

std::string customValue(const std::string& recordJson, const std::string& label) {
  const auto data = Poco::JSON::Parser().parse(recordJson).extract<Poco::JSON::Object::Ptr>();
  const auto custom = data->getArray("custom");
  for (std::size_t i = 0; custom && i < custom->size(); ++i)
    if (custom->getObject(i)->optValue<std::string>("label", "") == label)
      return custom->getObject(i)->getArray("value")->get(0).toString();
  return "";
}

/// A request as one of the fakes saw it, named after its remote step.
struct Step {
  std::string host, name;
  Clock::time_point received, answered;
};

std::string stepName(const std::string& host, const ts::HttpsServer::Served& s, int& tokenRequests) {
  const std::string path = s.uri.substr(0, s.uri.find('?'));
  if (host == "ksm") return "KSM " + path.substr(path.rfind('/') + 1);
  if (path.find("/oauth2/v2.0/token") != std::string::npos)
    return ++tokenRequests == 1 ? "Entra token (admin)" : "Entra token (new secret)";
  if (path.find("/addPassword") != std::string::npos) return "Graph addPassword";
  if (path.find("/removePassword") != std::string::npos) return "Graph removePassword";
  return "Graph " + s.method + " application";
}

struct Bench {
  Options options;
  ts::TempDir dir{"kr-bench-rotation"};
  ts::TestCa ca = ts::TestCa::create(dir.path() + "/ca");
  fe::FakeEntra entra{ca};
  keeper_rotate::fakeksm::FakeKsm ksm{ca};
  std::string adminSecret = randomSecret("adm~");
  std::string ksmConfigJson;
  std::string heldKeyId, heldSecret;

  explicit Bench(Options o) : options(std::move(o)) {
    entra.start();
    // The admin app's secret is chosen here (the seed format takes its text), so the gateway input can carry it.
    std::ostringstream seed;
    seed << R"({"tenants":[{"id":")" << kTenant << R"(","domains":["bench.example"],"apps":[{"id":")" << kAdminObject
         << R"(","appId":")" << kAdminApp << R"(","displayName":"Keeper rotation admin",)"
         << R"("permissions":["Application.ReadWrite.All"],"passwords":[{"displayName":"admin","secretText":")"
         << adminSecret << R"("}]},{"id":")" << kTargetObject << R"(","appId":")" << kTargetApp
         << R"(","displayName":"Payroll API"}]}]})";
    entra.loadSeed(seed.str());
    ksmConfigJson = ksm.createDevice().json;
  }

  /// Before every run: the target app holds one secret, which the PAM User record holds too.
  void arrange() {
    for (const auto& p : entra.passwords(kTargetObject)) entra.removePassword(kTargetObject, p.keyId);
    const auto held = entra.addPassword(kTargetObject, "current secret", 30);
    heldKeyId = held.keyId;
    heldSecret = held.secretText;
    ksm.putRecord(kUserUid, R"({"title":"Payroll API secret","type":"pamUser","fields":[{"type":"login",)"
                            R"("value":["payroll-api"]},{"type":"password","value":["gateway-generated"]}],)"
                            R"("custom":[{"type":"text","label":"application_object_id","value":[")" +
                                std::string(kTargetObject) + R"("]},{"type":"text","label":"client_secret_id",)"
                            R"("value":[")" + heldKeyId + R"("]},{"type":"secret","label":"client_secret",)"
                            R"("value":[")" + heldSecret + R"("]}]})");
    std::ofstream(dir.path() + "/ksm-config.json") << ksmConfigJson;
    ::chmod((dir.path() + "/ksm-config.json").c_str(), 0600);
    std::ofstream(dir.path() + "/input") << gatewayInput();
    entra.server().clearTraffic();
    ksm.server().clearTraffic();
  }

  std::string gatewayInput() const {
    Poco::JSON::Object user(Poco::JSON_PRESERVE_KEY_ORDER);
    user.set("uid", kUserUid);
    user.set("title", "Payroll API secret");
    user.set("login", "payroll-api");
    user.set("application_object_id", kTargetObject);
    user.set("client_secret_id", heldKeyId);
    user.set("azure_authority_host", entra.baseUrl());
    user.set("azure_graph_endpoint", entra.baseUrl());
    user.set("verify_successes", "1");
    Poco::JSON::Object admin(Poco::JSON_PRESERVE_KEY_ORDER);
    admin.set("uid", kAdminUid);
    admin.set("title", "Keeper rotation admin");
    admin.set("application_client_id", kAdminApp);
    admin.set("client_secret", adminSecret);
    admin.set("tenant_id", kTenant);
    Poco::JSON::Array records;
    records.add(user);
    records.add(admin);
    Poco::JSON::Object input(Poco::JSON_PRESERVE_KEY_ORDER);
    input.set("providerRecordUid", kConfigUid);
    input.set("resourceRecordUid", "");
    input.set("userRecordUid", kUserUid);
    input.set("newPassword", "unused-by-this-rotation");
    input.set("oldPassword", "");
    input.set("user", "payroll-api");
    input.set("records", keeper_rotate::text::encodeBase64(json(records)));
    return keeper_rotate::text::encodeBase64(json(input)) + "\n";
  }

  Run runKeeperRotate() {
    ::mkdir((dir.path() + "/state").c_str(), 0700);
    return spawnAndWait({options.host, "azure-app-secret", "--ksm-config", dir.path() + "/ksm-config.json",
                         "/attached/rotate-azure-app-secret.sh"},
                        {"SSL_CERT_FILE=" + ca.caCertFile(), "KEEPER_ROTATE_STATE_DIR=" + dir.path() + "/state",
                         "PATH=/usr/bin:/bin"},
                        dir.path() + "/input", dir.path());
  }

  Run runReference() {
    return spawnAndWait({options.node, options.script, dir.path() + "/ksm-config.json"},
                        {"NODE_EXTRA_CA_CERTS=" + ca.caCertFile(), "NODE_PATH=" + options.nodePath,
                         "AZURE_AUTHORITY_HOST=" + entra.baseUrl(), "GRAPH_ENDPOINT=" + entra.baseUrl(),
                         "PATH=/usr/bin:/bin"},
                        dir.path() + "/input", dir.path());
  }

  /// The rotation happened: the app holds exactly one secret, a new one, and the vault record holds it.
  void checkRotated(const char* who, const Run& run) const {
    const auto passwords = entra.passwords(kTargetObject);
    const std::string record = ksm.readRecord(kUserUid);
    const std::string storedId = customValue(record, "client_secret_id");
    const std::string storedSecret = customValue(record, "client_secret");
    const bool ok = run.exitCode == 0 && passwords.size() == 1 && passwords[0].keyId == storedId &&
                    storedId != heldKeyId && passwords[0].secretText == storedSecret;
    if (!ok) {
      std::ostringstream why;
      why << who << " did not rotate (exit " << run.exitCode << ", " << passwords.size()
          << " secret(s) at Entra, vault key id " << storedId << ")\n--- stderr:\n" << run.err;
      throw std::runtime_error(why.str());
    }
  }

  std::vector<Step> steps() const {
    std::vector<Step> all;
    int tokens = 0;
    std::vector<std::pair<std::string, ts::HttpsServer::Served>> served;
    for (const auto& s : entra.server().served()) served.emplace_back("entra", s);
    for (const auto& s : ksm.server().served()) served.emplace_back("ksm", s);
    std::sort(served.begin(), served.end(),
              [](const auto& a, const auto& b) { return a.second.received < b.second.received; });
    for (const auto& [host, s] : served) all.push_back({host, stepName(host, s, tokens), s.received, s.answered});
    return all;
  }
};

struct Traffic {
  std::size_t entraRequests = 0, entraHandshakes = 0, ksmRequests = 0, ksmHandshakes = 0;
  bool operator==(const Traffic& o) const {
    return entraRequests == o.entraRequests && entraHandshakes == o.entraHandshakes &&
           ksmRequests == o.ksmRequests && ksmHandshakes == o.ksmHandshakes;
  }
};

Traffic trafficOf(const Bench& b) {
  return {b.entra.server().served().size(), b.entra.server().connectionsAccepted(), b.ksm.server().served().size(),
          b.ksm.server().connectionsAccepted()};
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--host") o.host = value();
    else if (a == "--node") o.node = value();
    else if (a == "--script") o.script = value();
    else if (a == "--node-path") o.nodePath = value();
    else if (a == "--runs") o.runs = std::stoi(value());
    else if (a == "--warmup") o.warmup = std::stoi(value());
    else if (a == "--host-only") o.hostOnly = true;
    else throw std::invalid_argument("unknown option " + a);
  }
  if (o.host.empty() || (!o.hostOnly && (o.node.empty() || o.script.empty() || o.nodePath.empty())) || o.runs < 1)
    throw std::invalid_argument(
        "usage: kr-bench-rotation --host KEEPER_ROTATE --node NODE --script REFERENCE_JS --node-path NODE_MODULES "
        "[--runs N] [--warmup N]\n       kr-bench-rotation --host KEEPER_ROTATE --host-only [--runs N] [--warmup N]   (to profile)");
  return o;
}

void printTraffic(const char* who, const Traffic& t) {
  std::printf("  %-16s Entra/Graph: %zu requests, %zu TLS handshake(s)   KSM: %zu requests, %zu TLS handshake(s)\n",
              who, t.entraRequests, t.entraHandshakes, t.ksmRequests, t.ksmHandshakes);
}

}  // namespace

int main(int argc, char** argv) try {
  Bench bench(parse(argc, argv));
  std::vector<double> krWall, krRss, krCpu, refWall, refRss, refCpu;
  std::map<std::size_t, std::pair<std::string, std::vector<double>>> phases;  // step index -> name, durations
  std::vector<double> startToFirst, lastToExit;
  std::vector<std::string> stepOrder;
  Traffic krTraffic, refTraffic;
  bool krTrafficStable = true, refTrafficStable = true;

  const int total = bench.options.warmup + bench.options.runs;
  for (int i = 0; i < total; ++i) {
    const bool counted = i >= bench.options.warmup;
    // Alternate which side goes first, so neither profits from the other warming the servers or the page cache.
    for (int side = 0; side < 2; ++side) {
      const bool keeperRotate = bench.options.hostOnly || (side == 0) == (i % 2 == 0);
      if (bench.options.hostOnly && side == 1) break;
      bench.arrange();
      const Run run = keeperRotate ? bench.runKeeperRotate() : bench.runReference();
      bench.checkRotated(keeperRotate ? "keeper-rotate" : "the reference script", run);
      const Traffic traffic = trafficOf(bench);
      if (!counted) {
        (keeperRotate ? krTraffic : refTraffic) = traffic;
        continue;
      }
      (keeperRotate ? krTrafficStable : refTrafficStable) &= traffic == (keeperRotate ? krTraffic : refTraffic);
      (keeperRotate ? krWall : refWall).push_back(run.wallMs);
      (keeperRotate ? krRss : refRss).push_back(run.maxRssMb);
      (keeperRotate ? krCpu : refCpu).push_back(run.cpuMs);
      if (!keeperRotate) continue;
      const auto steps = bench.steps();
      if (steps.empty()) continue;
      auto ms = [](Clock::time_point a, Clock::time_point b) {
        return std::chrono::duration<double, std::milli>(b - a).count();
      };
      startToFirst.push_back(ms(run.started, steps.front().received));
      Clock::time_point previous = run.started;
      for (std::size_t s = 0; s < steps.size(); ++s) {
        auto& [name, values] = phases[s];
        if (name.empty()) name = steps[s].name;
        if (name.find(steps[s].name) == std::string::npos) name += " / " + steps[s].name;  // a run took another path
        values.push_back(ms(s == 0 ? steps[s].received : previous, steps[s].answered));
        previous = steps[s].answered;
      }
      lastToExit.push_back(ms(previous, run.ended));
    }
  }

  if (bench.options.hostOnly) refWall = refRss = refCpu = {0.0};
  const double krW = median(krWall), refW = median(refWall), krR = median(krRss), refR = median(refRss);
  std::printf("Azure app-secret rotation over loopback fakes, %d interleaved runs each (after %d warm-up runs)\n",
              bench.options.runs, bench.options.warmup);
  std::printf("  %-38s %12s %16s %12s\n", "", "median wall", "median peak RSS", "median CPU");
  std::printf("  %-38s %9.1f ms %13.1f MB %9.1f ms\n", "keeper-rotate azure-app-secret", krW, krR, median(krCpu));
  std::printf("  %-38s %9.1f ms %13.1f MB %9.1f ms\n", "reference script (official Node SDKs)", refW, refR,
              median(refCpu));
  std::printf("  ratio (reference / keeper-rotate): %.1fx faster, %.1fx less peak memory\n", refW / krW, refR / krR);
  std::printf("  spread: keeper-rotate wall %.1f..%.1f ms, reference wall %.1f..%.1f ms\n",
              *std::min_element(krWall.begin(), krWall.end()), *std::max_element(krWall.begin(), krWall.end()),
              *std::min_element(refWall.begin(), refWall.end()), *std::max_element(refWall.begin(), refWall.end()));
  std::printf("\nkeeper-rotate, where the time goes (medians; a step runs from the previous answer to its own, as the\n"
              "servers saw it, so it includes the client's work before the request):\n");
  std::printf("  %-40s %7.2f ms  (until the first request arrived)\n", "process start, plugin load, TLS handshake",
              median(startToFirst));
  for (const auto& [index, entry] : phases) {
    const double m = median(entry.second);
    std::printf("  %2zu. %-36s %7.2f ms  (until answered)\n", index + 1, entry.first.c_str(), m);
  }
  std::printf("  %-40s %7.2f ms\n", "after the last answer: store journal, summary, exit", median(lastToExit));
  std::printf("\nRequests and TLS handshakes per host and run:\n");
  printTraffic("keeper-rotate", krTraffic);
  printTraffic("reference script", refTraffic);
  if (!krTrafficStable || !refTrafficStable) std::printf("  (the counts varied between runs; these are the first)\n");
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "kr-bench-rotation: %s\n", e.what());
  return 1;
}
