// keeper-rotate entry point: process hardening first, then the Poco::Util application. Poco reports option
// errors with its own exit code (78); keeper-rotate promises 2 for every usage error, so parsing is wrapped here.
#include "cli/app.hpp"
#include "util/hardening.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>

#include <exception>
#include <iostream>

int main(int argc, char** argv) {
  keeper_rotate::host::hardenProcess();
  Poco::AutoPtr<keeper_rotate::host::HostApp> app = new keeper_rotate::host::HostApp;
  try {
    app->init(argc, argv);
  } catch (const Poco::Exception& e) {
    std::cerr << "keeper-rotate: " << e.displayText() << " (see keeper-rotate --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "keeper-rotate: " << e.what() << " (see keeper-rotate --help)\n";
    return 2;
  }
  try {
    app->run();
    return app->exitCode();
  } catch (...) {
    std::cerr << "keeper-rotate: internal error\n";
    return 1;
  }
}
