# What `cmake --install` puts where, and the Debian packages `cpack -G DEB` makes of it
# (README.md "Install"). Components: "main" (the vserver-ng package: programs, links, man pages,
# bash completion, docs) and "dbgsym" (vserver-ng-dbgsym: the binaries' debug info by build id).
# Both honour --prefix and DESTDIR; tests/integration/install.bats checks a staged install.
include(GNUInstallDirs)
find_program(VS_OBJCOPY NAMES ${CMAKE_OBJCOPY} objcopy REQUIRED)
find_program(VS_STRIP NAMES ${CMAKE_STRIP} strip REQUIRED)
find_program(VS_READELF NAMES ${CMAKE_READELF} readelf REQUIRED)

set(VS_DOCDIR ${CMAKE_INSTALL_DATADIR}/doc/vserver-ng)
set(VS_COMPLETIONDIR ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)

# ---- programs ----
# vs-init is linked with -s and has no build id: nothing to split. vserver finds it beside itself.
install(TARGETS vs-init vserver vps RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR} COMPONENT main)
# The install script sees CMAKE_INSTALL_PREFIX and DESTDIR as given to `cmake --install`, not as
# configured: hence the escaped \${...} below.
set(vs_install_env "set(VS_OBJCOPY \"${VS_OBJCOPY}\")
set(VS_STRIP \"${VS_STRIP}\")
set(VS_READELF \"${VS_READELF}\")
set(VS_DEBUG_STAGE \"${CMAKE_BINARY_DIR}/debug\")
include(\"${CMAKE_SOURCE_DIR}/cmake/split_debug.cmake\")")
# Debug files go to PREFIX/lib/debug whatever the multiarch libdir: gdb looks in /usr/lib/debug.
foreach(t vserver vps)
  install(CODE "${vs_install_env}
vs_strip_installed(\"$<TARGET_FILE:${t}>\"
  \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_SBINDIR}/$<TARGET_FILE_NAME:${t}>\")"
    COMPONENT main)
  install(CODE "${vs_install_env}
vs_install_debug(\"$<TARGET_FILE:${t}>\" lib)" COMPONENT dbgsym)
endforeach()
foreach(tool ${VS_TOOL_LINKS})
  install(CODE "${vs_install_env}
vs_install_link(vserver \"${CMAKE_INSTALL_SBINDIR}/${tool}\")" COMPONENT main)
endforeach()
foreach(tool ${VS_NSS_TOOL_LINKS})
  install(CODE "${vs_install_env}
vs_install_link(vps \"${CMAKE_INSTALL_SBINDIR}/${tool}\")" COMPONENT main)
endforeach()

# ---- man pages: man/NAME.SECTION (tests/unit/cli/docs_test.cpp) ----
file(GLOB VS_MAN_PAGES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/man/*.[1-8])
foreach(page ${VS_MAN_PAGES})
  string(REGEX REPLACE ".*\\.([1-8])$" "\\1" section ${page})
  install(FILES ${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section} COMPONENT main)
endforeach()

# ---- bash completion: one script, found by bash-completion under each command's name ----
set(VS_COMPLETION_NAMES vserver vps ${VS_NSS_TOOL_LINKS} ${VS_TOOL_LINKS})
list(JOIN VS_COMPLETION_NAMES " " VS_COMPLETION_NAMES_TEXT)
set(VS_SBINDIR ${CMAKE_INSTALL_FULL_SBINDIR})
configure_file(${CMAKE_SOURCE_DIR}/completion/vserver.in ${CMAKE_BINARY_DIR}/completion/vserver
  @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/completion/vserver DESTINATION ${VS_COMPLETIONDIR}
  COMPONENT main)
foreach(name ${VS_COMPLETION_NAMES})
  if(NOT name STREQUAL "vserver")
    install(CODE "${vs_install_env}
vs_install_link(vserver \"${VS_COMPLETIONDIR}/${name}\")" COMPONENT main)
  endif()
endforeach()

# ---- documentation ----
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${VS_DOCDIR} COMPONENT main)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${VS_DOCDIR} COMPONENT main)

# ---- Debian packages: cpack -G DEB in the build dir ----
set(VS_DEB_MAINTAINER "vserver-ng maintainers <root@localhost>" CACHE STRING
    "Maintainer field of the .deb packages")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vserver-ng)
set(CPACK_PACKAGE_VERSION ${VS_VERSION_STRING})
set(CPACK_PACKAGE_CONTACT ${VS_DEB_MAINTAINER})
# CPack puts a CPACK_PACKAGE_DESCRIPTION_SUMMARY of our own before every component's text, the
# dbgsym's too: each package's first line (the synopsis) is set in its own text instead.
set(vs_description
    "vserver-ng runs util-vserver style guests (/etc/vservers) with namespaces, cgroups,
capabilities and seccomp on an unpatched kernel: vserver NAME build, start, stop, enter,
exec, and the host tools vps, vtop, vpstree, vkill and vserver-stat.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL main dbgsym)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_MAIN_PACKAGE_NAME vserver-ng)
# Libraries by dpkg-shlibdeps (vps is dynamic; vserver is a static PIE when every .a exists),
# plus what the code runs: ps for vps. Recommended: the build methods' helpers (debootstrap,
# rsync; busybox-static for -m skeleton, which copies a static /bin/busybox into the guest).
set(CPACK_DEBIAN_MAIN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_MAIN_PACKAGE_DEPENDS "procps")
set(CPACK_DEBIAN_MAIN_PACKAGE_RECOMMENDS "debootstrap, rsync, busybox-static")
# The same command names in /usr/sbin.
set(CPACK_DEBIAN_MAIN_PACKAGE_CONFLICTS "util-vserver")
set(CPACK_DEBIAN_DBGSYM_PACKAGE_NAME vserver-ng-dbgsym)
set(CPACK_DEBIAN_DBGSYM_PACKAGE_SECTION debug)
set(CPACK_DEBIAN_DBGSYM_PACKAGE_DEPENDS "vserver-ng (= ${VS_VERSION_STRING})")
# The first line is the synopsis.
set(CPACK_DEBIAN_MAIN_DESCRIPTION
    "Linux-VServer guests on the mainline kernel\n${vs_description}")
set(CPACK_DEBIAN_DBGSYM_DESCRIPTION "debug symbols for vserver-ng
The debug info of vserver and vps, found by gdb through their build id
(/usr/lib/debug/.build-id).")
# Maintainer scripts (systemd's daemon-reload for the units dist/ installs) and conffiles: every
# file under /etc, listed by a pre-build script once the staging tree exists.
set(CPACK_VS_DEB_CONFFILES ${CMAKE_BINARY_DIR}/deb-control/conffiles)
file(WRITE ${CPACK_VS_DEB_CONFFILES} "")
set(CPACK_DEBIAN_MAIN_PACKAGE_CONTROL_EXTRA ${CMAKE_SOURCE_DIR}/cmake/deb/postinst
    ${CMAKE_SOURCE_DIR}/cmake/deb/postrm ${CPACK_VS_DEB_CONFFILES})
set(CPACK_DEBIAN_MAIN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_SOURCE_DIR}/cmake/deb/conffiles.cmake)
set(CPACK_POST_BUILD_SCRIPTS ${CMAKE_SOURCE_DIR}/cmake/deb/installed_size.cmake)
# A build with the VSERVER_FAULT seam (scripts/build.sh's test build) is never packaged.
if(VS_FAULT_INJECTION)
  file(WRITE ${CMAKE_BINARY_DIR}/cpack_refuse.cmake
       "message(FATAL_ERROR \"this build has the VSERVER_FAULT test seam (VS_FAULT_INJECTION=ON): "
       "package a build configured without it (README.md, Install)\")\n")
  list(PREPEND CPACK_PRE_BUILD_SCRIPTS ${CMAKE_BINARY_DIR}/cpack_refuse.cmake)
endif()
include(CPack)
