// The pipelined kernel through the whole pipeline: the roles become branches
// with setmaxnreg, the ring is filled with cp.async completing on mbarriers,
// and ptxas (run by sparse-mla-translate --verify-ptxas) honours the register
// budgets with no spills.
// REQUIRES: ptxas
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a schedule=pipelined" | sparse-mla-translate --ptx --toolkit=%cuda_toolkit -o %t.ptx
// RUN: FileCheck %s < %t.ptx
// RUN: %ptxas -v -arch=sm_90a %t.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7508

// CHECK: .entry sparse_mla_fwd_pipelined(
// CHECK: .maxntid 256, 1, 1
// CHECK: .minnctapersm 1
// CHECK-DAG: mbarrier.init.shared.b64
// CHECK-DAG: setmaxnreg.dec.sync.aligned.u32 56;
// CHECK-DAG: mbarrier.try_wait.parity.shared.b64
// CHECK-DAG: cp.async.cg.shared.global
// CHECK-DAG: cp.async.mbarrier.arrive.noinc.shared.b64
// CHECK-DAG: setmaxnreg.dec.sync.aligned.u32 232;
// CHECK-DAG: bar.sync {{.*}}2, 128;
// CHECK-DAG: mbarrier.arrive.shared.b64

// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

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
