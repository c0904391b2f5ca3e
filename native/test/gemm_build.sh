#!/usr/bin/env bash
# Builds native/src/gemm*.c the way the addon's build compiles them (-O3 -fPIC -std=c11; the ISA files
# with their flags) into a test binary and runs it. `gemm_build.sh bench [args]` builds and runs
# native/bench/gemm_bench.c instead (linked against OpenBLAS only for comparison, if installed).
# Outputs go to ${RL_GEMM_BUILD:-${TMPDIR:-/tmp}/rl-gemm-build}.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/../src"
out="${RL_GEMM_BUILD:-${TMPDIR:-/tmp}/rl-gemm-build}"
cc="${CC:-gcc}"
mkdir -p "$out"
objs=()
for f in "$src"/gemm*.c; do
  b="$(basename "$f" .c)"
  flags=(-O3 -fPIC -std=c11 -Wall -Wextra ${RL_GEMM_CFLAGS:-})
  case "$(uname -m)" in
    x86_64|amd64)
      case "$b" in
        *_avx512) flags+=(-mavx512f -mavx512vl -mavx512dq -mfma) ;;
        *_avx2) flags+=(-mavx2 -mfma) ;;
      esac ;;
  esac
  "$cc" "${flags[@]}" -c "$f" -o "$out/$b.o"
  objs+=("$out/$b.o")
done
mode="${1:-test}"
if [ "$mode" = bench ]; then
  shift
  extra=()
  if [ -e /usr/include/x86_64-linux-gnu/cblas.h ] || [ -e /usr/include/cblas.h ] || [ -e /usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h ]; then
    inc="$(dirname "$(ls /usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h /usr/include/x86_64-linux-gnu/cblas.h /usr/include/cblas.h 2>/dev/null | head -1)")"
    extra=(-DHAVE_CBLAS -I"$inc" -lopenblas)
  fi
  "$cc" -O2 -std=gnu11 -I"$src" "$here/../bench/gemm_bench.c" "${objs[@]}" -o "$out/gemm_bench" "${extra[@]}" -lm -pthread
  exec "$out/gemm_bench" "$@"
fi
"$cc" -O2 -std=gnu11 -Wall -I"$src" "$here/gemm_test.c" "${objs[@]}" -o "$out/gemm_test" -lm -pthread
"$out/gemm_test" "$@"
# once more with the workspace allocation failing (the stack fallback: one tile / one panel at a time)
"$cc" -O3 -fPIC -std=c11 -Wall -Wextra -DRL_GEMM_TEST_NO_WORKSPACE -c "$src/gemm.c" -o "$out/gemm_nows.o"
nows=()
for o in "${objs[@]}"; do [ "$(basename "$o")" = gemm.o ] && nows+=("$out/gemm_nows.o") || nows+=("$o"); done
"$cc" -O2 -std=gnu11 -Wall -I"$src" "$here/gemm_test.c" "${nows[@]}" -o "$out/gemm_test_nows" -lm -pthread
echo "-- without the thread-local workspace:"
exec "$out/gemm_test_nows" 60
