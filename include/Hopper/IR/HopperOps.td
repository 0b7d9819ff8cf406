//===- HopperOps.td - hopper operations ------------------*- tablegen -*-===//

#ifndef HOPPER_OPS_TD
#define HOPPER_OPS_TD

include "Hopper/IR/HopperDialect.td"
include "WarpSpec/IR/WarpSpecInterfaces.td"
include "mlir/IR/OpBase.td"

/// A wgmma operation that reads its B (and, from shared memory, its A)
/// operand through the async proxy.
def Hopper_ReadsSharedThroughAsyncProxy
    : DeclareOpInterfaceMethods<WarpSpec_SharedMemoryProxyOpInterface>;

def Hopper_WgmmaOp : Hopper_Op<"wgmma", [
    AllTypesMatch<["acc", "result"]>, Hopper_ReadsSharedThroughAsyncProxy]> {
  let summary = "acc += A B, m64nNk16, bf16 x bf16 -> f32, A and B in shared "
                "memory";
  let description = [{
    One `wgmma.mma_async` of the executing warpgroup: the accumulator
    [64, N] (`acc`, N / 2 f32 per thread in the PTX accumulator fragment
    layout) plus A [64, 16] times B [16, N], both bf16 in shared memory,
    given by their matrix descriptors (PTX ISA 8.x, "Matrix Descriptor
    Format"). A is K-major; B is K-major, or MN-major with `b_mn_major`.
    With `zero_init` the accumulator's input is ignored (scale-d = 0).
    Asynchronous: its result may be read only through a later
    `hopper.wgmma_wait`, after a `hopper.wgmma_commit`.
    ```mlir
    %d = hopper.wgmma %acc, %descA, %descB b_mn_major
        : !llvm.struct<(f32, f32, f32, f32)>
    ```
  }];
  let arguments = (ins AnyType:$acc, I64:$desc_a, I64:$desc_b,
                       UnitAttr:$b_mn_major, UnitAttr:$zero_init);
  let results = (outs AnyType:$result);
  let assemblyFormat = [{
    $acc `,` $desc_a `,` $desc_b (`b_mn_major` $b_mn_major^)?
    (`zero_init` $zero_init^)? attr-dict `:` type($acc)
  }];
  let hasVerifier = 1;
}

def Hopper_WgmmaRegAOp : Hopper_Op<"wgmma_rs", [
    AllTypesMatch<["acc", "result"]>, Hopper_ReadsSharedThroughAsyncProxy]> {
  let summary = "acc += A B, m64nNk16, bf16 x bf16 -> f32, A in registers";
  let description = [{
    As `hopper.wgmma`, with A [64, 16] from registers: four i32 per thread,
    each two bf16, in the m16n8k16 A-fragment layout of each warp's 16 rows
    (PTX ISA 8.x, "Register Fragments and Shared Memory Matrix Layouts":
    wgmma .m64nNk16 A). B [16, N] is in shared memory, given by its matrix
    descriptor. MLIR 22 has no op for this form of wgmma: it lowers to one
    inline PTX statement with the accumulators tied in and out.
    ```mlir
    %d = hopper.wgmma_rs %acc, [%a0, %a1, %a2, %a3], %descB b_mn_major
        : !llvm.struct<(f32, f32, f32, f32)>
    ```
  }];
  let arguments = (ins AnyType:$acc, Variadic<I32>:$a, I64:$desc_b,
                       UnitAttr:$b_mn_major, UnitAttr:$zero_init);
  let results = (outs AnyType:$result);
  let assemblyFormat = [{
    $acc `,` `[` $a `]` `,` $desc_b (`b_mn_major` $b_mn_major^)?
    (`zero_init` $zero_init^)? attr-dict `:` type($acc)
  }];
  let hasVerifier = 1;
}

def Hopper_WgmmaFenceOp : Hopper_Op<"wgmma_fence", [
    AllTypesMatch<["values", "results"]>]> {
  let summary = "orders register writes before the wgmma operations after it";
  let description = [{
    `wgmma.fence` (PTX ISA 8.x, "wgmma.fence"): the registers a later wgmma
    reads (its accumulator, its register A) must be written before it. The
    registers named here are returned: use the results from here on, and
    their computation stays before the fence.
    ```mlir
    %a, %acc2 = hopper.wgmma_fence(%a0, %acc) : i32, !llvm.struct<(f32, f32)>
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let results = (outs Variadic<AnyType>:$results);
  let assemblyFormat = [{
    (`(` $values^ `)` `:` type($values))? attr-dict
  }];
  let hasVerifier = 1;
}

def Hopper_WgmmaCommitOp : Hopper_Op<"wgmma_commit"> {
  let summary = "commits the warpgroup's uncommitted wgmma operations as one "
                "group";
  let description = [{
    `wgmma.commit_group` (PTX ISA 8.x): the wgmma operations issued since
    the last commit form one group, which `hopper.wgmma_wait` waits for.
  }];
  let assemblyFormat = "attr-dict";
}

def Hopper_WgmmaWaitOp : Hopper_Op<"wgmma_wait", [
    AllTypesMatch<["values", "results"]>]> {
  let summary = "waits until at most `pending` wgmma groups are in flight";
  let description = [{
    `wgmma.wait_group pending` (PTX ISA 8.x). The accumulators of the
    groups waited for are returned: reading the results (never the
    operands) orders every read after the wait.
    ```mlir
    %s = hopper.wgmma_wait 0, %acc : !llvm.struct<(f32, f32)>
    ```
  }];
  let arguments = (ins ConfinedAttr<I64Attr, [IntNonNegative]>:$pending,
                       Variadic<AnyType>:$values);
  let results = (outs Variadic<AnyType>:$results);
  let assemblyFormat = [{
    $pending (`,` $values^ `:` type($values))? attr-dict
  }];
  let hasVerifier = 1;
}

def Hopper_PinOp : Hopper_Op<"pin", [AllTypesMatch<["values", "results"]>]> {
  let summary = "computes values here: later code cannot sink their "
                "computation";
  let description = [{
    Returns its operands, computed at this point of the program: their
    computation stays before it relative to the waits, fences, barriers and
    wgmma operations around it (LLVM would otherwise be free to compute an
    accumulator rescale after the next barrier wait, on the critical path).
    Values are f32, i32 or `!llvm.struct`s of them.
    ```mlir
    %o = hopper.pin %acc : !llvm.struct<(f32, f32)>
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let results = (outs Variadic<AnyType>:$results);
  let assemblyFormat = "$values `:` type($values) attr-dict";
  let hasVerifier = 1;
}

#endif // HOPPER_OPS_TD
