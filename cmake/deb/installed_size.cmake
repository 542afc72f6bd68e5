# CPack post-build script: corrects each .deb's Installed-Size. CPack sums the sizes of the
# files symlinks point to, so every tool link to vserver counted as a copy of it; dpkg counts
# a file's size in KiB rounded up and 1 for a link or directory (dpkg-gencontrol(1)). A package
# whose figure differs is unpacked with dpkg-deb -R (control files and md5sums kept) and built
# again.
find_program(vs_dpkg_deb dpkg-deb REQUIRED)
foreach(deb ${CPACK_PACKAGE_FILES})
  if(NOT deb MATCHES "\\.deb$")
    continue()
  endif()
  # "drwxr-xr-x root/root 0 DATE TIME ./usr/" per entry: its type letter and size.
  execute_process(COMMAND ${vs_dpkg_deb} --contents ${deb} OUTPUT_VARIABLE entries
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dpkg-deb --contents ${deb} failed")
  endif()
  string(REPLACE "\n" ";" entries "${entries}")
  set(kib 0)
  foreach(e ${entries})
    if(e MATCHES "^-[^ ]* +[^ ]+ +([0-9]+) ")
      math(EXPR kib "${kib} + (${CMAKE_MATCH_1} + 1023) / 1024")
    elseif(e MATCHES "^[dl][^ ]* +[^ ]+ +[0-9]+ .* \\./.+")
      math(EXPR kib "${kib} + 1")
    endif()
  endforeach()
  execute_process(COMMAND ${vs_dpkg_deb} --field ${deb} Installed-Size OUTPUT_VARIABLE had
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  # Within 10 %: CPack's own figure stands (it counts directories its own way), and the large
  # dbgsym package is not packed a second time.
  math(EXPR bound "${kib} + ${kib} / 10")
  if(had LESS_EQUAL bound)
    continue()
  endif()
  set(tree ${deb}.tree)
  file(REMOVE_RECURSE ${tree})
  execute_process(COMMAND ${vs_dpkg_deb} -R ${deb} ${tree} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dpkg-deb -R ${deb} failed")
  endif()
  file(READ ${tree}/DEBIAN/control control)
  string(REGEX REPLACE "Installed-Size: [0-9]+" "Installed-Size: ${kib}" control "${control}")
  file(WRITE ${tree}/DEBIAN/control "${control}")
  execute_process(COMMAND ${vs_dpkg_deb} --root-owner-group -Zgzip --build ${tree} ${deb}
                  OUTPUT_QUIET RESULT_VARIABLE rc)
  file(REMOVE_RECURSE ${tree})
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dpkg-deb --build ${deb} failed")
  endif()
endforeach()
