// RUN: sparse-mla-opt %s --convert-sparse-mla-to-tiles --convert-sparse-mla-seesaw-to-gpu --convert-sparse-mla-tiles-to-hopper | FileCheck %s

// The persistent seesaw kernel (schedule `persistent = true`): every role
// loops over tiles t = ctaId + n x numCtas below B x S x (H / 64), the
// channels' iterations continue across tiles, and the producer loads the
// next tile's Q once both consumers have run their last QK^T of the current
// one. The per-round protocol is that of convert-sparse-mla-seesaw-to-gpu.mlir.

// The launch keeps one CTA per tile (which the kernel computes correctly
// too); kernel_info asks the runtime for one CTA per SM instead.
// CHECK-LABEL: func.func @persistent
// CHECK: gpu.launch_func @sparse_mla_kernels::@sparse_mla_fwd_seesaw blocks in (%{{.*}}, %{{.*}}, %{{.*}})
// CHECK-SAME: ctas_per_sm = 1 : i64

// Producer: the tile loop's condition recomputes the tile id from the
// special registers (side-effecting reads: nothing is hoisted into registers
// held across the tile) and compares it unsigned with the tile count.
// CHECK: role "producer" warps(4) regs(40) ({{.*}}%[[L0:[a-z0-9_]+]]: !ws.channel<1>, %[[R0:[a-z0-9_]+]]: !ws.channel<1>, %[[L1:[a-z0-9_]+]]: !ws.channel<1>, %[[R1:[a-z0-9_]+]]: !ws.channel<1>, %[[Q:[a-z0-9_]+]]: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: memref<2xi64
// CHECK: scf.while (%[[N:.*]] = %c0_i32) : (i32) -> i32 {
// CHECK: llvm.inline_asm has_side_effects "mov.u32 $0, %nctaid.x;"
// CHECK: %[[NT:.*]] = arith.muli %[[N]], %{{.*}} : i32
// CHECK: %[[T:.*]] = arith.addi %{{.*}}, %[[NT]] : i32
// CHECK: %[[MORE:.*]] = arith.cmpi ult, %[[T]], %{{.*}} : i32
// CHECK-NEXT: scf.condition(%[[MORE]]) %[[N]] : i32
// CHECK-NEXT: } do {
// CHECK-NEXT: ^bb0(%[[PN:.*]]: i32):
// Q of tile n: channel iteration n, then the 9 TMA boxes.
// CHECK: %[[QN:.*]] = arith.muli %[[PN]], %c1_i32{{.*}} : i32
// CHECK: %[[QI:.*]] = arith.addi %[[QN]], %{{.*}} : i32
// CHECK: %[[QIX:.*]] = arith.index_cast %[[QI]] : i32 to index
// CHECK: ws.channel.acquire producer %[[Q]][%[[QIX]]]
// CHECK-NEXT: ws.channel.release producer %[[Q]][%{{.*}}], %{{.*}} tx(73728)
// CHECK-COUNT-9: nvvm.cp.async.bulk.tensor.shared.cluster.global
// KV halves of round i of tile n at channel iteration 2 n + i (two rounds
// per tile here).
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %c2{{.*}} step
// CHECK: %[[KN:.*]] = arith.muli %[[PN]], %c2_i32{{.*}} : i32
// CHECK: %[[KI:.*]] = arith.addi %[[KN]], %{{.*}} : i32
// CHECK: %[[KIX:.*]] = arith.index_cast %[[KI]] : i32 to index
// CHECK: ws.channel.acquire producer %[[L0]][%[[KIX]]]
// CHECK: ws.channel.release producer %[[L0]]{{.*}} async
// CHECK: ws.channel.release producer %[[R1]]{{.*}} async
// CHECK: ws.channel.release producer %[[R0]]{{.*}} async
// CHECK: ws.channel.release producer %[[L1]]{{.*}} async
// CHECK: %[[NEXT:.*]] = arith.addi %[[PN]], %c1_i32{{.*}} : i32
// CHECK-NEXT: scf.yield %[[NEXT]] : i32
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: ws.role_return

// Consumer 0: Q of tile n, then the rounds; after the last round's QK^T
// (i = 1) it frees Q for the producer, inside the round loop.
// CHECK: role "consumer0" warps(4) regs(232) ({{.*}}%[[AL0:[a-z0-9_]+]]: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %[[AQ:[a-z0-9_]+]]: !ws.channel<1>, %[[AMAX0:[a-z0-9_]+]]: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: memref<2xi64
// CHECK: scf.while
// CHECK: } do {
// CHECK: %[[QS:[a-z0-9_]+]], %[[QT:[a-z0-9_]+]] = ws.channel.acquire consumer %[[AQ]]
// The statistics channel runs three iterations per tile (two rounds and the
// row sums): 3 n + i.
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %c2{{.*}} step %{{.*}} iter_args
// CHECK: arith.muli %{{.*}}, %c3_i32{{.*}} : i32
// CHECK: ws.channel.acquire consumer %[[AL0]]
// CHECK: hopper.wgmma_wait 0,
// CHECK: %[[LAST:.*]] = arith.cmpi eq, %[[J]], %c1{{.*}} : index
// CHECK-NEXT: scf.if %[[LAST]] {
// CHECK-NEXT: ws.channel.release consumer %[[AQ]][%[[QS]]], %[[QT]]
// CHECK-NEXT: }
// CHECK: ws.channel.acquire producer %[[AMAX0]]
// The epilogue's row sums at iteration 3 n + 2, its stores at the tile's
// coordinates, then the next tile. With one head block per token (H = 64)
// the rows' addresses are the same for every tile; consumer 0 takes its two
// rows through a per-tile copy rather than holding them across the tile
// loop (bench/LOG.md step 52).
// CHECK: scf.yield
// CHECK: llvm.inline_asm has_side_effects "mov.b64 $0, $1;", "=l,l"
// CHECK-NEXT: arith.index_cast
// CHECK-NEXT: arith.index_cast
// CHECK-NEXT: llvm.inline_asm has_side_effects "mov.b64 $0, $1;", "=l,l"
// CHECK: arith.muli %{{.*}}, %c3_i32{{.*}} : i32
// CHECK: ws.channel.acquire producer %[[AMAX0]]
// CHECK: llvm.inline_asm has_side_effects "st.global.cs.v4.b32 [$0], {$1, $2, $3, $4};"
// CHECK: math.log2
// CHECK: scf.yield %{{.*}} : i32
// CHECK: ws.role_return
// RUN: sparse-mla-opt %s --convert-sparse-mla-to-tiles --convert-sparse-mla-seesaw-to-gpu --convert-sparse-mla-tiles-to-hopper | FileCheck %s

func.func @persistent(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                      %idx: memref<?x?x1x256xi32>, %qs: i32,
                      %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x256xi32>) q_start(%qs)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {causal = true,
                  schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true>}
  return
}
