// RUN: sparse-mla-opt %s -split-input-file -verify-diagnostics

// One case per hopper verifier message.

func.func @acc_not_struct(%acc: vector<8xf32>, %d: i64) {
  // expected-error @+1 {{accumulator must be a literal !llvm.struct of f32, got 'vector<8xf32>'}}
  %r = hopper.wgmma %acc, %d, %d : vector<8xf32>
  return
}

// -----

func.func @acc_not_f32(%acc: !llvm.struct<(f32, i32, f32, f32)>, %d: i64) {
  // expected-error @+1 {{accumulator must be a literal !llvm.struct of f32, got '!llvm.struct<(f32, i32, f32, f32)>'}}
  %r = hopper.wgmma %acc, %d, %d : !llvm.struct<(f32, i32, f32, f32)>
  return
}

// -----

func.func @bad_n(%acc: !llvm.struct<(f32, f32, f32, f32, f32, f32)>, %d: i64) {
  // expected-error @+1 {{accumulator of 6 f32 gives N = 12, expected N a multiple of 8 in [8, 256] (m64nNk16 bf16)}}
  %r = hopper.wgmma %acc, %d, %d : !llvm.struct<(f32, f32, f32, f32, f32, f32)>
  return
}

// -----

func.func @rs_bad_a(%acc: !llvm.struct<(f32, f32, f32, f32)>, %a: i32, %d: i64) {
  // expected-error @+1 {{register A has 3 i32, expected 4 (the m64nNk16 bf16 A fragment)}}
  %r = hopper.wgmma_rs %acc, [%a, %a, %a], %d : !llvm.struct<(f32, f32, f32, f32)>
  return
}

// -----

func.func @rs_bad_acc(%acc: !llvm.struct<(f32, f32, f32, f32, f32, f32)>, %a: i32, %d: i64) {
  // expected-error @+1 {{accumulator of 6 f32 gives N = 12}}
  %r = hopper.wgmma_rs %acc, [%a, %a, %a, %a], %d : !llvm.struct<(f32, f32, f32, f32, f32, f32)>
  return
}

// -----

func.func @wait_untieable(%v: f64) {
  // expected-error @+1 {{value #0 is 'f64', expected f32, i32 or a literal !llvm.struct of them}}
  %r = hopper.wgmma_wait 0, %v : f64
  return
}

// -----

func.func @fence_untieable(%a: i32, %v: vector<2xf32>) {
  // expected-error @+1 {{value #1 is 'vector<2xf32>', expected f32, i32 or a literal !llvm.struct of them}}
  %r:2 = hopper.wgmma_fence(%a, %v) : i32, vector<2xf32>
  return
}

// -----

func.func @pin_nothing() {
  // expected-error @+1 {{needs at least one value to pin, got none}}
  "hopper.pin"() : () -> ()
  return
}

// -----

func.func @pin_untieable(%v: i64) {
  // expected-error @+1 {{value #0 is 'i64', expected f32, i32 or a literal !llvm.struct of them}}
  %r = hopper.pin %v : i64
  return
}

// -----

func.func @wait_negative(%v: f32) {
  // expected-error @+1 {{attribute 'pending' failed to satisfy constraint}}
  %r = hopper.wgmma_wait -1, %v : f32
  return
}
