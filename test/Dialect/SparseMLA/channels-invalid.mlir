// RUN: sparse-mla-opt %s -split-input-file -verify-diagnostics

// One case per channel verifier message.

func.func @wrong_barrier_count(%bars: memref<3xi64, #gpu.address_space<workgroup>>) {
  // expected-error @+1 {{'sparse_mla.channel.create' op operand 'barriers' must hold 2 x depth = 4 barriers (full, then empty), but has 3}}
  %ch = sparse_mla.channel.create %bars producers(128) consumers(128)
      : memref<3xi64, #gpu.address_space<workgroup>> -> !sparse_mla.channel<2>
  return
}

// -----

func.func @global_barriers(%bars: memref<4xi64>) {
  // expected-error @+1 {{'sparse_mla.channel.create' op operand 'barriers' must be in workgroup (shared) memory, but is in <<NULL ATTRIBUTE>>}}
  %ch = sparse_mla.channel.create %bars producers(128) consumers(128)
      : memref<4xi64> -> !sparse_mla.channel<2>
  return
}

// -----

// expected-error @+1 {{channel depth must be >= 1, but got 0}}
func.func @zero_depth(%ch: !sparse_mla.channel<0>) {
  return
}

// -----

func.func @side_mismatch(%bars: memref<4xi64, #gpu.address_space<workgroup>>, %i: index) {
  %ch = sparse_mla.channel.create %bars producers(128) consumers(128)
      : memref<4xi64, #gpu.address_space<workgroup>> -> !sparse_mla.channel<2>
  %slot, %tok = sparse_mla.channel.acquire producer %ch[%i] : !sparse_mla.channel<2>
  // expected-error @+1 {{'sparse_mla.channel.release' op releases the consumer side of a slot acquired by the producer side}}
  sparse_mla.channel.release consumer %ch[%slot], %tok : !sparse_mla.channel<2>
  return
}

// -----

func.func @other_channel(%bars: memref<4xi64, #gpu.address_space<workgroup>>, %i: index) {
  %a = sparse_mla.channel.create %bars producers(128) consumers(128)
      : memref<4xi64, #gpu.address_space<workgroup>> -> !sparse_mla.channel<2>
  %b = sparse_mla.channel.create %bars producers(128) consumers(128)
      : memref<4xi64, #gpu.address_space<workgroup>> -> !sparse_mla.channel<2>
  %slot, %tok = sparse_mla.channel.acquire producer %a[%i] : !sparse_mla.channel<2>
  // expected-error @+1 {{'sparse_mla.channel.release' op token was acquired on another channel}}
  sparse_mla.channel.release producer %b[%slot], %tok : !sparse_mla.channel<2>
  return
}

// -----

func.func @wrong_slot(%bars: memref<4xi64, #gpu.address_space<workgroup>>, %i: index) {
  %ch = sparse_mla.channel.create %bars producers(128) consumers(128)
      : memref<4xi64, #gpu.address_space<workgroup>> -> !sparse_mla.channel<2>
  %slot, %tok = sparse_mla.channel.acquire producer %ch[%i] : !sparse_mla.channel<2>
  // expected-error @+1 {{'sparse_mla.channel.release' op must release the slot its token acquired}}
  sparse_mla.channel.release producer %ch[%i], %tok : !sparse_mla.channel<2>
  return
}

// -----

func.func @twice(%bars: memref<4xi64, #gpu.address_space<workgroup>>, %i: index) {
  %ch = sparse_mla.channel.create %bars producers(128) consumers(128)
      : memref<4xi64, #gpu.address_space<workgroup>> -> !sparse_mla.channel<2>
  %slot, %tok = sparse_mla.channel.acquire producer %ch[%i] : !sparse_mla.channel<2>
  // expected-error @+1 {{'sparse_mla.channel.release' op token is released more than once}}
  sparse_mla.channel.release producer %ch[%slot], %tok : !sparse_mla.channel<2>
  sparse_mla.channel.release producer %ch[%slot], %tok : !sparse_mla.channel<2>
  return
}

// -----

func.func @async_consumer(%bars: memref<4xi64, #gpu.address_space<workgroup>>, %i: index) {
  %ch = sparse_mla.channel.create %bars producers(128) consumers(128)
      : memref<4xi64, #gpu.address_space<workgroup>> -> !sparse_mla.channel<2>
  %slot, %tok = sparse_mla.channel.acquire consumer %ch[%i] : !sparse_mla.channel<2>
  // expected-error @+1 {{'sparse_mla.channel.release' op async release is for the producer side only}}
  sparse_mla.channel.release consumer %ch[%slot], %tok async : !sparse_mla.channel<2>
  return
}

// -----

func.func @forged_token(%bars: memref<4xi64, #gpu.address_space<workgroup>>, %i: index, %tok: !sparse_mla.token) {
  %ch = sparse_mla.channel.create %bars producers(128) consumers(128)
      : memref<4xi64, #gpu.address_space<workgroup>> -> !sparse_mla.channel<2>
  // expected-error @+1 {{'sparse_mla.channel.release' op token must come from a sparse_mla.channel.acquire}}
  sparse_mla.channel.release producer %ch[%i], %tok : !sparse_mla.channel<2>
  return
}

// -----

// The channel expects 256 producer arrivals per transfer, but the role that
// releases it has 128 threads: its consumers would wait forever.
func.func @count_mismatch(%bars: memref<4xi64, #gpu.address_space<workgroup>>) {
  %ch = sparse_mla.channel.create %bars producers(256) consumers(128)
      : memref<4xi64, #gpu.address_space<workgroup>> -> !sparse_mla.channel<2>
  // expected-error @+1 {{'sparse_mla.warp_specialize' op roles "producer" release the producer side of capture #0 with 128 threads in all, but its barriers expect 256 arrivals}}
  sparse_mla.warp_specialize (%ch) : !sparse_mla.channel<2>
    role "producer" warps(4) regs(56) (%c: !sparse_mla.channel<2>) {
      %i = arith.constant 0 : index
      %slot, %tok = sparse_mla.channel.acquire producer %c[%i] : !sparse_mla.channel<2>
      sparse_mla.channel.release producer %c[%slot], %tok async : !sparse_mla.channel<2>
      sparse_mla.role_return
    }
    role "consumer" warps(4) regs(232) (%c: !sparse_mla.channel<2>) {
      %i = arith.constant 0 : index
      %slot, %tok = sparse_mla.channel.acquire consumer %c[%i] : !sparse_mla.channel<2>
      sparse_mla.channel.release consumer %c[%slot], %tok : !sparse_mla.channel<2>
      sparse_mla.role_return
    }
  return
}

// -----

// Consumer side: two consumer warpgroups share a channel that expects 128.
func.func @consumer_count_mismatch(%bars: memref<2xi64, #gpu.address_space<workgroup>>) {
  %ch = sparse_mla.channel.create %bars producers(128) consumers(128)
      : memref<2xi64, #gpu.address_space<workgroup>> -> !sparse_mla.channel<1>
  // expected-error @+1 {{'sparse_mla.warp_specialize' op roles "consumers" release the consumer side of capture #0 with 256 threads in all, but its barriers expect 128 arrivals}}
  sparse_mla.warp_specialize (%ch) : !sparse_mla.channel<1>
    role "consumers" warps(8) regs(120) (%c: !sparse_mla.channel<1>) {
      %i = arith.constant 0 : index
      %slot, %tok = sparse_mla.channel.acquire consumer %c[%i] : !sparse_mla.channel<1>
      sparse_mla.channel.release consumer %c[%slot], %tok : !sparse_mla.channel<1>
      sparse_mla.role_return
    }
  return
}

// -----

// Two consumer roles share the consumer side of a channel that expects the
// arrivals of one: together they would complete each phase twice over.
func.func @two_roles_count_mismatch(%bars: memref<2xi64, #gpu.address_space<workgroup>>) {
  %ch = sparse_mla.channel.create %bars producers(128) consumers(128)
      : memref<2xi64, #gpu.address_space<workgroup>> -> !sparse_mla.channel<1>
  // expected-error @+1 {{'sparse_mla.warp_specialize' op roles "consumer0", "consumer1" release the consumer side of capture #0 with 256 threads in all, but its barriers expect 128 arrivals}}
  sparse_mla.warp_specialize (%ch) : !sparse_mla.channel<1>
    role "producer" warps(4) regs(56) (%c: !sparse_mla.channel<1>) {
      %i = arith.constant 0 : index
      %slot, %tok = sparse_mla.channel.acquire producer %c[%i] : !sparse_mla.channel<1>
      sparse_mla.channel.release producer %c[%slot], %tok : !sparse_mla.channel<1>
      sparse_mla.role_return
    }
    role "consumer0" warps(4) regs(200) (%c: !sparse_mla.channel<1>) {
      %i = arith.constant 0 : index
      %slot, %tok = sparse_mla.channel.acquire consumer %c[%i] : !sparse_mla.channel<1>
      sparse_mla.channel.release consumer %c[%slot], %tok : !sparse_mla.channel<1>
      sparse_mla.role_return
    }
    role "consumer1" warps(4) regs(200) (%c: !sparse_mla.channel<1>) {
      %i = arith.constant 0 : index
      %slot, %tok = sparse_mla.channel.acquire consumer %c[%i] : !sparse_mla.channel<1>
      sparse_mla.channel.release consumer %c[%slot], %tok : !sparse_mla.channel<1>
      sparse_mla.role_return
    }
  return
}

// -----

func.func @tx_on_consumer_side(%bars: memref<2xi64, #gpu.address_space<workgroup>>) {
  %ch = sparse_mla.channel.create %bars producers(128) consumers(128)
      : memref<2xi64, #gpu.address_space<workgroup>> -> !sparse_mla.channel<1>
  %c0 = arith.constant 0 : index
  %slot, %tok = sparse_mla.channel.acquire consumer %ch[%c0] : !sparse_mla.channel<1>
  // expected-error @+1 {{'sparse_mla.channel.release' op tx bytes are for the producer side only}}
  sparse_mla.channel.release consumer %ch[%slot], %tok tx(64) : !sparse_mla.channel<1>
  return
}

// -----

func.func @tx_and_async(%bars: memref<2xi64, #gpu.address_space<workgroup>>) {
  %ch = sparse_mla.channel.create %bars producers(128) consumers(128)
      : memref<2xi64, #gpu.address_space<workgroup>> -> !sparse_mla.channel<1>
  %c0 = arith.constant 0 : index
  %slot, %tok = sparse_mla.channel.acquire producer %ch[%c0] : !sparse_mla.channel<1>
  // expected-error @+1 {{'sparse_mla.channel.release' op cannot be both async (cp.async arrival) and tx (transaction bytes)}}
  sparse_mla.channel.release producer %ch[%slot], %tok async tx(64) : !sparse_mla.channel<1>
  return
}

// -----

func.func @tx_too_large(%bars: memref<2xi64, #gpu.address_space<workgroup>>) {
  %ch = sparse_mla.channel.create %bars producers(128) consumers(128)
      : memref<2xi64, #gpu.address_space<workgroup>> -> !sparse_mla.channel<1>
  %c0 = arith.constant 0 : index
  %slot, %tok = sparse_mla.channel.acquire producer %ch[%c0] : !sparse_mla.channel<1>
  // expected-error @+1 {{'sparse_mla.channel.release' op tx bytes must be in [1, 1048575], but got 1048576}}
  sparse_mla.channel.release producer %ch[%slot], %tok tx(1048576) : !sparse_mla.channel<1>
  return
}

// -----

func.func @tensor_map_box_rank(%q: memref<?x?x64x576xbf16>) {
  // expected-error @+1 {{'sparse_mla.tensor_map' op box must have one size per dimension (4), but has 2}}
  %m = sparse_mla.tensor_map %q box [64, 64] swizzle(128) : memref<?x?x64x576xbf16> -> !llvm.ptr
  return
}

// -----

func.func @tensor_map_box_size(%q: memref<?x?x64x576xbf16>) {
  // expected-error @+1 {{'sparse_mla.tensor_map' op box[1] must be in [1, 256], but is 512}}
  %m = sparse_mla.tensor_map %q box [64, 512, 1, 1] swizzle(128) : memref<?x?x64x576xbf16> -> !llvm.ptr
  return
}

// -----

func.func @tensor_map_swizzle_span(%q: memref<?x?x64x576xbf16>) {
  // expected-error @+1 {{'sparse_mla.tensor_map' op innermost box of 128 elements is 256 bytes, more than the 128-byte swizzle span}}
  %m = sparse_mla.tensor_map %q box [128, 64, 1, 1] swizzle(128) : memref<?x?x64x576xbf16> -> !llvm.ptr
  return
}

// -----

func.func @tensor_map_swizzle_value(%q: memref<?x?x64x576xbf16>) {
  // expected-error @+1 {{'sparse_mla.tensor_map' op swizzle must be 0, 32, 64 or 128 bytes, but is 96}}
  %m = sparse_mla.tensor_map %q box [32, 64, 1, 1] swizzle(96) : memref<?x?x64x576xbf16> -> !llvm.ptr
  return
}

// -----

func.func @tensor_map_result(%q: memref<?x?x64x576xbf16>) {
  // expected-error @+1 {{'sparse_mla.tensor_map' op result must be !llvm.ptr (a host pointer to the encoded map), but is '!llvm.ptr<1>'}}
  %m = sparse_mla.tensor_map %q box [64, 64, 1, 1] swizzle(128) : memref<?x?x64x576xbf16> -> !llvm.ptr<1>
  return
}

// -----

func.func @tensor_map_element(%q: memref<?x8xf16>) {
  // expected-error @+1 {{'sparse_mla.tensor_map' op source element type must be bf16, f32 or i32, but is 'f16'}}
  %m = sparse_mla.tensor_map %q box [8, 8] swizzle(0) : memref<?x8xf16> -> !llvm.ptr
  return
}

// -----

func.func @tensor_map_rank(%t: memref<1x1x1x1x1x8xbf16>) {
  // expected-error @+1 {{'sparse_mla.tensor_map' op source rank must be in [1, 5], but is 6}}
  %m = sparse_mla.tensor_map %t box [8, 1, 1, 1, 1, 1] swizzle(0) : memref<1x1x1x1x1x8xbf16> -> !llvm.ptr
  return
}

// -----

func.func @tensor_map_unswizzled_row(%q: memref<?x?x64x576xbf16>) {
  // expected-error @+1 {{'sparse_mla.tensor_map' op innermost box of 4 elements is 8 bytes; without swizzle it must be a multiple of 16}}
  %m = sparse_mla.tensor_map %q box [4, 64, 1, 1] swizzle(0) : memref<?x?x64x576xbf16> -> !llvm.ptr
  return
}
