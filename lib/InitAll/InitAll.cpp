//===- InitAll.cpp - register everything sparse_mla provides --------------===//

#include "SparseMLA/InitAll.h"
#include "SparseMLA/Conversion/Passes.h"
#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLA.h"
#include "SparseMLA/Dialect/SparseMLA/Transforms/BufferizableOpInterfaceImpl.h"
#include "SparseMLA/Dialect/SparseMLA/Transforms/Passes.h"
#include "SparseMLA/Dialect/Tile/IR/Tile.h"
#include "SparseMLA/Dialect/Tile/Transforms/Passes.h"
#include "SparseMLA/Pipelines/Pipelines.h"
#include "Hopper/Conversion/Passes.h"
#include "Hopper/IR/Hopper.h"
#include "WarpSpec/Conversion/Passes.h"
#include "WarpSpec/IR/WarpSpec.h"
#include "WarpSpec/Transforms/Passes.h"

#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include <mutex>

void mlir::sparse_mla::registerAllDialects(DialectRegistry &registry) {
  registry.insert<SparseMLADialect, tile::TileDialect, ws::WarpSpecDialect, hopper::HopperDialect,
                  arith::ArithDialect,
                  cf::ControlFlowDialect, func::FuncDialect, gpu::GPUDialect,
                  LLVM::LLVMDialect, math::MathDialect, memref::MemRefDialect,
                  NVVM::NVVMDialect, scf::SCFDialect,
                  bufferization::BufferizationDialect, tensor::TensorDialect>();
  // The op on tensors bufferizes (sparse-mla-to-nvvm starts with One-Shot
  // Bufferize), with the functions and the arith/tensor ops around it.
  registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
      registry);
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  // The lowering to NVVM converts through the dialects' ConvertToLLVM
  // interfaces, which upstream registers as extensions.
  registerAllExtensions(registry);
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerAllGPUToLLVMIRTranslations(registry);
}

void mlir::sparse_mla::registerAllPasses() {
  static std::once_flag once;
  std::call_once(once, [] {
    registerSparseMLAPasses();
    registerSparseMLAConversionPasses();
    tile::registerSparseMLATilePasses();
    ws::registerWarpSpecTransformsPasses();
    ws::registerWarpSpecConversionPasses();
    hopper::registerHopperConversionPasses();
    registerSparseMLAPipelines();
  });
}
