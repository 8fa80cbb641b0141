# Packages: `cpack` in the build tree writes into <build>/packages
#   keeper-rotate_<version>_amd64.deb                 Debian 12 / Ubuntu: installs into /usr and depends on the
#                                                     distribution's OpenSSL package (dpkg-shlibdeps);
#   keeper-rotate-<version>-linux-x86_64-portable.tar.gz
#   keeper-rotate-<version>-1.x86_64.rpm              the portable bundle for x86-64 Linux with glibc >= 2.34
#                                                     (Rocky/RHEL 9, the Keeper Gateway image): OpenSSL
#                                                     inside, $ORIGIN run paths (tools/package/bundle.cmake); the
#                                                     rpm installs it into /opt/keeper-rotate (relocatable).
# The portable bundle is the `portable` install component, excluded from a plain `cmake --install`; the .deb is
# the plain install. tools/package/check-deb.sh and check-portable.sh verify the results (CI runs both).

install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" DESTINATION "${CMAKE_INSTALL_DOCDIR}")

find_program(KR_PATCHELF patchelf)
find_program(KR_RPMBUILD rpmbuild)
find_program(KR_DPKG_SHLIBDEPS dpkg-shlibdeps)
install(CODE "set(KR_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
set(KR_PATCHELF \"${KR_PATCHELF}\")
include(\"${PROJECT_SOURCE_DIR}/tools/package/bundle.cmake\")"
  COMPONENT portable EXCLUDE_FROM_ALL)

set(CPACK_PACKAGE_NAME "keeper-rotate")
set(CPACK_PACKAGE_VENDOR "the keeper-rotate authors")
set(CPACK_PACKAGE_CONTACT "the keeper-rotate authors")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "Rotates Azure (Entra ID) app client secrets for the Keeper PAM Gateway and stores them in Keeper")
set(CPACK_PACKAGE_DESCRIPTION
  "keeper-rotate runs as a Keeper PAM Gateway script: it creates a new client secret for an Entra ID application, proves that it works, stores it in the Keeper record and reads it back, and only then removes the old secrets. Providers, credential sources and record writers are plugins.")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_PACKAGE_DIRECTORY "${CMAKE_BINARY_DIR}/packages")
# Packaged ELF files are stripped; the build tree keeps its debug information.
set(CPACK_STRIP_FILES ON)
set(CPACK_THREADS 0)

set(CPACK_GENERATOR DEB)
if(KR_PATCHELF)
  list(APPEND CPACK_GENERATOR TGZ)
  if(KR_RPMBUILD)
    list(APPEND CPACK_GENERATOR RPM)
  else()
    message(STATUS "Packaging: rpmbuild not found (apt-get install rpm): cpack makes no .rpm")
  endif()
else()
  message(STATUS "Packaging: patchelf not found (apt-get install patchelf): cpack makes only the .deb")
endif()
if(NOT KR_DPKG_SHLIBDEPS)
  message(STATUS "Packaging: dpkg-shlibdeps not found (apt-get install dpkg-dev): the .deb cannot be made")
endif()

# Per generator: components, install prefix and file name (read by cpack for each generator in turn).
set(CPACK_PROJECT_CONFIG_FILE "${PROJECT_SOURCE_DIR}/tools/package/cpack-generators.cmake")
set(CPACK_PORTABLE_FILE_NAME "keeper-rotate-${PROJECT_VERSION}-linux-x86_64-portable")

# .deb: the distribution's libraries, found by dpkg-shlibdeps from what the ELF files link.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The system CA store is what keeper-rotate trusts unless SSL_CERT_FILE says otherwise.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "ca-certificates")
# For building plugins against the SDK in /usr/include and /usr/lib/cmake/KeeperRotateSDK.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libssl-dev, libboost-dev, cmake, g++")

# .rpm: the portable bundle. Automatic requires/provides are off: the bundled libraries must neither be required
# from EL9 (whose OpenSSL is another 3.x build) nor offered to other packages.
set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_RELEASE 1)
set(CPACK_RPM_PACKAGE_ARCHITECTURE x86_64)
set(CPACK_RPM_PACKAGE_LICENSE "MIT and Apache-2.0")
set(CPACK_RPM_PACKAGE_GROUP "Applications/System")
set(CPACK_RPM_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
set(CPACK_RPM_PACKAGE_AUTOREQPROV OFF)
set(CPACK_RPM_PACKAGE_REQUIRES "glibc >= 2.34, libstdc++ >= 11, libgcc, ca-certificates")
set(CPACK_RPM_PACKAGE_RELOCATABLE ON)
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION /opt)
# No /usr/lib/.build-id links: the bundled libraries' build ids are those of Debian's builds, not ours. No
# post-install processing (rpmbuild's strip/compress scripts): the payload stays byte for byte the bundle that
# tools/package/check-portable.sh checked in the tarball, which tools/package/check-rpm.sh verifies.
set(CPACK_RPM_SPEC_MORE_DEFINE "%define _build_id_links none\n%define __os_install_post %{nil}")

include(CPack)
