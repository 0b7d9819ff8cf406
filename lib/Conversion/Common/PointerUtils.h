//===- PointerUtils.h - raw pointers into memrefs ---------------*- C++ -*-===//
//
// NVVM ops that take pointers (mbarriers, cp.async) are fed from memrefs
// before memref lowering: the aligned pointer plus a byte offset, cast to the
// address space the op wants.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSEMLA_LIB_CONVERSION_POINTERUTILS_H
#define SPARSEMLA_LIB_CONVERSION_POINTERUTILS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::sparse_mla {

/// An `!llvm.ptr<addrSpace>` to byte `byteOffset` of `memref`'s data.
inline Value rawPointer(ImplicitLocOpBuilder &b, Value memref,
                        Value byteOffset, unsigned addrSpace) {
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, memref);
  Value addr = arith::AddIOp::create(b, base, byteOffset);
  Value addr64 = arith::IndexCastOp::create(b, b.getI64Type(), addr);
  return LLVM::IntToPtrOp::create(
      b, LLVM::LLVMPointerType::get(b.getContext(), addrSpace), addr64);
}

} // namespace mlir::sparse_mla

#endif // SPARSEMLA_LIB_CONVERSION_POINTERUTILS_H
