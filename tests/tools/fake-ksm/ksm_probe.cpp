// ksm-probe: the C++ KSM client as a command, for the fidelity test's cross-checks with Keeper's Node SDK.
//   ksm-probe --config FILE --record UID [--expect LABEL=VALUE]... [--set LABEL=TYPE:VALUE]...
//   ksm-probe --init-token TOKEN --hostname HOST --server-key-id N --server-key B64 --out FILE   (ksm init)
// --expect compares a field (label, else type) with VALUE; --set writes a field (created if missing) and saves
// with the revision read. Prints only field names and outcomes, never values. Exit 0 when every expectation
// holds and every write was saved, 1 otherwise, 2 for usage errors.
#include <kr_ksm/client.hpp>
#include <kr_ksm/errors.hpp>
#include <kr_ksm/init.hpp>
#include <kr_ksm/record.hpp>

#include <Poco/Net/SSLManager.h>

#include <iostream>
#include <string>
#include <vector>

using namespace keeper_rotate;

int main(int argc, char** argv) {
  std::string configFile, uid;
  keeper_rotate::ksm::InitOptions init;
  std::vector<std::pair<std::string, std::string>> expects;
  std::vector<std::pair<std::string, std::pair<std::string, std::string>>> sets;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string opt = argv[i], val = argv[i + 1];
    const auto eq = val.find('=');
    if (opt == "--config") {
      configFile = val;
    } else if (opt == "--record") {
      uid = val;
    } else if (opt == "--init-token") {
      init.token = val;
    } else if (opt == "--hostname") {
      init.hostname = val;
    } else if (opt == "--out") {
      init.out = val;
    } else if (opt == "--server-key-id") {
      init.serverPublicKeyId = std::stoi(val);
    } else if (opt == "--server-key") {
      init.serverPublicKey = val;
    } else if (opt == "--expect" && eq != std::string::npos) {
      expects.emplace_back(val.substr(0, eq), val.substr(eq + 1));
    } else if (opt == "--set" && eq != std::string::npos && val.find(':', eq) != std::string::npos) {
      const auto colon = val.find(':', eq);
      sets.push_back({val.substr(0, eq), {val.substr(eq + 1, colon - eq - 1), val.substr(colon + 1)}});
    } else {
      std::cerr << "ksm-probe: bad argument " << opt << "\n";
      return 2;
    }
  }
  if (!init.token.empty()) {
    Poco::Net::initializeSSL();
    const int rc = keeper_rotate::ksm::runInit(init);
    Poco::Net::uninitializeSSL();
    return rc;
  }
  if (configFile.empty() || uid.empty()) {
    std::cerr << "usage: ksm-probe --config FILE --record UID [--expect LABEL=VALUE]... [--set LABEL=TYPE:VALUE]...\n";
    return 2;
  }
  Poco::Net::initializeSSL();
  int rc = 0;
  try {
    ksm::ConfigLocations where;
    where.explicitFile = configFile;
    ksm::Client client(ksm::loadConfig(where));
    ksm::Record record = client.getRecord(uid);
    for (const auto& [label, value] : expects) {
      const auto actual = ksm::firstValue(*record.data, label);
      const bool ok = actual && *actual == value;
      std::cout << "expect " << label << ": " << (ok ? "ok" : "MISMATCH") << "\n";
      if (!ok) rc = 1;
    }
    if (!sets.empty()) {
      for (const auto& [label, tv] : sets) ksm::setFieldValue(*record.data, label, tv.first, tv.second);
      client.updateRecord(record);
      std::cout << "saved " << sets.size() << " field(s) in " << uid << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "ksm-probe: " << e.what() << "\n";
    rc = 1;
  }
  Poco::Net::uninitializeSSL();
  return rc;
}
