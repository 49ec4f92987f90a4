# zabitan — the Debian package: `cpack -G DEB` in a build folder writes zabitan_<version>_<arch>.deb
# (tests/packaging/deb_test.sh, ctest e2e.package, takes it apart and installs it into a
# throwaway root). Included last by the root CMakeLists.txt, when every program's target exists.
#
# What the package holds (prefix /usr):
#   bin/zabitan-*                         each component's own install() rule
#   share/man/man1/zabitan-*.1.gz         packaging/man/*.1, @PROJECT_VERSION@ filled in, gzip -9n
#   share/zabitan/templates/*.yaml        zabbix-templates/CMakeLists.txt
#   share/doc/zabitan/README.Debian       the steps after installing
#   share/doc/zabitan/copyright           packaging/debian/copyright (DEP-5; follows LICENSE)
#   share/doc/zabitan/examples/           zabitan.toml, cron.d/zabitan-vmware
#   /etc/zabitan/zabitan.toml             packaging/zabitan.toml, a conffile
#   /lib/systemd/system/zabitan-vmware.{service,timer}, zabitan-sstp-flush.service,
#   zabitan-prom.service
#   maintainer scripts                    packaging/debian/{postinst,prerm,postrm}
#
# The /etc and /lib destinations are absolute: `cmake --install` honours DESTDIR for them, but
# without DESTDIR it writes there whatever --prefix says. No path depending on the prefix is
# compiled into the programs (zabitan-provision finds the templates relative to itself).

find_program(ZABITAN_GZIP gzip REQUIRED)

set(ZABITAN_PACKAGING_DIR ${PROJECT_SOURCE_DIR}/packaging)
set(ZABITAN_SYSTEMD_UNIT_DIR /lib/systemd/system CACHE PATH "Where the package puts systemd units")
set(ZABITAN_SYSCONF_DIR /etc/zabitan CACHE PATH "Where the package puts zabitan.toml")

# Man pages, one per program target that exists; the version comes from project().
set(zabitan_man_pages)
foreach(program zabitan-sender zabitan-vmware zabitan-prom zabitan-sstp zabitan-remote-cmd zabitan-provision)
  if(NOT TARGET ${program})
    continue()
  endif()
  set(source ${ZABITAN_PACKAGING_DIR}/man/${program}.1)
  if(NOT EXISTS ${source})
    message(STATUS "packaging: no man page for ${program} (packaging/man/${program}.1)")
    continue()
  endif()
  set(page ${CMAKE_BINARY_DIR}/packaging/man/${program}.1)
  configure_file(${source} ${CMAKE_BINARY_DIR}/packaging/man-src/${program}.1 @ONLY)
  # gzip -n: no name or time stamp in the header, so the same page gives the same bytes.
  add_custom_command(OUTPUT ${page}.gz
                     COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_BINARY_DIR}/packaging/man-src/${program}.1 ${page}
                     COMMAND ${ZABITAN_GZIP} -9nf ${page}
                     DEPENDS ${CMAKE_BINARY_DIR}/packaging/man-src/${program}.1
                     COMMENT "gzip man page ${program}.1" VERBATIM)
  list(APPEND zabitan_man_pages ${page}.gz)
endforeach()
add_custom_target(zabitan_man_pages ALL DEPENDS ${zabitan_man_pages})
install(FILES ${zabitan_man_pages} DESTINATION share/man/man1)


install(FILES ${ZABITAN_PACKAGING_DIR}/zabitan.toml DESTINATION ${ZABITAN_SYSCONF_DIR})
install(FILES ${ZABITAN_PACKAGING_DIR}/systemd/zabitan-vmware.service
              ${ZABITAN_PACKAGING_DIR}/systemd/zabitan-vmware.timer
              ${ZABITAN_PACKAGING_DIR}/systemd/zabitan-sstp-flush.service
              ${ZABITAN_PACKAGING_DIR}/systemd/zabitan-prom.service
        DESTINATION ${ZABITAN_SYSTEMD_UNIT_DIR})
install(FILES ${ZABITAN_PACKAGING_DIR}/README.Debian DESTINATION share/doc/zabitan)
install(FILES ${ZABITAN_PACKAGING_DIR}/debian/copyright DESTINATION share/doc/zabitan)
install(FILES ${ZABITAN_PACKAGING_DIR}/zabitan.toml DESTINATION share/doc/zabitan/examples)
install(FILES ${ZABITAN_PACKAGING_DIR}/cron/zabitan-vmware DESTINATION share/doc/zabitan/examples/cron.d)

# The package.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME zabitan)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR zabitan)
set(CPACK_PACKAGE_CONTACT "zabitan maintainers <maintainers@users.noreply.h-seed-bf6d5f5e.example>"
    CACHE STRING "The package's Maintainer field")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "VMware and desktop mascots for Zabbix")
# The long description, naming the programs that are there (CPack puts the summary above it
# and indents it as Debian wants).
set(zabitan_program_lines
    "zabitan-sender| a faster drop-in for zabbix_sender 6.0 (spool, failover, TLS)"
    "zabitan-vmware| ESXi/vCenter hosts, VMs and datastores into Zabbix, every minute"
    "zabitan-prom| Prometheus exporters into Zabbix (LLD, nothing lost to discovery)"
    "zabitan-sstp| Zabbix alerts spoken by the desktop mascot (a media type)"
    "zabitan-remote-cmd| the hardened handler Zabbix actions run to scale VMs"
    "zabitan-provision| sets Zabbix up through its API")
set(zabitan_programs_text "")
foreach(line IN LISTS zabitan_program_lines)
  string(REPLACE "|" ";" fields "${line}")
  list(GET fields 0 program)
  list(GET fields 1 what)
  if(TARGET ${program})
    string(APPEND zabitan_programs_text " * ${program}:${what}\n")
  endif()
endforeach()
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "zabitan pushes VMware vSphere performance data and inventory into Zabbix
without agents in the guests, and makes an SSP/ukagaka desktop mascot speak
Zabbix alerts.

${zabitan_programs_text}
Zabbix 6.0 templates for every item, and the media type, are in
/usr/share/zabitan/templates.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)                           # the RelWithDebInfo binaries are ~30 MB each
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)             # zabitan_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends from the binaries' libraries (dpkg-shlibdeps, in dpkg-dev, which build-essential
# pulls in; CPack also wants `file`): libc6, libstdc++6, libgcc-s1, libssl3, zlib1g, libcurl4,
# libpugixml1v5, libssh2-1, libtomlplusplus3, with the versions the build machine needs.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Suggests, not Recommends: apt installs recommended packages by default, and a machine that
# only sends to Zabbix (or sits next to a proxy) must not get a Zabbix server and a database.
# No adduser either: the package creates no user (it uses zabbix, made by Zabbix's packages).
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "zabbix-server-pgsql | zabbix-server-mysql | zabbix-proxy-pgsql | zabbix-proxy-mysql | zabbix-proxy-sqlite3")
# A conffile (dpkg keeps the admin's edits on upgrade, asks before replacing them, removes the
# file only on purge) only when the control archive's conffiles names it: CPack adds none.
file(WRITE ${CMAKE_BINARY_DIR}/packaging/debian/conffiles "${ZABITAN_SYSCONF_DIR}/zabitan.toml\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_BINARY_DIR}/packaging/debian/conffiles
    ${ZABITAN_PACKAGING_DIR}/debian/postinst
    ${ZABITAN_PACKAGING_DIR}/debian/prerm
    ${ZABITAN_PACKAGING_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)  # scripts 0755, conffiles 0644
include(CPack)
