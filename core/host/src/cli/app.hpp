// The keeper-rotate command line on Poco::Util::Application: option definitions, parsing into CliOptions, and
// dispatch to the commands. Options may stand before or after positionals (Poco parses them globally).
#pragma once

#include "cli/options.hpp"

#include <Poco/Util/Application.h>
#include <Poco/Util/OptionSet.h>

namespace keeper_rotate::host {

class HostApp : public Poco::Util::Application {
 public:
  HostApp();
  /// Exit code of the last main() (Application::run's own codes are Poco's, not ours).
  int exitCode() const { return exitCode_; }

 protected:
  void defineOptions(Poco::Util::OptionSet& options) override;
  void handleOption(const std::string& name, const std::string& value) override;
  int main(const std::vector<std::string>& args) override;

 private:
  int dispatch();
  void printHelp() const;

  CliOptions opts_;
  int exitCode_ = 0;
};

}  // namespace keeper_rotate::host
