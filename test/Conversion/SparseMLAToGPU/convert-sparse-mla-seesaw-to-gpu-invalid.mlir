// RUN: sparse-mla-opt %s -split-input-file --convert-sparse-mla-seesaw-to-gpu -verify-diagnostics | FileCheck %s

// The kernels below are what convert-sparse-mla-to-tiles makes of a seesaw op
// (H = 64, topk = 128, not causal), each changed in one way.

// The mark must name a seesaw schedule and whether this is the split kernel.
module attributes {gpu.container_module} {
gpu.module @sparse_mla_kernels {
  // expected-error @+1 {{'gpu.func' op sparse_mla_tile.seesaw must be a dictionary with a seesaw `schedule` and `split` (bool), but is {kv_stride = 1 : i64, split = false}}}
  gpu.func @sparse_mla_fwd_seesaw(%arg0: memref<?x?x64x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, %arg1: memref<?x?x1x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, %arg2: memref<?x?x1x128xi32, strided<[?, ?, ?, 1], offset: ?>>, %arg3: i32, %arg4: memref<?x?x64x512xbf16, strided<[?, ?, ?, 1], offset: ?>>, %arg5: memref<?x?x64xf32, strided<[?, ?, 1], offset: ?>>, %arg6: f32, %arg7: !llvm.ptr) kernel attributes {known_block_size = array<i32: 384, 1, 1>, sparse_mla_tile.seesaw = {kv_stride = 1 : i64, split = false}} {
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %cst = arith.constant 0xFF800000 : f32
    %cst_0 = arith.constant 0.000000e+00 : f32
    %c1 = arith.constant 1 : index
    %block_id_x = gpu.block_id  x
    %block_id_y = gpu.block_id  y
    %dim = memref.dim %arg1, %c1 : memref<?x?x1x576xbf16, strided<[?, ?, ?, 1], offset: ?>>
    %0 = arith.index_cast %dim : index to i64
    %alloc = memref.alloc() : memref<64x576xbf16, #gpu.address_space<workgroup>>
    %alloc_1 = memref.alloc() : memref<2x64x578xbf16, #gpu.address_space<workgroup>>
    %alloc_2 = memref.alloc() : memref<64x64xf32, #gpu.address_space<workgroup>>
    %alloc_3 = memref.alloc() : memref<64x512xf32, #gpu.address_space<workgroup>>
    %alloc_4 = memref.alloc() : memref<3x64xf32, #gpu.address_space<workgroup>>
    %subview = memref.subview %alloc_4[0, 0] [1, 64] [1, 1] : memref<3x64xf32, #gpu.address_space<workgroup>> to memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>
    %subview_5 = memref.subview %alloc_4[1, 0] [1, 64] [1, 1] : memref<3x64xf32, #gpu.address_space<workgroup>> to memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>
    %subview_6 = memref.subview %alloc_4[2, 0] [1, 64] [1, 1] : memref<3x64xf32, #gpu.address_space<workgroup>> to memref<64xf32, strided<[1], offset: 128>, #gpu.address_space<workgroup>>
    %subview_7 = memref.subview %alloc_1[0, 0, 0] [1, 64, 576] [1, 1, 1] : memref<2x64x578xbf16, #gpu.address_space<workgroup>> to memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>
    sparse_mla_tile.load %arg0[%block_id_y, %block_id_x, %c0] into %alloc : memref<?x?x64x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, memref<64x576xbf16, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %cst_0 into %alloc_3 : f32, memref<64x512xf32, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %cst into %subview : f32, memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %cst_0 into %subview_5 : f32, memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>
    scf.for %arg8 = %c0 to %c2 step %c1 {
      %1 = sparse_mla_tile.block_rows %arg2[%block_id_y, %block_id_x, %c0] block %arg8 below %0 : memref<?x?x1x128xi32, strided<[?, ?, ?, 1], offset: ?>> -> !sparse_mla_tile.rows<64>
      sparse_mla_tile.gather %arg1[%block_id_y, %c0] rows(%1) into %subview_7 : memref<?x?x1x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, !sparse_mla_tile.rows<64>, memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>
      sparse_mla_tile.matmul %alloc, %subview_7 transpose_b into %alloc_2 mask(%1 : !sparse_mla_tile.rows<64>) scale(%arg6) : memref<64x576xbf16, #gpu.address_space<workgroup>>, memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>, memref<64x64xf32, #gpu.address_space<workgroup>>
      sparse_mla_tile.softmax_step %alloc_2 max(%subview) sum(%subview_5) rescale(%subview_6) : memref<64x64xf32, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1], offset: 128>, #gpu.address_space<workgroup>>
      sparse_mla_tile.matmul %alloc_2, %subview_7 into %alloc_3 row_scale(%subview_6 : memref<64xf32, strided<[1], offset: 128>, #gpu.address_space<workgroup>>) : memref<64x64xf32, #gpu.address_space<workgroup>>, memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>, memref<64x512xf32, #gpu.address_space<workgroup>>
    }
    sparse_mla_tile.finish %alloc_3 max(%subview) sum(%subview_5) out(%arg4) lse(%arg5) at[%block_id_y, %block_id_x, %c0] : memref<64x512xf32, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>, memref<?x?x64x512xbf16, strided<[?, ?, ?, 1], offset: ?>>, memref<?x?x64xf32, strided<[?, ?, 1], offset: ?>>
    gpu.return
  }
}
}

// -----

// The kv stride is not in the program (only in its causal bound's arithmetic).
module attributes {gpu.container_module} {
gpu.module @sparse_mla_kernels {
  // expected-error @+1 {{'gpu.func' op sparse_mla_tile.seesaw must hold `kv_stride` (integer), but is}}
  gpu.func @sparse_mla_fwd_seesaw(%arg0: memref<?x?x64x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, %arg1: memref<?x?x1x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, %arg2: memref<?x?x1x128xi32, strided<[?, ?, ?, 1], offset: ?>>, %arg3: i32, %arg4: memref<?x?x64x512xbf16, strided<[?, ?, ?, 1], offset: ?>>, %arg5: memref<?x?x64xf32, strided<[?, ?, 1], offset: ?>>, %arg6: f32, %arg7: !llvm.ptr) kernel attributes {known_block_size = array<i32: 384, 1, 1>, sparse_mla_tile.seesaw = {schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true>, split = false}} {
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %cst = arith.constant 0xFF800000 : f32
    %cst_0 = arith.constant 0.000000e+00 : f32
    %c1 = arith.constant 1 : index
    %block_id_x = gpu.block_id  x
    %block_id_y = gpu.block_id  y
    %dim = memref.dim %arg1, %c1 : memref<?x?x1x576xbf16, strided<[?, ?, ?, 1], offset: ?>>
    %0 = arith.index_cast %dim : index to i64
    %alloc = memref.alloc() : memref<64x576xbf16, #gpu.address_space<workgroup>>
    %alloc_1 = memref.alloc() : memref<2x64x578xbf16, #gpu.address_space<workgroup>>
    %alloc_2 = memref.alloc() : memref<64x64xf32, #gpu.address_space<workgroup>>
    %alloc_3 = memref.alloc() : memref<64x512xf32, #gpu.address_space<workgroup>>
    %alloc_4 = memref.alloc() : memref<3x64xf32, #gpu.address_space<workgroup>>
    %subview = memref.subview %alloc_4[0, 0] [1, 64] [1, 1] : memref<3x64xf32, #gpu.address_space<workgroup>> to memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>
    %subview_5 = memref.subview %alloc_4[1, 0] [1, 64] [1, 1] : memref<3x64xf32, #gpu.address_space<workgroup>> to memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>
    %subview_6 = memref.subview %alloc_4[2, 0] [1, 64] [1, 1] : memref<3x64xf32, #gpu.address_space<workgroup>> to memref<64xf32, strided<[1], offset: 128>, #gpu.address_space<workgroup>>
    %subview_7 = memref.subview %alloc_1[0, 0, 0] [1, 64, 576] [1, 1, 1] : memref<2x64x578xbf16, #gpu.address_space<workgroup>> to memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>
    sparse_mla_tile.load %arg0[%block_id_y, %block_id_x, %c0] into %alloc : memref<?x?x64x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, memref<64x576xbf16, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %cst_0 into %alloc_3 : f32, memref<64x512xf32, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %cst into %subview : f32, memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %cst_0 into %subview_5 : f32, memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>
    scf.for %arg8 = %c0 to %c2 step %c1 {
      %1 = sparse_mla_tile.block_rows %arg2[%block_id_y, %block_id_x, %c0] block %arg8 below %0 : memref<?x?x1x128xi32, strided<[?, ?, ?, 1], offset: ?>> -> !sparse_mla_tile.rows<64>
      sparse_mla_tile.gather %arg1[%block_id_y, %c0] rows(%1) into %subview_7 : memref<?x?x1x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, !sparse_mla_tile.rows<64>, memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>
      sparse_mla_tile.matmul %alloc, %subview_7 transpose_b into %alloc_2 mask(%1 : !sparse_mla_tile.rows<64>) scale(%arg6) : memref<64x576xbf16, #gpu.address_space<workgroup>>, memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>, memref<64x64xf32, #gpu.address_space<workgroup>>
      sparse_mla_tile.softmax_step %alloc_2 max(%subview) sum(%subview_5) rescale(%subview_6) : memref<64x64xf32, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1], offset: 128>, #gpu.address_space<workgroup>>
      sparse_mla_tile.matmul %alloc_2, %subview_7 into %alloc_3 row_scale(%subview_6 : memref<64xf32, strided<[1], offset: 128>, #gpu.address_space<workgroup>>) : memref<64x64xf32, #gpu.address_space<workgroup>>, memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>, memref<64x512xf32, #gpu.address_space<workgroup>>
    }
    sparse_mla_tile.finish %alloc_3 max(%subview) sum(%subview_5) out(%arg4) lse(%arg5) at[%block_id_y, %block_id_x, %c0] : memref<64x512xf32, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>, memref<?x?x64x512xbf16, strided<[?, ?, ?, 1], offset: ?>>, memref<?x?x64xf32, strided<[?, ?, 1], offset: ?>>
    gpu.return
  }
}
}

// -----

// A body that is not one op's tile program (here: no finish) is refused.
module attributes {gpu.container_module} {
gpu.module @sparse_mla_kernels {
  // expected-error @+1 {{'gpu.func' op is marked sparse_mla_tile.seesaw but its body is not the tile program of one sparse_mla.fwd (one load, three fills, then per block: block_rows, the gather and the logits matmul masked by its rows, softmax_step, the P V matmul; one finish), as convert-sparse-mla-to-tiles makes it}}
  gpu.func @sparse_mla_fwd_seesaw(%arg0: memref<?x?x64x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, %arg1: memref<?x?x1x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, %arg2: memref<?x?x1x128xi32, strided<[?, ?, ?, 1], offset: ?>>, %arg3: i32, %arg4: memref<?x?x64x512xbf16, strided<[?, ?, ?, 1], offset: ?>>, %arg5: memref<?x?x64xf32, strided<[?, ?, 1], offset: ?>>, %arg6: f32, %arg7: !llvm.ptr) kernel attributes {known_block_size = array<i32: 384, 1, 1>, sparse_mla_tile.seesaw = {kv_stride = 1 : i64, schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true>, split = false}} {
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %cst = arith.constant 0xFF800000 : f32
    %cst_0 = arith.constant 0.000000e+00 : f32
    %c1 = arith.constant 1 : index
    %block_id_x = gpu.block_id  x
    %block_id_y = gpu.block_id  y
    %dim = memref.dim %arg1, %c1 : memref<?x?x1x576xbf16, strided<[?, ?, ?, 1], offset: ?>>
    %0 = arith.index_cast %dim : index to i64
    %alloc = memref.alloc() : memref<64x576xbf16, #gpu.address_space<workgroup>>
    %alloc_1 = memref.alloc() : memref<2x64x578xbf16, #gpu.address_space<workgroup>>
    %alloc_2 = memref.alloc() : memref<64x64xf32, #gpu.address_space<workgroup>>
    %alloc_3 = memref.alloc() : memref<64x512xf32, #gpu.address_space<workgroup>>
    %alloc_4 = memref.alloc() : memref<3x64xf32, #gpu.address_space<workgroup>>
    %subview = memref.subview %alloc_4[0, 0] [1, 64] [1, 1] : memref<3x64xf32, #gpu.address_space<workgroup>> to memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>
    %subview_5 = memref.subview %alloc_4[1, 0] [1, 64] [1, 1] : memref<3x64xf32, #gpu.address_space<workgroup>> to memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>
    %subview_6 = memref.subview %alloc_4[2, 0] [1, 64] [1, 1] : memref<3x64xf32, #gpu.address_space<workgroup>> to memref<64xf32, strided<[1], offset: 128>, #gpu.address_space<workgroup>>
    %subview_7 = memref.subview %alloc_1[0, 0, 0] [1, 64, 576] [1, 1, 1] : memref<2x64x578xbf16, #gpu.address_space<workgroup>> to memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>
    sparse_mla_tile.load %arg0[%block_id_y, %block_id_x, %c0] into %alloc : memref<?x?x64x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, memref<64x576xbf16, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %cst_0 into %alloc_3 : f32, memref<64x512xf32, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %cst into %subview : f32, memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %cst_0 into %subview_5 : f32, memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>
    scf.for %arg8 = %c0 to %c2 step %c1 {
      %1 = sparse_mla_tile.block_rows %arg2[%block_id_y, %block_id_x, %c0] block %arg8 below %0 : memref<?x?x1x128xi32, strided<[?, ?, ?, 1], offset: ?>> -> !sparse_mla_tile.rows<64>
      sparse_mla_tile.gather %arg1[%block_id_y, %c0] rows(%1) into %subview_7 : memref<?x?x1x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, !sparse_mla_tile.rows<64>, memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>
      sparse_mla_tile.matmul %alloc, %subview_7 transpose_b into %alloc_2 mask(%1 : !sparse_mla_tile.rows<64>) scale(%arg6) : memref<64x576xbf16, #gpu.address_space<workgroup>>, memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>, memref<64x64xf32, #gpu.address_space<workgroup>>
      sparse_mla_tile.softmax_step %alloc_2 max(%subview) sum(%subview_5) rescale(%subview_6) : memref<64x64xf32, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1], offset: 128>, #gpu.address_space<workgroup>>
      sparse_mla_tile.matmul %alloc_2, %subview_7 into %alloc_3 row_scale(%subview_6 : memref<64xf32, strided<[1], offset: 128>, #gpu.address_space<workgroup>>) : memref<64x64xf32, #gpu.address_space<workgroup>>, memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>, memref<64x512xf32, #gpu.address_space<workgroup>>
    }
    gpu.return
  }
}
}

// -----

// Nor is one whose blocks skip the online-softmax step.
module attributes {gpu.container_module} {
gpu.module @sparse_mla_kernels {
  // expected-error @+1 {{'gpu.func' op is marked sparse_mla_tile.seesaw but its body is not the tile program of one sparse_mla.fwd (one load, three fills, then per block: block_rows, the gather and the logits matmul masked by its rows, softmax_step, the P V matmul; one finish), as convert-sparse-mla-to-tiles makes it}}
  gpu.func @sparse_mla_fwd_seesaw(%arg0: memref<?x?x64x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, %arg1: memref<?x?x1x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, %arg2: memref<?x?x1x128xi32, strided<[?, ?, ?, 1], offset: ?>>, %arg3: i32, %arg4: memref<?x?x64x512xbf16, strided<[?, ?, ?, 1], offset: ?>>, %arg5: memref<?x?x64xf32, strided<[?, ?, 1], offset: ?>>, %arg6: f32, %arg7: !llvm.ptr) kernel attributes {known_block_size = array<i32: 384, 1, 1>, sparse_mla_tile.seesaw = {kv_stride = 1 : i64, schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true>, split = false}} {
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %cst = arith.constant 0xFF800000 : f32
    %cst_0 = arith.constant 0.000000e+00 : f32
    %c1 = arith.constant 1 : index
    %block_id_x = gpu.block_id  x
    %block_id_y = gpu.block_id  y
    %dim = memref.dim %arg1, %c1 : memref<?x?x1x576xbf16, strided<[?, ?, ?, 1], offset: ?>>
    %0 = arith.index_cast %dim : index to i64
    %alloc = memref.alloc() : memref<64x576xbf16, #gpu.address_space<workgroup>>
    %alloc_1 = memref.alloc() : memref<2x64x578xbf16, #gpu.address_space<workgroup>>
    %alloc_2 = memref.alloc() : memref<64x64xf32, #gpu.address_space<workgroup>>
    %alloc_3 = memref.alloc() : memref<64x512xf32, #gpu.address_space<workgroup>>
    %alloc_4 = memref.alloc() : memref<3x64xf32, #gpu.address_space<workgroup>>
    %subview = memref.subview %alloc_4[0, 0] [1, 64] [1, 1] : memref<3x64xf32, #gpu.address_space<workgroup>> to memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>
    %subview_5 = memref.subview %alloc_4[1, 0] [1, 64] [1, 1] : memref<3x64xf32, #gpu.address_space<workgroup>> to memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>
    %subview_6 = memref.subview %alloc_4[2, 0] [1, 64] [1, 1] : memref<3x64xf32, #gpu.address_space<workgroup>> to memref<64xf32, strided<[1], offset: 128>, #gpu.address_space<workgroup>>
    %subview_7 = memref.subview %alloc_1[0, 0, 0] [1, 64, 576] [1, 1, 1] : memref<2x64x578xbf16, #gpu.address_space<workgroup>> to memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>
    sparse_mla_tile.load %arg0[%block_id_y, %block_id_x, %c0] into %alloc : memref<?x?x64x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, memref<64x576xbf16, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %cst_0 into %alloc_3 : f32, memref<64x512xf32, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %cst into %subview : f32, memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %cst_0 into %subview_5 : f32, memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>
    scf.for %arg8 = %c0 to %c2 step %c1 {
      %1 = sparse_mla_tile.block_rows %arg2[%block_id_y, %block_id_x, %c0] block %arg8 below %0 : memref<?x?x1x128xi32, strided<[?, ?, ?, 1], offset: ?>> -> !sparse_mla_tile.rows<64>
      sparse_mla_tile.gather %arg1[%block_id_y, %c0] rows(%1) into %subview_7 : memref<?x?x1x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, !sparse_mla_tile.rows<64>, memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>
      sparse_mla_tile.matmul %alloc, %subview_7 transpose_b into %alloc_2 mask(%1 : !sparse_mla_tile.rows<64>) scale(%arg6) : memref<64x576xbf16, #gpu.address_space<workgroup>>, memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>, memref<64x64xf32, #gpu.address_space<workgroup>>
      sparse_mla_tile.matmul %alloc_2, %subview_7 into %alloc_3 row_scale(%subview_6 : memref<64xf32, strided<[1], offset: 128>, #gpu.address_space<workgroup>>) : memref<64x64xf32, #gpu.address_space<workgroup>>, memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>, memref<64x512xf32, #gpu.address_space<workgroup>>
    }
    sparse_mla_tile.finish %alloc_3 max(%subview) sum(%subview_5) out(%arg4) lse(%arg5) at[%block_id_y, %block_id_x, %c0] : memref<64x512xf32, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>, memref<?x?x64x512xbf16, strided<[?, ?, ?, 1], offset: ?>>, memref<?x?x64xf32, strided<[?, ?, 1], offset: ?>>
    gpu.return
  }
}
}

// -----

// The body reads the kernel's parameters by position: a program that gathers its KV
// rows from another parameter is refused.
module attributes {gpu.container_module} {
gpu.module @sparse_mla_kernels {
  // expected-error @+1 {{'gpu.func' op tile program's global operands are not the kernel's parameters in the package order (q, kv, indices, q_start, [attn_sink], [topk_length], out, lse, [max_logits])}}
  gpu.func @sparse_mla_fwd_seesaw(%arg0: memref<?x?x64x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, %arg1: memref<?x?x1x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, %arg2: memref<?x?x1x128xi32, strided<[?, ?, ?, 1], offset: ?>>, %arg3: i32, %arg4: memref<?x?x64x512xbf16, strided<[?, ?, ?, 1], offset: ?>>, %arg5: memref<?x?x64xf32, strided<[?, ?, 1], offset: ?>>, %arg6: f32, %arg7: !llvm.ptr) kernel attributes {known_block_size = array<i32: 384, 1, 1>, sparse_mla_tile.seesaw = {kv_stride = 1 : i64, schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true>, split = false}} {
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %cst = arith.constant 0xFF800000 : f32
    %cst_0 = arith.constant 0.000000e+00 : f32
    %c1 = arith.constant 1 : index
    %block_id_x = gpu.block_id  x
    %block_id_y = gpu.block_id  y
    %dim = memref.dim %arg1, %c1 : memref<?x?x1x576xbf16, strided<[?, ?, ?, 1], offset: ?>>
    %0 = arith.index_cast %dim : index to i64
    %alloc = memref.alloc() : memref<64x576xbf16, #gpu.address_space<workgroup>>
    %alloc_1 = memref.alloc() : memref<2x64x578xbf16, #gpu.address_space<workgroup>>
    %alloc_2 = memref.alloc() : memref<64x64xf32, #gpu.address_space<workgroup>>
    %alloc_3 = memref.alloc() : memref<64x512xf32, #gpu.address_space<workgroup>>
    %alloc_4 = memref.alloc() : memref<3x64xf32, #gpu.address_space<workgroup>>
    %subview = memref.subview %alloc_4[0, 0] [1, 64] [1, 1] : memref<3x64xf32, #gpu.address_space<workgroup>> to memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>
    %subview_5 = memref.subview %alloc_4[1, 0] [1, 64] [1, 1] : memref<3x64xf32, #gpu.address_space<workgroup>> to memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>
    %subview_6 = memref.subview %alloc_4[2, 0] [1, 64] [1, 1] : memref<3x64xf32, #gpu.address_space<workgroup>> to memref<64xf32, strided<[1], offset: 128>, #gpu.address_space<workgroup>>
    %subview_7 = memref.subview %alloc_1[0, 0, 0] [1, 64, 576] [1, 1, 1] : memref<2x64x578xbf16, #gpu.address_space<workgroup>> to memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>
    sparse_mla_tile.load %arg0[%block_id_y, %block_id_x, %c0] into %alloc : memref<?x?x64x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, memref<64x576xbf16, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %cst_0 into %alloc_3 : f32, memref<64x512xf32, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %cst into %subview : f32, memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %cst_0 into %subview_5 : f32, memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>
    scf.for %arg8 = %c0 to %c2 step %c1 {
      %1 = sparse_mla_tile.block_rows %arg2[%block_id_y, %block_id_x, %c0] block %arg8 below %0 : memref<?x?x1x128xi32, strided<[?, ?, ?, 1], offset: ?>> -> !sparse_mla_tile.rows<64>
      sparse_mla_tile.gather %arg0[%block_id_y, %c0] rows(%1) into %subview_7 : memref<?x?x64x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, !sparse_mla_tile.rows<64>, memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>
      sparse_mla_tile.matmul %alloc, %subview_7 transpose_b into %alloc_2 mask(%1 : !sparse_mla_tile.rows<64>) scale(%arg6) : memref<64x576xbf16, #gpu.address_space<workgroup>>, memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>, memref<64x64xf32, #gpu.address_space<workgroup>>
      sparse_mla_tile.softmax_step %alloc_2 max(%subview) sum(%subview_5) rescale(%subview_6) : memref<64x64xf32, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1], offset: 128>, #gpu.address_space<workgroup>>
      sparse_mla_tile.matmul %alloc_2, %subview_7 into %alloc_3 row_scale(%subview_6 : memref<64xf32, strided<[1], offset: 128>, #gpu.address_space<workgroup>>) : memref<64x64xf32, #gpu.address_space<workgroup>>, memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>, memref<64x512xf32, #gpu.address_space<workgroup>>
    }
    sparse_mla_tile.finish %alloc_3 max(%subview) sum(%subview_5) out(%arg4) lse(%arg5) at[%block_id_y, %block_id_x, %c0] : memref<64x512xf32, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>, memref<?x?x64x512xbf16, strided<[?, ?, ?, 1], offset: ?>>, memref<?x?x64xf32, strided<[?, ?, 1], offset: ?>>
    gpu.return
  }
}
}

// -----

// The seesaw kernel's limits hold for a marked kernel too: its rounds take
// 2 x block_k entries each.
module attributes {gpu.container_module} {
gpu.module @sparse_mla_kernels {
  // expected-error @+1 {{'gpu.func' op seesaw schedule needs topk to be a multiple of 2 x block_k = 128, but got 96}}
  gpu.func @sparse_mla_fwd_seesaw(%arg0: memref<?x?x64x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, %arg1: memref<?x?x1x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, %arg2: memref<?x?x1x96xi32, strided<[?, ?, ?, 1], offset: ?>>, %arg3: i32, %arg4: memref<?x?x64x512xbf16, strided<[?, ?, ?, 1], offset: ?>>, %arg5: memref<?x?x64xf32, strided<[?, ?, 1], offset: ?>>, %arg6: f32, %arg7: !llvm.ptr) kernel attributes {known_block_size = array<i32: 384, 1, 1>, sparse_mla_tile.seesaw = {kv_stride = 1 : i64, schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true>, split = false}} {
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %cst = arith.constant 0xFF800000 : f32
    %cst_0 = arith.constant 0.000000e+00 : f32
    %c1 = arith.constant 1 : index
    %block_id_x = gpu.block_id  x
    %block_id_y = gpu.block_id  y
    %dim = memref.dim %arg1, %c1 : memref<?x?x1x576xbf16, strided<[?, ?, ?, 1], offset: ?>>
    %0 = arith.index_cast %dim : index to i64
    %alloc = memref.alloc() : memref<64x576xbf16, #gpu.address_space<workgroup>>
    %alloc_1 = memref.alloc() : memref<2x64x578xbf16, #gpu.address_space<workgroup>>
    %alloc_2 = memref.alloc() : memref<64x64xf32, #gpu.address_space<workgroup>>
    %alloc_3 = memref.alloc() : memref<64x512xf32, #gpu.address_space<workgroup>>
    %alloc_4 = memref.alloc() : memref<3x64xf32, #gpu.address_space<workgroup>>
    %subview = memref.subview %alloc_4[0, 0] [1, 64] [1, 1] : memref<3x64xf32, #gpu.address_space<workgroup>> to memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>
    %subview_5 = memref.subview %alloc_4[1, 0] [1, 64] [1, 1] : memref<3x64xf32, #gpu.address_space<workgroup>> to memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>
    %subview_6 = memref.subview %alloc_4[2, 0] [1, 64] [1, 1] : memref<3x64xf32, #gpu.address_space<workgroup>> to memref<64xf32, strided<[1], offset: 128>, #gpu.address_space<workgroup>>
    %subview_7 = memref.subview %alloc_1[0, 0, 0] [1, 64, 576] [1, 1, 1] : memref<2x64x578xbf16, #gpu.address_space<workgroup>> to memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>
    sparse_mla_tile.load %arg0[%block_id_y, %block_id_x, %c0] into %alloc : memref<?x?x64x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, memref<64x576xbf16, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %cst_0 into %alloc_3 : f32, memref<64x512xf32, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %cst into %subview : f32, memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %cst_0 into %subview_5 : f32, memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>
    scf.for %arg8 = %c0 to %c2 step %c1 {
      %1 = sparse_mla_tile.block_rows %arg2[%block_id_y, %block_id_x, %c0] block %arg8 below %0 : memref<?x?x1x96xi32, strided<[?, ?, ?, 1], offset: ?>> -> !sparse_mla_tile.rows<64>
      sparse_mla_tile.gather %arg1[%block_id_y, %c0] rows(%1) into %subview_7 : memref<?x?x1x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, !sparse_mla_tile.rows<64>, memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>
      sparse_mla_tile.matmul %alloc, %subview_7 transpose_b into %alloc_2 mask(%1 : !sparse_mla_tile.rows<64>) scale(%arg6) : memref<64x576xbf16, #gpu.address_space<workgroup>>, memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>, memref<64x64xf32, #gpu.address_space<workgroup>>
      sparse_mla_tile.softmax_step %alloc_2 max(%subview) sum(%subview_5) rescale(%subview_6) : memref<64x64xf32, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1], offset: 128>, #gpu.address_space<workgroup>>
      sparse_mla_tile.matmul %alloc_2, %subview_7 into %alloc_3 row_scale(%subview_6 : memref<64xf32, strided<[1], offset: 128>, #gpu.address_space<workgroup>>) : memref<64x64xf32, #gpu.address_space<workgroup>>, memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>, memref<64x512xf32, #gpu.address_space<workgroup>>
    }
    sparse_mla_tile.finish %alloc_3 max(%subview) sum(%subview_5) out(%arg4) lse(%arg5) at[%block_id_y, %block_id_x, %c0] : memref<64x512xf32, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>, memref<?x?x64x512xbf16, strided<[?, ?, ?, 1], offset: ?>>, memref<?x?x64xf32, strided<[?, ?, 1], offset: ?>>
    gpu.return
  }
}
}

// -----

// A kernel without the mark (another schedule's tile program) is left alone.
// CHECK-LABEL: gpu.func @sparse_mla_fwd_seesaw
// CHECK: sparse_mla_tile.softmax_step
// CHECK-NOT: ws.warp_specialize
module attributes {gpu.container_module} {
gpu.module @sparse_mla_kernels {
  gpu.func @sparse_mla_fwd_seesaw(%arg0: memref<?x?x64x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, %arg1: memref<?x?x1x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, %arg2: memref<?x?x1x128xi32, strided<[?, ?, ?, 1], offset: ?>>, %arg3: i32, %arg4: memref<?x?x64x512xbf16, strided<[?, ?, ?, 1], offset: ?>>, %arg5: memref<?x?x64xf32, strided<[?, ?, 1], offset: ?>>, %arg6: f32, %arg7: !llvm.ptr) kernel attributes {known_block_size = array<i32: 384, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %cst = arith.constant 0xFF800000 : f32
    %cst_0 = arith.constant 0.000000e+00 : f32
    %c1 = arith.constant 1 : index
    %block_id_x = gpu.block_id  x
    %block_id_y = gpu.block_id  y
    %dim = memref.dim %arg1, %c1 : memref<?x?x1x576xbf16, strided<[?, ?, ?, 1], offset: ?>>
    %0 = arith.index_cast %dim : index to i64
    %alloc = memref.alloc() : memref<64x576xbf16, #gpu.address_space<workgroup>>
    %alloc_1 = memref.alloc() : memref<2x64x578xbf16, #gpu.address_space<workgroup>>
    %alloc_2 = memref.alloc() : memref<64x64xf32, #gpu.address_space<workgroup>>
    %alloc_3 = memref.alloc() : memref<64x512xf32, #gpu.address_space<workgroup>>
    %alloc_4 = memref.alloc() : memref<3x64xf32, #gpu.address_space<workgroup>>
    %subview = memref.subview %alloc_4[0, 0] [1, 64] [1, 1] : memref<3x64xf32, #gpu.address_space<workgroup>> to memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>
    %subview_5 = memref.subview %alloc_4[1, 0] [1, 64] [1, 1] : memref<3x64xf32, #gpu.address_space<workgroup>> to memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>
    %subview_6 = memref.subview %alloc_4[2, 0] [1, 64] [1, 1] : memref<3x64xf32, #gpu.address_space<workgroup>> to memref<64xf32, strided<[1], offset: 128>, #gpu.address_space<workgroup>>
    %subview_7 = memref.subview %alloc_1[0, 0, 0] [1, 64, 576] [1, 1, 1] : memref<2x64x578xbf16, #gpu.address_space<workgroup>> to memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>
    sparse_mla_tile.load %arg0[%block_id_y, %block_id_x, %c0] into %alloc : memref<?x?x64x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, memref<64x576xbf16, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %cst_0 into %alloc_3 : f32, memref<64x512xf32, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %cst into %subview : f32, memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>
    sparse_mla_tile.fill %cst_0 into %subview_5 : f32, memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>
    scf.for %arg8 = %c0 to %c2 step %c1 {
      %1 = sparse_mla_tile.block_rows %arg2[%block_id_y, %block_id_x, %c0] block %arg8 below %0 : memref<?x?x1x128xi32, strided<[?, ?, ?, 1], offset: ?>> -> !sparse_mla_tile.rows<64>
      sparse_mla_tile.gather %arg1[%block_id_y, %c0] rows(%1) into %subview_7 : memref<?x?x1x576xbf16, strided<[?, ?, ?, 1], offset: ?>>, !sparse_mla_tile.rows<64>, memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>
      sparse_mla_tile.matmul %alloc, %subview_7 transpose_b into %alloc_2 mask(%1 : !sparse_mla_tile.rows<64>) scale(%arg6) : memref<64x576xbf16, #gpu.address_space<workgroup>>, memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>, memref<64x64xf32, #gpu.address_space<workgroup>>
      sparse_mla_tile.softmax_step %alloc_2 max(%subview) sum(%subview_5) rescale(%subview_6) : memref<64x64xf32, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1], offset: 128>, #gpu.address_space<workgroup>>
      sparse_mla_tile.matmul %alloc_2, %subview_7 into %alloc_3 row_scale(%subview_6 : memref<64xf32, strided<[1], offset: 128>, #gpu.address_space<workgroup>>) : memref<64x64xf32, #gpu.address_space<workgroup>>, memref<64x576xbf16, strided<[578, 1]>, #gpu.address_space<workgroup>>, memref<64x512xf32, #gpu.address_space<workgroup>>
    }
    sparse_mla_tile.finish %alloc_3 max(%subview) sum(%subview_5) out(%arg4) lse(%arg5) at[%block_id_y, %block_id_x, %c0] : memref<64x512xf32, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1]>, #gpu.address_space<workgroup>>, memref<64xf32, strided<[1], offset: 64>, #gpu.address_space<workgroup>>, memref<?x?x64x512xbf16, strided<[?, ?, ?, 1], offset: ?>>, memref<?x?x64xf32, strided<[?, ?, 1], offset: ?>>
    gpu.return
  }
}
}
