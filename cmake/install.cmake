# Install rules: cmake --install <build> --prefix P gives
#   P/include/autodiff_cpp/{autodiff,nn,optim,io,data,train,plot}/*.h   headers, under one project-named directory so
#                                                                        that a user's own data/ or train/ folders
#                                                                        and other packages' headers never collide
#   P/lib/libad_*.a (or .so.0.2.0)                                       the libraries
#   P/lib/cmake/autodiff_cpp/                                            find_package(autodiff_cpp 0.2): ad::* targets
#   P/lib/pkgconfig/autodiff_cpp.pc                                      pkg-config --cflags --libs autodiff_cpp
#   P/share/autodiff_cpp/sets/                                           the shipped data sets (data/paths.h)
include(CMakePackageConfigHelpers)

set(AD_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/autodiff_cpp)
get_property(AD_LIBRARIES GLOBAL PROPERTY AD_LIBRARIES)

install(TARGETS ${AD_LIBRARIES} EXPORT autodiff_cppTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_COMPONENT Development
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# xt_views.h is the one internal header that includes xtensor; no installed header includes it.
set(AD_HEADER_DIRS autodiff nn optim io data train plot)
if(AD_HAVE_MPI)
  list(APPEND AD_HEADER_DIRS dist)
endif()
list(TRANSFORM AD_HEADER_DIRS PREPEND ${PROJECT_SOURCE_DIR}/)
install(DIRECTORY ${AD_HEADER_DIRS}
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/autodiff_cpp
        FILES_MATCHING PATTERN "*.h" PATTERN "xt_views.h" EXCLUDE PATTERN "sets" EXCLUDE)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/data/sets DESTINATION ${CMAKE_INSTALL_DATADIR}/autodiff_cpp)

install(EXPORT autodiff_cppTargets NAMESPACE ad:: DESTINATION ${AD_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/autodiff_cppConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/autodiff_cppConfig.cmake
                              INSTALL_DESTINATION ${AD_CMAKE_DIR})
# 0.x: a minor version may change the API, so 0.2 is compatible with 0.2.y only.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/autodiff_cppConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/autodiff_cppConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/autodiff_cppConfigVersion.cmake
        DESTINATION ${AD_CMAKE_DIR})

# pkg-config. Libraries in dependency order (a static link resolves left to right); with static libraries their
# own dependencies (OpenBLAS, zlib, threads) must be on the link line too, with shared ones only when linking
# statically (Libs.private).
# (ad::dist is left out: it needs MPI's own flags, which mpicxx or CMake's FindMPI give.)
set(AD_PC_LIBS "-lad_plot -lad_train -lad_nn -lad_optim -lad_data -lad_io -lad_autodiff")
set(AD_PC_DEPS "-lopenblas -lz -pthread")
if(BUILD_SHARED_LIBS)
  set(AD_PC_LIBS_PRIVATE "${AD_PC_DEPS}")
else()
  set(AD_PC_LIBS "${AD_PC_LIBS} ${AD_PC_DEPS}")
  set(AD_PC_LIBS_PRIVATE "")
endif()
# Relocatable: the prefix is found from the .pc file's own location (pkg-config's ${pcfiledir}).
file(RELATIVE_PATH AD_PC_PREFIX_REL "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" AD_PC_PREFIX_REL "${AD_PC_PREFIX_REL}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/autodiff_cpp.pc.in ${CMAKE_CURRENT_BINARY_DIR}/autodiff_cpp.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/autodiff_cpp.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
