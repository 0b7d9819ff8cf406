// Role branches with setmaxnreg survive to PTX, and ptxas honours them: the
// kernel is compiled with a known register count at entry (168 for 384
// threads), no C7508 "setmaxnreg ignored" and no spills.
// REQUIRES: ptxas
// RUN: sparse-mla-opt %s --pass-pipeline="builtin.module(convert-ws-warp-specialize-to-nvvm,nvvm-attach-target{chip=sm_90a features=+ptx80 O=3},gpu.module(convert-scf-to-cf,convert-gpu-to-nvvm,reconcile-unrealized-casts))" -o %t.mlir
// RUN: sparse-mla-translate --ptx --gpu-module=kernels --toolkit=%cuda_toolkit %t.mlir -o %t.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx
// RUN: %ptxas -v -arch=sm_90a %t.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7508

// PTX: .maxntid 384, 1, 1
// PTX: .minnctapersm 1
// PTX: setmaxnreg.dec.sync.aligned.u32 72;
// PTX: setmaxnreg.inc.sync.aligned.u32 216;
// PTX: bar.sync {{.*}}2, 128;
// PTX: setmaxnreg.inc.sync.aligned.u32 216;
// PTX: bar.sync {{.*}}3, 128;

// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS: Used 168 registers

gpu.module @kernels {
  gpu.func @seesaw(%buf: memref<384xf32>, %x: f32) kernel {
    ws.warp_specialize (%buf, %x) : memref<384xf32>, f32
      role "producer" warps(4) regs(72) (%b0: memref<384xf32>, %x0: f32) {
        %t = gpu.thread_id x
        memref.store %x0, %b0[%t] : memref<384xf32>
        ws.role_return
      }
      role "consumer0" warps(4) regs(216) (%b1: memref<384xf32>, %x1: f32) {
        %t = gpu.thread_id x
        %v = memref.load %b1[%t] : memref<384xf32>
        %w = arith.mulf %v, %x1 : f32
        gpu.barrier
        memref.store %w, %b1[%t] : memref<384xf32>
        ws.role_return
      }
      role "consumer1" warps(4) regs(216) (%b2: memref<384xf32>, %x2: f32) {
        %t = gpu.thread_id x
        %v = memref.load %b2[%t] : memref<384xf32>
        %w = arith.addf %v, %x2 : f32
        gpu.barrier
        memref.store %w, %b2[%t] : memref<384xf32>
        ws.role_return
      }
    gpu.return
  }
}
