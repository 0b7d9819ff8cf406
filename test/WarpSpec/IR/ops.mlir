// RUN: sparse-mla-opt %s | sparse-mla-opt | FileCheck %s
// RUN: sparse-mla-opt %s --mlir-print-op-generic | sparse-mla-opt | FileCheck %s

// The seesaw roles: each role is isolated, sees the captures as its own
// block arguments and declares its warps and register budget.
// CHECK-LABEL: func.func @seesaw_roles
// CHECK-SAME: (%[[Q:.*]]: memref<64x576xbf16, 3>, %[[N:.*]]: index)
// CHECK: ws.warp_specialize (%[[Q]], %[[N]]) : memref<64x576xbf16, 3>, index
// CHECK-NEXT: role "producer" warps(4) regs(72) (%{{.*}}: memref<64x576xbf16, 3>, %{{.*}}: index) {
// CHECK-NEXT: ws.role_return
// CHECK-NEXT: }
// CHECK-NEXT: role "consumer0" warps(4) regs(216) (%{{.*}}: memref<64x576xbf16, 3>, %[[N1:.*]]: index) {
// CHECK-NEXT: arith.addi %[[N1]], %[[N1]] : index
// CHECK-NEXT: ws.role_return
// CHECK-NEXT: }
// CHECK-NEXT: role "consumer1" warps(4) regs(216)
func.func @seesaw_roles(%q: memref<64x576xbf16, 3>, %n: index) {
  ws.warp_specialize (%q, %n) : memref<64x576xbf16, 3>, index
    role "producer" warps(4) regs(72) (%q0: memref<64x576xbf16, 3>, %n0: index) {
      ws.role_return
    }
    role "consumer0" warps(4) regs(216) (%q1: memref<64x576xbf16, 3>, %n1: index) {
      %c = arith.addi %n1, %n1 : index
      ws.role_return
    }
    role "consumer1" warps(4) regs(216) (%q2: memref<64x576xbf16, 3>, %n2: index) {
      ws.role_return
    }
  return
}

// No captures; one role of two warpgroups.
// CHECK-LABEL: func.func @no_captures
// CHECK: ws.warp_specialize ()
// CHECK-NEXT: role "all" warps(8) regs(128) () {
func.func @no_captures() {
  ws.warp_specialize ()
    role "all" warps(8) regs(128) () {
      ws.role_return
    }
  return
}

// A producer release that announces transaction bytes (TMA copies).
// CHECK-LABEL: func.func @release_tx
// CHECK: ws.channel.release producer %{{.*}}[%{{.*}}], %{{.*}} tx(73728) : !ws.channel<1>
func.func @release_tx(%bars: memref<2xi64, #gpu.address_space<workgroup>>) {
  %ch = ws.channel.create %bars producers(128) consumers(256)
      : memref<2xi64, #gpu.address_space<workgroup>> -> !ws.channel<1>
  %c0 = arith.constant 0 : index
  %slot, %tok = ws.channel.acquire producer %ch[%c0] : !ws.channel<1>
  ws.channel.release producer %ch[%slot], %tok tx(73728) : !ws.channel<1>
  return
}

// A channel that owns its buffer: created with it, the acquire returns the
// view of the acquired slot.
// CHECK-LABEL: func.func @owning_channel
// CHECK: %[[CH:.*]] = ws.channel.create %{{.*}} buffer(%{{.*}} : memref<2x8x16xf32, #gpu.address_space<workgroup>>) producers(128) consumers(128) : memref<4xi64, #gpu.address_space<workgroup>> -> !ws.channel<2, memref<2x8x16xf32, #gpu.address_space<workgroup>>>
// CHECK: %{{.*}}, %{{.*}}, %{{.*}} = ws.channel.acquire consumer %[[CH]][%{{.*}}] : !ws.channel<2, memref<2x8x16xf32, #gpu.address_space<workgroup>>> -> memref<8x16xf32, strided<[16, 1], offset: ?>, #gpu.address_space<workgroup>>
func.func @owning_channel(%bars: memref<4xi64, #gpu.address_space<workgroup>>,
                          %ring: memref<2x8x16xf32, #gpu.address_space<workgroup>>,
                          %i: index) {
  %ch = ws.channel.create %bars buffer(%ring : memref<2x8x16xf32, #gpu.address_space<workgroup>>) producers(128) consumers(128) : memref<4xi64, #gpu.address_space<workgroup>> -> !ws.channel<2, memref<2x8x16xf32, #gpu.address_space<workgroup>>>
  %s, %t, %v = ws.channel.acquire consumer %ch[%i] : !ws.channel<2, memref<2x8x16xf32, #gpu.address_space<workgroup>>> -> memref<8x16xf32, strided<[16, 1], offset: ?>, #gpu.address_space<workgroup>>
  ws.channel.release consumer %ch[%s], %t : !ws.channel<2, memref<2x8x16xf32, #gpu.address_space<workgroup>>>
  return
}

// A value channel: a send stores its values into the slot of its transfer
// (one index group each; with `if`, only where the predicate holds), a
// receive loads them; both name the channel, the transfer and the indices
// into the slot.
// CHECK-LABEL: func.func @value_channel
// CHECK: ws.channel.send %{{.*}} to %{{.*}}[%{{.*}}] at [%{{.*}}] : f32 to !ws.channel<1, memref<1x64xf32, #gpu.address_space<workgroup>>>
// CHECK: %{{.*}} = ws.channel.receive %{{.*}}[%{{.*}}] at [%{{.*}}] : !ws.channel<1, memref<1x64xf32, #gpu.address_space<workgroup>>> -> f32
// CHECK: ws.channel.send %{{.*}}, %{{.*}} to %{{.*}}[%{{.*}}] at [%{{.*}}], [%{{.*}}] if %{{.*}} : f32, f32 to !ws.channel<1, memref<1x64xf32, #gpu.address_space<workgroup>>>
// CHECK: %{{.*}}:2 = ws.channel.receive %{{.*}}[%{{.*}}] at [%{{.*}}], [%{{.*}}] : !ws.channel<1, memref<1x64xf32, #gpu.address_space<workgroup>>> -> f32, f32
func.func @value_channel(%bars: memref<2xi64, #gpu.address_space<workgroup>>,
                         %ring: memref<1x64xf32, #gpu.address_space<workgroup>>,
                         %i: index, %row: index, %m: f32, %leader: i1) -> f32 {
  %ch = ws.channel.create %bars buffer(%ring : memref<1x64xf32, #gpu.address_space<workgroup>>) producers(128) consumers(128) : memref<2xi64, #gpu.address_space<workgroup>> -> !ws.channel<1, memref<1x64xf32, #gpu.address_space<workgroup>>>
  ws.channel.send %m to %ch[%i] at [%row] : f32 to !ws.channel<1, memref<1x64xf32, #gpu.address_space<workgroup>>>
  %v = ws.channel.receive %ch[%i] at [%row] : !ws.channel<1, memref<1x64xf32, #gpu.address_space<workgroup>>> -> f32
  ws.channel.send %m, %v to %ch[%i] at [%row], [%i] if %leader : f32, f32 to !ws.channel<1, memref<1x64xf32, #gpu.address_space<workgroup>>>
  %a, %b = ws.channel.receive %ch[%i] at [%row], [%i] : !ws.channel<1, memref<1x64xf32, #gpu.address_space<workgroup>>> -> f32, f32
  return %v : f32
}
