// RUN: sparse-mla-opt %s --convert-sparse-mla-tiles-to-hopper | FileCheck %s

!acc = !llvm.struct<(f32, f32, f32, f32)>
#swz_q = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>
#swz_kv = #sparse_mla_tile.shared<rows = 32, cols = 576, swizzle = 128>
#p32 = #sparse_mla_tile.shared<rows = 64, cols = 32, swizzle = 0>

// Both operands K-major, 128-byte swizzled: the descriptors' fixed bits are
// swizzle mode 1 (bit 62), SBO 1024 >> 4 = 64 (bit 32), LBO 16 >> 4 = 1
// (bit 16): 4611686293305360384. K columns [256, 288) start in column
// block 4: A (rows 64) at 4 x 8192 bytes, B (rows 32) at 4 x 4096, then 32
// bytes per k16 step; all >> 4.
// CHECK-LABEL: func.func @qk
// CHECK-SAME: (%[[ACC:.*]]: !llvm.struct<{{.*}}>, %[[Q:.*]]: i32, %[[K:.*]]: i32)
// CHECK: %[[C4:.*]] = arith.constant 4 : i32
// CHECK: %[[QS:.*]] = arith.shrui %[[Q]], %[[C4]] : i32
// CHECK: %[[QW:.*]] = arith.extui %[[QS]] : i32 to i64
// CHECK: %[[FIXED:.*]] = arith.constant 4611686293305360384 : i64
// CHECK: %[[QD:.*]] = arith.ori %[[QW]], %[[FIXED]] : i64
// CHECK: %[[KS:.*]] = arith.shrui %[[K]], %{{.*}} : i32
// CHECK: %[[KW:.*]] = arith.extui %[[KS]] : i32 to i64
// CHECK: %[[KD:.*]] = arith.ori %[[KW]], %{{.*}} : i64
// CHECK: hopper.wgmma_fence
// CHECK: %[[A0OFF:.*]] = arith.constant 2048 : i64
// CHECK: %[[A0:.*]] = arith.addi %[[QD]], %[[A0OFF]] : i64
// CHECK: %[[B0OFF:.*]] = arith.constant 1024 : i64
// CHECK: %[[B0:.*]] = arith.addi %[[KD]], %[[B0OFF]] : i64
// CHECK: %[[S0:.*]] = hopper.wgmma %[[ACC]], %[[A0]], %[[B0]] : !llvm.struct
// CHECK: arith.constant 2050 : i64
// CHECK: arith.constant 1026 : i64
// CHECK: %[[S1:.*]] = hopper.wgmma %[[S0]], %{{.*}}, %{{.*}} : !llvm.struct
// CHECK-NOT: hopper.wgmma %
// CHECK: hopper.wgmma_commit
// CHECK: %[[W:.*]] = hopper.wgmma_wait 0, %[[S1]]
// CHECK: return %[[W]]
func.func @qk(%acc: !acc, %q: i32, %k: i32) -> !acc {
  %s = sparse_mla_tile.mma_async %acc, a(%q : i32), b(%k)
      {a_layout = #swz_q, b_layout = #swz_kv, k_offset = 256 : i64,
       k_size = 32 : i64, transpose_b} : !acc
  %w = sparse_mla_tile.mma_wait %s : !acc
  return %w : !acc
}

// The first step of a zero_init product ignores the accumulator; the rest
// add to it.
// CHECK-LABEL: func.func @zero_init
// CHECK: hopper.wgmma %{{.*}}, %{{.*}}, %{{.*}} zero_init
// CHECK-NOT: zero_init
// CHECK: hopper.wgmma %{{.*}}, %{{.*}}, %{{.*}} :
// CHECK-NOT: zero_init
func.func @zero_init(%acc: !acc, %q: i32, %k: i32) -> !acc {
  %s = sparse_mla_tile.mma_async %acc, a(%q : i32), b(%k)
      {a_layout = #swz_q, b_layout = #swz_kv, k_offset = 0 : i64,
       k_size = 32 : i64, transpose_b, zero_init} : !acc
  return %s : !acc
}

// A from registers (bf16 pairs of the f32 given, fenced with the
// accumulator), B MN-major: its rows are K. LBO = the next 64-column block
// (32 rows x 128 = 4096 >> 4 = 256), SBO 64, swizzle 1: 4611686293322072064.
// B starts at its column 64 (block 1: 4096 bytes) and each k16 step is 16
// rows of 128 bytes (2048 >> 4 = 128).
// CHECK-LABEL: func.func @registers
// CHECK-SAME: (%[[ACC:.*]]: !llvm.struct<{{.*}}>, %[[W0:[^:]*]]: f32, %[[W1:[^:]*]]: f32,
// CHECK: arith.truncf %[[W0]] : f32 to bf16
// CHECK: arith.truncf %[[W1]] : f32 to bf16
// CHECK: %[[P0:.*]] = llvm.bitcast %{{.*}} : vector<2xbf16> to i32
// CHECK: %[[P1:.*]] = llvm.bitcast
// CHECK: %[[P2:.*]] = llvm.bitcast
// CHECK: %[[P3:.*]] = llvm.bitcast
// CHECK: %[[P4:.*]] = llvm.bitcast
// CHECK: %[[P5:.*]] = llvm.bitcast
// CHECK: %[[P6:.*]] = llvm.bitcast
// CHECK: %[[P7:.*]] = llvm.bitcast
// CHECK: %[[F:.*]]:9 = hopper.wgmma_fence(%[[P0]], %[[P1]], %[[P2]], %[[P3]], %[[P4]], %[[P5]], %[[P6]], %[[P7]], %[[ACC]])
// CHECK: %[[BOFF:.*]] = arith.constant 4096 : i32
// CHECK: %[[B:.*]] = arith.addi %{{.*}}, %[[BOFF]] : i32
// CHECK: arith.constant 4611686293322072064 : i64
// CHECK: %[[R0:.*]] = hopper.wgmma_rs %[[F]]#8, [%[[F]]#0, %[[F]]#1, %[[F]]#2, %[[F]]#3], %{{.*}} b_mn_major
// CHECK: arith.constant 128 : i64
// CHECK: hopper.wgmma_rs %[[R0]], [%[[F]]#4, %[[F]]#5, %[[F]]#6, %[[F]]#7], %{{.*}} b_mn_major
// CHECK: hopper.wgmma_commit
func.func @registers(%acc: !acc, %w0: f32, %w1: f32, %w2: f32, %w3: f32,
                     %w4: f32, %w5: f32, %w6: f32, %w7: f32, %w8: f32,
                     %w9: f32, %w10: f32, %w11: f32, %w12: f32, %w13: f32,
                     %w14: f32, %w15: f32, %v: i32) -> !acc {
  %o = sparse_mla_tile.mma_async %acc,
      a(%w0, %w1, %w2, %w3, %w4, %w5, %w6, %w7, %w8, %w9, %w10, %w11, %w12,
        %w13, %w14, %w15 : f32, f32, f32, f32, f32, f32, f32, f32, f32, f32,
        f32, f32, f32, f32, f32, f32), b(%v)
      {b_layout = #swz_kv, k_offset = 0 : i64, k_size = 32 : i64,
       n_offset = 64 : i64} : !acc
  return %o : !acc
}

// A without swizzle (core matrices): LBO 128 >> 4 = 8, SBO = the next
// 8-row group, 32 columns x 16 = 512 >> 4 = 32, mode 0: 137439477760; a
// k16 step is two core matrices (256 >> 4 = 16).
// CHECK-LABEL: func.func @core_matrices
// CHECK-DAG: arith.constant 137439477760 : i64
// CHECK: hopper.wgmma_fence
// CHECK: hopper.wgmma %{{.*}}, %{{.*}}, %{{.*}} b_mn_major
// CHECK: arith.constant 16 : i64
// CHECK: hopper.wgmma %{{.*}}, %{{.*}}, %{{.*}} b_mn_major
func.func @core_matrices(%acc: !acc, %p: i32, %v: i32) -> !acc {
  %o = sparse_mla_tile.mma_async %acc, a(%p : i32), b(%v)
      {a_layout = #p32, b_layout = #swz_kv, k_offset = 0 : i64,
       k_size = 32 : i64} : !acc
  return %o : !acc
}

// A fragment store: per 8-column group j and row h, the bf16 pair of
// values 4j + 2h, 4j + 2h + 1 at the piece the layout gives, plus 4 bytes
// per lane of the quad. Core matrices: (row / 8) x cols x 16 + j x 128 +
// (row mod 8) x 16.
// CHECK-LABEL: func.func @store_cores
// CHECK-SAME: (%[[W0:[^:]*]]: f32, %[[W1:[^:]*]]: f32, %[[W2:[^:]*]]: f32, %[[W3:[^:]*]]: f32, %[[P:[^:]*]]: i32, %[[R0:[^:]*]]: index, %[[R1:[^:]*]]: index, %[[L:[^:]*]]: index)
// CHECK: %[[Q:.*]] = arith.remui %[[L]], %{{.*}} : index
// CHECK: %[[LB:.*]] = arith.muli %[[Q]], %{{.*}} : index
// CHECK: %[[LANE:.*]] = arith.index_cast %[[LB]] : index to i32
// CHECK: arith.truncf %[[W0]]
// CHECK: arith.truncf %[[W1]]
// CHECK: %[[BITS0:.*]] = llvm.bitcast
// CHECK: %[[ROW0:.*]] = arith.index_cast %[[R0]] : index to i32
// CHECK: %[[G:.*]] = arith.shrui %[[ROW0]], %{{.*}} : i32
// CHECK: %[[IN:.*]] = arith.andi %[[ROW0]], %{{.*}} : i32
// CHECK: %[[C128:.*]] = arith.constant 128 : i32
// CHECK: %[[GB:.*]] = arith.muli %[[G]], %[[C128]] : i32
// CHECK: %[[C0:.*]] = arith.constant 0 : i32
// CHECK: %[[A0:.*]] = arith.addi %[[GB]], %[[C0]] : i32
// CHECK: %[[C16:.*]] = arith.constant 16 : i32
// CHECK: %[[IB:.*]] = arith.muli %[[IN]], %[[C16]] : i32
// CHECK: %[[OFF:.*]] = arith.addi %[[A0]], %[[IB]] : i32
// CHECK: %[[A1:.*]] = arith.addi %[[P]], %[[OFF]] : i32
// CHECK: %[[A2:.*]] = arith.addi %[[A1]], %[[LANE]] : i32
// CHECK: %[[PTR:.*]] = llvm.inttoptr %[[A2]] : i32 to !llvm.ptr<3>
// CHECK: llvm.store %[[BITS0]], %[[PTR]] : i32, !llvm.ptr<3>
// CHECK: arith.truncf %[[W2]]
// CHECK: arith.index_cast %[[R1]] : index to i32
// CHECK: llvm.store
// CHECK-NOT: llvm.store
// CHECK-NOT: sparse_mla_tile
func.func @store_cores(%w0: f32, %w1: f32, %w2: f32, %w3: f32, %p: i32,
                       %r0: index, %r1: index, %lane: index) {
  sparse_mla_tile.store_fragment %w0, %w1, %w2, %w3 into %p rows(%r0, %r1)
      lane(%lane) {layout = #sparse_mla_tile.shared<rows = 64, cols = 8, swizzle = 0>} : f32, f32, f32, f32
  return
}

// 128-byte swizzle: row x 128 + ((j xor (row mod 8)) << 4); the third
// store is group j = 1 of row0.
// CHECK-LABEL: func.func @store_swizzled
// CHECK-COUNT-2: llvm.store
// CHECK: %[[ROW:.*]] = arith.index_cast %{{.*}} : index to i32
// CHECK: %[[C7:.*]] = arith.constant 7 : i32
// CHECK: %[[PH:.*]] = arith.andi %[[ROW]], %[[C7]] : i32
// CHECK: %[[C1:.*]] = arith.constant 1 : i32
// CHECK: %[[PIECE:.*]] = arith.xori %[[C1]], %[[PH]] : i32
// CHECK: %[[SH:.*]] = arith.shli %[[PIECE]], %{{.*}} : i32
// CHECK: %[[RB:.*]] = arith.muli %[[ROW]], %{{.*}} : i32
// CHECK: %[[WR:.*]] = arith.addi %{{.*}}, %[[RB]] : i32
// CHECK: arith.addi %[[WR]], %[[SH]] : i32
// CHECK-COUNT-14: llvm.store
// CHECK-NOT: llvm.store
func.func @store_swizzled(%w: f32, %p: i32, %r0: index, %r1: index,
                          %lane: index) {
  sparse_mla_tile.store_fragment %w, %w, %w, %w, %w, %w, %w, %w, %w, %w, %w,
      %w, %w, %w, %w, %w, %w, %w, %w, %w, %w, %w, %w, %w, %w, %w, %w, %w, %w,
      %w, %w, %w into %p rows(%r0, %r1) lane(%lane)
      {layout = #sparse_mla_tile.shared<rows = 64, cols = 64, swizzle = 128>}
      : f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32,
        f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32,
        f32, f32, f32, f32
  return
}

// A tensor copy: the evict-first policy once, then one bulk tensor copy per
// 64-column block, at the block's place in the tile (64 rows x 128 bytes
// apart) and column coordinate, onto the barrier.
// CHECK-LABEL: func.func @tensor_copy
// CHECK-SAME: (%[[MAP:[^:]*]]: !llvm.ptr, %[[BAR:[^:]*]]: !llvm.ptr<3>, %[[Q:[^:]*]]: i32, %[[H:[^:]*]]: i32, %[[S:[^:]*]]: i32)
// CHECK: %[[POL:.*]] = llvm.inline_asm has_side_effects "createpolicy.fractional.L2::evict_first.b64 $0, 1.0;", "=l"  : () -> i64
// CHECK: %[[C0:.*]] = arith.constant 0 : i32
// CHECK: %[[A0:.*]] = arith.addi %[[Q]], %[[C0]] : i32
// CHECK: %[[P0:.*]] = llvm.inttoptr %[[A0]] : i32 to !llvm.ptr<3>
// CHECK: %[[D0:.*]] = llvm.addrspacecast %[[P0]] : !llvm.ptr<3> to !llvm.ptr<7>
// CHECK: %[[X0:.*]] = arith.constant 0 : i32
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %[[D0]], %[[MAP]], %[[BAR]], box[%[[X0]], %[[H]], %[[S]]] l2_cache_hint = %[[POL]]
// CHECK: %[[C8192:.*]] = arith.constant 8192 : i32
// CHECK: %[[A1:.*]] = arith.addi %[[Q]], %[[C8192]] : i32
// CHECK: %[[X1:.*]] = arith.constant 64 : i32
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %[[MAP]], %[[BAR]], box[%[[X1]], %[[H]], %[[S]]]
// CHECK-NOT: nvvm.cp.async.bulk
// CHECK-NOT: sparse_mla_tile
func.func @tensor_copy(%map: !llvm.ptr, %bar: !llvm.ptr<3>, %q: i32, %h: i32, %s: i32) {
  sparse_mla_tile.tma_load %map[%h, %s] into %q barrier(%bar) {layout = #sparse_mla_tile.shared<rows = 64, cols = 128, swizzle = 128>, evict_first} : !llvm.ptr, !llvm.ptr<3>, i32, i32
  return
}

// A row copy: per column block b of [256, 576) (blocks 4 .. 8), 16 bytes
// from src + 128 b to dst + b x 32 rows x 128 bytes, .cg, zero-filled when
// %n is 0.
// CHECK-LABEL: func.func @row_copy
// CHECK-SAME: (%[[SRC:[^:]*]]: index, %[[DST:[^:]*]]: i32, %[[N:[^:]*]]: i32)
// CHECK: %[[C512:.*]] = arith.constant 512 : index
// CHECK: %[[S4:.*]] = arith.addi %[[SRC]], %[[C512]] : index
// CHECK: %[[W4:.*]] = arith.index_cast %[[S4]] : index to i64
// CHECK: %[[G4:.*]] = llvm.inttoptr %[[W4]] : i64 to !llvm.ptr<1>
// CHECK: %[[C16K:.*]] = arith.constant 16384 : i32
// CHECK: %[[D4:.*]] = arith.addi %[[DST]], %[[C16K]] : i32
// CHECK: %[[P4:.*]] = llvm.inttoptr %[[D4]] : i32 to !llvm.ptr<3>
// CHECK: nvvm.cp.async.shared.global %[[P4]], %[[G4]], 16, cache = cg, %[[N]]
// CHECK-COUNT-4: nvvm.cp.async.shared.global
// CHECK-NOT: nvvm.cp.async
// CHECK-NOT: sparse_mla_tile
func.func @row_copy(%src: index, %dst: i32, %n: i32) {
  sparse_mla_tile.copy_row_async %src into %dst bytes(%n) {layout = #sparse_mla_tile.shared<rows = 32, cols = 576, swizzle = 128>, col_begin = 256 : i64, col_end = 576 : i64}
  return
}
