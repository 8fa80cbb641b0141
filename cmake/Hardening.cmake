# Compiler and linker hardening for every target of the tree (docs/toolchain.md, pitfall 13).
#
# keeper-rotate holds cloud admin credentials in memory, so memory-safety bugs in it or in a plugin must be as
# hard as possible to turn into code execution:
#   -fstack-protector-strong     canaries in every function with a local array or an address-taken local
#   -fstack-clash-protection     stack probes, so a large allocation cannot jump over the guard page
#   -fcf-protection              Intel CET (IBT/SHSTK) landing pads and shadow-stack markings (x86 only)
#   -D_FORTIFY_SOURCE=2          checked memcpy/snprintf/read and friends where sizes are known (optimised builds;
#                                 the sanitizer builds leave it out: ASan intercepts those functions itself)
#   -Wl,-z,relro -Wl,-z,now      full RELRO: every symbol bound at load and the GOT made read-only before main
#   -Wl,-z,noexecstack           no executable stack, whatever an object file asks for
# tests/core/host/test_hardening.cpp checks the flags reached the host and every first-party plugin.
include(CheckCXXCompilerFlag)

add_compile_options(-fstack-protector-strong)
check_cxx_compiler_flag(-fstack-clash-protection KR_HAS_STACK_CLASH_PROTECTION)
if(KR_HAS_STACK_CLASH_PROTECTION)
  add_compile_options(-fstack-clash-protection)
endif()
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|i[3-6]86")
  add_compile_options(-fcf-protection)
endif()
if(NOT KR_SANITIZE AND NOT KR_FUZZ)
  # glibc warns (an error under -Werror) when _FORTIFY_SOURCE meets an unoptimised build.
  add_compile_definitions($<$<NOT:$<CONFIG:Debug>>:_FORTIFY_SOURCE=2>)
endif()
add_link_options(LINKER:-z,relro LINKER:-z,now LINKER:-z,noexecstack)
