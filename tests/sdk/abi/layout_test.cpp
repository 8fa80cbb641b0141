// The plugin ABI's layouts, pinned with literal numbers for every minor so far (x86-64 Linux, LP64): the size of
// every struct in each minor, and the offset and size of every member. A plugin built years ago against 1.0 has
// exactly the 1.0 numbers compiled into it, so any reorder, insertion or type change in abi.h breaks it silently;
// here it fails a check that prints the member, the pinned number and the measured one.
//
// Five headers are measured (header_facts.cpp): today's abi.h and the frozen 1.0 to 1.3 copies under frozen/.
// Each minor's pins must match the header of that minor exactly, and today's header must still hold every member of
// every older minor at the same offset, with the end of that minor's last member at the size that minor recorded:
// that size is what the loader accepts from a plugin of that minor (core/host/src/loader/plugin.cpp).
//
// Runtime CHECKs rather than static_asserts, so one run lists every difference instead of stopping at the first.
#include "header_facts.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <vector>

using kr_abi_test::HeaderFacts;
using kr_abi_test::StructFacts;

namespace {

constexpr unsigned kMinors = 5;  // 1.0, 1.1, 1.2, 1.3, 1.4

// std::string rather than const char*: doctest's message streams print a char pointer as an address.
struct MemberPin {
  std::string name;
  std::size_t offset;
  std::size_t size;
  unsigned since;  // the minor that appended it
};

struct StructPin {
  std::string type;
  unsigned since;
  std::size_t sizeByMinor[kMinors];  // sizeof in 1.0, 1.1, 1.2, 1.3, 1.4; 0 before the struct existed
  std::vector<MemberPin> members;    // declaration order
};

// x86-64 Linux, LP64: pointers, size_t and int64_t are 8 bytes, enums 4.
const std::vector<StructPin>& pins() {
  static const std::vector<StructPin> p = {
      {"kr_abi_tag", 0, {12, 12, 16, 16, 16},
       {{"magic", 0, 4, 0}, {"abi_major", 4, 2, 0}, {"abi_minor", 6, 2, 0}, {"descriptor_size", 8, 4, 0},
        {"min_host_minor", 12, 2, 2}, {"reserved", 14, 2, 2}}},
      {"kr_view", 0, {16, 16, 16, 16, 16}, {{"data", 0, 8, 0}, {"size", 8, 8, 0}}},
      {"kr_field_spec", 0, {80, 80, 80, 80, 80},
       {{"struct_size", 0, 4, 0}, {"label", 8, 8, 0}, {"type", 16, 8, 0}, {"value_kind", 24, 8, 0},
        {"flags", 32, 4, 0}, {"default_value", 40, 8, 0}, {"allowed_values", 48, 8, 0}, {"min_value", 56, 8, 0},
        {"max_value", 64, 8, 0}, {"description", 72, 8, 0}}},
      {"kr_host_api", 0, {112, 128, 144, 176, 184},
       {{"struct_size", 0, 4, 0},       {"abi_major", 4, 2, 0},        {"abi_minor", 6, 2, 0},
        {"log", 8, 8, 0},               {"set_error", 16, 8, 0},       {"input_get", 24, 8, 0},
        {"field_get", 32, 8, 0},        {"record_count", 40, 8, 0},    {"record_get", 48, 8, 0},
        {"credential_get", 56, 8, 0},   {"credential_put", 64, 8, 0},  {"result_put", 72, 8, 0},
        {"result_get", 80, 8, 0},       {"report_key", 88, 8, 0},      {"setting_get", 96, 8, 0},
        {"register_secret", 104, 8, 0}, {"result_count", 112, 8, 1},   {"result_at", 120, 8, 1},
        {"credential_spec", 128, 8, 2}, {"result_field_type", 136, 8, 2}, {"stop_requested", 144, 8, 3},
        {"wait", 152, 8, 3},            {"time_left_ms", 160, 8, 3},   {"stop_reason", 168, 8, 3},
        {"https_send", 176, 8, 4}}},
      {"kr_provider_ops", 0, {56, 56, 64, 72, 72},
       {{"struct_size", 0, 4, 0}, {"validate", 8, 8, 0}, {"create", 16, 8, 0}, {"prove", 24, 8, 0},
        {"retire", 32, 8, 0}, {"rollback", 40, 8, 0}, {"required_credentials", 48, 8, 0},
        {"credential", 56, 8, 2}, {"remove", 64, 8, 3}}},
      {"kr_credential_source_ops", 0, {16, 16, 16, 16, 16}, {{"struct_size", 0, 4, 0}, {"resolve", 8, 8, 0}}},
      {"kr_record_writer_ops", 0, {40, 40, 40, 40, 40},
       {{"struct_size", 0, 4, 0}, {"capabilities", 4, 4, 0}, {"validate", 8, 8, 0}, {"store", 16, 8, 0},
        {"verify", 24, 8, 0}, {"revert", 32, 8, 0}}},
      {"kr_plugin_descriptor", 0, {96, 96, 96, 96, 96},
       {{"struct_size", 0, 4, 0}, {"abi_major", 4, 2, 0}, {"abi_minor", 6, 2, 0}, {"kind", 8, 4, 0},
        {"name", 16, 8, 0}, {"version", 24, 8, 0}, {"description", 32, 8, 0}, {"fields", 40, 8, 0},
        {"field_count", 48, 8, 0}, {"create", 56, 8, 0}, {"destroy", 64, 8, 0}, {"provider", 72, 8, 0},
        {"credential_source", 80, 8, 0}, {"record_writer", 88, 8, 0}}},
      {"kr_credential_part", 2, {0, 0, 56, 56, 56},
       {{"struct_size", 0, 4, 2}, {"name", 8, 8, 2}, {"flags", 16, 4, 2}, {"record_label", 24, 8, 2},
        {"config_field", 32, 8, 2}, {"env_var", 40, 8, 2}, {"description", 48, 8, 2}}},
      {"kr_credential_spec", 2, {0, 0, 48, 48, 48},
       {{"struct_size", 0, 4, 2}, {"scheme", 8, 8, 2}, {"subject", 16, 8, 2}, {"configuration", 24, 8, 2},
        {"parts", 32, 8, 2}, {"part_count", 40, 8, 2}}},
      {"kr_http_header", 4, {0, 0, 0, 0, 32}, {{"name", 0, 16, 4}, {"value", 16, 16, 4}}},
      {"kr_https_request", 4, {0, 0, 0, 0, 136},
       {{"struct_size", 0, 4, 4}, {"flags", 4, 4, 4}, {"method", 8, 16, 4}, {"url", 24, 16, 4},
        {"headers", 40, 8, 4}, {"header_count", 48, 8, 4}, {"body", 56, 16, 4}, {"connect_timeout_ms", 72, 8, 4},
        {"io_timeout_ms", 80, 8, 4}, {"ca_file", 88, 16, 4}, {"user_agent", 104, 16, 4},
        {"plain_http_hosts", 120, 8, 4}, {"plain_http_host_count", 128, 8, 4}}},
      {"kr_https_response", 4, {0, 0, 0, 0, 80},
       {{"struct_size", 0, 4, 4}, {"status", 4, 4, 4}, {"reason", 8, 16, 4}, {"headers", 24, 8, 4},
        {"header_count", 32, 8, 4}, {"body", 40, 16, 4}, {"failure", 56, 4, 4}, {"failure_message", 64, 16, 4}}},
  };
  return p;
}

struct ConstantPin {
  std::string name;
  unsigned long long value;
  unsigned since;
};

const std::vector<ConstantPin>& constantPins() {
  static const std::vector<ConstantPin> p = {
      {"KR_ABI_MAGIC", 0x4B524142u, 0},
      {"KR_OK", 0, 0},
      {"KR_ERR_CONFIG", 1, 0},
      {"KR_ERR_UNAVAILABLE", 2, 0},
      {"KR_ERR_FAILED", 3, 0},
      {"KR_ERR_INTERNAL", 4, 0},
      {"KR_KIND_PROVIDER", 1, 0},
      {"KR_KIND_CREDENTIAL_SOURCE", 2, 0},
      {"KR_KIND_RECORD_WRITER", 3, 0},
      {"KR_LOG_DEBUG", 0, 0},
      {"KR_LOG_INFO", 1, 0},
      {"KR_LOG_WARN", 2, 0},
      {"KR_LOG_ERROR", 3, 0},
      {"KR_KEY_CREATED", 1, 0},
      {"KR_KEY_REMOVED", 2, 0},
      {"KR_KEY_REMAINING", 3, 0},
      {"KR_KEY_KEPT", 4, 0},
      {"KR_FIELD_INPUT", 0x01, 0},
      {"KR_FIELD_OUTPUT", 0x02, 0},
      {"KR_FIELD_REQUIRED", 0x04, 0},
      {"KR_FIELD_SECRET", 0x08, 0},
      {"KR_FIELD_OTHER_RECORD", 0x10, 0},
      {"KR_WRITER_DURABLE", 0x01, 0},
      {"KR_CREDENTIAL_SECRET", 0x01, 2},
      {"KR_CREDENTIAL_OPTIONAL", 0x02, 2},
      {"KR_HTTPS_NO_PROXY", 0x01, 4},
      {"KR_HTTPS_FAILURE_NONE", 0, 4},
      {"KR_HTTPS_FAILURE_CONNECT", 1, 4},
      {"KR_HTTPS_FAILURE_TIMEOUT", 2, 4},
      {"KR_HTTPS_FAILURE_DROPPED", 3, 4},
      {"KR_HTTPS_FAILURE_TLS", 4, 4},
      {"KR_HTTPS_FAILURE_CERTIFICATE", 5, 4},
      {"KR_HTTPS_FAILURE_HOST_NAME", 6, 4},
      {"KR_HTTPS_FAILURE_UNKNOWN_HOST", 7, 4},
      {"KR_HTTPS_FAILURE_PROXY_REFUSED", 8, 4},
      {"KR_HTTPS_FAILURE_INVALID", 9, 4},
      {"sizeof(kr_status)", 4, 0},
      {"sizeof(kr_kind)", 4, 0},
      {"sizeof(kr_log_level)", 4, 0},
      {"sizeof(kr_key_event)", 4, 0},
      {"sizeof(kr_https_failure)", 4, 4},
  };
  return p;
}

std::size_t pinnedCount(const StructPin& s, unsigned minor) {
  std::size_t n = 0;
  for (const auto& m : s.members) n += m.since <= minor ? 1 : 0;
  return n;
}

/// The end of the last member a struct had in `minor`, by the pins.
std::size_t pinnedEnd(const StructPin& s, unsigned minor) {
  std::size_t end = 0;
  for (const auto& m : s.members)
    if (m.since <= minor) end = m.offset + m.size;
  return end;
}

const kr_abi_test::MemberFacts* findMember(const StructFacts& s, const std::string& name) {
  for (const auto& m : s.members)
    if (m.name == name) return &m;
  return nullptr;
}

/// Every pin of `minor` against the header of that minor: sizes, member count, and each member's name, offset and
/// size in declaration order; no struct of the header goes unpinned.
void checkHeaderIsMinor(const HeaderFacts& h, unsigned minor) {
  CHECK(h.major == 1u);
  REQUIRE_MESSAGE(h.minor == minor, "the header measured for ABI 1." << minor << " says it is 1." << h.minor);
  std::size_t pinnedStructs = 0;
  for (const auto& pin : pins()) {
    if (pin.since > minor) {
      CHECK_MESSAGE(h.find(pin.type) == nullptr, pin.type << " exists in the 1." << minor << " header, pinned from 1."
                                                          << pin.since);
      continue;
    }
    ++pinnedStructs;
    INFO("ABI 1." << minor << ", " << pin.type);
    const StructFacts* s = h.find(pin.type);
    REQUIRE_MESSAGE(s != nullptr, "the header has no " << pin.type);
    // The recorded size of the minor is where its last member ends (no trailing padding in these layouts), which is
    // exactly what the loader takes as "a complete struct of that minor".
    CHECK_MESSAGE(pinnedEnd(pin, minor) == pin.sizeByMinor[minor], "pins of " << pin.type << " disagree with themselves");
    CHECK_MESSAGE(s->size == pin.sizeByMinor[minor], "sizeof(" << pin.type << ") is " << s->size << ", pinned "
                                                               << pin.sizeByMinor[minor]);
    CHECK_MESSAGE(s->memberCount == pinnedCount(pin, minor),
                  pin.type << " has " << s->memberCount << " members, pinned " << pinnedCount(pin, minor)
                           << " (a member was added or removed)");
    CHECK_MESSAGE(s->members.size() == pinnedCount(pin, minor),
                  "header_facts.cpp lists " << s->members.size() << " members of " << pin.type);
    std::size_t i = 0;
    for (const auto& m : pin.members) {
      if (m.since > minor) continue;
      if (i >= s->members.size()) break;
      const auto& got = s->members[i++];
      CHECK_MESSAGE(got.name == m.name, "member #" << (i - 1) << " is '" << got.name << "', pinned '" << m.name << "'");
      CHECK_MESSAGE(got.offset == m.offset,
                    pin.type << "::" << m.name << " at offset " << got.offset << ", pinned " << m.offset);
      CHECK_MESSAGE(got.size == m.size, pin.type << "::" << m.name << " is " << got.size << " bytes, pinned " << m.size);
    }
  }
  CHECK_MESSAGE(h.structs.size() == pinnedStructs,
                "the 1." << minor << " header defines " << h.structs.size() << " structs, " << pinnedStructs
                         << " are pinned");
}

/// Today's header still holds every member of `minor` where that minor put it, and that minor's struct ends where
/// it did: what a plugin (or host) of that minor reads and writes is unchanged.
void checkCurrentKeepsMinor(const HeaderFacts& current, unsigned minor) {
  for (const auto& pin : pins()) {
    if (pin.since > minor) continue;
    INFO("today's " << pin.type << " against ABI 1." << minor);
    const StructFacts* s = current.find(pin.type);
    REQUIRE_MESSAGE(s != nullptr, "today's header has no " << pin.type);
    std::size_t end = 0;
    for (const auto& m : pin.members) {
      if (m.since > minor) continue;
      const auto* got = findMember(*s, m.name);
      REQUIRE_MESSAGE(got != nullptr, pin.type << "::" << m.name << " of ABI 1." << minor << " is gone");
      CHECK_MESSAGE(got->offset == m.offset,
                    pin.type << "::" << m.name << " moved from offset " << m.offset << " to " << got->offset);
      CHECK_MESSAGE(got->size == m.size,
                    pin.type << "::" << m.name << " changed size from " << m.size << " to " << got->size);
      end = got->offset + got->size;
    }
    CHECK_MESSAGE(end == pin.sizeByMinor[minor], "in today's header the 1." << minor << " members of " << pin.type
                                                                            << " end at " << end << ", ABI 1." << minor
                                                                            << " recorded " << pin.sizeByMinor[minor]);
    CHECK(s->size >= pin.sizeByMinor[minor]);
  }
}

/// Every constant that exists in `minor` has its pinned value in header `h`, and `h` has no unpinned constant.
void checkConstants(const HeaderFacts& h, unsigned minor) {
  std::size_t expected = 0;
  for (const auto& pin : constantPins()) {
    const auto* got = h.constant(pin.name);
    if (pin.since > minor) {
      CHECK_MESSAGE(got == nullptr, pin.name << " exists in the 1." << minor << " header, pinned from 1." << pin.since);
      continue;
    }
    ++expected;
    REQUIRE_MESSAGE(got != nullptr, "the 1." << minor << " header has no " << pin.name);
    CHECK_MESSAGE(got->value == pin.value, pin.name << " is " << got->value << ", pinned " << pin.value);
  }
  CHECK(h.constants.size() == expected);
  CHECK(h.tagSymbol == "keeper_rotate_abi_tag");
  CHECK(h.entrySymbol == "keeper_rotate_plugin_v1");
}

}  // namespace

TEST_CASE("abi layout: the pins describe this platform (x86-64 Linux, LP64)") {
  // The numbers below are for this one platform; on another, the checks would fail for the wrong reason.
#if defined(__x86_64__) && defined(__linux__) && defined(__LP64__)
  const bool pinnedPlatform = true;
#else
  const bool pinnedPlatform = false;
#endif
  CHECK_MESSAGE(pinnedPlatform, "tests/sdk/abi pins x86-64 Linux layouts; add pins for this platform");
  CHECK(sizeof(void*) == 8u);
  CHECK(sizeof(std::size_t) == 8u);
  CHECK(sizeof(long) == 8u);
}

TEST_CASE("abi layout: today's header is ABI 1.4 and matches the 1.4 pins exactly") {
  // A new minor needs a new column of pins and a frozen copy of the header it replaces (frozen/v1_<minor>).
  const HeaderFacts h = kr_abi_test::currentHeaderFacts();
  CHECK_MESSAGE(h.minor == 4u, "KR_ABI_MINOR changed: pin ABI 1." << h.minor << " here and freeze the 1.4 header");
  checkHeaderIsMinor(h, 4);
}

TEST_CASE("abi layout: the frozen 1.3 header matches the 1.3 pins exactly") {
  checkHeaderIsMinor(kr_abi_test::frozenV1_3Facts(), 3);
}

TEST_CASE("abi layout: today's header keeps every 1.3 member at its offset and 1.3 sizes at the end of 1.3 members") {
  checkCurrentKeepsMinor(kr_abi_test::currentHeaderFacts(), 3);
}

TEST_CASE("abi layout: the frozen 1.2 header matches the 1.2 pins exactly") {
  checkHeaderIsMinor(kr_abi_test::frozenV1_2Facts(), 2);
}

TEST_CASE("abi layout: today's header keeps every 1.2 member at its offset and 1.2 sizes at the end of 1.2 members") {
  checkCurrentKeepsMinor(kr_abi_test::currentHeaderFacts(), 2);
}

TEST_CASE("abi layout: the frozen 1.0 header matches the 1.0 pins exactly") {
  checkHeaderIsMinor(kr_abi_test::frozenV1_0Facts(), 0);
}

TEST_CASE("abi layout: the frozen 1.1 header matches the 1.1 pins exactly") {
  checkHeaderIsMinor(kr_abi_test::frozenV1_1Facts(), 1);
}

TEST_CASE("abi layout: today's header keeps every 1.0 member at its offset and 1.0 sizes at the end of 1.0 members") {
  checkCurrentKeepsMinor(kr_abi_test::currentHeaderFacts(), 0);
}

TEST_CASE("abi layout: today's header keeps every 1.1 member at its offset and 1.1 sizes at the end of 1.1 members") {
  checkCurrentKeepsMinor(kr_abi_test::currentHeaderFacts(), 1);
}

TEST_CASE("abi layout: the frozen headers are prefixes of today's, member by member") {
  // Stronger than offsets alone: the old header's members are today's first members, in the same order.
  const HeaderFacts current = kr_abi_test::currentHeaderFacts();
  for (const HeaderFacts& old : {kr_abi_test::frozenV1_0Facts(), kr_abi_test::frozenV1_1Facts(),
                                 kr_abi_test::frozenV1_2Facts(), kr_abi_test::frozenV1_3Facts()}) {
    for (const auto& s : old.structs) {
      INFO("ABI 1." << old.minor << " " << s.type);
      const StructFacts* now = current.find(s.type);
      REQUIRE(now != nullptr);
      REQUIRE(now->members.size() >= s.members.size());
      for (std::size_t i = 0; i < s.members.size(); ++i) {
        CHECK(now->members[i].name == s.members[i].name);
        CHECK(now->members[i].offset == s.members[i].offset);
        CHECK(now->members[i].size == s.members[i].size);
      }
    }
  }
}

TEST_CASE("abi layout: enum values, flag bits, magic and symbol names are pinned in every minor") {
  checkConstants(kr_abi_test::frozenV1_0Facts(), 0);
  checkConstants(kr_abi_test::frozenV1_1Facts(), 1);
  checkConstants(kr_abi_test::frozenV1_2Facts(), 2);
  checkConstants(kr_abi_test::frozenV1_3Facts(), 3);
  checkConstants(kr_abi_test::currentHeaderFacts(), 4);
}
