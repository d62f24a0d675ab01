#!/usr/bin/env bash
# Compiles the CUDA kernels under src/main/cuda/ into the resources the jar carries:
#   src/main/resources/dev/jgrad/cuda/kernels/<name>.ptx        PTX for compute_80 (JIT on any cc >= 8.0)
#   src/main/resources/dev/jgrad/cuda/kernels/<name>.sm_80.cubin  machine code for A100-class GPUs (8.x)
#   src/main/resources/dev/jgrad/cuda/kernels/<name>.sm_90.cubin  machine code for H100/H200 (9.0)
#   src/main/resources/dev/jgrad/cuda/kernels/<name>.sm_90a.cubin machine code with the 9.0-only
#       instructions (wgmma, setmaxnreg), only for a file whose header has the line
#       "// Build extra: sm_90a" (gemm.cu); KernelModules prefers it on a 9.0 device
# each stored gzip-compressed (<name>.ptx.gz, <name>.sm_90.cubin.gz, …; gzip -9n, no name or
# time in the header, so still deterministic): 3.7 MB instead of 22.6 in the repository and in
# what is carried to a GPU machine; CompiledKernels.read decompresses an image when it is loaded.
# Plus src/main/cuda/PTXAS.txt (the -Xptxas -v register/spill report, timings dropped) and a
# BUILD-STAMP (hash of the sources, this script and the nvcc version).
#
# The outputs are committed: a machine without nvcc uses them as they are. Without nvcc this
# script prints one line and succeeds. With nvcc it recompiles only when the stamp differs.
# Outputs are deterministic (no paths, no timestamps), so a rebuild reproduces the committed bytes;
# dev.jgrad.cuda.KernelBuildTest checks that.
#
# Usage: cuda-kernels/build-kernels.sh [--force] [--out DIR] [--report FILE]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src="$here/src/main/cuda"
out="$here/src/main/resources/dev/jgrad/cuda/kernels"
report="$src/PTXAS.txt"
force=0
while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=1 ;;
    --out) out=$2; shift ;;
    --report) report=$2; shift ;;
    *) echo "usage: build-kernels.sh [--force] [--out DIR] [--report FILE]" >&2; exit 2 ;;
  esac
  shift
done

NVCC=${NVCC:-nvcc}
if ! command -v "$NVCC" >/dev/null 2>&1; then
  echo "build-kernels: nvcc not found; using the committed PTX/cubin resources"
  exit 0
fi

FLAGS=(-std=c++17 -O3)
TARGETS=("ptx:-ptx -arch=compute_80" "sm_80.cubin:-cubin -arch=sm_80" "sm_90.cubin:-cubin -arch=sm_90")
# (nvcc 13.0 PTX output is not always byte-identical from run to run: KernelSourcesTest compares PTX by entry points)
# the -gencode form: the -arch=sm_90a shorthand may add a plain sm_90 pass that rejects wgmma
EXTRA_90A="sm_90a.cubin:-cubin -gencode=arch=compute_90a,code=sm_90a"
# the targets of one file: TARGETS, plus EXTRA_90A when its header asks for it
targets_of() {
  printf '%s\n' "${TARGETS[@]}"
  if grep -qx '// Build extra: sm_90a' "$1"; then echo "$EXTRA_90A"; fi
}
version=$("$NVCC" --version | grep -o 'release [0-9.]*, V[0-9.]*' || true)

stamp() {
  {
    echo "nvcc $version"
    echo "flags ${FLAGS[*]}"
    printf '%s\n' "${TARGETS[@]}" "$EXTRA_90A"
    sha256sum "$here/build-kernels.sh" | cut -d' ' -f1
    (cd "$src" && for f in $(ls *.cu *.cuh | LC_ALL=C sort); do echo "$f $(sha256sum "$f" | cut -d' ' -f1)"; done)
  } | sha256sum | cut -d' ' -f1
}
want=$(stamp)
if [ "$force" = 0 ] && [ -f "$out/BUILD-STAMP" ] && grep -qx "sources $want" "$out/BUILD-STAMP"; then
  exit 0
fi

mkdir -p "$out"
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
cd "$src"
names=$(ls *.cu | LC_ALL=C sort | sed 's/\.cu$//')
echo "build-kernels: compiling $(echo $names | wc -w) kernel files with nvcc ${version#release } ..."
jobs=()
for n in $names; do
  mapfile -t file_targets < <(targets_of "$n.cu")
  for t in "${file_targets[@]}"; do
    ext=${t%%:*}; opts=${t#*:}
    # shellcheck disable=SC2086
    ( "$NVCC" "${FLAGS[@]}" -Xptxas -v $opts "$n.cu" -o "$out/$n.$ext" > "$log/$n.$ext.txt" 2>&1 \
        || { cat "$log/$n.$ext.txt" >&2; exit 1; } ) &
    jobs+=($!)
  done
  # at most ~2 files at a time (6 nvcc processes) keeps memory modest on small machines
  if [ ${#jobs[@]} -ge 6 ]; then for j in "${jobs[@]}"; do wait "$j"; done; jobs=(); fi
done
for j in "${jobs[@]}"; do wait "$j"; done
for f in "$out"/*.ptx "$out"/*.cubin; do [ -f "$f" ] && gzip -9nf "$f"; done

{
  echo "# ptxas -v for every kernel (nvcc ${version#release }; flags ${FLAGS[*]}); compile times dropped."
  for n in $names; do
    for arch in sm_80 sm_90 sm_90a; do
      [ -f "$log/$n.$arch.cubin.txt" ] || continue
      echo "## $n.cu  $arch"
      awk '
        /Compiling entry function/ { match($0, /\x27[A-Za-z0-9_]+\x27/); fn = substr($0, RSTART + 1, RLENGTH - 2) }
        /bytes stack frame/ { stack = $1; spst = $5; spld = $9 }
        /[Ww]arning/ { w = $0; sub(/^.*[Ww]arning[^:]*: */, "", w); printf "%-34s warning: %s\n", fn, w }
        /Used [0-9]+ registers/ {
          regs = $0; sub(/.*Used /, "", regs); sub(/ registers.*/, "", regs)
          smem = 0; if (match($0, /[0-9]+ bytes smem/)) { smem = substr($0, RSTART, RLENGTH); sub(/ bytes smem/, "", smem) }
          printf "%-34s regs=%-3s spill_st=%-3s spill_ld=%-3s stack=%-3s smem=%s\n", fn, regs, spst, spld, stack, smem
        }' "$log/$n.$arch.cubin.txt" | LC_ALL=C sort
    done
  done
} > "$report"
echo "sources $want" > "$out/BUILD-STAMP"
echo "nvcc $version" >> "$out/BUILD-STAMP"
echo "build-kernels: wrote $(ls "$out" | wc -l) files to ${out#$here/} and the ptxas report"
