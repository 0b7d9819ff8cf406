//===- Pipelines.cpp - sparse_mla pass pipelines --------------------------===//

#include "SparseMLA/Pipelines/Pipelines.h"
#include "SparseMLA/Conversion/Passes.h"
#include "SparseMLA/Dialect/SparseMLA/Transforms/Passes.h"
#include "SparseMLA/Target/HardwareLimits.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/NVVMToLLVM/NVVMToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::sparse_mla;

void mlir::sparse_mla::buildToNVVMPipeline(
    OpPassManager &pm, const ToNVVMPipelineOptions &options) {
  // Level 1: decide how each op is lowered, on this chip.
  SparseMLASelectScheduleOptions select;
  select.chip = options.chip;
  select.schedule = options.schedule;
  select.splitTail = options.splitTail;
  select.carriedPivot = options.carriedPivot;
  pm.addPass(createSparseMLASelectSchedule(select));

  // Level 1 -> 2: kernels plus host launches.
  pm.addPass(createConvertSparseMLASimpleToGPU());
  pm.addPass(createConvertSparseMLASeesawToGPU());
  // Nothing may be left for a lowering this pipeline does not have.
  pm.addPass(createSparseMLACheckLowered());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // The NVVM target (chip, PTX version, LLVM -O) travels on the gpu.module
  // so that gpu-module-to-binary needs no options of its own.
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = options.features;
  if (options.features == "auto") {
    // An invalid chip is diagnosed by sparse-mla-select-schedule above.
    std::optional<hw::Chip> chip = hw::parseChip(options.chip);
    target.features = chip ? chip->ptxFeatures : "";
  }
  target.optLevel = options.optLevel;
  pm.addPass(createGpuNVVMAttachTarget(target));

  // Device code to the LLVM/NVVM dialects. scf first: its lowering makes
  // arith ops that the GPU conversion must still see. memref.view of the
  // dynamic shared memory goes through expand-strided-metadata.
  OpPassManager &device = pm.nest<gpu::GPUModuleOp>();
  // Roles (pipelined and seesaw schedules) become branches with setmaxnreg first: that
  // produces scf.if.
  device.addPass(createConvertSparseMLAWarpSpecializeToNVVM());
  // Channels between roles become mbarriers once the roles are inlined.
  device.addPass(createConvertSparseMLAChannelsToNVVM());
  device.addPass(createSCFToControlFlowPass());
  device.addPass(memref::createExpandStridedMetadataPass());
  // expand-strided-metadata leaves affine.apply for subview offsets.
  device.addPass(createLowerAffinePass());
  device.addPass(createConvertGpuOpsToNVVMOps());
  // Tensor-map parameters are passed by value (seesaw schedule).
  device.addNestedPass<LLVM::LLVMFuncOp>(createSparseMLAByValueParams());
  device.addPass(createConvertNVVMToLLVMPass());
  device.addPass(createCanonicalizerPass());
  device.addPass(createCSEPass());
  device.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::sparse_mla::registerSparseMLAPipelines() {
  PassPipelineRegistration<ToNVVMPipelineOptions>(
      "sparse-mla-to-nvvm",
      "Lower sparse_mla.fwd to host launches plus GPU kernels in the NVVM "
      "dialect (serialize with gpu-module-to-binary or sparse-mla-translate "
      "--package)",
      buildToNVVMPipeline);
}
