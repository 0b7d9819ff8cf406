// Dqk == Dv = 512 (K = V): the simple and pipelined schedules compile it for
// sm_90a with no spills; the seesaw schedule does not serve it yet and says
// so (by default the pipeline falls back to simple with a remark).
// REQUIRES: ptxas
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a schedule=simple" | sparse-mla-translate --ptx --toolkit=%cuda_toolkit -o %t.simple.ptx
// RUN: %ptxas -v -arch=sm_90a %t.simple.ptx -o %t.simple.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a schedule=pipelined" | sparse-mla-translate --ptx --toolkit=%cuda_toolkit -o %t.pipelined.ptx
// RUN: %ptxas -v -arch=sm_90a %t.pipelined.ptx -o %t.pipelined.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7508
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a" -o /dev/null 2>&1 | FileCheck %s --check-prefix=DEFAULT
// RUN: not sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a schedule=seesaw" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SEESAW

// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// DEFAULT: remark: falling back to the simple schedule: seesaw schedule needs Dqk = 576, but got 512
// SEESAW: error: 'sparse_mla.fwd' op seesaw schedule needs Dqk = 576, but got 512 (target chip sm_90a)

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
