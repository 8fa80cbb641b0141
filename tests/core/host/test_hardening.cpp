// The host binary and every first-party plugin carry the build hardening of cmake/Hardening.cmake
// (docs/toolchain.md, pitfall 13): full RELRO (a GNU_RELRO segment and every symbol bound at load), a
// non-executable stack, stack canaries (the objects call __stack_chk_fail) and, in optimised builds without
// sanitizers, glibc's checked functions (_FORTIFY_SOURCE: the host imports __*_chk variants). Read from the ELF
// files themselves, so a flag lost from the build fails here rather than in a review.
#include <doctest/doctest.h>

#include <elf.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

#ifdef KR_SANITIZED
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

/// What the checks need from one ELF64 file.
struct ElfFacts {
  bool elf64 = false;
  bool relro = false;        ///< a PT_GNU_RELRO segment
  bool stackSeen = false;    ///< a PT_GNU_STACK segment
  bool stackExec = false;    ///< ... marked executable
  bool bindNow = false;      ///< DF_BIND_NOW in DT_FLAGS or DF_1_NOW in DT_FLAGS_1
  std::vector<std::string> undefinedSymbols;  ///< imports, from .dynsym
};

std::vector<char> readAll(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

template <class T>
bool at(const std::vector<char>& bytes, std::size_t offset, T& out) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) return false;
  std::memcpy(&out, bytes.data() + offset, sizeof(T));
  return true;
}

ElfFacts inspect(const fs::path& file) {
  ElfFacts f;
  const std::vector<char> b = readAll(file);
  Elf64_Ehdr eh;
  if (!at(b, 0, eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64) return f;
  f.elf64 = true;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    if (!at(b, eh.e_phoff + i * sizeof(Elf64_Phdr), ph)) break;
    if (ph.p_type == PT_GNU_RELRO) f.relro = true;
    if (ph.p_type == PT_GNU_STACK) {
      f.stackSeen = true;
      f.stackExec = (ph.p_flags & PF_X) != 0;
    }
    if (ph.p_type == PT_DYNAMIC) {
      for (std::size_t off = ph.p_offset; off + sizeof(Elf64_Dyn) <= ph.p_offset + ph.p_filesz; off += sizeof(Elf64_Dyn)) {
        Elf64_Dyn d;
        if (!at(b, off, d) || d.d_tag == DT_NULL) break;
        if (d.d_tag == DT_FLAGS && (d.d_un.d_val & DF_BIND_NOW)) f.bindNow = true;
        if (d.d_tag == DT_FLAGS_1 && (d.d_un.d_val & DF_1_NOW)) f.bindNow = true;
      }
    }
  }
  // Imports: undefined entries of .dynsym, named through the string table its sh_link points at.
  for (unsigned i = 0; i < eh.e_shnum; ++i) {
    Elf64_Shdr sh;
    if (!at(b, eh.e_shoff + i * sizeof(Elf64_Shdr), sh) || sh.sh_type != SHT_DYNSYM) continue;
    Elf64_Shdr strtab;
    if (!at(b, eh.e_shoff + sh.sh_link * sizeof(Elf64_Shdr), strtab)) break;
    for (std::size_t off = sh.sh_offset; off + sizeof(Elf64_Sym) <= sh.sh_offset + sh.sh_size; off += sizeof(Elf64_Sym)) {
      Elf64_Sym s;
      if (!at(b, off, s) || s.st_shndx != SHN_UNDEF || s.st_name == 0) continue;
      const std::size_t name = strtab.sh_offset + s.st_name;
      if (name >= b.size()) continue;
      f.undefinedSymbols.emplace_back(b.data() + name, strnlen(b.data() + name, b.size() - name));
    }
  }
  return f;
}

bool imports(const ElfFacts& f, const std::string& symbol) {
  for (const auto& s : f.undefinedSymbols)
    if (s == symbol) return true;
  return false;
}

bool importsCheckedFunction(const ElfFacts& f) {
  for (const auto& s : f.undefinedSymbols)
    if (s.size() > 6 && s.rfind("__", 0) == 0 && s.compare(s.size() - 4, 4, "_chk") == 0 && s != "__stack_chk_fail")
      return true;
  return false;
}

std::vector<fs::path> firstPartyElves() {
  std::vector<fs::path> out{KR_TEST_HOST_BIN};
  for (const auto& e : fs::directory_iterator(KR_REAL_PLUGIN_DIR))
    if (e.path().extension() == ".so") out.push_back(e.path());
  return out;
}

void checkHardened(const fs::path& file) {
  INFO(file.string());
  const ElfFacts f = inspect(file);
  REQUIRE(f.elf64);
  // The reader sees imports at all: crtbeginS.o makes every PIE and shared object import __cxa_finalize.
  REQUIRE(imports(f, "__cxa_finalize"));
  CHECK(f.relro);
  CHECK(f.bindNow);
  CHECK(f.stackSeen);
  CHECK_FALSE(f.stackExec);
  CHECK(imports(f, "__stack_chk_fail"));
}

}  // namespace

TEST_CASE("hardening: the host and every first-party plugin have full RELRO, a non-executable stack and canaries") {
  const auto files = firstPartyElves();
  REQUIRE(files.size() >= 6);  // the host and at least the five plugins of the default chain and writer
  for (const auto& file : files) checkHardened(file);
}

TEST_CASE("hardening: the host imports glibc's checked functions (_FORTIFY_SOURCE)") {
  if (kSanitized) return;  // the sanitizer builds leave _FORTIFY_SOURCE out: ASan intercepts the same functions
  const ElfFacts host = inspect(KR_TEST_HOST_BIN);
  REQUIRE(host.elf64);
  CHECK(importsCheckedFunction(host));
}

TEST_CASE("hardening: the ELF reader finds none of the properties in a file that is not ELF") {
  // A control: the reader does not report properties it did not read.
  const fs::path notElf = fs::temp_directory_path() / "kr-hardening-not-elf.bin";
  std::ofstream(notElf) << "not an ELF file";
  const ElfFacts f = inspect(notElf);
  fs::remove(notElf);
  CHECK_FALSE(f.elf64);
  CHECK_FALSE(f.bindNow);
  CHECK_FALSE(f.relro);
}
