// DeepSeek-V3.2 sparse MLA prefill: 128 query heads sharing one latent kv
// group (G = 1), Dqk = 576 (512 latent + 64 RoPE columns), Dv = 512 and
// topk = 2048 selected rows per query token. Batch, query length and kv
// length are dynamic: one compiled kernel serves every B, S and Skv.
//
// Run it through the pipeline:
//   sparse-mla-opt examples/deepseek_v32_prefill.mlir \
//     --sparse-mla-select-schedule=chip=sm_90a

func.func @deepseek_v32_prefill(
    %q: memref<?x?x128x576xbf16>,
    %kv: memref<?x?x1x576xbf16>,
    %indices: memref<?x?x1x2048xi32>,
    %q_start: i32,
    %out: memref<?x?x128x512xbf16>,
    %lse: memref<?x?x128xf32>,
    %max_logits: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>)
                 kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%indices : memref<?x?x1x2048xi32>)
                 q_start(%q_start)
                 out(%out : memref<?x?x128x512xbf16>)
                 lse(%lse : memref<?x?x128xf32>)
                 max_logits(%max_logits : memref<?x?x128xf32>)
                 {causal = false, sm_scale = 0.0416666679 : f32}
  return
}
