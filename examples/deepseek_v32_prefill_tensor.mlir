// The DeepSeek-V3.2 prefill op of deepseek_v32_prefill.mlir on tensors, in
// destination-passing style: out, lse and max_logits are destinations and
// the op returns their updated values. sparse-mla-to-nvvm bufferizes it
// first (One-Shot Bufferize, function boundaries included) and then lowers
// the same kernel as for the memref form.
//   sparse-mla-opt examples/deepseek_v32_prefill_tensor.mlir --sparse-mla-to-nvvm=chip=sm_90a

func.func @deepseek_v32_prefill(
    %q: tensor<?x?x128x576xbf16>,
    %kv: tensor<?x?x1x576xbf16>,
    %indices: tensor<?x?x1x2048xi32>,
    %q_start: i32,
    %out: tensor<?x?x128x512xbf16>,
    %lse: tensor<?x?x128xf32>,
    %max_logits: tensor<?x?x128xf32>)
    -> (tensor<?x?x128x512xbf16>, tensor<?x?x128xf32>, tensor<?x?x128xf32>) {
  %o, %l, %m = sparse_mla.fwd q(%q : tensor<?x?x128x576xbf16>)
                 kv(%kv : tensor<?x?x1x576xbf16>)
                 indices(%indices : tensor<?x?x1x2048xi32>)
                 q_start(%q_start)
                 out(%out : tensor<?x?x128x512xbf16>)
                 lse(%lse : tensor<?x?x128xf32>)
                 max_logits(%max_logits : tensor<?x?x128xf32>)
                 {causal = false, sm_scale = 0.0416666679 : f32}
                 -> tensor<?x?x128x512xbf16>, tensor<?x?x128xf32>, tensor<?x?x128xf32>
  return %o, %l, %m : tensor<?x?x128x512xbf16>, tensor<?x?x128xf32>, tensor<?x?x128xf32>
}
