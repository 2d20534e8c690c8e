# Installation (GNUInstallDirs) and the Debian package (CPack DEB generator).
#
# Included from the top-level CMakeLists.txt (anywhere after project()):
#     include(cmake/packaging.cmake)
# Then:  cmake --install build --prefix /usr      (or DESTDIR=… for staging)
#        cpack --config build/CPackConfig.cmake   (writes callboard_<version>_<arch>.deb)
include(GNUInstallDirs)

# `cmake --install` and cpack install only what was built: build the callboard target first,
# not every test and benchmark.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

# The targets are checked at the end of the top-level directory, so this file may be included
# anywhere in it (also through CMAKE_PROJECT_INCLUDE).
function(callboard_install_targets)
    if(TARGET callboard)
        install(TARGETS callboard RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
    endif()
    # The window's executable, which `callboard` without a command execs (app/CMakeLists.txt).
    if(TARGET callboard-gui)
        install(TARGETS callboard-gui RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/callboard)
    endif()
    # The window loads its translations from resources (:/i18n); the .qm files are installed
    # too, in the application's data folder, for tools and packagers that look for them.
    if(TARGET callboard_ui)
        foreach(language de fr)
            install(FILES ${PROJECT_BINARY_DIR}/ui/callboard_${language}.qm
                    DESTINATION ${CMAKE_INSTALL_DATADIR}/callboard/translations OPTIONAL)
        endforeach()
    endif()
endfunction()
cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL callboard_install_targets)

# Where a freedesktop desktop looks: applications/, icons/hicolor/<size>/apps/.
if(EXISTS ${PROJECT_SOURCE_DIR}/resources/callboard.desktop)
    install(FILES ${PROJECT_SOURCE_DIR}/resources/callboard.desktop
            DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
endif()
if(EXISTS ${PROJECT_SOURCE_DIR}/resources/icons/callboard.svg)
    install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/callboard.svg
            DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
endif()
foreach(size 16 32 128)
    if(EXISTS ${PROJECT_SOURCE_DIR}/resources/icons/png/callboard-${size}.png)
        install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/png/callboard-${size}.png
                DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps
                RENAME callboard.png)
    endif()
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME callboard)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VENDOR "Theatre Play Buddy")
set(CPACK_PACKAGE_CONTACT "Theatre Play Buddy <callboard@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # callboard_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Job monitor and launcher for play-import jobs\n Desktop window and headless workers for the play-import queue of Theatre Play Buddy,\n on PostgreSQL or an embedded SQLite file.")

# The libraries the binary links come from dpkg-shlibdeps; the plug-ins Qt loads at run time
# (SQL drivers, the platform plug-ins) it cannot see, so they are listed.
find_program(CALLBOARD_DPKG_SHLIBDEPS dpkg-shlibdeps)
set(callboard_plugin_depends "libqt6sql6-psql, libqt6sql6-sqlite, qt6-qpa-plugins")
if(CALLBOARD_DPKG_SHLIBDEPS)
    set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
    set(CPACK_DEBIAN_PACKAGE_DEPENDS "${callboard_plugin_depends}")
else()
    set(CPACK_DEBIAN_PACKAGE_DEPENDS
        "libqt6core6 (>= 6.4), libqt6gui6 (>= 6.4), libqt6widgets6 (>= 6.4), libqt6network6 (>= 6.4), libqt6sql6 (>= 6.4), libqt6concurrent6 (>= 6.4), libqt6charts6 (>= 6.4), libqt6httpserver6 (>= 6.4), libqt6websockets6 (>= 6.4), libqt6dbus6 (>= 6.4), libqt6keychain1, ${callboard_plugin_depends}")
endif()

include(CPack)
