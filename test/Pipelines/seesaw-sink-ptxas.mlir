// attn_sink on the seesaw kernel (the default schedule on sm_90a, no
// fallback): each consumer adds exp2(sink x log2(e) - m) to its rows'
// normalizer, reading the sink of each of its two rows' heads; ptxas keeps
// the register budgets with no spills; the manifest lists the parameter.
// REQUIRES: ptxas
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a" -o %t.mlir 2>&1 | FileCheck %s --check-prefix=REMARK --allow-empty
// RUN: FileCheck %s --check-prefix=IR < %t.mlir
// RUN: sparse-mla-translate --ptx --toolkit=%cuda_toolkit %t.mlir -o %t.ptx
// RUN: %ptxas -v -arch=sm_90a %t.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7508 --implicit-check-not=C7519
// RUN: sparse-mla-translate --manifest %t.mlir | FileCheck %s --check-prefix=MANIFEST
// RUN: sparse-mla-opt %s --pass-pipeline="builtin.module(sparse-mla-select-schedule{chip=sm_90a},convert-sparse-mla-to-tiles,convert-sparse-mla-seesaw-to-gpu)" | FileCheck %s --check-prefix=KERNEL

// REMARK-NOT: falling back
// IR: llvm.func @sparse_mla_fwd_seesaw(
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// MANIFEST: "name": "attn_sink"

// Each consumer: per row, the sink of its head scaled to base 2, less the
// row's pivot, through ex2, added to the row's total before the reciprocal.
// KERNEL: role "consumer0"
// KERNEL-COUNT-2: %[[SINK:.*]] = memref.load %{{.*}}[%{{.*}}] : memref<128xf32, strided<[1], offset: ?>>
// KERNEL: role "consumer1"
// KERNEL: %[[S:.*]] = memref.load %{{.*}}[%{{.*}}] : memref<128xf32, strided<[1], offset: ?>>
// KERNEL-NEXT: %[[LOG2E:.*]] = arith.constant 1.44269502 : f32
// KERNEL-NEXT: %[[SL:.*]] = arith.mulf %[[S]], %[[LOG2E]] : f32
// KERNEL-NEXT: %[[D:.*]] = arith.subf %[[SL]], %{{.*}} : f32
// KERNEL-NEXT: %[[E:.*]] = llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"(%[[D]])
// KERNEL-NEXT: %[[T:.*]] = arith.addf %{{.*}}, %[[E]] : f32
// KERNEL: arith.divf %{{.*}}, %[[T]] : f32

func.func @prefill(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                   %idx: memref<?x?x1x2048xi32>, %qs: i32, %sink: memref<128xf32>,
                   %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>,
                   %ml: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs)
                 attn_sink(%sink : memref<128xf32>)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
                 max_logits(%ml : memref<?x?x128xf32>) {causal = true}
  return
}
