// fake-ksm-bench: figures for the KSM client against the in-process fake over loopback HTTPS (no assertions).
// Prints per-operation wall time (median and max of N runs) for get_secret, update_secret and a full
// read-modify-write with one revision conflict, so regressions in the crypto or HTTP path show up as numbers.
#include "fake_ksm.hpp"

#include <kr_ksm/client.hpp>
#include <kr_ksm/record.hpp>
#include <test_ca.hpp>

#include <Poco/Net/SSLManager.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

using namespace keeper_rotate;
using Clock = std::chrono::steady_clock;

namespace {

void measure(const char* name, int runs, const std::function<void()>& op) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    op();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("%-34s runs=%3d median=%7.2f ms  max=%7.2f ms\n", name, runs, ms[ms.size() / 2], ms.back());
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 50;
  Poco::Net::initializeSSL();
  {
    testsupport::TempDir dir("fake-ksm-bench");
    const auto ca = testsupport::TestCa::create(dir.path());
    fakeksm::FakeKsm fake(ca);
    fake.addSharedFolder("BenchFolderUid-0000001");
    const std::string json =
        R"({"title":"bench","type":"pamUser","fields":[{"type":"login","value":["a"]},{"type":"password","value":["p"]}],"custom":[]})";
    fake.putRecord("BenchRecordUid-0000001", json, "BenchFolderUid-0000001");
    ksm::ClientOptions options;
    options.https.caFile = ca.caCertFile();
    ksm::Client client(ksm::parseConfig(fake.createDevice().json, "bench"), options);

    measure("get_secret (one folder record)", runs, [&] { client.getRecord("BenchRecordUid-0000001"); });
    int n = 0;
    measure("get_secret + update_secret", runs, [&] {
      ksm::Record r = client.getRecord("BenchRecordUid-0000001");
      ksm::setFieldValue(*r.data, "client_secret_id", "text", "key-" + std::to_string(++n));
      client.updateRecord(r);
    });
    measure("update with 1 revision conflict", std::max(1, runs / 5), [&] {
      fake.changePasswordBeforeNextUpdate("BenchRecordUid-0000001", "gw-" + std::to_string(++n));
      ksm::Record r = client.getRecord("BenchRecordUid-0000001");
      try {
        client.updateRecord(r);
      } catch (const std::exception&) {
        r = client.getRecord("BenchRecordUid-0000001");
        client.updateRecord(r);
      }
    });
  }
  Poco::Net::uninitializeSSL();
  return 0;
}
