// RUN: sparse-mla-opt %s -split-input-file -verify-diagnostics

// sparse_mla.kernel_info is verified when it is parsed, so neither
// sparse-mla-translate nor the runtime ever reads a malformed one.

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel {
      gpu.return
    }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{sparse_mla.kernel_info: 'entry' must be a string, but is 5 : i64}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) {sparse_mla.kernel_info = {entry = 5 : i64, block = array<i64: 128, 1, 1>, dynamic_shared_memory = 0 : i64, grid = [{dim = "S", multiplier = 2 : i64}, {dim = "B", multiplier = 1 : i64}, {multiplier = 1 : i64}], params = [], op = {B, Dqk = 64 : i64, Dv = 32 : i64, G = 1 : i64, H = 8 : i64, S, Skv, causal = true, has_max_logits = false, kv_stride = 1 : i64, schedule = "s", sm_scale = 1.250000e-01 : f64, topk = 32 : i64}}}
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel {
      gpu.return
    }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{sparse_mla.kernel_info: 'entry' must be a string, but is missing}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) {sparse_mla.kernel_info = {block = array<i64: 128, 1, 1>, dynamic_shared_memory = 0 : i64, grid = [{dim = "S", multiplier = 2 : i64}, {dim = "B", multiplier = 1 : i64}, {multiplier = 1 : i64}], params = [], op = {B, Dqk = 64 : i64, Dv = 32 : i64, G = 1 : i64, H = 8 : i64, S, Skv, causal = true, has_max_logits = false, kv_stride = 1 : i64, schedule = "s", sm_scale = 1.250000e-01 : f64, topk = 32 : i64}}}
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel {
      gpu.return
    }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{sparse_mla.kernel_info: 'block' must hold 3 positive sizes, but is array<i64: 128, 1>}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) {sparse_mla.kernel_info = {entry = "f", block = array<i64: 128, 1>, dynamic_shared_memory = 0 : i64, grid = [{dim = "S", multiplier = 2 : i64}, {dim = "B", multiplier = 1 : i64}, {multiplier = 1 : i64}], params = [], op = {B, Dqk = 64 : i64, Dv = 32 : i64, G = 1 : i64, H = 8 : i64, S, Skv, causal = true, has_max_logits = false, kv_stride = 1 : i64, schedule = "s", sm_scale = 1.250000e-01 : f64, topk = 32 : i64}}}
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel {
      gpu.return
    }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{sparse_mla.kernel_info: 'block' must hold 3 positive sizes, but is array<i64: 0, 1, 1>}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) {sparse_mla.kernel_info = {entry = "f", block = array<i64: 0, 1, 1>, dynamic_shared_memory = 0 : i64, grid = [{dim = "S", multiplier = 2 : i64}, {dim = "B", multiplier = 1 : i64}, {multiplier = 1 : i64}], params = [], op = {B, Dqk = 64 : i64, Dv = 32 : i64, G = 1 : i64, H = 8 : i64, S, Skv, causal = true, has_max_logits = false, kv_stride = 1 : i64, schedule = "s", sm_scale = 1.250000e-01 : f64, topk = 32 : i64}}}
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel {
      gpu.return
    }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{sparse_mla.kernel_info: 'dynamic_shared_memory' must be an i64 >= 0, but is -1 : i64}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) {sparse_mla.kernel_info = {entry = "f", block = array<i64: 128, 1, 1>, dynamic_shared_memory = -1 : i64, grid = [{dim = "S", multiplier = 2 : i64}, {dim = "B", multiplier = 1 : i64}, {multiplier = 1 : i64}], params = [], op = {B, Dqk = 64 : i64, Dv = 32 : i64, G = 1 : i64, H = 8 : i64, S, Skv, causal = true, has_max_logits = false, kv_stride = 1 : i64, schedule = "s", sm_scale = 1.250000e-01 : f64, topk = 32 : i64}}}
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel {
      gpu.return
    }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{sparse_mla.kernel_info: 'dynamic_shared_memory' must be an i64 >= 0, but is 5 : i128}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) {sparse_mla.kernel_info = {entry = "f", block = array<i64: 128, 1, 1>, dynamic_shared_memory = 5 : i128, grid = [{dim = "S", multiplier = 2 : i64}, {dim = "B", multiplier = 1 : i64}, {multiplier = 1 : i64}], params = [], op = {B, Dqk = 64 : i64, Dv = 32 : i64, G = 1 : i64, H = 8 : i64, S, Skv, causal = true, has_max_logits = false, kv_stride = 1 : i64, schedule = "s", sm_scale = 1.250000e-01 : f64, topk = 32 : i64}}}
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel {
      gpu.return
    }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{sparse_mla.kernel_info: grid term 1 : i64 must be a dictionary}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) {sparse_mla.kernel_info = {entry = "f", block = array<i64: 128, 1, 1>, dynamic_shared_memory = 0 : i64, grid = [1, 2, 3], params = [], op = {B, Dqk = 64 : i64, Dv = 32 : i64, G = 1 : i64, H = 8 : i64, S, Skv, causal = true, has_max_logits = false, kv_stride = 1 : i64, schedule = "s", sm_scale = 1.250000e-01 : f64, topk = 32 : i64}}}
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel {
      gpu.return
    }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{sparse_mla.kernel_info: 'grid' must have 3 terms, but has 1}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) {sparse_mla.kernel_info = {entry = "f", block = array<i64: 128, 1, 1>, dynamic_shared_memory = 0 : i64, grid = [{multiplier = 1 : i64}], params = [], op = {B, Dqk = 64 : i64, Dv = 32 : i64, G = 1 : i64, H = 8 : i64, S, Skv, causal = true, has_max_logits = false, kv_stride = 1 : i64, schedule = "s", sm_scale = 1.250000e-01 : f64, topk = 32 : i64}}}
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel {
      gpu.return
    }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{sparse_mla.kernel_info: grid term 'dim' must be "B", "S" or "Skv", but is "Q"}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) {sparse_mla.kernel_info = {entry = "f", block = array<i64: 128, 1, 1>, dynamic_shared_memory = 0 : i64, grid = [{dim = "Q", multiplier = 2 : i64}, {dim = "B", multiplier = 1 : i64}, {multiplier = 1 : i64}], params = [], op = {B, Dqk = 64 : i64, Dv = 32 : i64, G = 1 : i64, H = 8 : i64, S, Skv, causal = true, has_max_logits = false, kv_stride = 1 : i64, schedule = "s", sm_scale = 1.250000e-01 : f64, topk = 32 : i64}}}
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel {
      gpu.return
    }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{sparse_mla.kernel_info: grid term 'multiplier' must be an i64 >= 1, but is 0 : i64}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) {sparse_mla.kernel_info = {entry = "f", block = array<i64: 128, 1, 1>, dynamic_shared_memory = 0 : i64, grid = [{dim = "S", multiplier = 0 : i64}, {dim = "B", multiplier = 1 : i64}, {multiplier = 1 : i64}], params = [], op = {B, Dqk = 64 : i64, Dv = 32 : i64, G = 1 : i64, H = 8 : i64, S, Skv, causal = true, has_max_logits = false, kv_stride = 1 : i64, schedule = "s", sm_scale = 1.250000e-01 : f64, topk = 32 : i64}}}
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel {
      gpu.return
    }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{sparse_mla.kernel_info: 'params' must hold names, but holds 1 : i64}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) {sparse_mla.kernel_info = {entry = "f", block = array<i64: 128, 1, 1>, dynamic_shared_memory = 0 : i64, grid = [{dim = "S", multiplier = 2 : i64}, {dim = "B", multiplier = 1 : i64}, {multiplier = 1 : i64}], params = [1, 2], op = {B, Dqk = 64 : i64, Dv = 32 : i64, G = 1 : i64, H = 8 : i64, S, Skv, causal = true, has_max_logits = false, kv_stride = 1 : i64, schedule = "s", sm_scale = 1.250000e-01 : f64, topk = 32 : i64}}}
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel {
      gpu.return
    }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{sparse_mla.kernel_info: 'op' must be a dictionary, but is 5 : i64}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) {sparse_mla.kernel_info = {entry = "f", block = array<i64: 128, 1, 1>, dynamic_shared_memory = 0 : i64, grid = [{dim = "S", multiplier = 2 : i64}, {dim = "B", multiplier = 1 : i64}, {multiplier = 1 : i64}], params = [], op = 5 : i64}}
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel {
      gpu.return
    }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{sparse_mla.kernel_info: op 'H' must be an i64 >= 1, but is 8 : ui64}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) {sparse_mla.kernel_info = {entry = "f", block = array<i64: 128, 1, 1>, dynamic_shared_memory = 0 : i64, grid = [{dim = "S", multiplier = 2 : i64}, {dim = "B", multiplier = 1 : i64}, {multiplier = 1 : i64}], params = [], op = {B, Dqk = 64 : i64, Dv = 32 : i64, G = 1 : i64, H = 8 : ui64, S, Skv, causal = true, has_max_logits = false, kv_stride = 1 : i64, schedule = "s", sm_scale = 1.250000e-01 : f64, topk = 32 : i64}}}
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel {
      gpu.return
    }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{sparse_mla.kernel_info: op 'B' must be an i64 >= 0 or unit (dynamic)}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) {sparse_mla.kernel_info = {entry = "f", block = array<i64: 128, 1, 1>, dynamic_shared_memory = 0 : i64, grid = [{dim = "S", multiplier = 2 : i64}, {dim = "B", multiplier = 1 : i64}, {multiplier = 1 : i64}], params = [], op = {B = "x", Dqk = 64 : i64, Dv = 32 : i64, G = 1 : i64, H = 8 : i64, S, Skv, causal = true, has_max_logits = false, kv_stride = 1 : i64, schedule = "s", sm_scale = 1.250000e-01 : f64, topk = 32 : i64}}}
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel {
      gpu.return
    }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{sparse_mla.kernel_info: op 'causal' must be a bool, but is 1 : i64}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) {sparse_mla.kernel_info = {entry = "f", block = array<i64: 128, 1, 1>, dynamic_shared_memory = 0 : i64, grid = [{dim = "S", multiplier = 2 : i64}, {dim = "B", multiplier = 1 : i64}, {multiplier = 1 : i64}], params = [], op = {B, Dqk = 64 : i64, Dv = 32 : i64, G = 1 : i64, H = 8 : i64, S, Skv, causal = 1 : i64, has_max_logits = false, kv_stride = 1 : i64, schedule = "s", sm_scale = 1.250000e-01 : f64, topk = 32 : i64}}}
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel {
      gpu.return
    }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{sparse_mla.kernel_info: op 'sm_scale' must be a float, but is "x"}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) {sparse_mla.kernel_info = {entry = "f", block = array<i64: 128, 1, 1>, dynamic_shared_memory = 0 : i64, grid = [{dim = "S", multiplier = 2 : i64}, {dim = "B", multiplier = 1 : i64}, {multiplier = 1 : i64}], params = [], op = {B, Dqk = 64 : i64, Dv = 32 : i64, G = 1 : i64, H = 8 : i64, S, Skv, causal = true, has_max_logits = false, kv_stride = 1 : i64, schedule = "s", sm_scale = "x", topk = 32 : i64}}}
    return
  }
}

// -----

// expected-error @+1 {{sparse_mla.kernel_info belongs on a gpu.launch_func}}
func.func @misplaced() attributes {sparse_mla.kernel_info = {}} {
  return
}

// -----

// expected-error @+1 {{unknown sparse_mla attribute 'sparse_mla.bogus'}}
func.func @unknown() attributes {sparse_mla.bogus = 1} {
  return
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel {
      gpu.return
    }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{sparse_mla.kernel_info must be a dictionary}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) {sparse_mla.kernel_info = 5 : i64}
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel {
      gpu.return
    }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{sparse_mla.kernel_info: 'row_alignment' must be a dictionary, but is 16 : i64}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) {sparse_mla.kernel_info = {entry = "f", block = array<i64: 128, 1, 1>, dynamic_shared_memory = 0 : i64, grid = [{dim = "S", multiplier = 2 : i64}, {dim = "B", multiplier = 1 : i64}, {multiplier = 1 : i64}], params = ["q", "kv"], row_alignment = 16 : i64, op = {B, Dqk = 64 : i64, Dv = 32 : i64, G = 1 : i64, H = 8 : i64, S, Skv, causal = true, has_max_logits = false, kv_stride = 1 : i64, schedule = "s", sm_scale = 1.250000e-01 : f64, topk = 32 : i64}}}
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel {
      gpu.return
    }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{sparse_mla.kernel_info: 'row_alignment' entry 'kv' must name a parameter and give a power of two up to 256 bytes}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) {sparse_mla.kernel_info = {entry = "f", block = array<i64: 128, 1, 1>, dynamic_shared_memory = 0 : i64, grid = [{dim = "S", multiplier = 2 : i64}, {dim = "B", multiplier = 1 : i64}, {multiplier = 1 : i64}], params = ["q", "kv"], row_alignment = {kv = 24 : i64}, op = {B, Dqk = 64 : i64, Dv = 32 : i64, G = 1 : i64, H = 8 : i64, S, Skv, causal = true, has_max_logits = false, kv_stride = 1 : i64, schedule = "s", sm_scale = 1.250000e-01 : f64, topk = 32 : i64}}}
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel {
      gpu.return
    }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{sparse_mla.kernel_info: 'row_alignment' entry 'out' must name a parameter and give a power of two up to 256 bytes}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) {sparse_mla.kernel_info = {entry = "f", block = array<i64: 128, 1, 1>, dynamic_shared_memory = 0 : i64, grid = [{dim = "S", multiplier = 2 : i64}, {dim = "B", multiplier = 1 : i64}, {multiplier = 1 : i64}], params = ["q", "kv"], row_alignment = {out = 16 : i64}, op = {B, Dqk = 64 : i64, Dv = 32 : i64, G = 1 : i64, H = 8 : i64, S, Skv, causal = true, has_max_logits = false, kv_stride = 1 : i64, schedule = "s", sm_scale = 1.250000e-01 : f64, topk = 32 : i64}}}
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel { gpu.return }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{sparse_mla.kernel_info: 'ctas_per_sm' must be an integer in [1, 32], but is 0 : i64}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) {sparse_mla.kernel_info = {entry = "f", block = array<i64: 128, 1, 1>, dynamic_shared_memory = 0 : i64, grid = [{dim = "S", multiplier = 2 : i64}, {dim = "B", multiplier = 1 : i64}, {multiplier = 1 : i64}], params = ["q", "kv"], ctas_per_sm = 0 : i64, op = {B, Dqk = 64 : i64, Dv = 32 : i64, G = 1 : i64, H = 8 : i64, S, Skv, causal = true, has_max_logits = false, kv_stride = 1 : i64, schedule = "s", sm_scale = 1.250000e-01 : f64, topk = 32 : i64}}}
    return
  }
}

// -----

// expected-error @+1 {{sparse_mla.by_value_params must be an array<i64> of argument indices >= 0 on a function}}
func.func @by_value_negative(%p: !llvm.ptr) attributes {sparse_mla.by_value_params = array<i64: -1>} {
  return
}

// -----

func.func @by_value_not_on_function() {
  // expected-error @+1 {{sparse_mla.by_value_params must be an array<i64> of argument indices >= 0 on a function}}
  %c0 = arith.constant {sparse_mla.by_value_params = array<i64: 0>} 0 : index
  return
}
