// The seesaw kernel through the whole pipeline (the default schedule on
// sm_90a): the PTX has every Hopper instruction of the protocol, and ptxas
// honours the register budgets (setmaxnreg, no C7508) with no spills and no
// local memory. `sparse-mla-translate --package` (with --verify-ptxas, the
// default) accepts it.
// REQUIRES: ptxas
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a" | sparse-mla-translate --ptx --toolkit=%cuda_toolkit -o %t.ptx
// RUN: FileCheck %s < %t.ptx
// RUN: not grep -E "fence\.proxy\.async(\.shared::cta)?;" %t.ptx
// RUN: %ptxas -v -arch=sm_90a %t.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7508 --implicit-check-not=C7519
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a" | sparse-mla-translate --package --toolkit=%cuda_toolkit -o %t.smlapkg
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a" | sparse-mla-translate --manifest | FileCheck %s --check-prefix=MANIFEST

// CHECK: .version 8.6
// CHECK: .target sm_90a
// CHECK: .entry sparse_mla_fwd_seesaw(
// Q's tensor map, by value in the parameter space.
// CHECK: .param .align 64 .b8 sparse_mla_fwd_seesaw_param_{{[0-9]+}}[128]
// CHECK: .maxntid 384, 1, 1
// CHECK: .minnctapersm 1
// CHECK-DAG: mbarrier.init.shared.b64
// CHECK-DAG: cvta.param.u64
// CHECK-DAG: setmaxnreg.dec.sync.aligned.u32 40;
// CHECK-DAG: setmaxnreg.inc.sync.aligned.u32 232;
// CHECK-DAG: mbarrier.arrive.expect_tx.shared.b64 {{.*}}, {{.*}}, %r{{[0-9]+}};
// CHECK-DAG: cp.async.bulk.tensor.4d.shared::cluster.global.tile.mbarrier::complete_tx::bytes.L2::cache_hint
// CHECK-DAG: createpolicy.fractional.L2::evict_first.b64
// CHECK-DAG: cp.async.cg.shared.global
// CHECK-DAG: cp.async.mbarrier.arrive.noinc.shared.b64
// CHECK-DAG: mbarrier.try_wait.parity.shared.b64
// CHECK-DAG: wgmma.fence.sync.aligned;
// CHECK-DAG: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// CHECK-DAG: wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16
// CHECK-DAG: wgmma.commit_group.sync.aligned;
// CHECK-DAG: wgmma.wait_group.sync.aligned 0;
// The reader-side proxy fences are the uni-directional acquire ones (PTX ISA
// 8.6); no bidirectional proxy fence (a CTA-wide MEMBAR) is left.
// CHECK-DAG: fence.proxy.async::generic.acquire.sync_restrict::shared::cluster.cluster;
// CHECK-DAG: bar.sync {{.*}}2, 128;
// CHECK-DAG: bar.sync {{.*}}3, 128;
// CHECK-DAG: shfl.sync.bfly.b32
// CHECK-DAG: ex2.approx.ftz.f32
// The epilogue: 16-byte stores of out where its rows are 16-byte aligned.
// CHECK-DAG: st.global.cs.v4.b32

// PTXAS: Function properties for sparse_mla_fwd_seesaw
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// MANIFEST: "entry": "sparse_mla_fwd_seesaw"
// MANIFEST: "block": [384, 1, 1]
// MANIFEST: "dynamic_shared_memory": 231168
// The default seesaw schedule is persistent: one CTA per SM, each looping
// over tiles.
// MANIFEST: "ctas_per_sm": 1
// KV rows are copied in 16-byte pieces: the runtime refuses strides that
// are not multiples of 16 bytes.
// MANIFEST: "name": "kv",
// MANIFEST-NEXT: "kind": "memref",
// MANIFEST-NEXT: "rank": 4,
// MANIFEST-NEXT: "element": "bf16",
// MANIFEST-NEXT: "row_alignment": 16
// The softmax scale is a launch parameter (sm_scale x log2(e)).
// MANIFEST: "name": "scale_log2",
// MANIFEST-NEXT: "kind": "f32"
// MANIFEST: "name": "q_map",
// MANIFEST-NEXT: "kind": "tensor_map"
// MANIFEST: "tensor_maps": [
// MANIFEST-NEXT: {
// MANIFEST-NEXT: "param": 8,
// MANIFEST-NEXT: "tensor": "q",
// MANIFEST-NEXT: "box": [64, 64, 1, 1],
// MANIFEST-NEXT: "swizzle": 128

func.func @prefill(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                   %idx: memref<?x?x1x2048xi32>, %qs: i32,
                   %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>,
                   %ml: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
                 max_logits(%ml : memref<?x?x128xf32>) {causal = true}
  return
}
