# tessera_deterministic_numerics(<target>): the numerics every kernel that evaluates programs is
# compiled with, PRIVATE to that target so that users' own code keeps its FMA contraction.
#
# Programs (program_eval.hpp) must give the same bits in every kernel that evaluates them: the
# vectorized host tiles, the per-element reference and the GPU threads. A fused multiply-add
# rounds once where a * b + c rounds twice, so contraction is off wherever programs are evaluated
# (free on baseline x86-64, which has no FMA; it matters in AVX2/AVX-512 code and on GPUs).
function(tessera_deterministic_numerics target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANG_AND_ID:CXX,GNU,Clang>:-ffp-contract=off>
    $<$<COMPILE_LANG_AND_ID:CUDA,NVIDIA>:--fmad=false>)
endfunction()
