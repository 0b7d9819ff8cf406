// The tool registers our dialects and passes next to every upstream one, and
// the GPU-to-LLVM-IR translations (so gpu-module-to-binary can run in it).
// RUN: sparse-mla-opt --show-dialects | FileCheck %s --check-prefix=DIALECTS
// RUN: sparse-mla-opt --help | FileCheck %s --check-prefix=HELP
// RUN: sparse-mla-opt %s --gpu-module-to-binary=format=llvm | FileCheck %s --check-prefix=BINARY

// DIALECTS: Available Dialects:
// DIALECTS-SAME: gpu
// DIALECTS-SAME: nvgpu
// DIALECTS-SAME: nvvm
// DIALECTS-SAME: sparse_mla
// DIALECTS-SAME: ws
// HELP: --convert-nvgpu-to-nvvm
// HELP: --convert-ws-channels-to-nvvm
// HELP: --convert-ws-warp-specialize-to-nvvm
// HELP: --sparse-mla-select-schedule
// HELP-NEXT: --carried-pivot
// HELP-NEXT: --chip=
// HELP-NEXT: --schedule=
// HELP-NEXT: --split-tail
// BINARY: gpu.binary @kernels

gpu.module @kernels [#nvvm.target<chip = "sm_90a">] {
  llvm.func @noop() attributes {nvvm.kernel} {
    llvm.return
  }
}
