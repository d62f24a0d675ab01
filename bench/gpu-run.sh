#!/usr/bin/env bash
# One call on the lent GPU machine (which has CUDA 13, PyTorch and no Java): CUDA tests, then
# GpuBench, then the PyTorch peers, logs under $OUT. Pack first, on the build machine, from the
# project root, the lab's GPU pack script (gpu/pack.sh of its shared tooling), which writes .gpu/
# then run with the device tool:  command "bash bench/gpu-run.sh [cuda-tests|all-tests|bench|peers|kernels|attention|gpt|all]"
# with carry [".gpu"]. Default: cuda-tests, bench and peers (fits one 10-minute call).
# "kernels": the GEMM ladder and implicit-GEMM convolution (gemm.cu, convgemm.cu): their JUnit tests,
# a SASS summary of the cubins, the PyTorch peers (gpu_kernel_peers.py), then GpuKernelBench.
# "attention": fused attention (attention.cu): AttentionBenchTest and CudaAttentionTest, PyTorch SDPA
# (gpu_attention_peers.py), then AttentionBench against those peers. REPS (default 20) and
# ATTN_ARGS (e.g. "--seq 4096 --head-dim 128") pass through to both.
# "gpt": the GPT-2-small training step, jgrad (GptBench --profile: FP32, then TF32 + BF16 attention)
# and PyTorch eager (gpt_step.py: fp32, tf32, bf16 autocast) on the same batch (BATCH, default 8;
# STEPS, default 10). Each of "kernels", "attention", "gpt" fits one 10-minute call; "all" does not.
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
kernels() {
  timeout 240 bash .gpu/run.sh junit --include-classname '.*(GemmKernelsTest|GemmPlanTest|KernelCatalogTest|CudaBackendTest|CudaOwnKernelsTest)' \
    > "$out/junit-kernels.txt" 2>&1
  tail -25 "$out/junit-kernels.txt"
  # what the tensor cores and loads compiled to (no disassembler on the build machine)
  if command -v cuobjdump >/dev/null; then
    k=cuda-kernels/src/main/resources/dev/jgrad/cuda/kernels   # images stored gzip-compressed
    for f in gemm.sm_90a.cubin gemm.sm_90.cubin convgemm.sm_90.cubin; do
      gunzip -c "$k/$f.gz" > "$out/$f" && cuobjdump -sass "$out/$f" > "$out/${f%.cubin}.sass" 2>&1; rm -f "$out/$f"
      awk '/Function :/ { if (fn) print fn, c["HGMMA"]+0, c["HMMA"]+0, c["FFMA"]+0, c["LDS.128"]+0, c["LDSM"]+0, c["LDGSTS"]+0, c["UTMALDG"]+0, c["LDL"]+0, c["STL"]+0;
           fn = $3; delete c; next }
           { for (op in want) if (index($0, op " ") || index($0, op ".")) c[op]++ }
           BEGIN { split("HGMMA HMMA FFMA LDS.128 LDSM LDGSTS UTMALDG LDL STL", w, " "); for (i in w) want[w[i]] = 1;
                   print "kernel HGMMA HMMA FFMA LDS.128 LDSM LDGSTS UTMALDG LDL STL" }
           END { if (fn) print fn, c["HGMMA"]+0, c["HMMA"]+0, c["FFMA"]+0, c["LDS.128"]+0, c["LDSM"]+0, c["LDGSTS"]+0, c["UTMALDG"]+0, c["LDL"]+0, c["STL"]+0 }' \
        "$out/${f%.cubin}.sass" | column -t > "$out/${f%.cubin}.sass-summary.txt"
    done
    cat "$out"/gemm.sm_90a.sass-summary.txt
  fi
  timeout 150 python3 bench/python/gpu_kernel_peers.py "${REPS:-30}" "${SIZE:-4096}" > "$out/kernel-peers.txt" 2>&1
  tail -30 "$out/kernel-peers.txt" | grep -v '^PEER'
  timeout 240 bash .gpu/run.sh java -cp ".gpu/lib/*" dev.jgrad.bench.GpuKernelBench "${REPS:-30}" --size "${SIZE:-4096}" \
    --peers "$out/kernel-peers.txt" > "$out/gpukernelbench.txt" 2>&1
  tail -60 "$out/gpukernelbench.txt"
}
attention() {
  timeout 120 bash .gpu/run.sh junit --include-classname '.*(AttentionBenchTest|CudaAttentionTest)' > "$out/junit-attention.txt" 2>&1
  tail -15 "$out/junit-attention.txt"
  # shellcheck disable=SC2086  # ATTN_ARGS is a list of options
  timeout 180 python3 bench/python/gpu_attention_peers.py --reps "${REPS:-20}" ${ATTN_ARGS:-} > "$out/attention-peers.txt" 2>&1
  grep -v '^PEER' "$out/attention-peers.txt" | tail -40
  # shellcheck disable=SC2086
  timeout 260 bash .gpu/run.sh java -cp ".gpu/lib/*" dev.jgrad.bench.AttentionBench --reps "${REPS:-20}" ${ATTN_ARGS:-} \
    --peers "$out/attention-peers.txt" > "$out/attentionbench.txt" 2>&1
  tail -70 "$out/attentionbench.txt"
}
gpt() {
  local b=${BATCH:-8} n=${STEPS:-10}
  timeout 190 bash .gpu/run.sh java -cp ".gpu/lib/*" dev.jgrad.bench.GptBench --batch "$b" --steps "$n" --profile \
    > "$out/gpt-jgrad-fp32.txt" 2>&1
  timeout 150 bash .gpu/run.sh java -cp ".gpu/lib/*" dev.jgrad.bench.GptBench --batch "$b" --steps "$n" --tf32 --bf16-attention --profile \
    > "$out/gpt-jgrad-tf32-bf16attn.txt" 2>&1
  timeout 180 python3 bench/python/gpt_step.py --batch "$b" --steps "$n" --modes fp32,tf32,bf16 --profile > "$out/gpt-torch.txt" 2>&1
  # the summary lines side by side, then the heads of the profiles
  grep -h -e '^# jgrad GPT' -e '^jgrad ' -e '^# torch GPT' -e '^torch ' "$out"/gpt-jgrad-fp32.txt "$out"/gpt-jgrad-tf32-bf16attn.txt "$out"/gpt-torch.txt
  for f in gpt-jgrad-fp32.txt gpt-jgrad-tf32-bf16attn.txt; do echo "== $f"; grep -A14 '^op kind' "$out/$f"; done
  tail -5 "$out"/gpt-*.txt | grep -i -e error -e exception -e killed || true
}
case "$what" in
  cuda-tests) cuda_tests ;;
  all-tests) all_tests ;;
  bench) bench ;;
  peers) peers ;;
  kernels) kernels ;;
  attention) attention ;;
  gpt) gpt ;;
  all) cuda_tests; bench; peers; kernels; attention; gpt; all_tests ;;
  default) cuda_tests; bench; peers ;;
  *) echo "usage: gpu-run.sh [cuda-tests|all-tests|bench|peers|kernels|attention|gpt|all]" >&2; exit 2 ;;
esac
