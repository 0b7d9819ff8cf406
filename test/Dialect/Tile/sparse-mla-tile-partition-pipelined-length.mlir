// RUN: sparse-mla-opt %s --pass-pipeline='builtin.module(convert-sparse-mla-to-tiles,gpu.module(gpu.func(sparse-mla-tile-partition-pipelined)))' | FileCheck %s

// With topk_length the number of blocks is read from memory: each role
// loads the row's length itself (a read-only kernel argument, so both see
// the same value) and runs that many iterations of the channel, so the
// producer and the consumer agree.
// CHECK: role "producer"
// CHECK: memref.load %[[PLEN:[a-z0-9]+]][
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[PN:[0-9]+]] step
// CHECK: sparse_mla_tile.block_rows {{.*}} length
// CHECK: sparse_mla_tile.gather {{.*}} async
// CHECK: role "consumer"
// CHECK: memref.load %{{[a-z0-9]+}}[
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{[0-9]+}} step
// CHECK: sparse_mla_tile.block_rows {{.*}} length
// CHECK: sparse_mla_tile.finish {{.*}} sink(
func.func @sink_length(%q: memref<?x?x8x64xbf16>, %kv: memref<?x?x2x64xbf16>,
                       %idx: memref<?x?x2x40xi32>, %qs: i32, %sink: memref<8xf32>,
                       %len: memref<?x?xi32>,
                       %out: memref<?x?x8x48xbf16>, %lse: memref<?x?x8xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x8x64xbf16>) kv(%kv : memref<?x?x2x64xbf16>)
                 indices(%idx : memref<?x?x2x40xi32>) q_start(%qs)
                 attn_sink(%sink : memref<8xf32>) topk_length(%len : memref<?x?xi32>)
                 out(%out : memref<?x?x8x48xbf16>) lse(%lse : memref<?x?x8xf32>)
                 {causal = false, sm_scale = 0.125 : f32,
                  schedule = #sparse_mla.schedule<pipelined, heads_per_cta = 2, block_k = 32, stages = 2, warpgroups = 2, regs = [56, 232]>}
  return
}
