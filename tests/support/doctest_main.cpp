// Shared doctest main: OpenSSL/Poco SSL initialised once for the whole process, so tests that start HTTPS servers
// and clients do not each race to initialise it.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <Poco/Net/SSLManager.h>

int main(int argc, char** argv) {
  Poco::Net::initializeSSL();
  doctest::Context context(argc, argv);
  const int result = context.run();
  Poco::Net::uninitializeSSL();
  return result;
}
