// RUN: sparse-mla-opt %s -split-input-file -verify-diagnostics

// One case per ws.warp_specialize, ws.role_return and channel verifier
// message.

func.func @case0(%n: index) {
  // expected-error @+1 {{'ws.warp_specialize' op role "a" has 3 warps, expected a positive multiple of 4 (whole warpgroups)}}
  ws.warp_specialize (%n) : index
    role "a" warps(3) regs(72) (%x0: index) { ws.role_return }
  return
}

// -----

func.func @case1(%n: index) {
  // expected-error @+1 {{'ws.warp_specialize' op role "a" register budget 100 is not a valid setmaxnreg value (a multiple of 8 in [24, 256])}}
  ws.warp_specialize (%n) : index
    role "a" warps(4) regs(100) (%x0: index) { ws.role_return }
  return
}

// -----

func.func @case2(%n: index) {
  // expected-error @+1 {{'ws.warp_specialize' op role "a" register budget 16 is not a valid setmaxnreg value (a multiple of 8 in [24, 256])}}
  ws.warp_specialize (%n) : index
    role "a" warps(4) regs(16) (%x0: index) { ws.role_return }
  return
}

// -----

func.func @case3(%n: index) {
  // expected-error @+1 {{'ws.warp_specialize' op role "a" appears twice}}
  ws.warp_specialize (%n) : index
    role "a" warps(4) regs(72) (%x0: index) { ws.role_return }
    role "a" warps(4) regs(72) (%x1: index) { ws.role_return }
  return
}

// -----

func.func @case4(%n: index) {
  // expected-error @+1 {{'ws.warp_specialize' op roles need 68608 registers, above the register file of 65536 per SM}}
  ws.warp_specialize (%n) : index
    role "a" warps(4) regs(240) (%x0: index) { ws.role_return }
    role "b" warps(4) regs(240) (%x1: index) { ws.role_return }
    role "c" warps(4) regs(56) (%x2: index) { ws.role_return }
  return
}

// -----

func.func @case5(%n: index) {
  // expected-error @+1 {{'ws.warp_specialize' op roles need 1152 threads, above the limit of 1024 per block}}
  ws.warp_specialize (%n) : index
    role "a" warps(36) regs(24) (%x0: index) { ws.role_return }
  return
}

// -----

func.func @case6(%n: index) {
  // expected-error @+1 {{'ws.warp_specialize' op role "a" takes 0 arguments, expected one per capture (1)}}
  ws.warp_specialize (%n) : index
    role "a" warps(4) regs(72) () { ws.role_return }
  return
}

// -----

func.func @case7(%n: index) {
  // expected-error @+1 {{'ws.warp_specialize' op role "a" argument #0 has type 'i32', but capture #0 has type 'index'}}
  ws.warp_specialize (%n) : index
    role "a" warps(4) regs(72) (%x0: i32) { ws.role_return }
  return
}

// -----

func.func @nested(%n: index) {
  ws.warp_specialize (%n) : index
    role "outer" warps(4) regs(72) (%x: index) {
      // expected-error @+1 {{'ws.warp_specialize' op cannot be nested in another warp_specialize}}
      ws.warp_specialize ()
        role "inner" warps(4) regs(72) () {
          ws.role_return
        }
      ws.role_return
    }
  return
}

// -----

func.func @no_roles() {
  // expected-error @+1 {{'ws.warp_specialize' op must have at least one role}}
  ws.warp_specialize ()
  return
}

// -----

// The generic form can disagree on counts; the verifier names them.
func.func @counts(%n: index) {
  // expected-error @+1 {{'ws.warp_specialize' op has 2 roles but 1 warp counts, 1 register budgets and 1 regions}}
  "ws.warp_specialize"(%n) <{roles = ["a", "b"], num_warps = array<i32: 4>, regs = array<i32: 72>}> ({
  ^bb0(%x: index):
    "ws.role_return"() : () -> ()
  }) : (index) -> ()
  return
}

// -----

func.func @outside() {
  // expected-error @+1 {{'ws.role_return' op expects parent op 'ws.warp_specialize'}}
  ws.role_return
}

// -----

func.func @wrong_barrier_count(%bars: memref<3xi64, #gpu.address_space<workgroup>>) {
  // expected-error @+1 {{'ws.channel.create' op operand 'barriers' must hold 2 x depth = 4 barriers (full, then empty), but has 3}}
  %ch = ws.channel.create %bars producers(128) consumers(128)
      : memref<3xi64, #gpu.address_space<workgroup>> -> !ws.channel<2>
  return
}

// -----

func.func @global_barriers(%bars: memref<4xi64>) {
  // expected-error @+1 {{'ws.channel.create' op operand 'barriers' must be in workgroup (shared) memory, but is in <<NULL ATTRIBUTE>>}}
  %ch = ws.channel.create %bars producers(128) consumers(128)
      : memref<4xi64> -> !ws.channel<2>
  return
}

// -----

// expected-error @+1 {{channel depth must be >= 1, but got 0}}
func.func @zero_depth(%ch: !ws.channel<0>) {
  return
}

// -----

func.func @side_mismatch(%bars: memref<4xi64, #gpu.address_space<workgroup>>, %i: index) {
  %ch = ws.channel.create %bars producers(128) consumers(128)
      : memref<4xi64, #gpu.address_space<workgroup>> -> !ws.channel<2>
  %slot, %tok = ws.channel.acquire producer %ch[%i] : !ws.channel<2>
  // expected-error @+1 {{'ws.channel.release' op releases the consumer side of a slot acquired by the producer side}}
  ws.channel.release consumer %ch[%slot], %tok : !ws.channel<2>
  return
}

// -----

func.func @other_channel(%bars: memref<4xi64, #gpu.address_space<workgroup>>, %i: index) {
  %a = ws.channel.create %bars producers(128) consumers(128)
      : memref<4xi64, #gpu.address_space<workgroup>> -> !ws.channel<2>
  %b = ws.channel.create %bars producers(128) consumers(128)
      : memref<4xi64, #gpu.address_space<workgroup>> -> !ws.channel<2>
  %slot, %tok = ws.channel.acquire producer %a[%i] : !ws.channel<2>
  // expected-error @+1 {{'ws.channel.release' op token was acquired on another channel}}
  ws.channel.release producer %b[%slot], %tok : !ws.channel<2>
  return
}

// -----

func.func @wrong_slot(%bars: memref<4xi64, #gpu.address_space<workgroup>>, %i: index) {
  %ch = ws.channel.create %bars producers(128) consumers(128)
      : memref<4xi64, #gpu.address_space<workgroup>> -> !ws.channel<2>
  %slot, %tok = ws.channel.acquire producer %ch[%i] : !ws.channel<2>
  // expected-error @+1 {{'ws.channel.release' op must release the slot its token acquired}}
  ws.channel.release producer %ch[%i], %tok : !ws.channel<2>
  return
}

// -----

func.func @twice(%bars: memref<4xi64, #gpu.address_space<workgroup>>, %i: index) {
  %ch = ws.channel.create %bars producers(128) consumers(128)
      : memref<4xi64, #gpu.address_space<workgroup>> -> !ws.channel<2>
  %slot, %tok = ws.channel.acquire producer %ch[%i] : !ws.channel<2>
  // expected-error @+1 {{'ws.channel.release' op token is released more than once}}
  ws.channel.release producer %ch[%slot], %tok : !ws.channel<2>
  ws.channel.release producer %ch[%slot], %tok : !ws.channel<2>
  return
}

// -----

func.func @async_consumer(%bars: memref<4xi64, #gpu.address_space<workgroup>>, %i: index) {
  %ch = ws.channel.create %bars producers(128) consumers(128)
      : memref<4xi64, #gpu.address_space<workgroup>> -> !ws.channel<2>
  %slot, %tok = ws.channel.acquire consumer %ch[%i] : !ws.channel<2>
  // expected-error @+1 {{'ws.channel.release' op async release is for the producer side only}}
  ws.channel.release consumer %ch[%slot], %tok async : !ws.channel<2>
  return
}

// -----

func.func @forged_token(%bars: memref<4xi64, #gpu.address_space<workgroup>>, %i: index, %tok: !ws.token) {
  %ch = ws.channel.create %bars producers(128) consumers(128)
      : memref<4xi64, #gpu.address_space<workgroup>> -> !ws.channel<2>
  // expected-error @+1 {{'ws.channel.release' op token must come from a ws.channel.acquire}}
  ws.channel.release producer %ch[%i], %tok : !ws.channel<2>
  return
}

// -----

// The channel expects 256 producer arrivals per transfer, but the role that
// releases it has 128 threads: its consumers would wait forever.
func.func @count_mismatch(%bars: memref<4xi64, #gpu.address_space<workgroup>>) {
  %ch = ws.channel.create %bars producers(256) consumers(128)
      : memref<4xi64, #gpu.address_space<workgroup>> -> !ws.channel<2>
  // expected-error @+1 {{'ws.warp_specialize' op roles "producer" release the producer side of capture #0 with 128 threads in all, but its barriers expect 256 arrivals}}
  ws.warp_specialize (%ch) : !ws.channel<2>
    role "producer" warps(4) regs(56) (%c: !ws.channel<2>) {
      %i = arith.constant 0 : index
      %slot, %tok = ws.channel.acquire producer %c[%i] : !ws.channel<2>
      ws.channel.release producer %c[%slot], %tok async : !ws.channel<2>
      ws.role_return
    }
    role "consumer" warps(4) regs(232) (%c: !ws.channel<2>) {
      %i = arith.constant 0 : index
      %slot, %tok = ws.channel.acquire consumer %c[%i] : !ws.channel<2>
      ws.channel.release consumer %c[%slot], %tok : !ws.channel<2>
      ws.role_return
    }
  return
}

// -----

// Consumer side: two consumer warpgroups share a channel that expects 128.
func.func @consumer_count_mismatch(%bars: memref<2xi64, #gpu.address_space<workgroup>>) {
  %ch = ws.channel.create %bars producers(128) consumers(128)
      : memref<2xi64, #gpu.address_space<workgroup>> -> !ws.channel<1>
  // expected-error @+1 {{'ws.warp_specialize' op roles "consumers" release the consumer side of capture #0 with 256 threads in all, but its barriers expect 128 arrivals}}
  ws.warp_specialize (%ch) : !ws.channel<1>
    role "consumers" warps(8) regs(120) (%c: !ws.channel<1>) {
      %i = arith.constant 0 : index
      %slot, %tok = ws.channel.acquire consumer %c[%i] : !ws.channel<1>
      ws.channel.release consumer %c[%slot], %tok : !ws.channel<1>
      ws.role_return
    }
  return
}

// -----

// Two consumer roles share the consumer side of a channel that expects the
// arrivals of one: together they would complete each phase twice over.
func.func @two_roles_count_mismatch(%bars: memref<2xi64, #gpu.address_space<workgroup>>) {
  %ch = ws.channel.create %bars producers(128) consumers(128)
      : memref<2xi64, #gpu.address_space<workgroup>> -> !ws.channel<1>
  // expected-error @+1 {{'ws.warp_specialize' op roles "consumer0", "consumer1" release the consumer side of capture #0 with 256 threads in all, but its barriers expect 128 arrivals}}
  ws.warp_specialize (%ch) : !ws.channel<1>
    role "producer" warps(4) regs(56) (%c: !ws.channel<1>) {
      %i = arith.constant 0 : index
      %slot, %tok = ws.channel.acquire producer %c[%i] : !ws.channel<1>
      ws.channel.release producer %c[%slot], %tok : !ws.channel<1>
      ws.role_return
    }
    role "consumer0" warps(4) regs(200) (%c: !ws.channel<1>) {
      %i = arith.constant 0 : index
      %slot, %tok = ws.channel.acquire consumer %c[%i] : !ws.channel<1>
      ws.channel.release consumer %c[%slot], %tok : !ws.channel<1>
      ws.role_return
    }
    role "consumer1" warps(4) regs(200) (%c: !ws.channel<1>) {
      %i = arith.constant 0 : index
      %slot, %tok = ws.channel.acquire consumer %c[%i] : !ws.channel<1>
      ws.channel.release consumer %c[%slot], %tok : !ws.channel<1>
      ws.role_return
    }
  return
}

// -----

func.func @tx_on_consumer_side(%bars: memref<2xi64, #gpu.address_space<workgroup>>) {
  %ch = ws.channel.create %bars producers(128) consumers(128)
      : memref<2xi64, #gpu.address_space<workgroup>> -> !ws.channel<1>
  %c0 = arith.constant 0 : index
  %slot, %tok = ws.channel.acquire consumer %ch[%c0] : !ws.channel<1>
  // expected-error @+1 {{'ws.channel.release' op tx bytes are for the producer side only}}
  ws.channel.release consumer %ch[%slot], %tok tx(64) : !ws.channel<1>
  return
}

// -----

func.func @tx_and_async(%bars: memref<2xi64, #gpu.address_space<workgroup>>) {
  %ch = ws.channel.create %bars producers(128) consumers(128)
      : memref<2xi64, #gpu.address_space<workgroup>> -> !ws.channel<1>
  %c0 = arith.constant 0 : index
  %slot, %tok = ws.channel.acquire producer %ch[%c0] : !ws.channel<1>
  // expected-error @+1 {{'ws.channel.release' op cannot be both async (cp.async arrival) and tx (transaction bytes)}}
  ws.channel.release producer %ch[%slot], %tok async tx(64) : !ws.channel<1>
  return
}

// -----

func.func @tx_too_large(%bars: memref<2xi64, #gpu.address_space<workgroup>>) {
  %ch = ws.channel.create %bars producers(128) consumers(128)
      : memref<2xi64, #gpu.address_space<workgroup>> -> !ws.channel<1>
  %c0 = arith.constant 0 : index
  %slot, %tok = ws.channel.acquire producer %ch[%c0] : !ws.channel<1>
  // expected-error @+1 {{'ws.channel.release' op tx bytes must be in [1, 1048575], but got 1048576}}
  ws.channel.release producer %ch[%slot], %tok tx(1048576) : !ws.channel<1>
  return
}

// -----

// expected-error @+1 {{a channel's buffer must have a leading dimension of its depth (2) and rank >= 2, but has type 'memref<3x8xf32, #gpu.address_space<workgroup>>'}}
func.func @buffer_depth(%ch: !ws.channel<2, memref<3x8xf32, #gpu.address_space<workgroup>>>) {
  return
}

// -----

// expected-error @+1 {{a channel's buffer must be in workgroup (shared) memory, but has type 'memref<2x8xf32>'}}
func.func @buffer_space(%ch: !ws.channel<2, memref<2x8xf32>>) {
  return
}

// -----

func.func @create_without_buffer(%bars: memref<4xi64, #gpu.address_space<workgroup>>) {
  // expected-error @+1 {{needs operand 'buffer' of type 'memref<2x8xf32, #gpu.address_space<workgroup>>'}}
  %ch = ws.channel.create %bars producers(128) consumers(128) : memref<4xi64, #gpu.address_space<workgroup>> -> !ws.channel<2, memref<2x8xf32, #gpu.address_space<workgroup>>>
  return
}

// -----

func.func @create_buffer_type(%bars: memref<4xi64, #gpu.address_space<workgroup>>, %ring: memref<2x4xf32, #gpu.address_space<workgroup>>) {
  // expected-error @+1 {{operand 'buffer' must have the channel's buffer type 'memref<2x8xf32, #gpu.address_space<workgroup>>', but has 'memref<2x4xf32, #gpu.address_space<workgroup>>'}}
  %ch = ws.channel.create %bars buffer(%ring : memref<2x4xf32, #gpu.address_space<workgroup>>) producers(128) consumers(128) : memref<4xi64, #gpu.address_space<workgroup>> -> !ws.channel<2, memref<2x8xf32, #gpu.address_space<workgroup>>>
  return
}

// -----

func.func @acquire_no_view(%ch: !ws.channel<2, memref<2x8xf32, #gpu.address_space<workgroup>>>, %i: index) {
  // expected-error @+1 {{must return the view of its slot, of type 'memref<8xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>'}}
  %s, %t = ws.channel.acquire consumer %ch[%i] : !ws.channel<2, memref<2x8xf32, #gpu.address_space<workgroup>>>
  return
}

// -----

func.func @acquire_view_without_buffer(%ch: !ws.channel<2>, %i: index) {
  // expected-error @+1 {{returns a view, but its channel owns no buffer}}
  %s, %t, %v = ws.channel.acquire consumer %ch[%i] : !ws.channel<2> -> memref<8xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @acquire_view_type(%ch: !ws.channel<2, memref<2x8xf32, #gpu.address_space<workgroup>>>, %i: index) {
  // expected-error @+1 {{view must have type 'memref<8xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>', but has 'memref<8xf32, #gpu.address_space<workgroup>>'}}
  %s, %t, %v = ws.channel.acquire consumer %ch[%i] : !ws.channel<2, memref<2x8xf32, #gpu.address_space<workgroup>>> -> memref<8xf32, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @create_buffer_for_plain_channel(%bars: memref<4xi64, #gpu.address_space<workgroup>>, %ring: memref<2x8xf32, #gpu.address_space<workgroup>>) {
  // expected-error @+1 {{takes no 'buffer': its channel type '!ws.channel<2>' owns no buffer}}
  %ch = ws.channel.create %bars buffer(%ring : memref<2x8xf32, #gpu.address_space<workgroup>>) producers(128) consumers(128) : memref<4xi64, #gpu.address_space<workgroup>> -> !ws.channel<2>
  return
}

// -----

func.func @send_without_buffer(%ch: !ws.channel<1>, %i: index, %m: f32) {
  // expected-error @+1 {{'ws.channel.send' op needs a channel that owns its buffer (a value channel), but got '!ws.channel<1>'}}
  ws.channel.send %m to %ch[%i] at [%i] : f32 to !ws.channel<1>
  return
}

// -----

func.func @send_element_type(%ch: !ws.channel<1, memref<1x64xf32, #gpu.address_space<workgroup>>>, %i: index, %m: f16) {
  // expected-error @+1 {{'ws.channel.send' op value must have the buffer's element type 'f32', but has 'f16'}}
  ws.channel.send %m to %ch[%i] at [%i] : f16 to !ws.channel<1, memref<1x64xf32, #gpu.address_space<workgroup>>>
  return
}

// -----

func.func @receive_indices(%ch: !ws.channel<1, memref<1x8x8xf32, #gpu.address_space<workgroup>>>, %i: index) -> f32 {
  // expected-error @+1 {{'ws.channel.receive' op needs 2 indices into its slot 'memref<8x8xf32, strided<[8, 1], offset: ?>, #gpu.address_space<workgroup>>' per value (2 for 1), but got 1}}
  %v = ws.channel.receive %ch[%i] at [%i] : !ws.channel<1, memref<1x8x8xf32, #gpu.address_space<workgroup>>> -> f32
  return %v : f32
}

// -----

func.func @send_indices_per_value(%ch: !ws.channel<1, memref<1x8x8xf32, #gpu.address_space<workgroup>>>, %i: index, %m: f32) {
  // expected-error @+1 {{'ws.channel.send' op needs 2 indices into its slot 'memref<8x8xf32, strided<[8, 1], offset: ?>, #gpu.address_space<workgroup>>' per value (4 for 2), but got 2}}
  "ws.channel.send"(%m, %m, %ch, %i, %i, %i) <{operandSegmentSizes = array<i32: 2, 1, 1, 2, 0>}> : (f32, f32, !ws.channel<1, memref<1x8x8xf32, #gpu.address_space<workgroup>>>, index, index, index) -> ()
  return
}

// -----

func.func @receive_nothing(%ch: !ws.channel<1, memref<1x8x8xf32, #gpu.address_space<workgroup>>>, %i: index) {
  // expected-error @+1 {{'ws.channel.receive' op needs at least one value, but got none}}
  "ws.channel.receive"(%ch, %i, %i, %i) : (!ws.channel<1, memref<1x8x8xf32, #gpu.address_space<workgroup>>>, index, index, index) -> ()
  return
}

// -----

func.func @index_groups(%ch: !ws.channel<1, memref<1x8x8xf32, #gpu.address_space<workgroup>>>, %i: index, %m: f32) {
  // expected-error @+1 {{every index group needs 2 indices (as the first), but this one has 1}}
  ws.channel.send %m, %m to %ch[%i] at [%i, %i], [%i] : f32, f32 to !ws.channel<1, memref<1x8x8xf32, #gpu.address_space<workgroup>>>
  return
}
