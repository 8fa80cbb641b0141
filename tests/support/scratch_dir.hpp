// A fresh directory for one test's files (inputs, state files, configs), removed with the object. Under the build
// tree rather than /tmp, so a failed run leaves nothing outside it and parallel ctest jobs never share a name.
#pragma once

#include <stdlib.h>  // mkdtemp

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>

namespace kr_test_support {

class ScratchDir {
 public:
  /// A new directory `root/prefix-XXXXXX`.
  ScratchDir(const std::string& root, const std::string& prefix) {
    std::filesystem::create_directories(root);
    std::string pattern = root + "/" + prefix + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed under " + root);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  void write(const std::string& name, const std::string& content) const {
    std::ofstream f(file(name));
    f << content;
    if (!f) throw std::runtime_error("cannot write " + file(name));
  }
  std::string read(const std::string& name) const {
    std::ifstream in(file(name));
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::string path_;
};

}  // namespace kr_test_support
