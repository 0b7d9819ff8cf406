/*===- Dialects.h - sparse_mla's MLIR C API -----------------------*- C -*-===//
 *
 * The sparse_mla dialect, its passes and pipelines, and the op, for C (and
 * for any language with C bindings), on top of MLIR's own C API.
 *
 *   MlirContext ctx = mlirContextCreate();
 *   mlirDialectHandleRegisterDialect(mlirGetDialectHandle__sparse_mla__(), ctx);
 *   sparseMlaRegisterAllPasses();   // then mlirParsePassPipeline(...)
 *
 *===----------------------------------------------------------------------===*/

#ifndef SPARSEMLA_C_DIALECTS_H
#define SPARSEMLA_C_DIALECTS_H

#include "mlir-c/IR.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(SparseMLA, sparse_mla);

/** Inserts the sparse_mla dialect and everything its pipelines need (the
 *  dialects they create, the ConvertToLLVM interfaces, the NVVM target and
 *  the translations to LLVM IR) into `registry`. */
MLIR_CAPI_EXPORTED void sparseMlaRegisterAllDialects(MlirDialectRegistry registry);

/** Registers every sparse_mla pass and the sparse-mla-to-nvvm pipeline by
 *  name (for mlirParsePassPipeline). Idempotent. */
MLIR_CAPI_EXPORTED void sparseMlaRegisterAllPasses(void);

/** Creates a detached `sparse_mla.fwd` at `loc` (insert it with
 *  mlirBlockAppendOwnedOperation or similar). `maxLogits` may be null
 *  (mlirValueIsNull). `smScale <= 0` leaves sm_scale at its default
 *  1/sqrt(Dqk). The op is not verified here: call mlirOperationVerify. */
MLIR_CAPI_EXPORTED MlirOperation sparseMlaFwdCreate(
    MlirLocation loc, MlirValue q, MlirValue kv, MlirValue indices,
    MlirValue qStart, MlirValue out, MlirValue lse, MlirValue maxLogits,
    bool causal, float smScale, int64_t kvStride);

#ifdef __cplusplus
}
#endif

#endif /* SPARSEMLA_C_DIALECTS_H */
