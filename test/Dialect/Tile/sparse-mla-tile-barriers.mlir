// RUN: sparse-mla-opt %s --pass-pipeline='builtin.module(gpu.module(gpu.func(sparse-mla-tile-barriers)))' | FileCheck %s

// A barrier goes exactly where a tile op meets another's access of the same
// elements since the last barrier (write-read, read-write, write-write),
// before loops and side-effecting ops when anything is pending, and at the
// end of a loop body.

// CHECK-LABEL: gpu.func @program
// Independent writes (Q, the accumulator, two disjoint rows of one
// statistics buffer): no barrier between them.
// CHECK: sparse_mla_tile.load
// CHECK-NEXT: sparse_mla_tile.fill %{{.*}} into %[[ACC:[a-z0-9_]+]]
// CHECK-NEXT: sparse_mla_tile.fill %{{.*}} into %[[MAX:[a-z0-9_]+]]
// CHECK-NEXT: sparse_mla_tile.fill %{{.*}} into %[[SUM:[a-z0-9_]+]]
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: scf.for
// The rows are materialized (a synchronous op reads them): written, then
// read by the gather.
// CHECK-NEXT: sparse_mla_tile.block_rows
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: sparse_mla_tile.gather
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: sparse_mla_tile.matmul {{.*}} transpose_b
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: sparse_mla_tile.softmax_step
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: sparse_mla_tile.matmul
// The loop body ends synchronized.
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: }
// After the loop nothing is pending.
// CHECK-NEXT: sparse_mla_tile.finish
// CHECK-NEXT: gpu.return

// CHECK-LABEL: gpu.func @roles
// An async gather is synchronized by its channel; rows only it reads are
// not materialized: no barrier in the producer.
// CHECK: role "producer"
// CHECK-NOT: gpu.barrier
// CHECK: ws.role_return
// CHECK: role "consumer"
// Nothing pending at the acquire; the read of a pending write before the
// release is flushed first.
// CHECK: ws.channel.acquire
// CHECK-NEXT: sparse_mla_tile.fill
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: ws.channel.release
gpu.module @m {
  gpu.func @program(%q: memref<1x4x8x64xbf16>, %kv: memref<1x100x1x64xbf16>,
                    %idx: memref<1x4x1x64xi32>, %out: memref<1x4x8x48xbf16>,
                    %lse: memref<1x4x8xf32>, %b: index, %skv: i64, %scale: f32) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %zero = arith.constant 0.0 : f32
    %qt = memref.alloc() : memref<4x64xbf16, #gpu.address_space<workgroup>>
    %kt = memref.alloc() : memref<32x64xbf16, #gpu.address_space<workgroup>>
    %st = memref.alloc() : memref<4x32xf32, #gpu.address_space<workgroup>>
    %acc = memref.alloc() : memref<4x48xf32, #gpu.address_space<workgroup>>
    %stats = memref.alloc() : memref<3x4xf32, #gpu.address_space<workgroup>>
    %mx = memref.subview %stats[0, 0] [1, 4] [1, 1] : memref<3x4xf32, #gpu.address_space<workgroup>> to memref<4xf32, strided<[1]>, #gpu.address_space<workgroup>>
    %sm = memref.subview %stats[1, 0] [1, 4] [1, 1] : memref<3x4xf32, #gpu.address_space<workgroup>> to memref<4xf32, strided<[1], offset: 4>, #gpu.address_space<workgroup>>
    %al = memref.subview %stats[2, 0] [1, 4] [1, 1] : memref<3x4xf32, #gpu.address_space<workgroup>> to memref<4xf32, strided<[1], offset: 8>, #gpu.address_space<workgroup>>
    sparse_mla_tile.load %q[%b, %b, %b] into %qt : memref<1x4x8x64xbf16>, memref<4x64xbf16, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %zero into %acc : f32, memref<4x48xf32, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %zero into %mx : f32, memref<4xf32, strided<[1]>, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %zero into %sm : f32, memref<4xf32, strided<[1], offset: 4>, #gpu.address_space<workgroup>>
    scf.for %blk = %c0 to %c2 step %c1 {
      %rows = sparse_mla_tile.block_rows %idx[%b, %b, %b] block %blk below %skv : memref<1x4x1x64xi32> -> !sparse_mla_tile.rows<32>
      sparse_mla_tile.gather %kv[%b, %b] rows(%rows) into %kt : memref<1x100x1x64xbf16>, !sparse_mla_tile.rows<32>, memref<32x64xbf16, #gpu.address_space<workgroup>>
      sparse_mla_tile.matmul %qt, %kt transpose_b into %st mask(%rows : !sparse_mla_tile.rows<32>) scale(%scale) : memref<4x64xbf16, #gpu.address_space<workgroup>>, memref<32x64xbf16, #gpu.address_space<workgroup>>, memref<4x32xf32, #gpu.address_space<workgroup>>
      sparse_mla_tile.softmax_step %st max(%mx) sum(%sm) rescale(%al) : memref<4x32xf32, #gpu.address_space<workgroup>>, memref<4xf32, strided<[1]>, #gpu.address_space<workgroup>>, memref<4xf32, strided<[1], offset: 4>, #gpu.address_space<workgroup>>, memref<4xf32, strided<[1], offset: 8>, #gpu.address_space<workgroup>>
      sparse_mla_tile.matmul %st, %kt into %acc row_scale(%al : memref<4xf32, strided<[1], offset: 8>, #gpu.address_space<workgroup>>) : memref<4x32xf32, #gpu.address_space<workgroup>>, memref<32x64xbf16, #gpu.address_space<workgroup>>, memref<4x48xf32, #gpu.address_space<workgroup>>
    }
    sparse_mla_tile.finish %acc max(%mx) sum(%sm) out(%out) lse(%lse) at[%b, %b, %b] : memref<4x48xf32, #gpu.address_space<workgroup>>, memref<4xf32, strided<[1]>, #gpu.address_space<workgroup>>, memref<4xf32, strided<[1], offset: 4>, #gpu.address_space<workgroup>>, memref<1x4x8x48xbf16>, memref<1x4x8xf32>
    gpu.return
  }

  gpu.func @roles(%kv: memref<1x100x1x64xbf16>, %idx: memref<1x4x1x64xi32>,
                  %b: index, %skv: i64) {
    %bars = memref.alloc() : memref<2xi64, #gpu.address_space<workgroup>>
    %kt = memref.alloc() : memref<32x64xbf16, #gpu.address_space<workgroup>>
    %acc = memref.alloc() : memref<4x48xf32, #gpu.address_space<workgroup>>
    %ch = ws.channel.create %bars producers(128) consumers(128) : memref<2xi64, #gpu.address_space<workgroup>> -> !ws.channel<1>
    ws.warp_specialize (%kv, %idx, %b, %skv, %kt, %acc, %ch) : memref<1x100x1x64xbf16>, memref<1x4x1x64xi32>, index, i64, memref<32x64xbf16, #gpu.address_space<workgroup>>, memref<4x48xf32, #gpu.address_space<workgroup>>, !ws.channel<1>
      role "producer" warps(4) regs(56) (%kv0: memref<1x100x1x64xbf16>, %idx0: memref<1x4x1x64xi32>, %b0: index, %skv0: i64, %kt0: memref<32x64xbf16, #gpu.address_space<workgroup>>, %acc0: memref<4x48xf32, #gpu.address_space<workgroup>>, %ch0: !ws.channel<1>) {
        %s, %t = ws.channel.acquire producer %ch0[%b0] : !ws.channel<1>
        %rows = sparse_mla_tile.block_rows %idx0[%b0, %b0, %b0] block %b0 below %skv0 : memref<1x4x1x64xi32> -> !sparse_mla_tile.rows<32>
        sparse_mla_tile.gather %kv0[%b0, %b0] rows(%rows) into %kt0 async : memref<1x100x1x64xbf16>, !sparse_mla_tile.rows<32>, memref<32x64xbf16, #gpu.address_space<workgroup>>
        ws.channel.release producer %ch0[%s], %t async : !ws.channel<1>
        ws.role_return
      }
      role "consumer" warps(4) regs(232) (%kv1: memref<1x100x1x64xbf16>, %idx1: memref<1x4x1x64xi32>, %b1: index, %skv1: i64, %kt1: memref<32x64xbf16, #gpu.address_space<workgroup>>, %acc1: memref<4x48xf32, #gpu.address_space<workgroup>>, %ch1: !ws.channel<1>) {
        %zero = arith.constant 0.0 : f32
        %s, %t = ws.channel.acquire consumer %ch1[%b1] : !ws.channel<1>
        sparse_mla_tile.fill %zero into %acc1 : f32, memref<4x48xf32, #gpu.address_space<workgroup>>
        ws.channel.release consumer %ch1[%s], %t : !ws.channel<1>
        ws.role_return
      }
    gpu.return
  }
}
