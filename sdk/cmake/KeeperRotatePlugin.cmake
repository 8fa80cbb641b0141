# keeper_rotate_add_plugin(<target> KIND provider|source|writer NAME <name> SOURCES <files...>)
#
# Builds a plugin the way the host expects to find it: a MODULE library named <kind>-<name>.so (no "lib" prefix),
# hidden visibility (only the ABI tag and entry symbol are exported), no undefined symbols (-z defs, so a plugin
# can never depend on symbols of the host), installed into lib/keeper-rotate/plugins. Used unchanged by first-party
# plugins in this repository and by third-party plugins through the installed KeeperRotateSDK package.
function(keeper_rotate_add_plugin target)
  cmake_parse_arguments(KRP "" "KIND;NAME" "SOURCES" ${ARGN})
  if(NOT KRP_KIND MATCHES "^(provider|source|writer)$")
    message(FATAL_ERROR "keeper_rotate_add_plugin(${target}): KIND must be provider, source or writer")
  endif()
  if(NOT KRP_NAME MATCHES "^[a-z0-9][a-z0-9-]*$")
    message(FATAL_ERROR "keeper_rotate_add_plugin(${target}): NAME must be lower-case letters, digits and '-'")
  endif()
  add_library(${target} MODULE ${KRP_SOURCES})
  target_link_libraries(${target} PRIVATE KeeperRotate::sdk)
  target_link_options(${target} PRIVATE "LINKER:-z,defs")
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "${KRP_KIND}-${KRP_NAME}"
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(DEFINED KR_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${KR_PLUGIN_OUTPUT_DIR}")
  endif()
  if(NOT DEFINED KR_PLUGIN_SUBDIR)
    set(KR_PLUGIN_SUBDIR "lib/keeper-rotate/plugins")
  endif()
  install(TARGETS ${target} LIBRARY DESTINATION "${KR_PLUGIN_SUBDIR}")
endfunction()
