// RUN: sparse-mla-opt %s -split-input-file -verify-diagnostics

func.func @load_offsets(%q: memref<1x4x8x64xbf16>, %b: index, %t: memref<4x64xbf16, 3>) {
  // expected-error @+1 {{needs one offset per dimension of the source but the last (3), but got 1}}
  sparse_mla_tile.load %q[%b] into %t : memref<1x4x8x64xbf16>, memref<4x64xbf16, 3>
  return
}

// -----

func.func @load_columns(%q: memref<1x4x8x64xbf16>, %b: index, %t: memref<4x32xbf16, 3>) {
  // expected-error @+1 {{the tile has 32 columns, but 64 was expected}}
  sparse_mla_tile.load %q[%b, %b, %b] into %t : memref<1x4x8x64xbf16>, memref<4x32xbf16, 3>
  return
}

// -----

func.func @load_element(%q: memref<1x4x8x64xbf16>, %b: index, %t: memref<4x64xf32, 3>) {
  // expected-error @+1 {{the tile has elements of type 'f32', but 'bf16' was expected}}
  sparse_mla_tile.load %q[%b, %b, %b] into %t : memref<1x4x8x64xbf16>, memref<4x64xf32, 3>
  return
}

// -----

func.func @load_rows(%q: memref<1x4x8x64xbf16>, %b: index, %t: memref<16x64xbf16, 3>) {
  // expected-error @+1 {{loads 16 rows from a dimension of 8}}
  sparse_mla_tile.load %q[%b, %b, %b] into %t : memref<1x4x8x64xbf16>, memref<16x64xbf16, 3>
  return
}

// -----

func.func @fill_type(%v: f16, %t: memref<4x48xf32, 3>) {
  // expected-error @+1 {{the tile has elements of type 'f32', but 'f16' was expected}}
  sparse_mla_tile.fill %v into %t : f16, memref<4x48xf32, 3>
  return
}

// -----

// expected-error @+1 {{a block of rows must hold >= 1 entry, but got 0}}
func.func @rows_size(%r: !sparse_mla_tile.rows<0>) {
  return
}

// -----

func.func @gather_rows(%kv: memref<1x100x1x64xbf16>, %b: index, %r: !sparse_mla_tile.rows<16>, %t: memref<32x64xbf16, 3>) {
  // expected-error @+1 {{the tile has 32 rows, but 16 was expected}}
  sparse_mla_tile.gather %kv[%b, %b] rows(%r) into %t : memref<1x100x1x64xbf16>, !sparse_mla_tile.rows<16>, memref<32x64xbf16, 3>
  return
}

// -----

func.func @gather_columns(%kv: memref<1x100x1x64xbf16>, %b: index, %r: !sparse_mla_tile.rows<32>, %t: memref<32x72xbf16, 3>) {
  // expected-error @+1 {{the tile has 72 columns, but 64 was expected}}
  sparse_mla_tile.gather %kv[%b, %b] rows(%r) into %t : memref<1x100x1x64xbf16>, !sparse_mla_tile.rows<32>, memref<32x72xbf16, 3>
  return
}

// -----

func.func @logits_k(%a: memref<4x64xbf16, 3>, %k: memref<32x48xbf16, 3>, %s: memref<4x32xf32, 3>) {
  // expected-error @+1 {{B has 48 columns, but 64 was expected}}
  sparse_mla_tile.matmul %a, %k transpose_b into %s : memref<4x64xbf16, 3>, memref<32x48xbf16, 3>, memref<4x32xf32, 3>
  return
}

// -----

func.func @logits_mask(%a: memref<4x64xbf16, 3>, %k: memref<32x64xbf16, 3>, %s: memref<4x32xf32, 3>, %r: !sparse_mla_tile.rows<16>) {
  // expected-error @+1 {{the mask has 16 entries, but 32 was expected}}
  sparse_mla_tile.matmul %a, %k transpose_b into %s mask(%r : !sparse_mla_tile.rows<16>) : memref<4x64xbf16, 3>, memref<32x64xbf16, 3>, memref<4x32xf32, 3>
  return
}

// -----

func.func @logits_row_scale(%a: memref<4x64xbf16, 3>, %k: memref<32x64xbf16, 3>, %s: memref<4x32xf32, 3>, %al: memref<4xf32, 3>) {
  // expected-error @+1 {{takes row_scale only without transpose_b (C = row_scale C + A B)}}
  sparse_mla_tile.matmul %a, %k transpose_b into %s row_scale(%al : memref<4xf32, 3>) : memref<4x64xbf16, 3>, memref<32x64xbf16, 3>, memref<4x32xf32, 3>
  return
}

// -----

func.func @pv_mask(%p: memref<4x32xf32, 3>, %v: memref<32x64xbf16, 3>, %acc: memref<4x48xf32, 3>, %c: f32) {
  // expected-error @+1 {{takes mask and scale only with transpose_b (C = scale A B^T, -inf where masked)}}
  sparse_mla_tile.matmul %p, %v into %acc scale(%c) : memref<4x32xf32, 3>, memref<32x64xbf16, 3>, memref<4x48xf32, 3>
  return
}

// -----

func.func @pv_wide(%p: memref<4x32xf32, 3>, %v: memref<32x40xbf16, 3>, %acc: memref<4x48xf32, 3>) {
  // expected-error @+1 {{B has 40 columns, but the accumulator's 48 must be its leading columns}}
  sparse_mla_tile.matmul %p, %v into %acc : memref<4x32xf32, 3>, memref<32x40xbf16, 3>, memref<4x48xf32, 3>
  return
}

// -----

func.func @pv_rows(%p: memref<4x32xf32, 3>, %v: memref<16x64xbf16, 3>, %acc: memref<4x48xf32, 3>) {
  // expected-error @+1 {{B has 16 rows, but 32 was expected}}
  sparse_mla_tile.matmul %p, %v into %acc : memref<4x32xf32, 3>, memref<16x64xbf16, 3>, memref<4x48xf32, 3>
  return
}

// -----

func.func @acc_rows(%p: memref<4x32xf32, 3>, %v: memref<32x64xbf16, 3>, %acc: memref<8x48xf32, 3>) {
  // expected-error @+1 {{the accumulator has 8 rows, but 4 was expected}}
  sparse_mla_tile.matmul %p, %v into %acc : memref<4x32xf32, 3>, memref<32x64xbf16, 3>, memref<8x48xf32, 3>
  return
}

// -----

func.func @step_stats(%s: memref<4x32xf32, 3>, %m: memref<8xf32, 3>, %l: memref<4xf32, 3>) {
  // expected-error @+1 {{max has 8 entries, but 4 was expected}}
  sparse_mla_tile.softmax_step %s max(%m) sum(%l) rescale(%l) : memref<4x32xf32, 3>, memref<8xf32, 3>, memref<4xf32, 3>, memref<4xf32, 3>
  return
}

// -----

func.func @finish_columns(%acc: memref<4x48xf32, 3>, %m: memref<4xf32, 3>, %out: memref<1x4x8x64xbf16>, %lse: memref<1x4x8xf32>, %b: index) {
  // expected-error @+1 {{out has 64 columns, but 48 was expected}}
  sparse_mla_tile.finish %acc max(%m) sum(%m) out(%out) lse(%lse) at[%b, %b, %b] : memref<4x48xf32, 3>, memref<4xf32, 3>, memref<4xf32, 3>, memref<1x4x8x64xbf16>, memref<1x4x8xf32>
  return
}

// -----

func.func @finish_heads(%acc: memref<16x48xf32, 3>, %m: memref<16xf32, 3>, %out: memref<1x4x8x48xbf16>, %lse: memref<1x4x8xf32>, %b: index) {
  // expected-error @+1 {{writes 16 heads of an out with 8}}
  sparse_mla_tile.finish %acc max(%m) sum(%m) out(%out) lse(%lse) at[%b, %b, %b] : memref<16x48xf32, 3>, memref<16xf32, 3>, memref<16xf32, 3>, memref<1x4x8x48xbf16>, memref<1x4x8xf32>
  return
}

// -----

func.func @load_rank(%v: memref<64xbf16>, %t: memref<4x64xbf16, 3>) {
  // expected-error @+1 {{needs a source of rank >= 2, but got rank 1}}
  sparse_mla_tile.load %v[] into %t : memref<64xbf16>, memref<4x64xbf16, 3>
  return
}

// -----

func.func @gather_element(%kv: memref<1x100x1x64xbf16>, %b: index, %r: !sparse_mla_tile.rows<32>, %t: memref<32x64xf32, 3>) {
  // expected-error @+1 {{the tile has elements of type 'f32', but 'bf16' was expected}}
  sparse_mla_tile.gather %kv[%b, %b] rows(%r) into %t : memref<1x100x1x64xbf16>, !sparse_mla_tile.rows<32>, memref<32x64xf32, 3>
  return
}

// -----

func.func @logits_n(%a: memref<4x64xbf16, 3>, %k: memref<16x64xbf16, 3>, %s: memref<4x32xf32, 3>) {
  // expected-error @+1 {{B has 16 rows, but 32 was expected}}
  sparse_mla_tile.matmul %a, %k transpose_b into %s : memref<4x64xbf16, 3>, memref<16x64xbf16, 3>, memref<4x32xf32, 3>
  return
}

// -----

func.func @pv_row_scale(%p: memref<4x32xf32, 3>, %v: memref<32x64xbf16, 3>, %acc: memref<4x48xf32, 3>, %al: memref<8xf32, 3>) {
  // expected-error @+1 {{row_scale has 8 entries, but 4 was expected}}
  sparse_mla_tile.matmul %p, %v into %acc row_scale(%al : memref<8xf32, 3>) : memref<4x32xf32, 3>, memref<32x64xbf16, 3>, memref<4x48xf32, 3>
  return
}

// -----

func.func @finish_sum(%acc: memref<4x48xf32, 3>, %m: memref<4xf32, 3>, %l: memref<2xf32, 3>, %out: memref<1x4x8x48xbf16>, %lse: memref<1x4x8xf32>, %b: index) {
  // expected-error @+1 {{sum has 2 entries, but 4 was expected}}
  sparse_mla_tile.finish %acc max(%m) sum(%l) out(%out) lse(%lse) at[%b, %b, %b] : memref<4x48xf32, 3>, memref<4xf32, 3>, memref<2xf32, 3>, memref<1x4x8x48xbf16>, memref<1x4x8xf32>
  return
}

// -----

// expected-error @+1 {{a shared tile's swizzle must be 0 or 128 (bytes), but got 64}}
func.func @shared_swizzle() attributes {l = #sparse_mla_tile.shared<rows = 64, cols = 64, swizzle = 64>} {
  return
}

// -----

// expected-error @+1 {{a shared tile's rows must be a positive multiple of 8, but got 12}}
func.func @shared_rows() attributes {l = #sparse_mla_tile.shared<rows = 12, cols = 64, swizzle = 128>} {
  return
}

// -----

// expected-error @+1 {{a shared tile with swizzle = 128 must have a positive multiple of 64 columns, but got 32}}
func.func @shared_cols() attributes {l = #sparse_mla_tile.shared<rows = 64, cols = 32, swizzle = 128>} {
  return
}

// -----

#t = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>
func.func @mma_acc(%acc: !llvm.struct<(f32, i32)>, %q: i32) {
  // expected-error @+1 {{needs an accumulator of N / 2 f32 (an !llvm.struct) with N a multiple of 8 up to 256, but got '!llvm.struct<(f32, i32)>'}}
  %s = sparse_mla_tile.mma_async %acc, a(%q : i32), b(%q) {a_layout = #t, b_layout = #t, k_offset = 0 : i64, k_size = 16 : i64, transpose_b} : !llvm.struct<(f32, i32)>
  return
}

// -----

#t = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>
func.func @mma_k(%acc: !llvm.struct<(f32, f32, f32, f32)>, %q: i32) {
  // expected-error @+1 {{needs k_offset and k_size multiples of 16, but got 8 and 16}}
  %s = sparse_mla_tile.mma_async %acc, a(%q : i32), b(%q) {a_layout = #t, b_layout = #t, k_offset = 8 : i64, k_size = 16 : i64, transpose_b} : !llvm.struct<(f32, f32, f32, f32)>
  return
}

// -----

#t = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>
func.func @mma_a_address(%acc: !llvm.struct<(f32, f32, f32, f32)>, %q: i32) {
  // expected-error @+1 {{with a_layout needs A as one i32 shared address, but got 2 values}}
  %s = sparse_mla_tile.mma_async %acc, a(%q, %q : i32, i32), b(%q) {a_layout = #t, b_layout = #t, k_offset = 0 : i64, k_size = 16 : i64, transpose_b} : !llvm.struct<(f32, f32, f32, f32)>
  return
}

// -----

#t = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>
#a = #sparse_mla_tile.shared<rows = 32, cols = 576, swizzle = 128>
func.func @mma_a_rows(%acc: !llvm.struct<(f32, f32, f32, f32)>, %q: i32) {
  // expected-error @+1 {{needs an A tile of 64 rows, but a_layout has 32}}
  %s = sparse_mla_tile.mma_async %acc, a(%q : i32), b(%q) {a_layout = #a, b_layout = #t, k_offset = 0 : i64, k_size = 16 : i64, transpose_b} : !llvm.struct<(f32, f32, f32, f32)>
  return
}

// -----

#t = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>
func.func @mma_a_columns(%acc: !llvm.struct<(f32, f32, f32, f32)>, %q: i32) {
  // expected-error @+1 {{reads columns [576, 592) of the A tile, but it has 576}}
  %s = sparse_mla_tile.mma_async %acc, a(%q : i32), b(%q) {a_layout = #t, b_layout = #t, k_offset = 576 : i64, k_size = 16 : i64, transpose_b} : !llvm.struct<(f32, f32, f32, f32)>
  return
}

// -----

#t = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>
func.func @mma_a_registers(%acc: !llvm.struct<(f32, f32, f32, f32)>, %q: i32, %w: f32) {
  // expected-error @+1 {{without a_layout needs A as k_size / 2 = 8 f32 values, but got 2 values}}
  %s = sparse_mla_tile.mma_async %acc, a(%w, %w : f32, f32), b(%q) {b_layout = #t, k_offset = 0 : i64, k_size = 16 : i64} : !llvm.struct<(f32, f32, f32, f32)>
  return
}

// -----

#t = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>
func.func @mma_b_row_group(%acc: !llvm.struct<(f32, f32, f32, f32)>, %q: i32) {
  // expected-error @+1 {{needs n_offset a multiple of 8 (a row group of B), but got 4}}
  %s = sparse_mla_tile.mma_async %acc, a(%q : i32), b(%q) {a_layout = #t, b_layout = #t, k_offset = 0 : i64, k_size = 16 : i64, n_offset = 4 : i64, transpose_b} : !llvm.struct<(f32, f32, f32, f32)>
  return
}

// -----

#t = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>
func.func @mma_b_rows(%acc: !llvm.struct<(f32, f32, f32, f32)>, %q: i32) {
  // expected-error @+1 {{reads rows [64, 72) of the B tile, but it has 64}}
  %s = sparse_mla_tile.mma_async %acc, a(%q : i32), b(%q) {a_layout = #t, b_layout = #t, k_offset = 0 : i64, k_size = 16 : i64, n_offset = 64 : i64, transpose_b} : !llvm.struct<(f32, f32, f32, f32)>
  return
}

// -----

#t = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>
#p = #sparse_mla_tile.shared<rows = 64, cols = 64, swizzle = 0>
func.func @mma_b_swizzle(%acc: !llvm.struct<(f32, f32, f32, f32)>, %q: i32) {
  // expected-error @+1 {{reads B with its rows as K, which needs swizzle = 128, but b_layout has swizzle = 0}}
  %s = sparse_mla_tile.mma_async %acc, a(%q : i32), b(%q) {a_layout = #t, b_layout = #p, k_offset = 0 : i64, k_size = 16 : i64} : !llvm.struct<(f32, f32, f32, f32)>
  return
}

// -----

#t = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>
func.func @mma_b_column_block(%acc: !llvm.struct<(f32, f32, f32, f32)>, %q: i32) {
  // expected-error @+1 {{needs n_offset a multiple of 64 (a column block of B), but got 8}}
  %s = sparse_mla_tile.mma_async %acc, a(%q : i32), b(%q) {a_layout = #t, b_layout = #t, k_offset = 0 : i64, k_size = 16 : i64, n_offset = 8 : i64} : !llvm.struct<(f32, f32, f32, f32)>
  return
}

// -----

#t = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>
func.func @mma_b_columns(%acc: !llvm.struct<(f32, f32, f32, f32)>, %q: i32) {
  // expected-error @+1 {{reads columns [576, 584) of the B tile, but it has 576}}
  %s = sparse_mla_tile.mma_async %acc, a(%q : i32), b(%q) {a_layout = #t, b_layout = #t, k_offset = 0 : i64, k_size = 16 : i64, n_offset = 576 : i64} : !llvm.struct<(f32, f32, f32, f32)>
  return
}

// -----

#t = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>
func.func @mma_b_k_rows(%acc: !llvm.struct<(f32, f32, f32, f32)>, %q: i32) {
  // expected-error @+1 {{reads rows [64, 80) of the B tile, but it has 64}}
  %s = sparse_mla_tile.mma_async %acc, a(%q : i32), b(%q) {a_layout = #t, b_layout = #t, k_offset = 64 : i64, k_size = 16 : i64} : !llvm.struct<(f32, f32, f32, f32)>
  return
}

// -----

func.func @store_fragment_rows(%w: f32, %p: i32, %r: index) {
  // expected-error @+1 {{stores a fragment of 64 rows, but the layout has 32}}
  sparse_mla_tile.store_fragment %w, %w, %w, %w into %p rows(%r, %r) lane(%r) {layout = #sparse_mla_tile.shared<rows = 32, cols = 8, swizzle = 0>} : f32, f32, f32, f32
  return
}

// -----

func.func @store_fragment_values(%w: f32, %p: i32, %r: index) {
  // expected-error @+1 {{needs cols / 2 = 4 values for a tile of 8 columns, but got 2}}
  sparse_mla_tile.store_fragment %w, %w into %p rows(%r, %r) lane(%r) {layout = #sparse_mla_tile.shared<rows = 64, cols = 8, swizzle = 0>} : f32, f32
  return
}

// -----

func.func @tma_load_swizzle(%map: !llvm.ptr, %bar: !llvm.ptr<3>, %q: i32) {
  // expected-error @+1 {{copies into 128-byte swizzled column blocks, but the layout has swizzle = 0}}
  sparse_mla_tile.tma_load %map[%q] into %q barrier(%bar) {layout = #sparse_mla_tile.shared<rows = 64, cols = 64, swizzle = 0>} : !llvm.ptr, !llvm.ptr<3>, i32
  return
}

// -----

func.func @tma_load_coords(%map: !llvm.ptr, %bar: !llvm.ptr<3>, %q: i32) {
  // expected-error @+1 {{needs 1 to 4 outer coordinates, but got 0}}
  sparse_mla_tile.tma_load %map[] into %q barrier(%bar) {layout = #sparse_mla_tile.shared<rows = 64, cols = 64, swizzle = 128>} : !llvm.ptr, !llvm.ptr<3>
  return
}

// -----

func.func @tma_load_barrier(%map: !llvm.ptr, %bar: !llvm.ptr, %q: i32) {
  // expected-error @+1 {{needs its barrier in shared memory (address space 3), but it is in address space 0}}
  sparse_mla_tile.tma_load %map[%q] into %q barrier(%bar) {layout = #sparse_mla_tile.shared<rows = 64, cols = 64, swizzle = 128>} : !llvm.ptr, !llvm.ptr, i32
  return
}

// -----

func.func @copy_row_swizzle(%src: index, %dst: i32, %n: i32) {
  // expected-error @+1 {{copies pieces of 128-byte swizzled column blocks, but the layout has swizzle = 0}}
  sparse_mla_tile.copy_row_async %src into %dst bytes(%n) {layout = #sparse_mla_tile.shared<rows = 64, cols = 64, swizzle = 0>, col_begin = 0 : i64, col_end = 64 : i64}
  return
}

// -----

func.func @copy_row_columns(%src: index, %dst: i32, %n: i32) {
  // expected-error @+1 {{needs columns [col_begin, col_end) of whole column blocks of 64 within the tile's 576, but got [0, 640)}}
  sparse_mla_tile.copy_row_async %src into %dst bytes(%n) {layout = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>, col_begin = 0 : i64, col_end = 640 : i64}
  return
}
