#!/usr/bin/env bash
# Builds native/src/elementwise*.c as the addon's build compiles them and runs native/test/elementwise_test.c.
#   elementwise_build.sh              gcc, this machine
#   CC=aarch64-linux-gnu-gcc RUN="qemu-aarch64 -L /usr/aarch64-linux-gnu" elementwise_build.sh   arm64 under qemu-user
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/../src"
cc="${CC:-gcc}"
out="${RL_EW_BUILD:-${TMPDIR:-/tmp}/rl-ew-build-$(basename "$cc")}"
mkdir -p "$out"
x86=0; "$cc" -dumpmachine | grep -q '^x86_64' && x86=1
objs=()
for f in "$src"/elementwise*.c; do
  b="$(basename "$f" .c)"
  flags=(-O3 -fPIC -std=c11 -Wall -Wextra)
  case "$b" in
    *_avx512) [ $x86 = 1 ] || continue; flags+=(-mavx512f -mavx512vl -mavx512dq -mfma) ;;
    *_avx2) [ $x86 = 1 ] || continue; flags+=(-mavx2 -mfma) ;;
  esac
  "$cc" "${flags[@]}" -c "$f" -o "$out/$b.o"
  objs+=("$out/$b.o")
done
"$cc" -O2 -std=c11 -Wall -I"$src" "$here/elementwise_test.c" "${objs[@]}" -o "$out/elementwise_test" -lm
exec ${RUN:-} "$out/elementwise_test"
