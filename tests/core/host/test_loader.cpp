// Plugin loading through Boost.DLL: the good test plugins load with their metadata; every broken one is refused
// with a message that says which file, what was expected and found, and what to do.
#include "loader/plugin.hpp"
#include "loader/registry.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using namespace keeper_rotate::host;
namespace fs = std::filesystem;

namespace {

std::string loadError(const fs::path& dir, kr_kind kind, const std::string& name) {
  PluginRegistry registry({dir});
  try {
    registry.load(kind, name);
  } catch (const LoadError& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST_CASE("loader: the fake provider loads with its metadata, without creating an instance") {
  PluginRegistry registry({KR_TEST_PLUGIN_DIR});
  const LoadedPlugin& p = registry.load(KR_KIND_PROVIDER, "fake");
  CHECK(p.name == "fake");
  CHECK(p.tag.abi_major == KR_ABI_MAJOR);
  REQUIRE(p.descriptor != nullptr);
  CHECK(std::string(p.descriptor->name) == "fake");
  CHECK(p.descriptor->field_count >= 5);
  CHECK(p.fields.size() == p.descriptor->field_count);
  CHECK(std::string(p.fields[0].label) == "fake_state_file");
  CHECK(std::string(p.descriptor->provider->required_credentials[0]) == "tenant_id");
  CHECK(&registry.load(KR_KIND_PROVIDER, "fake") == &p);  // loaded once
  const LoadedPlugin& w = registry.load(KR_KIND_RECORD_WRITER, "fake-durable");
  CHECK((w.descriptor->record_writer->capabilities & KR_WRITER_DURABLE) != 0);
}

TEST_CASE("loader: wrong ABI major is refused from the tag alone") {
  // The entry function of this plugin calls abort(): reaching this line proves it was never called.
  const std::string m = loadError(KR_BROKEN_PLUGIN_DIR, KR_KIND_PROVIDER, "wrong-abi");
  CHECK(m.find("provider-wrong-abi.so") != std::string::npos);
  CHECK(m.find("ABI 99.0") != std::string::npos);
  CHECK(m.find("ABI " + std::to_string(KR_ABI_MAJOR) + "." + std::to_string(KR_ABI_MINOR)) != std::string::npos);
  CHECK(m.find("Rebuild") != std::string::npos);
}

TEST_CASE("loader: missing entry point, missing tag, name mismatch and non-ELF files are refused") {
  CHECK(loadError(KR_BROKEN_PLUGIN_DIR, KR_KIND_PROVIDER, "no-entry").find("no entry function 'keeper_rotate_plugin_v1'") !=
        std::string::npos);
  CHECK(loadError(KR_BROKEN_PLUGIN_DIR, KR_KIND_PROVIDER, "no-tag").find("not a keeper-rotate plugin") !=
        std::string::npos);
  const std::string misnamed = loadError(KR_BROKEN_PLUGIN_DIR, KR_KIND_PROVIDER, "misnamed");
  CHECK(misnamed.find("calls itself 'some-other-name'") != std::string::npos);
  const std::string notElf = loadError(KR_BROKEN_PLUGIN_DIR, KR_KIND_PROVIDER, "not-elf");
  CHECK(notElf.find("provider-not-elf.so") != std::string::npos);
  CHECK(notElf.find("dynamic loader refused it") != std::string::npos);
}

TEST_CASE("loader: a missing file or unknown name lists what is available and kind must match the file name") {
  const std::string m = loadError(KR_TEST_PLUGIN_DIR, KR_KIND_PROVIDER, "absent");
  CHECK(m.find("unknown provider 'absent'") != std::string::npos);
  CHECK(m.find("Available providers: fake") != std::string::npos);
  CHECK(m.find(KR_TEST_PLUGIN_DIR) != std::string::npos);
  CHECK(loadError(KR_TEST_PLUGIN_DIR, KR_KIND_PROVIDER, "Bad/Name").find("not a valid provider name") !=
        std::string::npos);
  // A file that exists but is renamed to another kind is refused by its descriptor.
  CHECK_THROWS_WITH_AS(loadPluginFile(fs::path(KR_TEST_PLUGIN_DIR) / "provider-fake.so", KR_KIND_RECORD_WRITER, "fake"),
                       doctest::Contains("the file name says record writer"), LoadError);
  CHECK_THROWS_WITH_AS(loadPluginFile(fs::path(KR_TEST_PLUGIN_DIR) / "provider-nothing.so", KR_KIND_PROVIDER, "nothing"),
                       doctest::Contains("cannot access the file"), LoadError);
}

TEST_CASE("loader: search path precedence is --plugin-dir, then KEEPER_ROTATE_PLUGIN_PATH, then the default") {
  const auto dirs = pluginSearchPath({"/a", "/b"}, "/c::/d", "/opt/kr/bin/keeper-rotate");
  REQUIRE(dirs.size() == 5);
  CHECK(dirs[0] == "/a");
  CHECK(dirs[1] == "/b");
  CHECK(dirs[2] == "/c");
  CHECK(dirs[3] == "/d");
  CHECK(dirs[4] == "/opt/kr/lib/keeper-rotate/plugins");
  // The first directory holding a plugin wins; later same-named files are shadowed.
  PluginRegistry registry({KR_TEST_PLUGIN_DIR, KR_TEST_PLUGIN_DIR});
  const auto entries = registry.scan();
  int shadowed = 0;
  for (const auto& e : entries) shadowed += e.shadowed ? 1 : 0;
  CHECK(shadowed == static_cast<int>(entries.size()) / 2);
}
