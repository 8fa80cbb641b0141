// What one version of keeper_rotate/abi.h actually says, measured by the compiler: the size of every struct, the
// offset and size of every member, the number of members, and the value of every constant. header_facts.cpp is
// compiled once per header (today's, and the frozen 1.0, 1.1, 1.2 and 1.3 copies under frozen/), each time into its
// own namespace, so the layout test can compare all of them against the same pinned numbers in one process.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace kr_abi_test {

struct MemberFacts {
  std::string name;
  std::size_t offset;
  std::size_t size;
};

struct StructFacts {
  std::string type;
  std::size_t size;         // sizeof
  std::size_t memberCount;  // counted by aggregate initialisation, independently of `members`
  std::vector<MemberFacts> members;
};

struct ConstantFacts {
  std::string name;
  unsigned long long value;
};

struct HeaderFacts {
  unsigned major;
  unsigned minor;
  std::vector<StructFacts> structs;  // only the structs this header defines
  std::vector<ConstantFacts> constants;
  std::string tagSymbol;
  std::string entrySymbol;

  const StructFacts* find(const std::string& type) const {
    for (const auto& s : structs)
      if (s.type == type) return &s;
    return nullptr;
  }
  const ConstantFacts* constant(const std::string& name) const {
    for (const auto& c : constants)
      if (c.name == name) return &c;
    return nullptr;
  }
};

HeaderFacts currentHeaderFacts();  // sdk/include/keeper_rotate/abi.h
HeaderFacts frozenV1_0Facts();     // tests/sdk/abi/frozen/v1_0/keeper_rotate/abi.h
HeaderFacts frozenV1_1Facts();     // tests/sdk/abi/frozen/v1_1/keeper_rotate/abi.h
HeaderFacts frozenV1_2Facts();     // tests/sdk/abi/frozen/v1_2/keeper_rotate/abi.h
HeaderFacts frozenV1_3Facts();     // tests/sdk/abi/frozen/v1_3/keeper_rotate/abi.h

}  // namespace kr_abi_test
