// An op the target's PTX ISA cannot express is a diagnostic naming the op
// and the features, not a backend abort ("Cannot select").
// RUN: not sparse-mla-translate --ptx --gpu-module=kernels %s -o %t.ptx 2>&1 | FileCheck %s

// CHECK: error: needs PTX ISA 8.6 or newer, but gpu.module @kernels targets features "+ptx80" (compile with features=auto or +ptx86)
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
// SEESAW: error: needs PTX ISA 8.6 or newer, but gpu.module @sparse_mla_kernels targets features "+ptx80"
