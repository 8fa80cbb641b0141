// keeper-rotate entry point: process hardening first, then the command line (cli/host_options.hpp), then the
// command. A bad command line is exit 2 with one line on stderr and no summary line: the summary starts only once
// the command line is understood. Anything unexpected is exit 1 with a fixed message, because an exception's text
// may carry input that must not reach stderr unredacted.
#include "cli/app.hpp"
#include "cli/host_options.hpp"
#include "util/hardening.hpp"

#include <iostream>

int main(int argc, char** argv) {
  using namespace keeper_rotate::host;
  hardenProcess();
  try {
    CliOptions opts;
    try {
      opts = parseHostCommandLine(argc, argv);
    } catch (const UsageError& e) {
      std::cerr << "keeper-rotate: " << e.what() << " (see keeper-rotate --help)\n";
      return 2;
    }
    return runHostApp(opts);
  } catch (...) {
    std::cerr << "keeper-rotate: internal error\n";
    return 1;
  }
}
