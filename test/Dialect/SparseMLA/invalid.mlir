// RUN: sparse-mla-opt %s -split-input-file -verify-diagnostics

// One case per sparse_mla.fwd verifier message (and per operand where the
// message names it). Attribute-level messages are in invalid-schedule.mlir.

func.func @q_element_type(%q: memref<2x4x8x64xf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'q' must have element type bf16, but got 'f16'}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @kv_element_type(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xf32>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'kv' must have element type bf16, but got 'f32'}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xf32>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @indices_element_type(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi64>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'indices' must have element type i32, but got 'i64'}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi64>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @out_element_type(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xf32>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'out' must have element type bf16, but got 'f32'}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xf32>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @lse_element_type(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xbf16>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'lse' must have element type f32, but got 'bf16'}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xbf16>)
  return
}

// -----

func.func @max_logits_element_type(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>, %ml: memref<2x4x8xf16>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'max_logits' must have element type f32, but got 'f16'}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>) max_logits(%ml : memref<2x4x8xf16>)
  return
}

// -----

func.func @q_rank(%q: memref<2x4x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'q' must have rank 4 [B, S, H, Dqk], but got rank 3}}
  sparse_mla.fwd q(%q : memref<2x4x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @kv_rank(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x1x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'kv' must have rank 4 [B, Skv, G, Dqk], but got rank 5}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x1x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @lse_rank(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8x1xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'lse' must have rank 3 [B, S, H], but got rank 4}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8x1xf32>)
  return
}

// -----

func.func @q_not_strided(%q: memref<2x4x8x64xbf16, affine_map<(d0, d1, d2, d3) -> (d0 floordiv 2, d1, d2, d3)>>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'q' must have a strided layout, but got affine_map<(d0, d1, d2, d3) -> (d0 floordiv 2, d1, d2, d3)>}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16, affine_map<(d0, d1, d2, d3) -> (d0 floordiv 2, d1, d2, d3)>>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @kv_inner_stride(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16, strided<[4096, 256, 128, 2]>>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'kv' must be contiguous in its last dimension (Dqk), but its stride is 2}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16, strided<[4096, 256, 128, 2]>>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @indices_dynamic_inner_stride(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32, strided<[?, ?, ?, ?]>>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'indices' must be contiguous in its last dimension (topk), but its stride is dynamic}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32, strided<[?, ?, ?, ?]>>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @dynamic_heads(%q: memref<2x4x?x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'q' dimension 2 (H) must be static, but is dynamic}}
  sparse_mla.fwd q(%q : memref<2x4x?x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @dynamic_groups(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x?x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'kv' dimension 2 (G) must be static, but is dynamic}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x?x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @dynamic_topk(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x?xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'indices' dimension 3 (topk) must be static, but is dynamic}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x?xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @dynamic_dv(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x?xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'out' dimension 3 (Dv) must be static, but is dynamic}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x?xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @zero_groups(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x0x64xbf16>, %idx: memref<2x4x0x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'kv' dimension 2 (G) must be >= 1, but got 0}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x0x64xbf16>) indices(%idx : memref<2x4x0x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @batch_mismatch(%q: memref<2x4x8x64xbf16>, %kv: memref<3x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'kv' dimension 0 (B) must match operand 'q' dimension 0: expected 2, but got 3}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<3x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @seq_mismatch(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x5x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'indices' dimension 1 (S) must match operand 'q' dimension 1: expected 4, but got 5}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x5x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @groups_mismatch(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x1x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'indices' dimension 2 (G) must match operand 'kv' dimension 2: expected 2, but got 1}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x1x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @dqk_mismatch(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x72xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'kv' dimension 3 (Dqk) must match operand 'q' dimension 3: expected 64, but got 72}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x72xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @out_heads_mismatch(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x4x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'out' dimension 2 (H) must match operand 'q' dimension 2: expected 8, but got 4}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x4x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @lse_seq_mismatch(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x3x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'lse' dimension 1 (S) must match operand 'q' dimension 1: expected 4, but got 3}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x3x8xf32>)
  return
}

// -----

func.func @max_logits_heads_mismatch(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>, %ml: memref<2x4x16xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'max_logits' dimension 2 (H) must match operand 'q' dimension 2: expected 8, but got 16}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>) max_logits(%ml : memref<2x4x16xf32>)
  return
}

// -----

func.func @dynamic_vs_static_mismatch(%q: memref<2x4x8x64xbf16>, %kv: memref<?x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<1x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'out' dimension 0 (B) must match operand 'q' dimension 0: expected 2, but got 1}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<?x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<1x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @heads_not_multiple_of_groups(%q: memref<2x4x6x64xbf16>, %kv: memref<2x16x4x64xbf16>, %idx: memref<2x4x4x32xi32>, %qs: i32, %out: memref<2x4x6x32xbf16>, %lse: memref<2x4x6xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op heads H = 6 (operand 'q') must be a multiple of kv groups G = 4 (operand 'kv')}}
  sparse_mla.fwd q(%q : memref<2x4x6x64xbf16>) kv(%kv : memref<2x16x4x64xbf16>) indices(%idx : memref<2x4x4x32xi32>) q_start(%qs) out(%out : memref<2x4x6x32xbf16>) lse(%lse : memref<2x4x6xf32>)
  return
}

// -----

func.func @dqk_below_dv(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x80xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op Dqk = 64 (operand 'q') must be at least Dv = 80 (operand 'out')}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x80xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @kv_stride_zero(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op attribute 'kv_stride' must be >= 1, but got 0}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>) {kv_stride = 0 : i64}
  return
}

// -----

func.func @kv_stride_negative(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op attribute 'kv_stride' must be >= 1, but got -3}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>) {kv_stride = -3 : i64}
  return
}

// -----

func.func @sm_scale_too_large(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op attribute 'sm_scale' must be at most 2.358657e+38 (sm_scale * log2(e) must be a finite f32), but got 3.000000e+38}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>) {sm_scale = 3.0e+38 : f32}
  return
}

// -----

func.func @q_memory_space(%q: memref<2x4x8x64xbf16, 1>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'q' must be in the default memory space, but is in 1 : i64}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16, 1>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @lse_memory_space(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32, #gpu.address_space<workgroup>>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'lse' must be in the default memory space, but is in #gpu.address_space<workgroup>}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32, #gpu.address_space<workgroup>>)
  return
}

// -----

func.func @sm_scale_negative(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op attribute 'sm_scale' must be finite and > 0, but got -1}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>) {sm_scale = -1.0 : f32}
  return
}

// -----

func.func @sm_scale_zero(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op attribute 'sm_scale' must be finite and > 0, but got 0}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>) {sm_scale = 0.0 : f32}
  return
}

// -----

func.func @sm_scale_nan(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op attribute 'sm_scale' must be finite and > 0, but got nan}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>) {sm_scale = 0x7FC00000 : f32}
  return
}

// -----

func.func @sm_scale_inf(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op attribute 'sm_scale' must be finite and > 0, but got inf}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>) {sm_scale = 0x7F800000 : f32}
  return
}

// -----

func.func @schedule_heads_per_cta_divides(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op simple schedule heads_per_cta = 8 must divide H/G = 4}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>) {schedule = #sparse_mla.schedule<simple, heads_per_cta = 8, block_k = 32, stages = 1, warpgroups = 1>}
  return
}

// -----

func.func @seesaw_dqk(%q: memref<?x?x64x640xbf16>, %kv: memref<?x?x1x640xbf16>, %idx: memref<?x?x1x2048xi32>, %qs: i32, %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op seesaw schedule needs Dqk = 576 (Dv + 64 RoPE columns) or Dqk = Dv = 512, but got 640}}
  sparse_mla.fwd q(%q : memref<?x?x64x640xbf16>) kv(%kv : memref<?x?x1x640xbf16>) indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs) out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>) {schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [72, 216, 216]>}
  return
}

// -----

func.func @seesaw_dv(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>, %idx: memref<?x?x1x2048xi32>, %qs: i32, %out: memref<?x?x64x256xbf16>, %lse: memref<?x?x64xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op seesaw schedule needs Dv = 512, but got 256}}
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>) indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs) out(%out : memref<?x?x64x256xbf16>) lse(%lse : memref<?x?x64xf32>) {schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [72, 216, 216]>}
  return
}

// -----

func.func @seesaw_topk(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>, %idx: memref<?x?x1x2000xi32>, %qs: i32, %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op seesaw schedule needs topk to be a multiple of 2 x block_k = 128, but got 2000}}
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>) indices(%idx : memref<?x?x1x2000xi32>) q_start(%qs) out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>) {schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [72, 216, 216]>}
  return
}

// -----

func.func @seesaw_heads(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x2x576xbf16>, %idx: memref<?x?x2x2048xi32>, %qs: i32, %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op seesaw schedule heads_per_cta = 64 must divide H/G = 32}}
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x2x576xbf16>) indices(%idx : memref<?x?x2x2048xi32>) q_start(%qs) out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>) {schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [72, 216, 216]>}
  return
}

// -----

func.func @seesaw_shared_memory(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>, %idx: memref<?x?x1x2048xi32>, %qs: i32, %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op seesaw schedule needs 378624 bytes of shared memory for Dqk = 576, above the limit of 232448 bytes per block}}
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>) indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs) out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>) {schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 4, warpgroups = 3, regs = [72, 216, 216]>}
  return
}

// -----

func.func @seesaw_shared_memory_dqk512(%q: memref<?x?x64x512xbf16>, %kv: memref<?x?x1x512xbf16>, %idx: memref<?x?x1x2048xi32>, %qs: i32, %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op seesaw schedule needs 345856 bytes of shared memory for Dqk = 512, above the limit of 232448 bytes per block}}
  sparse_mla.fwd q(%q : memref<?x?x64x512xbf16>) kv(%kv : memref<?x?x1x512xbf16>) indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs) out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>) {schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 4, warpgroups = 3, regs = [72, 216, 216]>}
  return
}

// -----

func.func @seesaw_split_tail_length(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>, %idx: memref<?x?x1x2048xi32>, %qs: i32, %len: memref<?x?xi32>, %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op seesaw schedule with split_tail does not implement topk_length (a tile's rounds then depend on its row's length)}}
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>) indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs) topk_length(%len : memref<?x?xi32>) out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>) {schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, split_tail = true>}
  return
}

// -----

func.func @seesaw_block_k(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>, %idx: memref<?x?x1x2048xi32>, %qs: i32, %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op seesaw kernel needs heads_per_cta = 64 (one WGMMA M per consumer; the P tile fills a [block_k, 64] slice), but got 128}}
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>) indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs) out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>) {schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 128, block_k = 64, stages = 2, warpgroups = 3, regs = [72, 216, 216]>}
  return
}

// -----

func.func @seesaw_block_k_16(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>, %idx: memref<?x?x1x2048xi32>, %qs: i32, %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op seesaw kernel needs block_k = 32 or 64, but got 16}}
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>) indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs) out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>) {schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 16, stages = 2, warpgroups = 3, regs = [72, 216, 216]>}
  return
}

// -----

func.func @seesaw_stages_6(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>, %idx: memref<?x?x1x2048xi32>, %qs: i32, %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op seesaw kernel needs stages = 2 or 4 (one or two KV stages per consumer), but got 6}}
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>) indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs) out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>) {schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 32, stages = 6, warpgroups = 3, regs = [72, 216, 216]>}
  return
}

// -----

func.func @pipelined_dqk_not_multiple_of_8(%q: memref<2x4x8x60xbf16>, %kv: memref<2x16x2x60xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op pipelined schedule gathers rows in 16-byte pieces and needs Dqk to be a multiple of 8, but got 60}}
  sparse_mla.fwd q(%q : memref<2x4x8x60xbf16>) kv(%kv : memref<2x16x2x60xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>) {schedule = #sparse_mla.schedule<pipelined, heads_per_cta = 4, block_k = 32, stages = 2, warpgroups = 2>}
  return
}

// -----

// The generic form can give q_start any type; the message names it.
func.func @q_start_type(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i64, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand #3 must be i32 (operand 'q_start', the position of query token 0), but got 'i64'}}
  "sparse_mla.fwd"(%q, %kv, %idx, %qs, %out, %lse) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0, 1, 1, 0>}> : (memref<2x4x8x64xbf16>, memref<2x16x2x64xbf16>, memref<2x4x2x32xi32>, i64, memref<2x4x8x32xbf16>, memref<2x4x8xf32>) -> ()
  return
}

// -----

func.func @split_plan_workspace_type() {
  // expected-error @+1 {{workspace must be !llvm.ptr<1> (a device pointer), but is '!llvm.ptr'}}
  %t, %p, %ws = sparse_mla.split_plan "fwd_split" max_parts(16) workspace_bytes_per_cta(135200) : i32, i32, !llvm.ptr
  return
}

// -----

func.func @split_plan_one_part() {
  // expected-error @+1 {{max_parts must be >= 2, but is 1}}
  %t, %p, %ws = sparse_mla.split_plan "fwd_split" max_parts(1) workspace_bytes_per_cta(135200) : i32, i32, !llvm.ptr<1>
  return
}

// -----

func.func @split_plan_no_entry() {
  // expected-error @+1 {{entry must name the split kernel}}
  %t, %p, %ws = sparse_mla.split_plan "" max_parts(16) workspace_bytes_per_cta(135200) : i32, i32, !llvm.ptr<1>
  return
}

// -----

func.func @split_plan_no_workspace() {
  // expected-error @+1 {{workspace_bytes_per_cta must be >= 1, but is 0}}
  %t, %p, %ws = sparse_mla.split_plan "fwd_split" max_parts(16) workspace_bytes_per_cta(0) : i32, i32, !llvm.ptr<1>
  return
}

// -----

// A misspelled attribute would otherwise be dropped: `casual = false` must
// not compile to a causal kernel.
func.func @unknown_attribute_causal(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op has unknown attribute 'casual'; did you mean 'causal'? (known: causal, kv_stride, schedule, sm_scale)}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>) {casual = false}
  return
}

// -----

func.func @unknown_attribute_sm_scale(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op has unknown attribute 'sm_scal'; did you mean 'sm_scale'?}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>) {causal = false, sm_scal = 0.125 : f32}
  return
}

// -----

func.func @unknown_attribute_no_guess(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op has unknown attribute 'window' (known: causal, kv_stride, schedule, sm_scale)}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>) {window = 128 : i64}
  return
}

// -----

func.func @attn_sink_heads(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %sink: memref<4xf32>, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'attn_sink' dimension 0 (H) must match operand 'q' dimension 2: expected 8, but got 4}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) attn_sink(%sink : memref<4xf32>) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @attn_sink_type(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %sink: memref<8xbf16>, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'attn_sink' must have element type f32}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) attn_sink(%sink : memref<8xbf16>) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @attn_sink_rank(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %sink: memref<2x8xf32>, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'attn_sink' must have rank 1 [H], but got rank 2}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) attn_sink(%sink : memref<2x8xf32>) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @topk_length_tokens(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %len: memref<2x5xi32>, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'topk_length' dimension 1 (S) must match operand 'q' dimension 1: expected 4, but got 5}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) topk_length(%len : memref<2x5xi32>) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @topk_length_type(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %len: memref<2x4xi64>, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'topk_length' must have element type i32}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) topk_length(%len : memref<2x4xi64>) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}

// -----

func.func @topk_length_rank(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %len: memref<8xi32>, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'topk_length' must have rank 2 [B, S], but got rank 1}}
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) topk_length(%len : memref<8xi32>) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}
