//===- BufferizableOpInterfaceImpl.h - sparse_mla.fwd on tensors -*- C++ -*-===//

#ifndef SPARSEMLA_DIALECT_SPARSEMLA_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H
#define SPARSEMLA_DIALECT_SPARSEMLA_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::sparse_mla {

/// Attaches One-Shot Bufferize's interface to sparse_mla.fwd: its value form
/// (tensors, destination-passing style) bufferizes to its buffer form.
void registerBufferizableOpInterfaceExternalModels(DialectRegistry &registry);

} // namespace mlir::sparse_mla

#endif
