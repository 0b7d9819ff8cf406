//===- Dialect.cpp - the ws dialect's MLIR C API --------------------------===//

#include "WarpSpec-c/Dialect.h"
#include "WarpSpec/Conversion/Passes.h"
#include "WarpSpec/Transforms/Passes.h"
#include "WarpSpec/IR/WarpSpec.h"

#include "mlir/CAPI/Registration.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(WarpSpec, ws, mlir::ws::WarpSpecDialect)

void wsRegisterConversionPasses(void) {
  mlir::ws::registerWarpSpecConversionPasses();
  mlir::ws::registerWarpSpecTransformsPasses();
}
