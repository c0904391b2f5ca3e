#!/usr/bin/env bash
# Compiles the native kernels' C, unchanged (native/src/gemm.c + gemm_generic.c: the GEMM with its
# portable 6×16 micro-kernel; elementwise.c: the 4-lane generic build of elementwise_impl.h), with
# bench/options/wasm_entry.c (exports + the few libc functions, no libc linked) to wasm32 with clang-19:
#   dist/bench-options/c-simd128.wasm   -msimd128
#   dist/bench-options/c-relaxed.wasm   -msimd128 -mrelaxed-simd (clang 19 emits no relaxed
#                                       instruction from this C: its a·b + c stay f32x4.mul + add)
#   dist/bench-options/c-patched.wasm   -msimd128 -mrelaxed-simd on a temp copy of native/src with two
#                                       small wasm-only changes, to measure what they would give:
#                                       elementwise_impl.h's madd / nmadd get a relaxed-SIMD branch
#                                       (__builtin_wasm_relaxed_{n,}madd_f32x4, as the hand-written
#                                       relaxed build fuses), and gemm_generic.c's tile is 2 rows
#                                       (MR_GENERIC 2: 8 accumulators, so V8's 16 xmm registers hold
#                                       the tile; 6 rows = 24 accumulators spill)
# all -O3 -ffp-contract=fast -mbulk-memory, --no-entry, own memory (exported), 1 MiB stack (rl_sgemm keeps 72 KiB
# of packing buffers on the stack; wasm-ld's default stack is 64 KiB). Needs Debian's clang-19 and
# lld-19 (apt-get install -y clang-19 lld-19) and wasi-libc for the C headers (apt-get install -y
# wasi-libc; only its headers are used). Then: node bench/options/wasmFromC.js
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
SRC="$REPO/native/src"
OUT="$REPO/dist/bench-options"
CC="${CLANG:-clang-19}"
LD="${WASM_LD:-wasm-ld-19}"
HEADERS="${WASI_HEADERS:-/usr/include/wasm32-wasi}"
command -v "$CC" >/dev/null || { echo "$CC not found: apt-get install -y clang-19 lld-19" >&2; exit 1; }
command -v "$LD" >/dev/null || { echo "$LD not found: apt-get install -y lld-19" >&2; exit 1; }
[ -f "$HEADERS/stdlib.h" ] || { echo "C headers for wasm32 not found in $HEADERS: apt-get install -y wasi-libc" >&2; exit 1; }
mkdir -p "$OUT"

build() { # name, source folder, extra flags…
  local name="$1" src="$2"; shift 2
  local obj; obj="$(mktemp -d)"
  for f in "$src/gemm.c" "$src/gemm_generic.c" "$src/elementwise.c" "$HERE/wasm_entry.c"; do
    "$CC" --target=wasm32 -O3 -std=c11 -ffp-contract=fast -mbulk-memory "$@" \
      -I"$HERE/wasm_shim" -I"$src" -isystem "$HEADERS" -c "$f" -o "$obj/$(basename "${f%.c}").o"
  done
  "$LD" --no-entry --export-memory -z stack-size=1048576 -o "$OUT/$name.wasm" "$obj"/*.o
  rm -rf "$obj"
  local size; size="$(wc -c < "$OUT/$name.wasm")"
  echo "built dist/bench-options/$name.wasm ($size bytes) with $CC $*"
  if command -v wasm-objdump >/dev/null; then
    local relaxed; relaxed="$(wasm-objdump -d "$OUT/$name.wasm" | grep -c '\.relaxed_' || true)"
    echo "  relaxed-SIMD instructions in it: $relaxed"
  fi
}

"$CC" --version | head -1
build c-simd128 "$SRC" -msimd128
build c-relaxed "$SRC" -msimd128 -mrelaxed-simd
code() { wasm-objdump -d "$1" | grep -v -e 'file format' -e '^module name'; }
if command -v wasm-objdump >/dev/null; then
  if cmp -s <(code "$OUT/c-simd128.wasm") <(code "$OUT/c-relaxed.wasm"); then
    echo "  c-relaxed.wasm has the same code as c-simd128.wasm (wasmFromC.js times c-simd128 and c-patched)"
  else
    echo "  c-relaxed.wasm's code differs from c-simd128.wasm's"
  fi
fi

PATCHED="$(mktemp -d)"
trap 'rm -rf "$PATCHED"' EXIT
cp "$SRC"/*.c "$SRC"/*.h "$PATCHED"/
# In madd and nmadd, a relaxed-SIMD branch before the portable fallback (a·b + c, c − a·b).
sed -i \
  -e '/^  return vfmaq_f32(c, a, b);$/a #elif defined(__wasm_relaxed_simd__)\n  return __builtin_wasm_relaxed_madd_f32x4(a, b, c);' \
  -e '/^  return vfmsq_f32(c, a, b);$/a #elif defined(__wasm_relaxed_simd__)\n  return __builtin_wasm_relaxed_nmadd_f32x4(a, b, c);' \
  "$PATCHED/elementwise_impl.h"
sed -i -e 's|^#ifdef __aarch64__$|#if defined(__wasm__)\n#define MR_GENERIC 2\n#elif defined(__aarch64__)|' "$PATCHED/gemm_generic.c"
[ "$(grep -c __builtin_wasm_relaxed "$PATCHED/elementwise_impl.h")" = 2 ] || { echo "patching elementwise_impl.h failed" >&2; exit 1; }
grep -q '^#define MR_GENERIC 2$' "$PATCHED/gemm_generic.c" || { echo "patching gemm_generic.c failed" >&2; exit 1; }
build c-patched "$PATCHED" -msimd128 -mrelaxed-simd
