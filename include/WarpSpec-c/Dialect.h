/*===- Dialect.h - the ws dialect's MLIR C API --------------------*- C -*-===//
 *
 * The ws (warp specialization) dialect and its lowerings to NVVM, for C (and
 * for any language with C bindings), on top of MLIR's own C API.
 *
 *   MlirContext ctx = mlirContextCreate();
 *   mlirDialectHandleLoadDialect(mlirGetDialectHandle__ws__(), ctx);
 *   wsRegisterConversionPasses();   // then mlirParsePassPipeline(...)
 *
 *===----------------------------------------------------------------------===*/

#ifndef WARPSPEC_C_DIALECT_H
#define WARPSPEC_C_DIALECT_H

#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(WarpSpec, ws);

/** Registers convert-ws-warp-specialize-to-nvvm and
 *  convert-ws-channels-to-nvvm by name (for mlirParsePassPipeline). */
MLIR_CAPI_EXPORTED void wsRegisterConversionPasses(void);

#ifdef __cplusplus
}
#endif

#endif /* WARPSPEC_C_DIALECT_H */
