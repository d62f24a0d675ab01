#!/usr/bin/env bash
# One call on the lent GPU machine (which has CUDA 13, PyTorch and no Java): CUDA tests, then
# GpuBench, then the PyTorch peers, logs under $OUT. Pack first, on the build machine, from the
# project root:   ../shared/gpu/pack.sh
# then run with the device tool:  command "bash bench/gpu-run.sh [cuda-tests|all-tests|bench|peers|all]"
# with carry [".gpu"]. Default: cuda-tests, bench and peers (fits one 10-minute call).
set -uo pipefail
what=${1:-default}
out=${OUT:-/tmp/jgrad-out}
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv | tee "$out/gpu.txt"
# cuBLAS: the system's libcublas.so.13/.12, else the first copy found (PyTorch's wheel ships one)
if ! ldconfig -p | grep -qE 'libcublas\.so\.1[23] '; then
  c=$(find / -xdev \( -name 'libcublas.so.13' -o -name 'libcublas.so.12' \) 2>/dev/null | head -1)
  [ -n "$c" ] && export JGRAD_CUBLAS_PATH="$c"
fi
echo "JGRAD_CUBLAS_PATH=${JGRAD_CUBLAS_PATH:-<system>}" | tee -a "$out/gpu.txt"

cuda_tests() {
  timeout 300 bash .gpu/run.sh junit --include-classname '.*(CudaBackendTest|CudaRuntimeTest|KernelCatalogTest|CachingAllocatorTest|CudaAttentionTest|OracleTest)' \
    > "$out/junit-cuda.txt" 2>&1
  tail -25 "$out/junit-cuda.txt"
}
all_tests() {
  timeout 560 bash .gpu/run.sh junit > "$out/junit-all.txt" 2>&1
  tail -25 "$out/junit-all.txt"
}
bench() {
  timeout 240 bash .gpu/run.sh java -cp ".gpu/lib/*" dev.jgrad.bench.GpuBench "${REPS:-50}" > "$out/gpubench.txt" 2>&1
  tail -50 "$out/gpubench.txt"
}
peers() {
  timeout 180 python3 bench/python/gpu_peers.py "${REPS:-50}" > "$out/peers.txt" 2>&1
  tail -45 "$out/peers.txt"
}
case "$what" in
  cuda-tests) cuda_tests ;;
  all-tests) all_tests ;;
  bench) bench ;;
  peers) peers ;;
  all) cuda_tests; bench; peers; all_tests ;;
  default) cuda_tests; bench; peers ;;
  *) echo "usage: gpu-run.sh [cuda-tests|all-tests|bench|peers|all]" >&2; exit 2 ;;
esac
