# keeper_rotate_add_plugin(<target> KIND provider|source|writer NAME <name> SOURCES <files...>
#                          [OUTPUT_DIRECTORY <dir>] [NO_INSTALL])
#
# Builds a plugin the way the host expects to find it: a MODULE library named <kind>-<name>.so (no "lib" prefix),
# hidden visibility (only the ABI tag and entry symbol are exported), no undefined symbols (-z defs, so a plugin
# can never depend on symbols of the host), full RELRO and stack canaries, installed into
# lib/keeper-rotate/plugins. Used unchanged by first-party plugins in this repository and by third-party plugins
# through the installed KeeperRotateSDK package.
# OUTPUT_DIRECTORY and NO_INSTALL are for test-only plugins (fakes, deliberately broken ones): they are built into
# their own directory and never installed, so they can never show up among the real plugins.
function(keeper_rotate_add_plugin target)
  cmake_parse_arguments(KRP "NO_INSTALL" "KIND;NAME;OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  if(NOT KRP_KIND MATCHES "^(provider|source|writer)$")
    message(FATAL_ERROR "keeper_rotate_add_plugin(${target}): KIND must be provider, source or writer")
  endif()
  if(NOT KRP_NAME MATCHES "^[a-z0-9][a-z0-9-]*$")
    message(FATAL_ERROR "keeper_rotate_add_plugin(${target}): NAME must be lower-case letters, digits and '-'")
  endif()
  add_library(${target} MODULE ${KRP_SOURCES})
  target_link_libraries(${target} PRIVATE KeeperRotate::sdk)
  target_link_options(${target} PRIVATE "LINKER:-z,defs")
  # Full RELRO (every symbol bound at load, the GOT read-only afterwards), no executable stack and stack canaries:
  # a plugin runs inside the process that holds the admin credential.
  target_link_options(${target} PRIVATE "LINKER:-z,relro" "LINKER:-z,now" "LINKER:-z,noexecstack")
  target_compile_options(${target} PRIVATE -fstack-protector-strong)
  # Hidden visibility still lets the linker export weak template instantiations (std::string internals and the
  # like) from headers compiled without it; a version script makes the two ABI symbols the only exports, so two
  # plugins can never bind to each other's copies.
  set(version_script "${CMAKE_CURRENT_BINARY_DIR}/${target}.exports.map")
  file(WRITE "${version_script}" "{\n  global: keeper_rotate_abi_tag; keeper_rotate_plugin_v1;\n  local: *;\n};\n")
  target_link_options(${target} PRIVATE "LINKER:--version-script=${version_script}")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${version_script}")
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "${KRP_KIND}-${KRP_NAME}"
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(KRP_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${KRP_OUTPUT_DIRECTORY}")
  elseif(DEFINED KR_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${KR_PLUGIN_OUTPUT_DIR}")
  endif()
  if(KRP_NO_INSTALL)
    return()
  endif()
  if(NOT DEFINED KR_PLUGIN_SUBDIR)
    set(KR_PLUGIN_SUBDIR "lib/keeper-rotate/plugins")
  endif()
  install(TARGETS ${target} LIBRARY DESTINATION "${KR_PLUGIN_SUBDIR}")
endfunction()
