//===- SparseMLADialect.td - sparse_mla dialect ----------*- tablegen -*-===//

#ifndef SPARSEMLA_DIALECT_TD
#define SPARSEMLA_DIALECT_TD

include "mlir/IR/OpBase.td"

def SparseMLA_Dialect : Dialect {
  let name = "sparse_mla";
  let summary = "DeepSeek-V3.2 sparse MLA attention and its Hopper lowering";
  let description = [{
    The `sparse_mla` dialect holds one problem-level op, `sparse_mla.fwd`, the
    forward pass of sparse multi-head latent attention (each query attends to
    `topk` gathered latent rows), and the attributes and ops that the
    compiler introduces while lowering it to a GPU kernel: the
    `#sparse_mla.schedule` attribute that records how an op will be lowered,
    the host-side kernel arguments (`sparse_mla.tensor_map`,
    `sparse_mla.split_plan`), and the `sparse_mla.kernel_info` dictionary a
    lowered launch carries for the kernel package. The roles and channels of
    a warp-specialized kernel are the `ws` dialect's.

    The contract of `sparse_mla.fwd` (shapes, masking, outputs, numerics) is
    given in full in the op's documentation.
  }];
  let cppNamespace = "::mlir::sparse_mla";
  let useDefaultAttributePrinterParser = 1;
  let usePropertiesForAttributes = 1;
  let hasOperationAttrVerify = 1;
  let extraClassDeclaration = [{
    /// Registers the dialect's attributes (in SparseMLAAttrs.cpp, next to
    /// their storage classes).
    void registerAttributes();
  }];
}

class SparseMLA_Op<string mnemonic, list<Trait> traits = []>
    : Op<SparseMLA_Dialect, mnemonic, traits>;

#endif // SPARSEMLA_DIALECT_TD
