// RUN: sparse-mla-opt %s --convert-sparse-mla-to-tiles -verify-diagnostics -o /dev/null

// The lowerings take the buffer form only.
func.func @lower_tensors(%q: tensor<?x?x128x576xbf16>, %kv: tensor<?x?x1x576xbf16>, %idx: tensor<?x?x1x2048xi32>, %qs: i32, %out: tensor<?x?x128x512xbf16>, %lse: tensor<?x?x128xf32>) -> (tensor<?x?x128x512xbf16>, tensor<?x?x128xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op is on tensors; bufferize it first (one-shot-bufferize, or the sparse-mla-to-nvvm pipeline, which starts with it) before convert-sparse-mla-to-tiles}}
  %o, %l = sparse_mla.fwd q(%q : tensor<?x?x128x576xbf16>) kv(%kv : tensor<?x?x1x576xbf16>) indices(%idx : tensor<?x?x1x2048xi32>) q_start(%qs) out(%out : tensor<?x?x128x512xbf16>) lse(%lse : tensor<?x?x128xf32>) {causal = false, schedule = #sparse_mla.schedule<simple, heads_per_cta = 16, block_k = 32, stages = 1, warpgroups = 1>} -> tensor<?x?x128x512xbf16>, tensor<?x?x128xf32>
  return %o, %l : tensor<?x?x128x512xbf16>, tensor<?x?x128xf32>
}
