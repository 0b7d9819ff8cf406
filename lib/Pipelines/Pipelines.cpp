//===- Pipelines.cpp - sparse_mla pass pipelines --------------------------===//

#include "SparseMLA/Pipelines/Pipelines.h"
#include "SparseMLA/Conversion/Passes.h"
#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLA.h"
#include "SparseMLA/Dialect/SparseMLA/Transforms/Passes.h"
#include "SparseMLA/Target/HardwareLimits.h"
#include "SparseMLA/Dialect/Tile/Transforms/Passes.h"
#include "Hopper/Conversion/Passes.h"
#include "WarpSpec/Conversion/Passes.h"
#include "WarpSpec/Transforms/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/NVVMToLLVM/NVVMToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::sparse_mla;

/// The PTX features the NVVM target gets: `features`, with `auto` resolved
/// to the chip's (none for a chip that does not parse; the option checks
/// and sparse-mla-select-schedule name it).
static std::string targetFeatures(const ToNVVMPipelineOptions &options) {
  if (options.features != "auto")
    return options.features;
  std::optional<hw::Chip> chip = hw::parseChip(options.chip);
  return chip ? chip->ptxFeatures : "";
}

void mlir::sparse_mla::buildToNVVMPipeline(
    OpPassManager &pm, const ToNVVMPipelineOptions &options) {
  // The op on tensors becomes the op on memrefs (a no-op for memrefs).
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));

  // Level 1: decide how each op is lowered, on this chip.
  SparseMLASelectScheduleOptions select;
  select.chip = options.chip;
  select.schedule = options.schedule;
  select.splitTail = options.splitTail;
  select.carriedPivot = options.carriedPivot;
  pm.addPass(createSparseMLASelectSchedule(select));

  // Level 1 -> 2: every op becomes a kernel holding its tile program, plus
  // the host launch.
  ConvertSparseMLAToTilesOptions tiles;
  tiles.compiledScale = options.compiledScale;
  pm.addPass(createConvertSparseMLAToTiles(tiles));
  // Level 2 -> 4 for the seesaw kernels: their tile program becomes the
  // warp-specialized body, whose matrix products are warpgroup tile ops on
  // shared memory; level 5 turns those into Hopper ops.
  pm.addPass(createConvertSparseMLASeesawToGPU());
  pm.addPass(createConvertSparseMLATilesToHopper());
  // Level 2 -> 3: the pipelined kernel's producer and consumer roles; then
  // the barriers between tile ops, the ops as SIMT loops, and the tiles'
  // places in shared memory.
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>().nest<gpu::GPUFuncOp>();
  kernels.addPass(tile::createSparseMLATilePartitionPipelined());
  kernels.addPass(tile::createSparseMLATileBarriers());
  kernels.addPass(createConvertSparseMLATilesToSIMT());
  pm.addPass(ws::createWSAssignSharedMemory());
  // Nothing may be left for a lowering this pipeline does not have.
  pm.addPass(createSparseMLACheckLowered());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // The NVVM target (chip, PTX version, LLVM -O) travels on the gpu.module
  // so that gpu-module-to-binary needs no options of its own.
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = targetFeatures(options);
  target.optLevel = options.optLevel;
  pm.addPass(createGpuNVVMAttachTarget(target));

  // Device code to the LLVM/NVVM dialects. scf first: its lowering makes
  // arith ops that the GPU conversion must still see. memref.view of the
  // dynamic shared memory goes through expand-strided-metadata.
  OpPassManager &device = pm.nest<gpu::GPUModuleOp>();
  // Level 4: the proxy fences each channel's writer and reader proxies need
  // (seesaw schedule: cp.async and st.shared read by wgmma), while the roles
  // are structured.
  device.addPass(ws::createWSInsertProxyFences());
  // Level 5: the warpgroup matrix ops (seesaw schedule) become NVVM wgmma.
  device.addPass(hopper::createConvertHopperToNVVM());
  // Roles (pipelined and seesaw schedules) become branches with setmaxnreg first: that
  // produces scf.if.
  device.addPass(ws::createConvertWSWarpSpecializeToNVVM());
  // Channels between roles become mbarriers once the roles are inlined.
  device.addPass(ws::createConvertWSChannelsToNVVM());
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
  // Each distinct inline PTX statement once, in a function LLVM inlines.
  device.addPass(createSparseMLAOutlineInlineAsm());
}

std::string mlir::sparse_mla::checkToNVVMPipelineOptions(
    const ToNVVMPipelineOptions &options) {
  StringRef schedule = options.schedule;
  if (schedule != "default" && !symbolizeScheduleKind(schedule))
    return "sparse-mla-to-nvvm: invalid schedule '" + schedule.str() +
           "', expected default, seesaw, simple or pipelined";
  if (options.optLevel < hw::kMinOptLevel ||
      options.optLevel > hw::kMaxOptLevel)
    return "sparse-mla-to-nvvm: invalid opt-level " +
           std::to_string(options.optLevel) + ", expected " +
           std::to_string(hw::kMinOptLevel) + " to " +
           std::to_string(hw::kMaxOptLevel);
  std::string error =
      hw::checkNvptxTarget(options.chip, targetFeatures(options));
  return error.empty() ? error : "sparse-mla-to-nvvm: " + error;
}

void mlir::sparse_mla::registerSparseMLAPipelines() {
  // As PassPipelineRegistration, but the options are checked when the
  // pipeline is parsed: a bad chip or feature is refused with its name
  // before any pass runs, instead of reaching LLVM.
  registerPassPipeline(
      "sparse-mla-to-nvvm",
      "Lower sparse_mla.fwd to host launches plus GPU kernels in the NVVM "
      "dialect (serialize with gpu-module-to-binary or sparse-mla-translate "
      "--package)",
      [](OpPassManager &pm, StringRef optionsStr,
         function_ref<LogicalResult(const Twine &)> errorHandler) {
        ToNVVMPipelineOptions options;
        if (failed(options.parseFromString(optionsStr)))
          return failure();
        std::string error = checkToNVVMPipelineOptions(options);
        if (!error.empty())
          return errorHandler(error);
        buildToNVVMPipeline(pm, options);
        return success();
      },
      [](function_ref<void(const mlir::detail::PassOptions &)> optHandler) {
        optHandler(ToNVVMPipelineOptions());
      });
}
