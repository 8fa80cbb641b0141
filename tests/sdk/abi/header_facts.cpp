// Measures one abi.h (see header_facts.hpp). Built once per header with different include directories; the compile
// definitions name the namespace the header lands in (KR_FACTS_NS), the function that reports it (KR_FACTS_FN) and
// for the frozen headers, the minor their include directory must provide (KR_FACTS_EXPECT_MINOR). Today's header
// has no expected minor here: the layout test checks it at run time, so a bump is reported, not a build failure.
//
// The header is included inside a namespace so that the versions of kr_abi_tag & co. are distinct types in one
// program instead of conflicting definitions of the same global type. abi.h declares only types and macros (no
// functions, no objects), so its extern "C" block changes nothing there.
#include "header_facts.hpp"

#include <initializer_list>
#include <utility>

#include <stddef.h>
#include <stdint.h>

namespace kr_abi_test {
namespace KR_FACTS_NS {
#include <keeper_rotate/abi.h>
}  // namespace KR_FACTS_NS
}  // namespace kr_abi_test

// A wrong include order would measure the wrong header and make every comparison meaningless.
#if defined(KR_FACTS_EXPECT_MINOR) && KR_ABI_MINOR != KR_FACTS_EXPECT_MINOR
#error "header_facts.cpp measured an abi.h of another minor than its include directory promises"
#endif

namespace kr_abi_test {
namespace {

// Converts to any member type, so T{AnyMember{} x N} compiles exactly when T has at least N members: a member
// count that does not depend on the member list written below, and so catches a member that list forgets (one
// inserted into padding moves no offset and does not change sizeof).
struct AnyMember {
  template <class U>
  operator U() const;
};

template <class T, class... A>
constexpr auto initialisable(int) -> decltype(void(T{A{}...}), true) {
  return true;
}
template <class T, class... A>
constexpr bool initialisable(...) {
  return false;
}
template <class T, class... A>
constexpr std::size_t memberCount() {
  if constexpr (sizeof...(A) > 64) {
    return 0;  // no ABI struct comes near this; a 0 fails every pinned count
  } else if constexpr (initialisable<T, A...>(0)) {
    return memberCount<T, A..., AnyMember>();
  } else {
    return sizeof...(A) - 1;
  }
}

}  // namespace

#define KR_M(T, m) MemberFacts{#m, offsetof(T, m), sizeof(static_cast<T*>(nullptr)->m)}
#define KR_S(T) StructFacts{#T, sizeof(T), memberCount<T>(), {}}
#define KR_C(name) ConstantFacts{#name, static_cast<unsigned long long>(name)}

HeaderFacts KR_FACTS_FN() {
  using namespace KR_FACTS_NS;
  HeaderFacts h;
  h.major = KR_ABI_MAJOR;
  h.minor = KR_ABI_MINOR;
  h.tagSymbol = KR_ABI_TAG_SYMBOL;
  h.entrySymbol = KR_ENTRY_SYMBOL;
  // Members in declaration order; later minors' members are added under #if, never inside a macro argument.
  const auto add = [&h](StructFacts s, std::initializer_list<MemberFacts> members) -> StructFacts& {
    s.members.assign(members);
    h.structs.push_back(std::move(s));
    return h.structs.back();
  };

  {
    StructFacts& s = add(KR_S(kr_abi_tag), {KR_M(kr_abi_tag, magic), KR_M(kr_abi_tag, abi_major),
                                            KR_M(kr_abi_tag, abi_minor), KR_M(kr_abi_tag, descriptor_size)});
#if KR_ABI_MINOR >= 2
    s.members.insert(s.members.end(), {KR_M(kr_abi_tag, min_host_minor), KR_M(kr_abi_tag, reserved)});
#endif
    (void)s;
  }
  add(KR_S(kr_view), {KR_M(kr_view, data), KR_M(kr_view, size)});
  add(KR_S(kr_field_spec),
      {KR_M(kr_field_spec, struct_size), KR_M(kr_field_spec, label), KR_M(kr_field_spec, type),
       KR_M(kr_field_spec, value_kind), KR_M(kr_field_spec, flags), KR_M(kr_field_spec, default_value),
       KR_M(kr_field_spec, allowed_values), KR_M(kr_field_spec, min_value), KR_M(kr_field_spec, max_value),
       KR_M(kr_field_spec, description)});
  {
    StructFacts& s =
        add(KR_S(kr_host_api),
            {KR_M(kr_host_api, struct_size), KR_M(kr_host_api, abi_major), KR_M(kr_host_api, abi_minor),
             KR_M(kr_host_api, log), KR_M(kr_host_api, set_error), KR_M(kr_host_api, input_get),
             KR_M(kr_host_api, field_get), KR_M(kr_host_api, record_count), KR_M(kr_host_api, record_get),
             KR_M(kr_host_api, credential_get), KR_M(kr_host_api, credential_put), KR_M(kr_host_api, result_put),
             KR_M(kr_host_api, result_get), KR_M(kr_host_api, report_key), KR_M(kr_host_api, setting_get),
             KR_M(kr_host_api, register_secret)});
#if KR_ABI_MINOR >= 1
    s.members.insert(s.members.end(), {KR_M(kr_host_api, result_count), KR_M(kr_host_api, result_at)});
#endif
#if KR_ABI_MINOR >= 2
    s.members.insert(s.members.end(), {KR_M(kr_host_api, credential_spec), KR_M(kr_host_api, result_field_type)});
#endif
#if KR_ABI_MINOR >= 3
    s.members.insert(s.members.end(), {KR_M(kr_host_api, stop_requested), KR_M(kr_host_api, wait),
                                       KR_M(kr_host_api, time_left_ms), KR_M(kr_host_api, stop_reason)});
#endif
#if KR_ABI_MINOR >= 4
    s.members.push_back(KR_M(kr_host_api, https_send));
#endif
    (void)s;
  }
  {
    StructFacts& s = add(KR_S(kr_provider_ops),
                         {KR_M(kr_provider_ops, struct_size), KR_M(kr_provider_ops, validate),
                          KR_M(kr_provider_ops, create), KR_M(kr_provider_ops, prove), KR_M(kr_provider_ops, retire),
                          KR_M(kr_provider_ops, rollback), KR_M(kr_provider_ops, required_credentials)});
#if KR_ABI_MINOR >= 2
    s.members.push_back(KR_M(kr_provider_ops, credential));
#endif
#if KR_ABI_MINOR >= 3
    s.members.push_back(KR_M(kr_provider_ops, remove));
#endif
    (void)s;
  }
  add(KR_S(kr_credential_source_ops),
      {KR_M(kr_credential_source_ops, struct_size), KR_M(kr_credential_source_ops, resolve)});
  add(KR_S(kr_record_writer_ops),
      {KR_M(kr_record_writer_ops, struct_size), KR_M(kr_record_writer_ops, capabilities),
       KR_M(kr_record_writer_ops, validate), KR_M(kr_record_writer_ops, store), KR_M(kr_record_writer_ops, verify),
       KR_M(kr_record_writer_ops, revert)});
  add(KR_S(kr_plugin_descriptor),
      {KR_M(kr_plugin_descriptor, struct_size), KR_M(kr_plugin_descriptor, abi_major),
       KR_M(kr_plugin_descriptor, abi_minor), KR_M(kr_plugin_descriptor, kind), KR_M(kr_plugin_descriptor, name),
       KR_M(kr_plugin_descriptor, version), KR_M(kr_plugin_descriptor, description),
       KR_M(kr_plugin_descriptor, fields), KR_M(kr_plugin_descriptor, field_count),
       KR_M(kr_plugin_descriptor, create), KR_M(kr_plugin_descriptor, destroy),
       KR_M(kr_plugin_descriptor, provider), KR_M(kr_plugin_descriptor, credential_source),
       KR_M(kr_plugin_descriptor, record_writer)});
#if KR_ABI_MINOR >= 2
  add(KR_S(kr_credential_part),
      {KR_M(kr_credential_part, struct_size), KR_M(kr_credential_part, name), KR_M(kr_credential_part, flags),
       KR_M(kr_credential_part, record_label), KR_M(kr_credential_part, config_field),
       KR_M(kr_credential_part, env_var), KR_M(kr_credential_part, description)});
  add(KR_S(kr_credential_spec),
      {KR_M(kr_credential_spec, struct_size), KR_M(kr_credential_spec, scheme), KR_M(kr_credential_spec, subject),
       KR_M(kr_credential_spec, configuration), KR_M(kr_credential_spec, parts),
       KR_M(kr_credential_spec, part_count)});
#endif
#if KR_ABI_MINOR >= 4
  add(KR_S(kr_http_header), {KR_M(kr_http_header, name), KR_M(kr_http_header, value)});
  add(KR_S(kr_https_request),
      {KR_M(kr_https_request, struct_size), KR_M(kr_https_request, flags), KR_M(kr_https_request, method),
       KR_M(kr_https_request, url), KR_M(kr_https_request, headers), KR_M(kr_https_request, header_count),
       KR_M(kr_https_request, body), KR_M(kr_https_request, connect_timeout_ms),
       KR_M(kr_https_request, io_timeout_ms), KR_M(kr_https_request, ca_file), KR_M(kr_https_request, user_agent),
       KR_M(kr_https_request, plain_http_hosts), KR_M(kr_https_request, plain_http_host_count)});
  add(KR_S(kr_https_response),
      {KR_M(kr_https_response, struct_size), KR_M(kr_https_response, status), KR_M(kr_https_response, reason),
       KR_M(kr_https_response, headers), KR_M(kr_https_response, header_count), KR_M(kr_https_response, body),
       KR_M(kr_https_response, failure), KR_M(kr_https_response, failure_message)});
#endif

  h.constants = {
      KR_C(KR_ABI_MAGIC),       KR_C(KR_OK),
      KR_C(KR_ERR_CONFIG),      KR_C(KR_ERR_UNAVAILABLE),
      KR_C(KR_ERR_FAILED),      KR_C(KR_ERR_INTERNAL),
      KR_C(KR_KIND_PROVIDER),   KR_C(KR_KIND_CREDENTIAL_SOURCE),
      KR_C(KR_KIND_RECORD_WRITER),
      KR_C(KR_LOG_DEBUG),       KR_C(KR_LOG_INFO),
      KR_C(KR_LOG_WARN),        KR_C(KR_LOG_ERROR),
      KR_C(KR_KEY_CREATED),     KR_C(KR_KEY_REMOVED),
      KR_C(KR_KEY_REMAINING),   KR_C(KR_KEY_KEPT),
      KR_C(KR_FIELD_INPUT),     KR_C(KR_FIELD_OUTPUT),
      KR_C(KR_FIELD_REQUIRED),  KR_C(KR_FIELD_SECRET),
      KR_C(KR_FIELD_OTHER_RECORD),
      KR_C(KR_WRITER_DURABLE),
#if KR_ABI_MINOR >= 2
      KR_C(KR_CREDENTIAL_SECRET), KR_C(KR_CREDENTIAL_OPTIONAL),
#endif
#if KR_ABI_MINOR >= 4
      KR_C(KR_HTTPS_NO_PROXY),
      KR_C(KR_HTTPS_FAILURE_NONE),          KR_C(KR_HTTPS_FAILURE_CONNECT),
      KR_C(KR_HTTPS_FAILURE_TIMEOUT),       KR_C(KR_HTTPS_FAILURE_DROPPED),
      KR_C(KR_HTTPS_FAILURE_TLS),           KR_C(KR_HTTPS_FAILURE_CERTIFICATE),
      KR_C(KR_HTTPS_FAILURE_HOST_NAME),     KR_C(KR_HTTPS_FAILURE_UNKNOWN_HOST),
      KR_C(KR_HTTPS_FAILURE_PROXY_REFUSED), KR_C(KR_HTTPS_FAILURE_INVALID),
#endif
      // Enums travel inside structs (kr_plugin_descriptor::kind) and as call arguments: their size is layout.
      ConstantFacts{"sizeof(kr_status)", sizeof(kr_status)},
      ConstantFacts{"sizeof(kr_kind)", sizeof(kr_kind)},
      ConstantFacts{"sizeof(kr_log_level)", sizeof(kr_log_level)},
      ConstantFacts{"sizeof(kr_key_event)", sizeof(kr_key_event)},
#if KR_ABI_MINOR >= 4
      // kr_https_response::failure carries it as a uint32_t; the enum's size is pinned all the same.
      ConstantFacts{"sizeof(kr_https_failure)", sizeof(kr_https_failure)},
#endif
  };
  return h;
}

}  // namespace kr_abi_test
