// attn_sink and topk_length: the simple and pipelined schedules compile
// them for sm_90a with no spills (in the pipelined kernel both roles read
// the row's length, so they agree on the number of blocks); on sm_90a the
// default is the seesaw kernel, with both (seesaw-sink-ptxas.mlir and
// seesaw-length-ptxas.mlir check each alone there), also with no spills.
// The manifest lists the two parameters.
// REQUIRES: ptxas
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a schedule=simple" -o %t.simple.mlir
// RUN: sparse-mla-translate --ptx --toolkit=%cuda_toolkit %t.simple.mlir -o %t.simple.ptx
// RUN: %ptxas -v -arch=sm_90a %t.simple.ptx -o %t.simple.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: sparse-mla-translate --manifest %t.simple.mlir | FileCheck %s --check-prefix=MANIFEST
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a schedule=pipelined" | sparse-mla-translate --ptx --toolkit=%cuda_toolkit -o %t.pipelined.ptx
// RUN: %ptxas -v -arch=sm_90a %t.pipelined.ptx -o %t.pipelined.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7508
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a" -o %t.default.mlir 2>&1 | FileCheck %s --check-prefix=DEFAULT --allow-empty
// RUN: FileCheck %s --check-prefix=SEESAW < %t.default.mlir
// RUN: sparse-mla-translate --ptx --toolkit=%cuda_toolkit %t.default.mlir -o %t.default.ptx
// RUN: %ptxas -v -arch=sm_90a %t.default.ptx -o %t.default.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7508

// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// MANIFEST: "name": "attn_sink"
// MANIFEST: "name": "topk_length"
// DEFAULT-NOT: falling back
// SEESAW: llvm.func @sparse_mla_fwd_seesaw(

func.func @prefill(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                   %idx: memref<?x?x1x2048xi32>, %qs: i32, %sink: memref<128xf32>,
                   %len: memref<?x?xi32>,
                   %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>,
                   %ml: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs)
                 attn_sink(%sink : memref<128xf32>) topk_length(%len : memref<?x?xi32>)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
                 max_logits(%ml : memref<?x?x128xf32>) {causal = true}
  return
}
