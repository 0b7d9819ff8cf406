// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm | FileCheck %s
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_80" | FileCheck %s --check-prefix=SM80
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="schedule=simple" | FileCheck %s --check-prefix=SIMPLE
// RUN: not sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_80 schedule=seesaw" 2>&1 | FileCheck %s --check-prefix=SEESAW

// The whole pipeline on the V3.2 op: the host keeps a gpu.launch_func with
// the kernel's package information; the kernel is an LLVM function in the
// NVVM dialect under an sm_90a target, with each memref expanded to its
// descriptor (ptr, ptr, offset, sizes, strides). On sm_90a the default
// schedule is seesaw: 384 threads, setmaxnreg per role, wgmma.

// CHECK-LABEL: func.func @prefill
// CHECK: gpu.launch_func @sparse_mla_kernels::@sparse_mla_fwd_seesaw
// CHECK-SAME: threads in (%c384, %c1, %c1) dynamic_shared_memory_size %c231168_i32 args
// CHECK-SAME: sparse_mla.kernel_info
// CHECK-SAME: dynamic_shared_memory = 231168
// CHECK: gpu.module @sparse_mla_kernels [#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx86">]
// CHECK: llvm.func @sparse_mla_fwd_seesaw(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: !llvm.ptr,
// CHECK-SAME: nvvm.kernel, nvvm.maxntid = array<i32: 384, 1, 1>, nvvm.minctasm = 1 : i32
// CHECK: nvvm.setmaxregister decrease 40
// CHECK: nvvm.setmaxregister increase 232
// CHECK: nvvm.setmaxregister increase 232
// CHECK-NOT: scf.
// CHECK-NOT: memref.
// CHECK-NOT: gpu.barrier
// CHECK-NOT: sparse_mla.

// SIMPLE: gpu.launch_func @sparse_mla_kernels::@sparse_mla_fwd_simple
// SIMPLE: llvm.func @sparse_mla_fwd_simple(
// SIMPLE-SAME: nvvm.kernel, nvvm.maxntid = array<i32: 128, 1, 1>
// SIMPLE: nvvm.read.ptx.sreg.tid.x
// SIMPLE: nvvm.barrier0

// SM80: gpu.module @sparse_mla_kernels [#nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">]

// The default on sm_80 is simple; asking for seesaw there is an error naming
// the requirement.
// SM80: llvm.func @sparse_mla_fwd_simple(
// SEESAW: error: 'sparse_mla.fwd' op seesaw schedule needs sm_90a

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
