// RUN: sparse-mla-opt %s -split-input-file -verify-diagnostics

// One case per sparse_mla.warp_specialize verifier message.

func.func @case0(%n: index) {
  // expected-error @+1 {{'sparse_mla.warp_specialize' op role "a" has 3 warps, expected a positive multiple of 4 (whole warpgroups)}}
  sparse_mla.warp_specialize (%n) : index
    role "a" warps(3) regs(72) (%x0: index) { sparse_mla.role_return }
  return
}

// -----

func.func @case1(%n: index) {
  // expected-error @+1 {{'sparse_mla.warp_specialize' op role "a" register budget 100 is not a valid setmaxnreg value (a multiple of 8 in [24, 256])}}
  sparse_mla.warp_specialize (%n) : index
    role "a" warps(4) regs(100) (%x0: index) { sparse_mla.role_return }
  return
}

// -----

func.func @case2(%n: index) {
  // expected-error @+1 {{'sparse_mla.warp_specialize' op role "a" register budget 16 is not a valid setmaxnreg value (a multiple of 8 in [24, 256])}}
  sparse_mla.warp_specialize (%n) : index
    role "a" warps(4) regs(16) (%x0: index) { sparse_mla.role_return }
  return
}

// -----

func.func @case3(%n: index) {
  // expected-error @+1 {{'sparse_mla.warp_specialize' op role "a" appears twice}}
  sparse_mla.warp_specialize (%n) : index
    role "a" warps(4) regs(72) (%x0: index) { sparse_mla.role_return }
    role "a" warps(4) regs(72) (%x1: index) { sparse_mla.role_return }
  return
}

// -----

func.func @case4(%n: index) {
  // expected-error @+1 {{'sparse_mla.warp_specialize' op roles need 68608 registers, above the register file of 65536 per SM}}
  sparse_mla.warp_specialize (%n) : index
    role "a" warps(4) regs(240) (%x0: index) { sparse_mla.role_return }
    role "b" warps(4) regs(240) (%x1: index) { sparse_mla.role_return }
    role "c" warps(4) regs(56) (%x2: index) { sparse_mla.role_return }
  return
}

// -----

func.func @case5(%n: index) {
  // expected-error @+1 {{'sparse_mla.warp_specialize' op roles need 1152 threads, above the limit of 1024 per block}}
  sparse_mla.warp_specialize (%n) : index
    role "a" warps(36) regs(24) (%x0: index) { sparse_mla.role_return }
  return
}

// -----

func.func @case6(%n: index) {
  // expected-error @+1 {{'sparse_mla.warp_specialize' op role "a" takes 0 arguments, expected one per capture (1)}}
  sparse_mla.warp_specialize (%n) : index
    role "a" warps(4) regs(72) () { sparse_mla.role_return }
  return
}

// -----

func.func @case7(%n: index) {
  // expected-error @+1 {{'sparse_mla.warp_specialize' op role "a" argument #0 has type 'i32', but capture #0 has type 'index'}}
  sparse_mla.warp_specialize (%n) : index
    role "a" warps(4) regs(72) (%x0: i32) { sparse_mla.role_return }
  return
}

// -----

func.func @nested(%n: index) {
  sparse_mla.warp_specialize (%n) : index
    role "outer" warps(4) regs(72) (%x: index) {
      // expected-error @+1 {{'sparse_mla.warp_specialize' op cannot be nested in another warp_specialize}}
      sparse_mla.warp_specialize ()
        role "inner" warps(4) regs(72) () {
          sparse_mla.role_return
        }
      sparse_mla.role_return
    }
  return
}

// -----

func.func @no_roles() {
  // expected-error @+1 {{'sparse_mla.warp_specialize' op must have at least one role}}
  sparse_mla.warp_specialize ()
  return
}

// -----

// The generic form can disagree on counts; the verifier names them.
func.func @counts(%n: index) {
  // expected-error @+1 {{'sparse_mla.warp_specialize' op has 2 roles but 1 warp counts, 1 register budgets and 1 regions}}
  "sparse_mla.warp_specialize"(%n) <{roles = ["a", "b"], num_warps = array<i32: 4>, regs = array<i32: 72>}> ({
  ^bb0(%x: index):
    "sparse_mla.role_return"() : () -> ()
  }) : (index) -> ()
  return
}

// -----

func.func @outside() {
  // expected-error @+1 {{'sparse_mla.role_return' op expects parent op 'sparse_mla.warp_specialize'}}
  sparse_mla.role_return
}
