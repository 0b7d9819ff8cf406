//===- SparseMLAPlugin.cpp - sparse_mla as an mlir-opt plugin -------------===//
//
// One shared object that a stock `mlir-opt` of the same LLVM release loads
// both ways:
//   mlir-opt --load-dialect-plugin=libSparseMLAPlugin.so \
//            --load-pass-plugin=libSparseMLAPlugin.so \
//            examples/deepseek_v32_prefill.mlir --sparse-mla-to-nvvm=chip=sm_90a
//
//===----------------------------------------------------------------------===//

#include "SparseMLA/InitAll.h"
#include "SparseMLA/Version.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"

extern "C" LLVM_ATTRIBUTE_WEAK mlir::DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "SparseMLA", SPARSE_MLA_VERSION,
          [](mlir::DialectRegistry *registry) {
            mlir::sparse_mla::registerAllDialects(*registry);
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK mlir::PassPluginLibraryInfo
mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "SparseMLA", SPARSE_MLA_VERSION,
          [] { mlir::sparse_mla::registerAllPasses(); }};
}
