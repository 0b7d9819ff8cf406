// RUN: sparse-mla-opt %s -split-input-file --pass-pipeline='builtin.module(convert-sparse-mla-to-tiles,gpu.module(gpu.func(sparse-mla-tile-barriers,convert-sparse-mla-tiles-to-simt)),ws-assign-shared-memory)' | FileCheck %s
// RUN: sparse-mla-opt %s -split-input-file --pass-pipeline='builtin.module(convert-sparse-mla-to-tiles,gpu.module(gpu.func(sparse-mla-tile-barriers,convert-sparse-mla-tiles-to-simt)),ws-assign-shared-memory,canonicalize)' | FileCheck %s --check-prefix=CANON

// H = 8 heads in G = 2 groups, 2 heads per CTA, topk = 40 (not a multiple of
// block_k = 32: the last block is partial), causal with kv_stride = 2.

// Host side: the op becomes a launch. Operands are cast to the kernel's
// layout-agnostic types; grid = (S * H / heads_per_cta, B, 1).
// CHECK-LABEL: func.func @small
// CHECK-SAME: (%[[Q:.*]]: memref<?x?x8x64xbf16>, %[[KV:.*]]: memref<?x?x2x64xbf16>, %[[IDX:.*]]: memref<?x?x2x40xi32>, %[[QS:.*]]: i32, %[[OUT:.*]]: memref<?x?x8x48xbf16>, %[[LSE:.*]]: memref<?x?x8xf32>)
// CHECK: %[[QC:.*]] = memref.cast %[[Q]] : memref<?x?x8x64xbf16> to memref<?x?x8x64xbf16, strided<[?, ?, ?, 1], offset: ?>>
// The launch passes the op's sm_scale * log2(e) = 0.125 * 1.4427.
// CHECK: %[[SCALE:.*]] = arith.constant 0.180336878 : f32
// CHECK: %[[B:.*]] = memref.dim %[[Q]], %{{.*}} : memref<?x?x8x64xbf16>
// CHECK: %[[S:.*]] = memref.dim %[[Q]], %{{.*}} : memref<?x?x8x64xbf16>
// CHECK: %[[GX:.*]] = arith.muli %[[S]], %[[C4:.*]] : index
// CHECK: %[[SMEM:.*]] = arith.constant 5376 : i32
// CHECK: gpu.launch_func @sparse_mla_kernels::@sparse_mla_fwd_simple blocks in (%[[GX]], %[[B]], %{{.*}}) threads in (%[[C128:.*]], %{{.*}}, %{{.*}}) dynamic_shared_memory_size %[[SMEM]] args(%[[QC]] : {{.*}}, %[[QS]] : i32,
// CHECK-SAME: %[[SCALE]] : f32)
// CHECK-SAME: sparse_mla.kernel_info = {block = array<i64: 128, 1, 1>, dynamic_shared_memory = 5376 : i64, entry = "sparse_mla_fwd_simple", grid = [{dim = "S", multiplier = 4 : i64}, {dim = "B", multiplier = 1 : i64}, {multiplier = 1 : i64}], op = {B, Dqk = 64 : i64, Dv = 48 : i64, G = 2 : i64, H = 8 : i64, S, Skv, causal = true, has_max_logits = false, kv_stride = 2 : i64, schedule = "#sparse_mla.schedule<simple, heads_per_cta = 2, block_k = 32, stages = 1, warpgroups = 1>", sm_scale = 1.250000e-01 : f64, topk = 40 : i64}, params = ["q", "kv", "indices", "q_start", "out", "lse", "scale_log2"]}
// CHECK-NOT: sparse_mla.fwd

// Device side.
// CHECK: gpu.module @sparse_mla_kernels
// CHECK: gpu.func @sparse_mla_fwd_simple(%[[KQ:.*]]: memref<?x?x8x64xbf16, strided<[?, ?, ?, 1], offset: ?>>, %[[KKV:.*]]: memref<?x?x2x64xbf16, strided<[?, ?, ?, 1], offset: ?>>, %[[KIDX:.*]]: memref<?x?x2x40xi32, strided<[?, ?, ?, 1], offset: ?>>, %[[KQS:.*]]: i32, %[[KOUT:.*]]: memref<?x?x8x48xbf16, strided<[?, ?, ?, 1], offset: ?>>, %[[KLSE:.*]]: memref<?x?x8xf32, strided<[?, ?, 1], offset: ?>>, %[[KSCALE:.*]]: f32) kernel attributes {known_block_size = array<i32: 128, 1, 1>, ws.dynamic_shared_memory = {{[0-9]+}} : i64}
// Which CTA: token = x / 4 head blocks, first head = (x % 4) * 2, kv group =
// first head / (H/G = 4); batch = y.
// The tiles are views of the dynamic shared memory (ws-assign-shared-memory).
// CHECK: %[[DYN:.*]] = gpu.dynamic_shared_memory
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[BX:.*]] = gpu.block_id x
// CHECK: %[[BATCH:.*]] = gpu.block_id y
// CHECK: %[[TOKEN:.*]] = arith.divui %[[BX]], %[[C4A:.*]] : index
// CHECK: %[[HB:.*]] = arith.remui %[[BX]], %[[C4B:.*]] : index
// CHECK: %[[HEAD0:.*]] = arith.muli %[[HB]], %[[C2:.*]] : index
// CHECK: %[[GROUP:.*]] = arith.divui %[[HEAD0]], %[[C4C:.*]] : index
// Skv from kv's dimension 1; causal bound floor((q_start + s + 1 - 2) / 2),
// in i64.
// CHECK: %[[SKVI:.*]] = memref.dim %[[KKV]], %{{.*}} : memref<?x?x2x64xbf16
// CHECK: %[[SKV:.*]] = arith.index_cast %[[SKVI]] : index to i64
// CHECK: %[[QS64:.*]] = arith.extsi %[[KQS]] : i32 to i64
// CHECK: %[[S64:.*]] = arith.index_cast %[[TOKEN]] : index to i64
// CHECK: %[[QPOS:.*]] = arith.addi %[[QS64]], %[[S64]] : i64
// CHECK: %[[ONE:.*]] = arith.constant 1 : i64
// CHECK: %[[STRIDE:.*]] = arith.constant 2 : i64
// CHECK: %[[QPOS1:.*]] = arith.addi %[[QPOS]], %[[ONE]] : i64
// CHECK: %[[NUM:.*]] = arith.subi %[[QPOS1]], %[[STRIDE]] : i64
// CHECK: %[[MAXKV:.*]] = arith.floordivsi %[[NUM]], %[[STRIDE]] : i64
// Shared memory: Q tile, kv rows (pitch Dqk + 2), scores, accumulators,
// statistics, row indices.
// CHECK: memref.view %[[DYN]][%{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<2x64xbf16, #gpu.address_space<workgroup>>
// CHECK: memref.view %[[DYN]][%{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<1x32x66xbf16, #gpu.address_space<workgroup>>
// CHECK: memref.view %[[DYN]][%{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<2x32xf32, #gpu.address_space<workgroup>>
// CHECK: memref.view %[[DYN]][%{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<2x48xf32, #gpu.address_space<workgroup>>
// CHECK: memref.view %[[DYN]][%{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<3x2xf32, #gpu.address_space<workgroup>>
// CHECK: memref.view %[[DYN]][%{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<32xi32, #gpu.address_space<workgroup>>
// The Q tile of this CTA: q[batch, token, first head + h, d].
// CHECK: %[[QH:.*]] = arith.addi %[[HEAD0]], %{{.*}} : index
// CHECK: memref.load %[[KQ]][%[[BATCH]], %[[TOKEN]], %[[QH]], %{{.*}}]
// CHECK: gpu.barrier
// Two blocks of 32 entries; entries past topk read no index; an entry is
// valid iff 0 <= idx < Skv and idx <= the causal bound; invalid -> row -1.
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[NBLK:.*]] step
// CHECK: %[[E:.*]] = arith.addi
// CHECK: %[[INRANGE:.*]] = arith.cmpi ult, %[[E]], %{{.*}} : index
// CHECK: %[[RAW:.*]] = scf.if %[[INRANGE]] -> (i32)
// CHECK: memref.load %[[KIDX]][%[[BATCH]], %[[TOKEN]], %[[GROUP]], %[[E]]]
// CHECK: %[[WIDE:.*]] = arith.extsi %[[RAW]] : i32 to i64
// CHECK: %[[LO:.*]] = arith.cmpi sge, %[[WIDE]], %{{.*}} : i64
// CHECK: %[[HI:.*]] = arith.cmpi slt, %[[WIDE]], %[[SKV]] : i64
// CHECK: %[[INB:.*]] = arith.andi %[[LO]], %[[HI]] : i1
// CHECK: %[[CAUSAL:.*]] = arith.cmpi sle, %[[WIDE]], %[[MAXKV]] : i64
// CHECK: %[[VALID:.*]] = arith.andi %[[INB]], %[[CAUSAL]] : i1
// CHECK: %[[MINUS1:.*]] = arith.constant -1 : i32
// CHECK: arith.select %[[VALID]], %[[RAW]], %[[MINUS1]] : i32
// CHECK: gpu.barrier
// The gather loads kv only for a valid row; the else branch yields 0.
// CHECK: %[[ROWOK:.*]] = arith.cmpi sge
// CHECK-NEXT: scf.if %[[ROWOK]] -> (bf16) {
// CHECK: %[[ROW:.*]] = arith.index_cast
// CHECK: memref.load %[[KKV]][%[[BATCH]], %[[ROW]], %[[GROUP]], %{{.*}}]
// CHECK: } else {
// CHECK-NEXT: arith.constant 0.000000e+00 : bf16
// CHECK: gpu.barrier
// Logits: fp32 fma over Dqk, scaled by the kernel's scale_log2 parameter
// (sm_scale * log2(e), passed by the launch).
// CHECK: math.fma
// CHECK: arith.mulf %{{.*}}, %[[KSCALE]] : f32
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: gpu.barrier
// Online softmax in base 2.
// CHECK: arith.maximumf
// CHECK: math.exp2
// CHECK: math.exp2
// CHECK: gpu.barrier
// CHECK: math.fma
// CHECK: gpu.barrier
// Epilogue: out = sum > 0 ? acc / sum : 0, lse = sum > 0 ? (max + log2 sum)
// * ln 2 : +inf.
// CHECK: %[[ANY:.*]] = arith.cmpf ogt, %[[SUM:.*]], %{{.*}} : f32
// CHECK: %[[NORM:.*]] = arith.divf %{{.*}}, %[[SUM]] : f32
// CHECK: %[[O:.*]] = arith.select %[[ANY]], %[[NORM]], %{{.*}} : f32
// CHECK: %[[OB:.*]] = arith.truncf %[[O]] : f32 to bf16
// CHECK: memref.store %[[OB]], %[[KOUT]][%[[BATCH]], %[[TOKEN]], %{{.*}}, %{{.*}}]
// CHECK: %[[ANY2:.*]] = arith.cmpf ogt, %[[SUM2:.*]], %{{.*}} : f32
// CHECK: %[[SAFE:.*]] = arith.select %[[ANY2]], %[[SUM2]], %{{.*}} : f32
// CHECK: %[[L2:.*]] = math.log2 %[[SAFE]] : f32
// CHECK: %[[ML2:.*]] = arith.addf %[[MAX:.*]], %[[L2]] : f32
// CHECK: %[[LN2:.*]] = arith.constant 0.693147182 : f32
// CHECK: %[[LSE:.*]] = arith.mulf %[[ML2]], %[[LN2]] : f32
// CHECK: %[[INF:.*]] = arith.constant 0x7F800000 : f32
// CHECK: %[[LSEV:.*]] = arith.select %[[ANY2]], %[[LSE]], %[[INF]] : f32
// CHECK: memref.store %[[LSEV]], %[[KLSE]][%[[BATCH]], %[[TOKEN]], %{{.*}}]
// CHECK-NOT: memref.store
// CHECK: gpu.return

// After canonicalization the block loop has its constant trip count:
// ceil(40 / 32) = 2 blocks.
// CANON-LABEL: gpu.func @sparse_mla_fwd_simple
// CANON: scf.for %{{.*}} = %c0{{.*}} to %c2{{.*}} step %c1{{.*}} {

func.func @small(%q: memref<?x?x8x64xbf16>, %kv: memref<?x?x2x64xbf16>,
                 %idx: memref<?x?x2x40xi32>, %qs: i32,
                 %out: memref<?x?x8x48xbf16>, %lse: memref<?x?x8xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x8x64xbf16>) kv(%kv : memref<?x?x2x64xbf16>)
                 indices(%idx : memref<?x?x2x40xi32>) q_start(%qs)
                 out(%out : memref<?x?x8x48xbf16>) lse(%lse : memref<?x?x8xf32>)
                 {kv_stride = 2 : i64, sm_scale = 0.125 : f32,
                  schedule = #sparse_mla.schedule<simple, heads_per_cta = 2, block_k = 32, stages = 1, warpgroups = 1>}
  return
}

// -----

// Not causal: no bound check; max_logits gets written as max * ln 2 (-inf
// for a row with no valid entry).
// CHECK-LABEL: func.func @not_causal
// CHECK: params = ["q", "kv", "indices", "q_start", "out", "lse", "max_logits", "scale_log2"]
// CHECK: gpu.func @sparse_mla_fwd_simple(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[OUT:.*]]: memref<1x16x4x32xbf16, strided<[?, ?, ?, 1], offset: ?>>, %[[LSE:.*]]: memref<1x16x4xf32, strided<[?, ?, 1], offset: ?>>, %[[ML:.*]]: memref<1x16x4xf32, strided<[?, ?, 1], offset: ?>>, %{{.*}}: f32)
// CHECK-NOT: arith.floordivsi
// CHECK-NOT: arith.cmpi sle
// CHECK: memref.store %{{.*}}, %[[OUT]]
// CHECK: %[[ANY:.*]] = arith.cmpf ogt
// CHECK: memref.store %{{.*}}, %[[LSE]]
// CHECK: %[[LN2:.*]] = arith.constant 0.693147182 : f32
// CHECK: %[[SCALED:.*]] = arith.mulf %{{.*}}, %[[LN2]] : f32
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MLV:.*]] = arith.select %[[ANY]], %[[SCALED]], %[[NEGINF]] : f32
// CHECK: memref.store %[[MLV]], %[[ML]]
// CHECK: gpu.return
func.func @not_causal(%q: memref<1x16x4x64xbf16>, %kv: memref<1x32x1x64xbf16>,
                      %idx: memref<1x16x1x32xi32>, %qs: i32,
                      %out: memref<1x16x4x32xbf16>, %lse: memref<1x16x4xf32>,
                      %ml: memref<1x16x4xf32>) {
  sparse_mla.fwd q(%q : memref<1x16x4x64xbf16>) kv(%kv : memref<1x32x1x64xbf16>)
                 indices(%idx : memref<1x16x1x32xi32>) q_start(%qs)
                 out(%out : memref<1x16x4x32xbf16>) lse(%lse : memref<1x16x4xf32>)
                 max_logits(%ml : memref<1x16x4xf32>)
                 {causal = false,
                  schedule = #sparse_mla.schedule<simple, heads_per_cta = 4, block_k = 32, stages = 1, warpgroups = 1>}
  return
}
