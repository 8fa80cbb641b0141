# cmake -DSOURCE_DIR=installed -DBUILD_DIR=... -DPREFIX=... -DGENERATOR=... -P build_installed.cmake
# Configures, builds and runs the consumer project with nothing but the installed prefix on CMAKE_PREFIX_PATH.
file(REMOVE_RECURSE "${BUILD_DIR}")
# The installed static library of a sanitizer build carries sanitizer calls: its consumers link the runtimes too.
set(flags "-Wall -Wextra -Werror")
set(link_flags "")
if(SANITIZE)
  string(APPEND flags " -fsanitize=address,undefined")
  set(link_flags "-fsanitize=address,undefined")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${BUILD_DIR}" -G "${GENERATOR}"
                        -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_BUILD_TYPE=RelWithDebInfo
                        "-DCMAKE_CXX_FLAGS=${flags}" "-DCMAKE_EXE_LINKER_FLAGS=${link_flags}"
                        "-DCMAKE_MODULE_LINKER_FLAGS=${link_flags}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the aws consumer against ${PREFIX} failed (${rc}):\n${out}\n${err}")
endif()
file(STRINGS "${BUILD_DIR}/CMakeCache.txt" sdk_dir REGEX "^KeeperRotateSDK_DIR:")
string(FIND "${sdk_dir}" "${PREFIX}/" at)
if(NOT at GREATER -1)
  message(FATAL_ERROR "the aws consumer found the SDK outside ${PREFIX}: ${sdk_dir}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build "${BUILD_DIR}" -j 2
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the aws consumer failed (${rc}):\n${out}\n${err}")
endif()
execute_process(COMMAND "${BUILD_DIR}/aws_consumer" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the aws consumer failed (${rc}):\n${out}\n${err}")
endif()
message(STATUS "aws consumer: ${out}")
