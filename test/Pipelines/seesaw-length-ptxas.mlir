// topk_length on the seesaw kernel (the default schedule on sm_90a, no
// fallback; one CTA per tile, `persistent = false`, so that the hardware
// balances tiles of different lengths): each role reads its tile's row
// length, clamped to [0, topk], runs max(1, ceil(length / (2 x block_k)))
// rounds of that tile; an entry at or past the length is invalid (no kv row
// read, weight 0). With a persistent schedule (written by hand here) each
// role counts its channel iterations from the rounds of its earlier tiles,
// carried through the tile loop beside the tile counter. ptxas keeps the
// register budgets with no spills either way; the manifest lists the
// parameter. split_tail (which divides a fixed round count) is refused
// with it by name.
// REQUIRES: ptxas
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a" -o %t.mlir 2>&1 | FileCheck %s --check-prefix=REMARK --allow-empty
// RUN: FileCheck %s --check-prefix=IR < %t.mlir
// RUN: sparse-mla-translate --ptx --toolkit=%cuda_toolkit %t.mlir -o %t.ptx
// RUN: %ptxas -v -arch=sm_90a %t.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7508 --implicit-check-not=C7519
// RUN: sparse-mla-translate --manifest %t.mlir | FileCheck %s --check-prefix=MANIFEST
// RUN: sparse-mla-opt %s --pass-pipeline="builtin.module(sparse-mla-select-schedule{chip=sm_90a})" | FileCheck %s --check-prefix=SCHEDULE
// RUN: sparse-mla-opt %s --pass-pipeline="builtin.module(sparse-mla-select-schedule{chip=sm_90a split-tail=true})" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SPLIT
// RUN: sed -e 's/{causal = true}/{causal = true, schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true>}/' %s > %t.persistent.mlir
// RUN: sparse-mla-opt %t.persistent.mlir --pass-pipeline="builtin.module(sparse-mla-select-schedule{chip=sm_90a},convert-sparse-mla-to-tiles,convert-sparse-mla-seesaw-to-gpu)" | FileCheck %s --check-prefix=KERNEL
// RUN: sparse-mla-opt %t.persistent.mlir --sparse-mla-to-nvvm="chip=sm_90a" | sparse-mla-translate --ptx --toolkit=%cuda_toolkit -o %t.persistent.ptx
// RUN: %ptxas -v -arch=sm_90a %t.persistent.ptx -o %t.persistent.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7508 --implicit-check-not=C7519
// RUN: sed -e 's/{causal = true}/{causal = true, schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, split_tail = true>}/' %s | not sparse-mla-opt --sparse-mla-to-nvvm="chip=sm_90a" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SPLIT-ERR

// REMARK-NOT: falling back
// IR: llvm.func @sparse_mla_fwd_seesaw(
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// MANIFEST: "name": "topk_length"
// SPLIT: remark: split-tail: not used for this op (the seesaw kernel runs one CTA per tile, so no tail of tiles is left to split)
// SCHEDULE: schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232]>
// SPLIT-ERR: error: 'sparse_mla.fwd' op seesaw schedule with split_tail does not implement topk_length (a tile's rounds then depend on its row's length)

// The producer: the tile loop carries the tile counter and the rounds so
// far; the row's length, clamped, gives the tile's rounds, which bound the
// round loop; the next tile starts after them (the length loaded again
// there rather than held through the loop).
// KERNEL: role "producer"
// KERNEL: %{{.*}}:2 = scf.while (%[[N:.*]] = %{{.*}}, %[[BASE:.*]] = %{{.*}}) : (i32, i32) -> (i32, i32)
// KERNEL: %[[LEN:.*]] = memref.load %{{.*}}[%{{.*}}, %{{.*}}] : memref<?x?xi32, strided<[?, 1], offset: ?>>
// KERNEL: %[[LO:.*]] = arith.maxsi %[[LEN]], %{{.*}} : i32
// KERNEL: %[[CL:.*]] = arith.minsi %[[LO]], %{{.*}} : i32
// KERNEL: %[[UP:.*]] = arith.addi %[[CL]], %{{.*}} : i32
// KERNEL: %[[R:.*]] = arith.divui %[[UP]], %{{.*}} : i32
// KERNEL: %[[ROUNDS:.*]] = arith.maxui %[[R]], %{{.*}} : i32
// KERNEL: %[[END:.*]] = arith.index_cast %[[ROUNDS]] : i32 to index
// KERNEL: scf.for %{{.*}} = %{{.*}} to %[[END]] step %{{.*}} {
// KERNEL: arith.cmpi slt, %{{.*}}, %[[CL]] : i32
// KERNEL: memref.load %{{.*}}[%{{.*}}, %{{.*}}] : memref<?x?xi32, strided<[?, 1], offset: ?>>
// KERNEL: %[[NEXT:.*]] = arith.addi %[[BASE]], %{{.*}} : i32
// KERNEL: scf.yield %{{.*}}, %[[NEXT]] : i32, i32
// KERNEL: role "consumer0"
// KERNEL: scf.while (%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) : (i32, i32) -> (i32, i32)
// KERNEL: role "consumer1"
// KERNEL: scf.while (%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) : (i32, i32) -> (i32, i32)

func.func @prefill(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                   %idx: memref<?x?x1x2048xi32>, %qs: i32, %len: memref<?x?xi32>,
                   %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>,
                   %ml: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs)
                 topk_length(%len : memref<?x?xi32>)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
                 max_logits(%ml : memref<?x?x128xf32>) {causal = true}
  return
}
