//===- InitAll.h - register everything sparse_mla provides ------*- C++ -*-===//
//
// The one header an embedding compiler includes: the sparse_mla dialect and
// what its passes and pipelines need (the ws dialect among them), and every
// pass and pipeline by name.
//
//   mlir::DialectRegistry registry;
//   mlir::sparse_mla::registerAllDialects(registry);
//   mlir::sparse_mla::registerAllPasses();
//   mlir::MLIRContext context(registry);
//
//===----------------------------------------------------------------------===//

#ifndef SPARSEMLA_INITALL_H
#define SPARSEMLA_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::sparse_mla {

/// Inserts the sparse_mla dialect, every dialect its lowerings create (ws,
/// gpu, nvvm, llvm, scf, arith, math, memref, func, cf), the extensions the
/// lowering to NVVM relies on (the ConvertToLLVM interfaces, the NVVM target
/// attribute) and the translations to LLVM IR that serialize a gpu.module.
void registerAllDialects(DialectRegistry &registry);

/// Registers every sparse_mla pass and conversion, and the ws dialect's
/// lowerings, under their flags, and the `sparse-mla-to-nvvm` pipeline.
/// Idempotent.
void registerAllPasses();

} // namespace mlir::sparse_mla

#endif // SPARSEMLA_INITALL_H
