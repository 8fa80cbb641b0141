# Turns an installed keeper-rotate tree into the portable bundle for x86-64 Linux with glibc >= 2.34 (Rocky/RHEL 9,
# the Keeper Gateway image). Runs as the install code of the `portable` component (cmake/Packaging.cmake), after
# the normal install into the same prefix:
#
#   libexec/keeper-rotate      the real program, run path $ORIGIN/../lib
#   bin/keeper-rotate          tools/package/keeper-rotate.sh (finds the system's CA store, then execs the above)
#   lib/keeper-rotate/plugins  first-party plugins, run path $ORIGIN/../.. (= lib/)
#   lib/lib*.so.*              OpenSSL, the library keeper-rotate was built and tested against, copied from this (Debian) build
#                              machine, run path $ORIGIN
#   share/doc/keeper-rotate    LICENSE, NOTICE (+ the bundled files and versions), third-party/ license texts
#
# The SDK (headers, static HTTPS client, CMake package) is removed: its static libraries are built against the
# build machine's OpenSSL headers and compiler, so it is of no use on the target systems; the .deb and
# `cmake --install` carry it.
#
# Expects KR_SOURCE_DIR and KR_PATCHELF; installs into $ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}.
cmake_minimum_required(VERSION 3.25)

set(root "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}")
message(STATUS "portable bundle: ${root}")
if(NOT EXISTS "${root}/bin/keeper-rotate")
  message(FATAL_ERROR "portable bundle: ${root}/bin/keeper-rotate is missing; the portable component must be "
    "installed after the default one (cpack does this; by hand: cmake --install BUILD --prefix P, then "
    "cmake --install BUILD --prefix P --component portable)")
endif()
file(READ "${root}/bin/keeper-rotate" magic LIMIT 4 HEX)
if(NOT magic STREQUAL "7f454c46")
  message(FATAL_ERROR "portable bundle: ${root}/bin/keeper-rotate is not the program (bundled twice into the "
    "same prefix?); start from a fresh prefix")
endif()
if(NOT KR_PATCHELF)
  message(FATAL_ERROR "portable bundle: patchelf is needed (apt-get install patchelf), then re-run cmake")
endif()

# Libraries taken into the bundle (by file name). Only OpenSSL: no shipped file links Poco any more, and a
# dependency that appears must be decided on (the check below stops the build), not bundled by a wide pattern.
set(bundle_regex "^(libssl\\.so\\.3|libcrypto\\.so\\.3)$")
# Libraries every target system has and which must never be bundled: glibc's (their versions are the target's
# glibc), the compiler runtime (EL9's GCC 11 libstdc++ must serve the plugins too), zlib and expat.
set(system_regex "^(libc|libm|libdl|libpthread|librt|ld-linux-x86-64|libstdc\\+\\+|libgcc_s|libz|libexpat)\\.so")

function(kr_run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " cmd)
    message(FATAL_ERROR "portable bundle: ${cmd} failed (${rc}):\n${out}${err}")
  endif()
endfunction()

# 1. The real program moves to libexec/; the wrapper takes its place on PATH.
file(MAKE_DIRECTORY "${root}/libexec")
file(RENAME "${root}/bin/keeper-rotate" "${root}/libexec/keeper-rotate")
file(COPY_FILE "${KR_SOURCE_DIR}/tools/package/keeper-rotate.sh" "${root}/bin/keeper-rotate")
file(CHMOD "${root}/bin/keeper-rotate" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
  WORLD_READ WORLD_EXECUTE)

# 2. Every library the program and the plugins need, resolved on this machine.
file(GLOB plugins "${root}/lib/keeper-rotate/plugins/*.so")
if(NOT plugins)
  message(FATAL_ERROR "portable bundle: no plugins in ${root}/lib/keeper-rotate/plugins")
endif()
file(GET_RUNTIME_DEPENDENCIES
  EXECUTABLES "${root}/libexec/keeper-rotate"
  MODULES ${plugins}
  RESOLVED_DEPENDENCIES_VAR resolved
  UNRESOLVED_DEPENDENCIES_VAR unresolved)
if(unresolved)
  message(FATAL_ERROR "portable bundle: unresolved libraries: ${unresolved}")
endif()
set(bundled "")
foreach(lib IN LISTS resolved)
  get_filename_component(name "${lib}" NAME)
  if(name MATCHES "${bundle_regex}")
    list(APPEND bundled "${lib}")
  elseif(NOT name MATCHES "${system_regex}")
    # A new dependency must be decided on (bundle it, or require it from the system), never shipped by accident.
    message(FATAL_ERROR "portable bundle: ${lib} is neither bundled nor a known system library; add it to "
      "bundle_regex or system_regex in tools/package/bundle.cmake")
  endif()
endforeach()

# 3. Copy them under their soname, each with run path $ORIGIN. Note the Debian package of each, for NOTICE and the
#    licence texts.
#    Every run path in the bundle is a DT_RPATH (--force-rpath), not a DT_RUNPATH: the dynamic linker searches
#    DT_RPATH before LD_LIBRARY_PATH, DT_RUNPATH after it. A parent process that exports LD_LIBRARY_PATH with its
#    own libssl.so.3 or libcrypto.so.3 (as frozen Python programs do for their children) would otherwise have
#    keeper-rotate load that OpenSSL instead of the bundled one. Each file still gets a run path of its own, so the
#    libraries find each other however they were loaded (a plugin's dlopen included).
set(notice_rows "")
set(sources "")
foreach(lib IN LISTS bundled)
  get_filename_component(name "${lib}" NAME)
  file(REAL_PATH "${lib}" real)
  file(COPY_FILE "${real}" "${root}/lib/${name}")
  file(CHMOD "${root}/lib/${name}" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  kr_run("${KR_PATCHELF}" --force-rpath --set-rpath "$ORIGIN" "${root}/lib/${name}")
  # With merged /usr, dpkg knows a library under one of its two names only.
  set(pkg "")
  string(REGEX REPLACE "^/usr/" "/" unmerged "${real}")
  foreach(candidate IN ITEMS "${lib}" "${real}" "${unmerged}")
    execute_process(COMMAND dpkg-query -S "${candidate}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_QUIET)
    if(rc EQUAL 0)
      string(REGEX REPLACE ":.*" "" pkg "${out}")
      break()
    endif()
  endforeach()
  if(pkg STREQUAL "")
    message(FATAL_ERROR "portable bundle: no Debian package owns ${lib}; the bundle is made on Debian 12 only")
  endif()
  execute_process(COMMAND dpkg-query -W "-f=\${Version}\t\${source:Package}" "${pkg}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out)
  string(REPLACE "\t" ";" out "${out}")
  list(GET out 0 version)
  list(GET out 1 source)
  string(APPEND notice_rows "  lib/${name}  (Debian package ${pkg} ${version}, source ${source})\n")
  if(NOT source IN_LIST sources)
    list(APPEND sources "${source}")
    set(copyright_of_${source} "/usr/share/doc/${pkg}/copyright")
  endif()
endforeach()

# 4. Run paths of our own ELF files.
kr_run("${KR_PATCHELF}" --force-rpath --set-rpath "$ORIGIN/../lib" "${root}/libexec/keeper-rotate")
foreach(plugin IN LISTS plugins)
  kr_run("${KR_PATCHELF}" --force-rpath --set-rpath "$ORIGIN/../.." "${plugin}")
endforeach()

# 5. No SDK in the bundle (see the top of this file).
file(REMOVE_RECURSE "${root}/include" "${root}/lib/cmake")
file(GLOB static_libs "${root}/lib/*.a")
if(static_libs)
  file(REMOVE ${static_libs})
endif()

# 6. NOTICE with the bundled files, and every bundled project's copyright file plus the full text of the Apache
#    License 2.0, which Debian keeps only in /usr/share/common-licenses. Other licences the copyright file
#    mentions cover parts of the source tree (OpenSSL's Perl build tools) that are not in the libraries.
set(doc "${root}/share/doc/keeper-rotate")
file(MAKE_DIRECTORY "${doc}/third-party")
file(READ "${KR_SOURCE_DIR}/NOTICE" notice)
string(APPEND notice "\nLibrary files in this bundle\n----------------------------\n\n${notice_rows}\n"
  "third-party/<source>.copyright is the Debian copyright file of each source package; third-party/Apache-2.0\n"
  "is the full text of the Apache License 2.0 that the OpenSSL copyright file refers to.\n")
file(WRITE "${doc}/NOTICE" "${notice}")
foreach(source IN LISTS sources)
  set(copyright "${copyright_of_${source}}")
  if(NOT EXISTS "${copyright}")
    message(FATAL_ERROR "portable bundle: ${copyright} is missing")
  endif()
  file(COPY_FILE "${copyright}" "${doc}/third-party/${source}.copyright")
endforeach()
set(apache "/usr/share/common-licenses/Apache-2.0")
if(NOT EXISTS "${apache}")
  message(FATAL_ERROR "portable bundle: ${apache} is missing (Debian package base-files)")
endif()
file(COPY_FILE "${apache}" "${doc}/third-party/Apache-2.0")
message(STATUS "portable bundle: bundled ${bundled}")
