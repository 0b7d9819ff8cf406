//===- Hopper.h - hopper dialect --------------------------------*- C++ -*-===//
//
// The hopper dialect: NVIDIA Hopper (sm_90a) warpgroup matrix operations with
// their accumulators threaded through SSA. Depends on MLIR and the ws
// dialect's interfaces only.
//
//===----------------------------------------------------------------------===//

#ifndef HOPPER_IR_HOPPER_H
#define HOPPER_IR_HOPPER_H

#include "WarpSpec/IR/WarpSpec.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"

#include "Hopper/IR/HopperOpsDialect.h.inc"

#define GET_OP_CLASSES
#include "Hopper/IR/HopperOps.h.inc"

namespace mlir::hopper {

/// Rows of a wgmma tile (M), and the K of one bf16 step. PTX ISA 8.x,
/// "Asynchronous Warpgroup Level Matrix Shape": .m64nNk16 for .bf16.
inline constexpr int64_t kWgmmaM = 64;
inline constexpr int64_t kWgmmaKBf16 = 16;
/// N of a bf16 wgmma: a multiple of 8 in [8, 256] (same table).
inline constexpr int64_t kWgmmaNGranule = 8;
inline constexpr int64_t kWgmmaMaxN = 256;
/// 32-bit registers of the register-A fragment per thread (m64nNk16 bf16:
/// eight bf16, two per register).
inline constexpr int64_t kWgmmaRegAWords = 4;

/// N of the accumulator type `type` (a struct of N / 2 f32), or 0 when it
/// is not one.
int64_t wgmmaAccumulatorN(Type type);

} // namespace mlir::hopper

#endif // HOPPER_IR_HOPPER_H
