# `cmake --install` layout: headers under include/grad, libraries, and a CMake package so that
# `find_package(grad CONFIG)` gives grad::eager, grad::compiler and grad::runtime, and, when grad was
# built with MPI, grad::dist and grad::runtime_mpi.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(EXPORT gradTargets NAMESPACE grad:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/grad)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/gradConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/gradConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/grad)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/gradConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/gradConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/gradConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/grad)
