/*===- Dialects.h - C API of the mixer dialect --------------------*- C -*-===*\
|*                                                                            *|
|* The dialect handle, for hosts that use MLIR's C API: register or load the  *|
|* mixer dialect with mlirDialectHandleInsertDialect / LoadDialect.           *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef MIXER_C_DIALECTS_H
#define MIXER_C_DIALECTS_H

#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(Mixer, mixer);

/* Registers the mixer dialect together with every upstream dialect and
 * extension that Mixer's pipelines use. */
MLIR_CAPI_EXPORTED void mixerRegisterAllDialects(MlirDialectRegistry registry);

#ifdef __cplusplus
}
#endif

#endif /* MIXER_C_DIALECTS_H */
