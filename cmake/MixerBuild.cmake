# Build helpers shared by every Mixer library and tool.

# The MLIR headers almost every compiler file includes: parsing them is most of
# the compile time, so each library precompiles them once (TOOLCHAIN.md measured
# 4.6 s -> 1.5 s per file).
set(MIXER_PCH_HEADERS
  <mlir/IR/Builders.h>
  <mlir/IR/BuiltinOps.h>
  <mlir/IR/BuiltinTypes.h>
  <mlir/IR/Dialect.h>
  <mlir/IR/OpDefinition.h>
  <mlir/IR/PatternMatch.h>
  <mlir/Pass/Pass.h>
  <llvm/ADT/STLExtras.h>
  <llvm/ADT/SmallVector.h>
)

function(mixer_enable_pch target)
  if(MIXER_ENABLE_PCH)
    target_precompile_headers(${target} PRIVATE ${MIXER_PCH_HEADERS})
  endif()
endfunction()

# add_mixer_library(name SRCS... [DEPENDS ...] [MLIR_LIBS ...] [LINK_LIBS ...])
# A static PIC library of Mixer's own objects that reaches MLIR through
# libMLIR.so, so it can go into tools, plugins and other compilers alike.
function(add_mixer_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;MLIR_LIBS;LINK_LIBS" ${ARGN})
  add_mlir_library(${name} ${ARG_UNPARSED_ARGUMENTS}
    DEPENDS ${ARG_DEPENDS}
    LINK_LIBS PUBLIC ${ARG_LINK_LIBS})
  mlir_target_link_libraries(${name} PUBLIC ${ARG_MLIR_LIBS})
  if(TARGET obj.${name} AND ARG_LINK_LIBS)
    # The objects need the usage requirements (defines, includes) too.
    target_link_libraries(obj.${name} ${ARG_LINK_LIBS})
  endif()
  if(TARGET obj.${name})
    mixer_enable_pch(obj.${name})
  else()
    mixer_enable_pch(${name})
  endif()
endfunction()

# add_mixer_tool(name SRCS... [LINK_LIBS ...] [MLIR_LIBS ...])
function(add_mixer_tool name)
  cmake_parse_arguments(ARG "" "" "MLIR_LIBS;LINK_LIBS" ${ARGN})
  add_llvm_executable(${name} ${ARG_UNPARSED_ARGUMENTS})
  llvm_update_compile_flags(${name})
  target_link_libraries(${name} PRIVATE ${ARG_LINK_LIBS})
  mlir_target_link_libraries(${name} PRIVATE ${ARG_MLIR_LIBS})
  install(TARGETS ${name} RUNTIME DESTINATION bin)
endfunction()
