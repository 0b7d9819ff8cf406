// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm | FileCheck %s
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_80" | FileCheck %s --check-prefix=SM80
// RUN: not sparse-mla-opt %s --sparse-mla-to-nvvm="schedule=seesaw" 2>&1 | FileCheck %s --check-prefix=SEESAW

// The whole pipeline on the V3.2 op: the host keeps a gpu.launch_func with
// the kernel's package information; the kernel is an LLVM function in the
// NVVM dialect under an sm_90a target, with each memref expanded to its
// descriptor (ptr, ptr, offset, sizes, strides).

// CHECK-LABEL: func.func @prefill
// CHECK: gpu.launch_func @sparse_mla_kernels::@sparse_mla_fwd_simple
// CHECK-SAME: sparse_mla.kernel_info
// CHECK: gpu.module @sparse_mla_kernels [#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">]
// CHECK: llvm.func @sparse_mla_fwd_simple(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: !llvm.ptr,
// CHECK-SAME: nvvm.kernel, nvvm.maxntid = array<i32: 128, 1, 1>
// CHECK: nvvm.read.ptx.sreg.tid.x
// CHECK: nvvm.barrier0
// CHECK-NOT: scf.
// CHECK-NOT: memref.
// CHECK-NOT: gpu.barrier

// SM80: gpu.module @sparse_mla_kernels [#nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">]

// The seesaw schedule has no lowering yet: the op is left for it, and the
// pipeline stops with a diagnostic instead of emitting a kernel without it.
// SEESAW: error: 'sparse_mla.fwd' op has a seesaw schedule, which no pass of this pipeline lowers yet

func.func @prefill(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                   %idx: memref<?x?x1x2048xi32>, %qs: i32,
                   %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>,
                   %ml: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
                 max_logits(%ml : memref<?x?x128xf32>) {causal = false}
  return
}
