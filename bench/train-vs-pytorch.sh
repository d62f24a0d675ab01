#!/usr/bin/env bash
# End to end: `./jgrad train --small` (eager, then --capture) next to PyTorch training the same model
# on the same data with the same batch and threads (bench/python/mnist_train.py). Writes the three
# logs and a summary (seconds per epoch, epochs after the first, which includes the JIT's warm-up)
# to a results folder.
#
#   bench/train-vs-pytorch.sh [OUT_DIR]        EPOCHS=3 by default; JGRAD_PYTHON picks the PyTorch python
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${EPOCHS:-3}
threads=$(nproc)
python=${JGRAD_PYTHON:-/usr/bin/python3}
out=${1:-bench/results/$(date -u +%F)-train-vs-pytorch}
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

{
  echo "date: $(date -u +%FT%TZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $threads threads"
  echo "load at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out/machine.txt"

# the logs name the scratch folder in its place: it is gone once the script ends
./jgrad train --small --epochs "$epochs" --device cpu --out "$work/eager" | sed "s#$work/#<scratch folder>/#g" | tee "$out/jgrad-eager.txt"
./jgrad train --small --epochs "$epochs" --device cpu --capture --out "$work/captured" | sed "s#$work/#<scratch folder>/#g" | tee "$out/jgrad-captured.txt"
# the peer picks its own OpenBLAS kernel for this CPU (see the bench's notes on OPENBLAS_CORETYPE)
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$python" bench/python/mnist_train.py --epochs "$epochs" --threads "$threads" \
  | tee "$out/pytorch.txt"
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"

"$python" - "$out" <<'PY' | tee "$out/summary.txt"
import re, statistics, sys
out = sys.argv[1]
def epochs(name):
    text = open(f"{out}/{name}").read()
    secs = [float(s) for s in re.findall(r"epoch \d+/\d+ done in ([\d.]+)s", text)]
    acc = re.findall(r"val_accuracy ([\d.]+)", text)
    return secs, acc[-1] if acc else "?"
rows = {n: epochs(f) for n, f in [("jgrad eager", "jgrad-eager.txt"), ("jgrad --capture", "jgrad-captured.txt"), ("PyTorch", "pytorch.txt")]}
def steady(s):
    return statistics.median(s[1:]) if len(s) > 1 else s[0]
torch_s = steady(rows["PyTorch"][0])
print(f"{'':18}{'s/epoch (epochs 2..)':>22}{'first epoch':>14}{'×PyTorch':>10}{'last val acc':>14}")
for name, (secs, acc) in rows.items():
    print(f"{name:18}{steady(secs):>22.2f}{secs[0]:>14.2f}{torch_s / steady(secs):>9.2f}×{acc:>14}")
PY
