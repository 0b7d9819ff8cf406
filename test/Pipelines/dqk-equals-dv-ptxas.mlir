// Dqk == Dv = 512 (K = V): the simple, pipelined and seesaw schedules
// compile it for sm_90a with no spills; the seesaw kernel (the default)
// gives consumer 0's P tile a buffer of its own after consumer 1's (no
// RoPE slice to hold it): 8 column blocks per stage, 214,784 bytes of
// shared memory.
// REQUIRES: ptxas
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a schedule=simple" | sparse-mla-translate --ptx --toolkit=%cuda_toolkit -o %t.simple.ptx
// RUN: %ptxas -v -arch=sm_90a %t.simple.ptx -o %t.simple.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a schedule=pipelined" | sparse-mla-translate --ptx --toolkit=%cuda_toolkit -o %t.pipelined.ptx
// RUN: %ptxas -v -arch=sm_90a %t.pipelined.ptx -o %t.pipelined.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7508
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a" -o %t.default.mlir 2>&1 | FileCheck %s --check-prefix=DEFAULT --allow-empty
// RUN: FileCheck %s --check-prefix=SEESAW < %t.default.mlir
// RUN: sparse-mla-translate --ptx --toolkit=%cuda_toolkit %t.default.mlir -o %t.default.ptx
// RUN: %ptxas -v -arch=sm_90a %t.default.ptx -o %t.default.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7508 --implicit-check-not=C7519
// RUN: sparse-mla-translate --manifest %t.default.mlir | FileCheck %s --check-prefix=MANIFEST
// RUN: sparse-mla-opt %s --pass-pipeline="builtin.module(sparse-mla-select-schedule{chip=sm_90a},convert-sparse-mla-to-tiles,convert-sparse-mla-seesaw-to-gpu)" | FileCheck %s --check-prefix=KERNEL

// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// DEFAULT-NOT: falling back
// SEESAW: llvm.func @sparse_mla_fwd_seesaw(
// MANIFEST: "dynamic_shared_memory": 214784

// Consumer 0 stores its P tile at the tile region + 204800 (Q 65536 + two
// stages of 65536 + consumer 1's P tile 8192), consumer 1 at + 196608.
// KERNEL: role "consumer0"
// KERNEL: arith.constant 204800 : i32
// KERNEL: role "consumer1"
// KERNEL: arith.constant 196608 : i32

func.func @v4(%q: memref<?x?x64x512xbf16>, %kv: memref<?x?x1x512xbf16>,
              %idx: memref<?x?x1x512xi32>, %qs: i32,
              %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>,
              %ml: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x512xbf16>) kv(%kv : memref<?x?x1x512xbf16>)
                 indices(%idx : memref<?x?x1x512xi32>) q_start(%qs)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 max_logits(%ml : memref<?x?x64xf32>) {causal = true}
  return
}
