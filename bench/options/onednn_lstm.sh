#!/usr/bin/env bash
# Builds bench/options/onednn_lstm.c against Debian's oneDNN (apt-get install -y libdnnl-dev) into
# dist/bench-options/onednn_lstm, runs it with 1 and 2 OpenMP threads, and lists the shared library
# that would have to ship (with its dependencies and its gzip -9 size, as a VSIX would compress it).
# Usage: bash bench/options/onednn_lstm.sh [rounds] [seconds per round]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$(cd "$HERE/../.." && pwd)/dist/bench-options"
[ -f /usr/include/oneapi/dnnl/dnnl.h ] || { echo "oneDNN headers missing: apt-get install -y libdnnl-dev" >&2; exit 1; }
mkdir -p "$OUT"
gcc -O2 -std=c11 -Wall -Wextra -fopenmp -o "$OUT/onednn_lstm" "$HERE/onednn_lstm.c" -ldnnl
for threads in 1 2; do
  echo "== OMP_NUM_THREADS=$threads"
  OMP_NUM_THREADS=$threads OMP_PROC_BIND=false "$OUT/onednn_lstm" "${1:-7}" "${2:-0.5}"
done
echo "== what would ship"
LIB="$(readlink -f "$(gcc -print-file-name=libdnnl.so)")"
ls -l "$(dirname "$LIB")"/libdnnl.so*
echo "$(basename "$LIB"): $(stat -c %s "$LIB") bytes, gzip -9: $(gzip -9 -c "$LIB" | wc -c) bytes"
echo "its dependencies:"; ldd "$LIB" | grep -v -e vdso -e ld-linux
