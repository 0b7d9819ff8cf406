//===- ByValueParams.cpp - by-value kernel parameters ---------------------===//

#include "SparseMLA/Conversion/Passes.h"
#include "SparseMLA/Target/HardwareLimits.h"

namespace mlir::sparse_mla {
#define GEN_PASS_DEF_SPARSEMLABYVALUEPARAMS
#include "SparseMLA/Conversion/Passes.h.inc"
} // namespace mlir::sparse_mla

using namespace mlir;
using namespace mlir::sparse_mla;

namespace {
struct ByValueParamsPass
    : public sparse_mla::impl::SparseMLAByValueParamsBase<ByValueParamsPass> {
  using Base::Base;

  void runOnOperation() override {
    LLVM::LLVMFuncOp func = getOperation();
    auto list = func->getAttrOfType<DenseI64ArrayAttr>(
        kByValueParamsAttrName);
    if (!list)
      return;
    MLIRContext *ctx = func.getContext();
    Builder b(ctx);
    if (!func->hasAttr(NVVM::NVVMDialect::getKernelFuncAttrName())) {
      func.emitOpError() << "lists by-value parameters but is not an NVVM "
                            "kernel (run after convert-gpu-to-nvvm)";
      return signalPassFailure();
    }
    Type mapType = LLVM::LLVMStructType::getLiteral(
        ctx, LLVM::LLVMArrayType::get(b.getI64Type(),
                                      hw::kTensorMapBytes / 8));
    for (int64_t index : list.asArrayRef()) {
      if (index < 0 || index >= func.getNumArguments() ||
          !isa<LLVM::LLVMPointerType>(func.getArgument(index).getType())) {
        func.emitOpError() << "by-value parameter #" << index
                           << " is not an !llvm.ptr argument";
        return signalPassFailure();
      }
      func.setArgAttr(index, LLVM::LLVMDialect::getByValAttrName(),
                      TypeAttr::get(mapType));
      func.setArgAttr(index, LLVM::LLVMDialect::getAlignAttrName(),
                      b.getI64IntegerAttr(hw::kTensorMapAlignment));
      func.setArgAttr(index, NVVM::NVVMDialect::getGridConstantAttrName(),
                      b.getUnitAttr());
    }
    func->removeAttr(kByValueParamsAttrName);
  }

  static constexpr StringLiteral kByValueParamsAttrName =
      "sparse_mla.by_value_params";
};
} // namespace
