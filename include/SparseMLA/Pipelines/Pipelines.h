//===- Pipelines.h - sparse_mla pass pipelines ------------------*- C++ -*-===//

#ifndef SPARSEMLA_PIPELINES_PIPELINES_H
#define SPARSEMLA_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

#include <string>

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace mlir::sparse_mla {

/// Options of `sparse-mla-to-nvvm`.
struct ToNVVMPipelineOptions : public PassPipelineOptions<ToNVVMPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip", llvm::cl::desc("Target chip (sm_XY or sm_XYa)"),
      llvm::cl::init("sm_90a")};
  PassOptions::Option<std::string> schedule{
      *this, "schedule",
      llvm::cl::desc("Schedule kind: default (the chip's choice: seesaw on "
                     "sm_90a where the shape allows, simple elsewhere), "
                     "seesaw, simple or pipelined"),
      llvm::cl::init("default")};
  PassOptions::Option<bool> compiledScale{
      *this, "compiled-scale",
      llvm::cl::desc("Compile each op's sm_scale into its kernel as a "
                     "constant instead of the scale_log2 launch parameter "
                     "(one package per scale; a runtime launches it with "
                     "the op's scale only)"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> splitTail{
      *this, "split-tail",
      llvm::cl::desc("Give the seesaw schedules chosen here split_tail = true "
                     "(a split kernel for small grids; twice the compile "
                     "time)"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> carriedPivot{
      *this, "carried-pivot",
      llvm::cl::desc("Give the seesaw schedules chosen here carried_pivot = "
                     "true (faster; its rounding can leave the out tolerance "
                     "where logits jump far)"),
      llvm::cl::init(false)};
  PassOptions::Option<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX features of the NVVM target; auto: +ptx80 below "
                     "sm_90, +ptx86 for sm_90a (the seesaw kernel's "
                     "uni-directional proxy fences) and sm_100, +ptx87 for "
                     "sm_120"),
      llvm::cl::init("auto")};
  PassOptions::Option<int> optLevel{
      *this, "opt-level", llvm::cl::desc("LLVM optimization level for the "
                                         "device code"),
      llvm::cl::init(3)};
};

/// Checks the options before any pass runs: the chip and features against
/// LLVM's NVPTX backend (hw::checkNvptxTarget), the optimization level, the
/// schedule name. Returns the empty string when they are fine, else what is
/// wrong, naming the option and its value.
std::string checkToNVVMPipelineOptions(const ToNVVMPipelineOptions &options);

/// Problem-level IR -> host launch + gpu.module in NVVM/LLVM dialect, ready
/// for gpu-module-to-binary or `sparse-mla-translate --package`.
void buildToNVVMPipeline(OpPassManager &pm,
                         const ToNVVMPipelineOptions &options);

/// Registers `sparse-mla-to-nvvm` and its stages.
void registerSparseMLAPipelines();

} // namespace mlir::sparse_mla

#endif // SPARSEMLA_PIPELINES_PIPELINES_H
