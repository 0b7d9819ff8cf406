// RUN: sparse-mla-opt %s --convert-sparse-mla-to-tiles --convert-sparse-mla-seesaw-to-gpu | FileCheck %s

// The seesaw schedule's split_tail option: the persistent kernel computes
// the first `tiles` tiles (a launch argument), and a second kernel, the
// split kernel, the rest: CTA k takes part k mod parts of tile
// tiles + k / parts, the rounds [part x rounds / parts, (part + 1) x rounds
// / parts), writes its O half, pivots and row sums to the workspace and takes
// a ticket per consumer warp; the warp with the last ticket merges all parts
// in part order (maxima first, then the scaled sums) and writes the tile.

// Both kernels take the op's operands, Q's tensor map and the split plan,
// whose values the runtime chooses per launch.
// CHECK-LABEL: func.func @split
// CHECK: %[[TILES:.*]], %[[PARTS:.*]], %[[WS:.*]] = sparse_mla.split_plan "sparse_mla_fwd_seesaw_split" max_parts(2) workspace_bytes_per_cta(135200) : i32, i32, !llvm.ptr<1>
// CHECK: gpu.launch_func @sparse_mla_kernels::@sparse_mla_fwd_seesaw
// CHECK-SAME: %{{.*}} : !llvm.ptr, %[[TILES]] : i32, %[[PARTS]] : i32, %[[WS]] : !llvm.ptr<1>)
// CHECK-SAME: params = ["q", "kv", "indices", "q_start", "out", "lse", "scale_log2", "q_map", "split_tiles", "split_parts", "workspace"]

// The persistent kernel: its tile loop ends at the split plan's tile count
// (through an opaque copy, as the other per-tile values).
// CHECK: gpu.func @sparse_mla_fwd_seesaw(%{{.*}}, %{{.*}}: !llvm.ptr, %[[PT:.*]]: i32, %{{.*}}: i32, %{{.*}}: !llvm.ptr<1>) kernel
// CHECK: role "producer"
// CHECK-SAME: %[[RT:arg[0-9]+]]: i32, %{{[a-z0-9]+}}: i32, %{{[a-z0-9]+}}: !llvm.ptr<1>, %{{.*}}: !ws.channel<1>
// CHECK: scf.while
// CHECK-NEXT: %[[BOUND:.*]] = llvm.inline_asm has_side_effects "mov.b32 $0, $1;", "=r,r" %[[RT]] : (i32) -> i32
// CHECK: %[[MORE:.*]] = arith.cmpi ult, %{{.*}}, %[[BOUND]] : i32
// CHECK-NEXT: scf.condition(%[[MORE]])

// The split kernel: one part of one tile per CTA, no tile loop.
// CHECK: gpu.func @sparse_mla_fwd_seesaw_split(%{{.*}}, %{{.*}}: !llvm.ptr, %{{.*}}: i32, %{{.*}}: i32, %{{.*}}: !llvm.ptr<1>) kernel
// CHECK: role "producer"
// CHECK-NOT: scf.while
// The producer's rounds: from part x rounds / parts to (part + 1) x rounds /
// parts, part = ctaid.x mod parts.
// CHECK: %c2_i32 = arith.constant 2 : i32
// CHECK-NEXT: %[[R0:.*]] = arith.muli %[[PART:.*]], %c2_i32 : i32
// CHECK-NEXT: arith.divui %[[R0]], %{{.*}} : i32
// CHECK: %[[PART1:.*]] = arith.addi %[[PART]], %c1_i32{{.*}} : i32
// CHECK: %[[R1:.*]] = arith.muli %[[PART1]], %c2_i32{{.*}} : i32
// CHECK-NEXT: arith.divui %[[R1]], %{{.*}} : i32
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// Channel iterations count from the part's first round.
// CHECK: arith.subi %[[I]], %{{.*}} : index
// CHECK: ws.channel.acquire producer
// CHECK: ws.role_return

// Consumer 0: the rounds of its part, then its part's values (O, pivots,
// row sums) to its CTA's workspace block of 135200 bytes, the fence, and
// one ticket per warp (lane 0, broadcast by shuffle).
// CHECK: role "consumer0"
// CHECK-NOT: scf.while
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK: arith.muli %{{.*}}, %c135200_i64{{.*}} : i64
// Thread t's value v at f32 8 + (c x 132 + v) x 128 + t of the block: the
// 128 O registers, then pivot 0 (v = 128), row sum 0 (130), pivot 1 (129),
// row sum 1 (131).
// CHECK-COUNT-128: llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr<1>
// CHECK: arith.constant 16392 : i32
// CHECK: llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr<1>
// CHECK: arith.constant 16648 : i32
// CHECK: llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr<1>
// CHECK: arith.constant 16520 : i32
// CHECK: llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr<1>
// CHECK: arith.constant 16776 : i32
// CHECK: llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr<1>
// CHECK: llvm.inline_asm has_side_effects "fence.acq_rel.gpu;"
// CHECK-NEXT: llvm.inline_asm has_side_effects "bar.warp.sync -1;"
// The counter: in the block of the tile's first part, (ctaid / parts) x
// parts, at i32 4 c + warp (consumer 0 here: warp alone).
// CHECK-NEXT: %[[NP:.*]] = llvm.inline_asm has_side_effects "mov.b32 $0, $1;"
// CHECK-NEXT: %[[TG:.*]] = arith.divui %{{.*}}, %[[NP]] : i32
// CHECK-NEXT: %[[FIRST:.*]] = arith.muli %[[TG]], %[[NP]] : i32
// CHECK-NEXT: %[[ZERO:c0_i32[_0-9]*]] = arith.constant 0 : i32
// CHECK-NEXT: %[[W:.*]] = arith.addi %[[ZERO]], %{{.*}} : i32
// CHECK-NEXT: %[[BLOCKBYTES:.*]] = arith.constant 135200 : i64
// CHECK-NEXT: %[[FIRST64:.*]] = arith.extui %[[FIRST]] : i32 to i64
// CHECK-NEXT: %[[OFF:.*]] = arith.muli %[[FIRST64]], %[[BLOCKBYTES]] : i64
// CHECK-NEXT: %[[BLOCK:.*]] = arith.addi %{{.*}}, %[[OFF]] : i64
// CHECK-NEXT: %[[TWO:.*]] = arith.constant 2 : i64
// CHECK-NEXT: %[[W64:.*]] = arith.extui %[[W]] : i32 to i64
// CHECK-NEXT: %[[WB:.*]] = arith.shli %[[W64]], %[[TWO]] : i64
// CHECK-NEXT: %[[COUNTER:.*]] = arith.addi %[[BLOCK]], %[[WB]] : i64
// CHECK: llvm.inline_asm has_side_effects "atom.acq_rel.gpu.global.add.u32 $0, [$1], 1;", "=r,l" %[[COUNTER]]
// CHECK: gpu.shuffle  idx
// CHECK: %[[LAST:.*]] = arith.cmpi eq, %{{.*}}, %{{.*}} : i32
// CHECK: scf.if %[[LAST]] {
// The last warp resets its counter for the next launch, then merges: the
// parts' maxima, then the parts' sums, each scaled by exp2(its pivot - the
// pivot of the whole row).
// CHECK: llvm.store %c0_i32{{.*}} : i32, !llvm.ptr<1>
// CHECK: llvm.inline_asm has_side_effects "fence.acq_rel.gpu;"
// CHECK-NEXT: llvm.inline_asm has_side_effects "bar.warp.sync -1;"
// CHECK: scf.for %{{.*}} iter_args(%{{.*}} = %cst{{.*}}, %{{.*}} = %cst{{.*}}) -> (f32, f32)
// Part k of the tile is CTA firstPart + k, the block the counter is in.
// CHECK-NEXT: %[[K:.*]] = arith.index_cast %{{.*}} : index to i32
// CHECK-NEXT: arith.addi %[[FIRST]], %[[K]] : i32
// CHECK-COUNT-2: "ld.global.cg.f32 $0, [$1];"
// CHECK: arith.maximumf
// CHECK: scf.for %{{.*}} iter_args({{.*}}) -> (f32, f32, !llvm.struct
// CHECK: llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"
// CHECK-COUNT-130: "ld.global.cg.f32 $0, [$1];"
// The merged tile goes out as in the persistent kernel.
// CHECK: llvm.inline_asm has_side_effects "st.global.cs.v4.b32 [$0], {$1, $2, $3, $4};"
// CHECK: math.log2
// CHECK: ws.role_return
// CHECK: role "consumer1"
// Consumer 1's values after consumer 0's: its first at 8 + 132 x 128.
// CHECK: arith.constant 16904 : i32
// CHECK: "atom.acq_rel.gpu.global.add.u32 $0, [$1], 1;"

func.func @split(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                 %idx: memref<?x?x1x256xi32>, %qs: i32,
                 %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x256xi32>) q_start(%qs)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, split_tail = true>}
  return
}
