# cmake -DSOURCE_DIR=sdk/template -DBUILD_DIR=... -DPREFIX=... -DGENERATOR=... -P build_template.cmake
# Configures and builds the template with nothing but the installed prefix on CMAKE_PREFIX_PATH. The template's
# own warning flags are turned into errors here so the SDK headers stay warning-free for authors.
file(REMOVE_RECURSE "${BUILD_DIR}")
execute_process(COMMAND ${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${BUILD_DIR}" -G "${GENERATOR}"
                        -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS=-Werror
                        -DEXAMPLE_BUILD_TESTS=ON
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the template against ${PREFIX} failed (${rc}):\n${out}\n${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build "${BUILD_DIR}" -j 2
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the template failed (${rc}):\n${out}\n${err}")
endif()
if(NOT EXISTS "${BUILD_DIR}/provider-example.so")
  message(FATAL_ERROR "the template built, but ${BUILD_DIR}/provider-example.so is missing")
endif()
# The template's kit test is built too, and against the installed SDK package, not the source tree's headers.
if(NOT EXISTS "${BUILD_DIR}/example_test")
  message(FATAL_ERROR "the template built, but its kit test ${BUILD_DIR}/example_test is missing")
endif()
file(STRINGS "${BUILD_DIR}/CMakeCache.txt" sdk_dir REGEX "^KeeperRotateSDK_DIR:")
string(FIND "${sdk_dir}" "${PREFIX}/" at)
if(NOT at GREATER -1)
  message(FATAL_ERROR "the template found the SDK outside ${PREFIX}: ${sdk_dir}")
endif()
# Only the ABI tag and the entry function may be exported by the plugin's own code.
execute_process(COMMAND nm -D --defined-only "${BUILD_DIR}/provider-example.so" OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
if(rc EQUAL 0)
  foreach(sym keeper_rotate_abi_tag keeper_rotate_plugin_v1)
    if(NOT symbols MATCHES "${sym}")
      message(FATAL_ERROR "provider-example.so does not export ${sym}:\n${symbols}")
    endif()
  endforeach()
  if(symbols MATCHES "ExampleProvider")
    message(FATAL_ERROR "provider-example.so exports plugin internals:\n${symbols}")
  endif()
endif()
message(STATUS "built ${BUILD_DIR}/provider-example.so against ${PREFIX}")
