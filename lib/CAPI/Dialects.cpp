//===- Dialects.cpp - sparse_mla's MLIR C API -----------------------------===//

#include "SparseMLA-c/Dialects.h"
#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLA.h"
#include "SparseMLA/InitAll.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"
#include "mlir/IR/Builders.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(SparseMLA, sparse_mla,
                                      mlir::sparse_mla::SparseMLADialect)

void sparseMlaRegisterAllDialects(MlirDialectRegistry registry) {
  mlir::sparse_mla::registerAllDialects(*unwrap(registry));
}

void sparseMlaRegisterAllPasses(void) { mlir::sparse_mla::registerAllPasses(); }

MlirOperation sparseMlaFwdCreate(MlirLocation loc, MlirValue q, MlirValue kv,
                                 MlirValue indices, MlirValue qStart,
                                 MlirValue out, MlirValue lse,
                                 MlirValue maxLogits, bool causal,
                                 float smScale, int64_t kvStride) {
  mlir::Location location = unwrap(loc);
  mlir::OpBuilder builder(location.getContext());
  mlir::FloatAttr scale =
      smScale > 0 ? builder.getF32FloatAttr(smScale) : mlir::FloatAttr();
  // On tensors the op returns the updated destinations; on memrefs nothing.
  llvm::SmallVector<mlir::Type> results;
  if (llvm::isa<mlir::TensorType>(unwrap(q).getType())) {
    results = {unwrap(out).getType(), unwrap(lse).getType()};
    if (!mlirValueIsNull(maxLogits))
      results.push_back(unwrap(maxLogits).getType());
  }
  auto op = mlir::sparse_mla::FwdOp::create(
      builder, location, results, unwrap(q), unwrap(kv), unwrap(indices),
      unwrap(qStart), /*attn_sink=*/mlir::Value(),
      /*topk_length=*/mlir::Value(), unwrap(out), unwrap(lse),
      mlirValueIsNull(maxLogits) ? mlir::Value() : unwrap(maxLogits), scale,
      builder.getI64IntegerAttr(kvStride), builder.getBoolAttr(causal),
      /*schedule=*/nullptr);
  return wrap(op.getOperation());
}
