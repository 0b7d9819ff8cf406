// RUN: sparse-mla-opt %s | sparse-mla-opt | FileCheck %s
// RUN: sparse-mla-opt %s --mlir-print-op-generic | sparse-mla-opt | FileCheck %s

// The seesaw roles: each role is isolated, sees the captures as its own
// block arguments and declares its warps and register budget.
// CHECK-LABEL: func.func @seesaw_roles
// CHECK-SAME: (%[[Q:.*]]: memref<64x576xbf16, 3>, %[[N:.*]]: index)
// CHECK: sparse_mla.warp_specialize (%[[Q]], %[[N]]) : memref<64x576xbf16, 3>, index
// CHECK-NEXT: role "producer" warps(4) regs(72) (%{{.*}}: memref<64x576xbf16, 3>, %{{.*}}: index) {
// CHECK-NEXT: sparse_mla.role_return
// CHECK-NEXT: }
// CHECK-NEXT: role "consumer0" warps(4) regs(216) (%{{.*}}: memref<64x576xbf16, 3>, %[[N1:.*]]: index) {
// CHECK-NEXT: arith.addi %[[N1]], %[[N1]] : index
// CHECK-NEXT: sparse_mla.role_return
// CHECK-NEXT: }
// CHECK-NEXT: role "consumer1" warps(4) regs(216)
func.func @seesaw_roles(%q: memref<64x576xbf16, 3>, %n: index) {
  sparse_mla.warp_specialize (%q, %n) : memref<64x576xbf16, 3>, index
    role "producer" warps(4) regs(72) (%q0: memref<64x576xbf16, 3>, %n0: index) {
      sparse_mla.role_return
    }
    role "consumer0" warps(4) regs(216) (%q1: memref<64x576xbf16, 3>, %n1: index) {
      %c = arith.addi %n1, %n1 : index
      sparse_mla.role_return
    }
    role "consumer1" warps(4) regs(216) (%q2: memref<64x576xbf16, 3>, %n2: index) {
      sparse_mla.role_return
    }
  return
}

// No captures; one role of two warpgroups.
// CHECK-LABEL: func.func @no_captures
// CHECK: sparse_mla.warp_specialize ()
// CHECK-NEXT: role "all" warps(8) regs(128) () {
func.func @no_captures() {
  sparse_mla.warp_specialize ()
    role "all" warps(8) regs(128) () {
      sparse_mla.role_return
    }
  return
}
