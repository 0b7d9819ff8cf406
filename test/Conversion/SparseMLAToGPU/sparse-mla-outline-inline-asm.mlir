// RUN: sparse-mla-opt %s --pass-pipeline="builtin.module(gpu.module(sparse-mla-outline-inline-asm))" | FileCheck %s

// Two uses of one statement (same PTX, constraints, flags and types) share a
// function; a statement that differs in any of them gets its own. Each use
// becomes a call, its result used where the statement's was.

// CHECK-LABEL: gpu.module @kernels
// CHECK: llvm.func @k(%[[P:.*]]: !llvm.ptr<1>, %[[X:.*]]: i32, %[[Y:.*]]: i64)
// CHECK: llvm.call @__sparse_mla_asm_0(%[[P]], %[[X]]) : (!llvm.ptr<1>, i32) -> ()
// CHECK: %[[A:.*]] = llvm.call @__sparse_mla_asm_1(%[[X]]) : (i32) -> i32
// CHECK: %[[B:.*]] = llvm.call @__sparse_mla_asm_1(%[[A]]) : (i32) -> i32
// CHECK: %[[C:.*]] = llvm.call @__sparse_mla_asm_2(%[[Y]]) : (i64) -> i64
// CHECK: llvm.call @__sparse_mla_asm_0(%[[P]], %[[B]]) : (!llvm.ptr<1>, i32) -> ()
// CHECK: %[[D:.*]] = llvm.call @__sparse_mla_asm_3(%[[X]]) : (i32) -> i32
// CHECK: llvm.call @__sparse_mla_asm_4(%[[X]], %[[X]]) : (i32, i32) -> i32
// CHECK: llvm.call @__sparse_mla_asm_4(%[[X]], %[[D]]) : (i32, i32) -> i32
// CHECK: llvm.return
// CHECK: llvm.func @other(%[[X2:.*]]: i32) -> i32
// CHECK: %[[E:.*]] = llvm.call @__sparse_mla_asm_1(%[[X2]]) : (i32) -> i32
// CHECK: llvm.return %[[E]] : i32
// CHECK: llvm.func internal @__sparse_mla_asm_0(%[[H0:.*]]: !llvm.ptr<1>, %[[H1:.*]]: i32) attributes {always_inline}
// CHECK-NEXT: llvm.inline_asm has_side_effects "st.global.cs.b32 [$0], $1;", "l,r" %[[H0]], %[[H1]] : (!llvm.ptr<1>, i32) -> ()
// CHECK-NEXT: llvm.return
// CHECK: llvm.func internal @__sparse_mla_asm_1(%[[H2:.*]]: i32) -> i32 attributes {always_inline}
// CHECK-NEXT: %[[R:.*]] = llvm.inline_asm has_side_effects "mov.b32 $0, $1;", "=r,r" %[[H2]] : (i32) -> i32
// CHECK-NEXT: llvm.return %[[R]] : i32
// CHECK: llvm.func internal @__sparse_mla_asm_2(%{{.*}}: i64) -> i64 attributes {always_inline}
// CHECK-NEXT: llvm.inline_asm has_side_effects "mov.b64 $0, $1;", "=l,l"
// CHECK: llvm.func internal @__sparse_mla_asm_3(%{{.*}}: i32) -> i32 attributes {always_inline}
// CHECK-NEXT: llvm.inline_asm "mov.b32 $0, $1;", "=r,r"
// A value the first use passes twice is still two arguments (the second use
// passes two values).
// CHECK: llvm.func internal @__sparse_mla_asm_4(%arg0: i32, %arg1: i32) -> i32 attributes {always_inline}
// CHECK-NEXT: llvm.inline_asm has_side_effects "add.s32 $0, $1, $2;", "=r,r,n" %arg0, %arg1 : (i32, i32) -> i32
// CHECK-NOT: llvm.func
module attributes {gpu.container_module} {
  gpu.module @kernels {
    llvm.func @k(%p: !llvm.ptr<1>, %x: i32, %y: i64) {
      llvm.inline_asm has_side_effects "st.global.cs.b32 [$0], $1;", "l,r" %p, %x : (!llvm.ptr<1>, i32) -> ()
      %a = llvm.inline_asm has_side_effects "mov.b32 $0, $1;", "=r,r" %x : (i32) -> i32
      %b = llvm.inline_asm has_side_effects "mov.b32 $0, $1;", "=r,r" %a : (i32) -> i32
      %c = llvm.inline_asm has_side_effects "mov.b64 $0, $1;", "=l,l" %y : (i64) -> i64
      llvm.inline_asm has_side_effects "st.global.cs.b32 [$0], $1;", "l,r" %p, %b : (!llvm.ptr<1>, i32) -> ()
      // Without has_side_effects: another statement.
      %d = llvm.inline_asm "mov.b32 $0, $1;", "=r,r" %x : (i32) -> i32
      %f = llvm.inline_asm has_side_effects "add.s32 $0, $1, $2;", "=r,r,n" %x, %x : (i32, i32) -> i32
      %g = llvm.inline_asm has_side_effects "add.s32 $0, $1, $2;", "=r,r,n" %x, %d : (i32, i32) -> i32
      llvm.return
    }
    llvm.func @other(%x: i32) -> i32 {
      %e = llvm.inline_asm has_side_effects "mov.b32 $0, $1;", "=r,r" %x : (i32) -> i32
      llvm.return %e : i32
    }
  }
}
