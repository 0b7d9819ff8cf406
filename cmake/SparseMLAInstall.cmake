# Install rules and the CMake package (lib/cmake/SparseMLA): headers, the
# compiler libraries behind SparseMLA::Compiler (and the ws dialect's alone
# behind SparseMLA::WarpSpec), the tools and the plugin.
# The runtime installs itself from its own project (runtime/CMakeLists.txt)
# into the same prefix, adding SparseMLA::Runtime.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The ws dialect and its lowerings depend on MLIR only.
set(SPARSE_MLA_WARPSPEC_LIBS MLIRWarpSpecToNVVM MLIRWarpSpecTransforms MLIRWarpSpec)
# The hopper dialect (warpgroup matrix ops) and its lowering: MLIR and the
# ws dialect's interfaces only.
set(SPARSE_MLA_HOPPER_LIBS MLIRHopperToNVVM MLIRHopper)
set(SPARSE_MLA_COMPILER_LIBS
  SparseMLAInitAll SparseMLAPackageWriter MLIRSparseMLAPipelines MLIRSparseMLAToGPU
  MLIRSparseMLAToTiles MLIRSparseMLATilesToSIMT MLIRSparseMLATilesToHopper
  MLIRSparseMLAKernelCommon
  MLIRSparseMLATileTransforms MLIRSparseMLATile
  MLIRSparseMLATransforms MLIRSparseMLA SparseMLATarget sparse_mla_package
  ${SPARSE_MLA_HOPPER_LIBS} ${SPARSE_MLA_WARPSPEC_LIBS})

# A target for users: our libraries, then libMLIR.so where MLIR is linked as
# a dylib (so a consumer uses the same MLIR as the plugin and the tools).
function(sparse_mla_user_target target export_name)
  add_library(${target} INTERFACE)
  target_link_libraries(${target} INTERFACE ${ARGN})
  if(MLIR_LINK_MLIR_DYLIB)
    target_link_libraries(${target} INTERFACE MLIR)
  endif()
  target_include_directories(${target} INTERFACE
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${export_name})
endfunction()
sparse_mla_user_target(SparseMLACompiler Compiler ${SPARSE_MLA_COMPILER_LIBS})
# The ws dialect alone (headers under include/WarpSpec).
sparse_mla_user_target(SparseMLAWarpSpec WarpSpec ${SPARSE_MLA_WARPSPEC_LIBS})
# The hopper dialect with the ws dialect (headers under include/Hopper).
sparse_mla_user_target(SparseMLAHopper Hopper ${SPARSE_MLA_HOPPER_LIBS}
  ${SPARSE_MLA_WARPSPEC_LIBS})
foreach(lib ${SPARSE_MLA_COMPILER_LIBS})
  target_include_directories(${lib} INTERFACE
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
endforeach()

# The MLIR C APIs of the dialects (include/SparseMLA-c, include/WarpSpec-c):
# SparseMLA::SparseMLACAPI, SparseMLA::WarpSpecCAPI.
foreach(lib SparseMLACAPI WarpSpecCAPI)
  target_include_directories(${lib} INTERFACE
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
endforeach()

install(TARGETS SparseMLACompiler SparseMLAWarpSpec SparseMLAHopper
  ${SPARSE_MLA_COMPILER_LIBS}
  SparseMLACAPI WarpSpecCAPI
  EXPORT SparseMLATargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT SparseMLATargets NAMESPACE SparseMLA::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/SparseMLA)
install(TARGETS sparse-mla-opt sparse-mla-translate
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Installed binaries find our libraries relative to themselves (the prefix
# can move) and LLVM's/MLIR's shared libraries where they were found.
set_target_properties(sparse-mla-opt sparse-mla-translate SparseMLAPlugin
  PROPERTIES INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR};${LLVM_LIBRARY_DIR}")

# Headers: the sources' and the generated ones (.h.inc, Version.h).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/SparseMLA
  ${PROJECT_SOURCE_DIR}/include/SparseMLA-c
  ${PROJECT_SOURCE_DIR}/include/WarpSpec
  ${PROJECT_SOURCE_DIR}/include/WarpSpec-c
  ${PROJECT_SOURCE_DIR}/include/Hopper
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.td")
install(DIRECTORY ${PROJECT_BINARY_DIR}/include/SparseMLA
  ${PROJECT_BINARY_DIR}/include/WarpSpec
  ${PROJECT_BINARY_DIR}/include/Hopper
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.inc"
  PATTERN "CMakeFiles" EXCLUDE)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/package/include/sparse_mla
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/SparseMLAConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/SparseMLAConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/SparseMLA)
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/cmake/SparseMLAConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/SparseMLAConfig.cmake
  ${PROJECT_BINARY_DIR}/cmake/SparseMLAConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/SparseMLA)

# The runtime is its own CMake project (it builds where MLIR is absent);
# scripts/test.sh builds it into BUILD/runtime. Where it was built there,
# installing this project installs it too (SparseMLA::Runtime, its library,
# header and tools); else `cmake --install BUILD/runtime --prefix P` does.
install(CODE "
  set(_rt \"${PROJECT_BINARY_DIR}/runtime/cmake_install.cmake\")
  if(EXISTS \"\${_rt}\")
    include(\"\${_rt}\")
  else()
    message(STATUS \"sparse_mla runtime not built in ${PROJECT_BINARY_DIR}/runtime: not installed (build it there, or install its own build directory)\")
  endif()")
