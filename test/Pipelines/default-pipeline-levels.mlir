// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a" --mlir-print-ir-after-all -o /dev/null 2>&1 \
// RUN:   | grep -oE "IR Dump After [A-Za-z0-9]+|sparse_mla\.fwd |sparse_mla_tile\.[a-z_]+|ws\.warp_specialize|hopper\.wgmma[a-z_]*|nvvm\.[a-z_.]+" \
// RUN:   | uniq | FileCheck %s

// The default sm_90a pipeline, level by level (a small seesaw op: H 64, topk
// 128, causal): the scheduled op; then a tile program with neither the op nor
// any NVVM op nor roles; then the roles, whose matrix products are still
// tile ops (warpgroup products on shared-memory tiles, no wgmma of any
// dialect); hopper's wgmma appears only once convert-sparse-mla-tiles-to-hopper
// has run, NVVM's once convert-hopper-to-nvvm has.

// CHECK: IR Dump After SparseMLASelectSchedule
// CHECK-NEXT: sparse_mla.fwd
// CHECK-NEXT: IR Dump After ConvertSparseMLAToTiles
// CHECK-NOT: sparse_mla.fwd
// CHECK-NOT: nvvm.
// CHECK-NOT: ws.warp_specialize
// CHECK: sparse_mla_tile.seesaw
// CHECK-NEXT: sparse_mla_tile.load
// CHECK: sparse_mla_tile.block_rows
// CHECK: sparse_mla_tile.gather
// CHECK: sparse_mla_tile.matmul
// CHECK: sparse_mla_tile.softmax_step
// CHECK-NEXT: sparse_mla_tile.matmul
// CHECK-NEXT: sparse_mla_tile.finish
// CHECK-NEXT: IR Dump After ConvertSparseMLASeesawToGPU
// CHECK-NEXT: ws.warp_specialize
// CHECK-NOT: wgmma
// CHECK: sparse_mla_tile.mma_async
// CHECK-NOT: wgmma
// CHECK: sparse_mla_tile.mma_wait
// CHECK-NOT: wgmma
// CHECK: IR Dump After ConvertSparseMLATilesToHopper
// CHECK-NOT: sparse_mla_tile.mma
// CHECK-NOT: nvvm.wgmma
// CHECK: hopper.wgmma
// CHECK-NOT: nvvm.wgmma
// CHECK: IR Dump After WSInsertProxyFences
// CHECK-NOT: nvvm.wgmma
// CHECK: IR Dump After ConvertHopperToNVVM
// CHECK-NOT: hopper.wgmma
// CHECK: nvvm.wgmma
func.func @small(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                 %idx: memref<?x?x1x128xi32>, %qs: i32,
                 %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x128xi32>) q_start(%qs)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {causal = true}
  return
}
