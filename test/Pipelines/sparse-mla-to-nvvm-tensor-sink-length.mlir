// The value form with attn_sink and topk_length bufferizes (One-Shot
// Bufferize, first in sparse-mla-to-nvvm) into the buffer form, whose kernel
// takes both.
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a schedule=simple" | sparse-mla-translate --manifest | FileCheck %s
// CHECK: "name": "q_start",
// CHECK: "name": "attn_sink",
// CHECK-NEXT: "kind": "memref",
// CHECK-NEXT: "rank": 1,
// CHECK-NEXT: "element": "f32"
// CHECK: "name": "topk_length",
// CHECK-NEXT: "kind": "memref",
// CHECK-NEXT: "rank": 2,
// CHECK-NEXT: "element": "i32"
// CHECK: "name": "out",
func.func @t(%q: tensor<?x?x64x576xbf16>, %kv: tensor<?x?x1x576xbf16>, %idx: tensor<?x?x1x512xi32>, %qs: i32, %sink: tensor<64xf32>, %len: tensor<?x?xi32>, %out: tensor<?x?x64x512xbf16>, %lse: tensor<?x?x64xf32>) -> (tensor<?x?x64x512xbf16>, tensor<?x?x64xf32>) {
  %o, %l = sparse_mla.fwd q(%q : tensor<?x?x64x576xbf16>) kv(%kv : tensor<?x?x1x576xbf16>) indices(%idx : tensor<?x?x1x512xi32>) q_start(%qs) attn_sink(%sink : tensor<64xf32>) topk_length(%len : tensor<?x?xi32>) out(%out : tensor<?x?x64x512xbf16>) lse(%lse : tensor<?x?x64xf32>) -> tensor<?x?x64x512xbf16>, tensor<?x?x64xf32>
  return %o, %l : tensor<?x?x64x512xbf16>, tensor<?x?x64xf32>
}
