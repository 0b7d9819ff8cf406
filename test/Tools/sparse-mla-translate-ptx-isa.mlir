// An op the target's PTX ISA cannot express is a diagnostic naming the op
// and the features, not a backend abort ("Cannot select").
// RUN: not sparse-mla-translate --ptx --gpu-module=kernels %s -o %t.ptx 2>&1 | FileCheck %s
// Without a +ptx feature LLVM takes the chip's oldest PTX ISA (8.0 for
// sm_90a): refused the same way.
// RUN: sed 's/, features = "+ptx80"//' %s | not sparse-mla-translate --ptx --gpu-module=kernels - -o %t.ptx 2>&1 | FileCheck %s --check-prefix=NOFEATURES
// NOFEATURES: error: needs PTX ISA 8.6 or newer, but gpu.module @kernels targets PTX ISA 8.0 (features "";
// With +ptx86 it serializes.
// RUN: sed 's/+ptx80/+ptx86/' %s | sparse-mla-translate --ptx --gpu-module=kernels - -o %t.ptx
// RUN: FileCheck %s --check-prefix=PTX86 < %t.ptx
// PTX86: fence.proxy.async::generic.acquire.sync_restrict::shared::cluster.cluster;

// CHECK: error: needs PTX ISA 8.6 or newer, but gpu.module @kernels targets PTX ISA 8.0 (features "+ptx80"; compile with features=auto or +ptx86)
// CHECK-NEXT: nvvm.fence.proxy.sync_restrict
module attributes {gpu.container_module} {
  gpu.module @kernels [#nvvm.target<chip = "sm_90a", features = "+ptx80">] {
    llvm.func @k() attributes {nvvm.kernel} {
      nvvm.fence.proxy.sync_restrict {order = #nvvm.mem_order<acquire>}
      llvm.return
    }
  }
}

// The seesaw kernel, whose reader-side proxy fences need PTX ISA 8.6, asked
// for with PTX ISA 8.0: the package is refused the same way.
// RUN: sparse-mla-opt %S/../Pipelines/seesaw-ptxas.mlir --sparse-mla-to-nvvm="chip=sm_90a features=+ptx80" | not sparse-mla-translate --package -o %t.smlapkg 2>&1 | FileCheck %s --check-prefix=SEESAW
// SEESAW: error: needs PTX ISA 8.6 or newer, but gpu.module @sparse_mla_kernels targets PTX ISA 8.0 (features "+ptx80"
