#!/usr/bin/env bash
# tools/fuzz.sh - build the libFuzzer targets with ASan+UBSan and run each
# on a copy of its seed corpus for a bounded time. Exits non-zero on a
# crash. Targets: the HTTP layer (tests/fuzz/fuzz_http.c) and the support
# plugin's streaming multipart parser (tests/fuzz/fuzz_multipart.c).
#   FUZZ_TIME=30 (seconds, HTTP)   FUZZ_MP_TIME=10 (multipart)   BUILD=build-fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-fuzz}
FUZZ_TIME=${FUZZ_TIME:-30}
FUZZ_MP_TIME=${FUZZ_MP_TIME:-10}
CC=${FUZZ_CC:-clang}
FLAGS=(-std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined)

SRC=$(ls core/http/*.c core/util/*.c core/log.c)
mkdir -p "$BUILD"
$CC "${FLAGS[@]}" -Icore/include -Icore tests/fuzz/fuzz_http.c $SRC \
    -levent -lhttp_parser -lmbedtls -lmbedx509 -lmbedcrypto -ljansson -lz -lpthread \
    -o "$BUILD/fuzz_http"
$CC "${FLAGS[@]}" -Iplugins/support tests/fuzz/fuzz_multipart.c plugins/support/multipart.c \
    -o "$BUILD/fuzz_multipart"

fuzz() { # name seconds max_len
  local name=$1 secs=$2 max=$3
  mkdir -p "$BUILD/corpus-$name"
  cp -n tests/fuzz/corpus/"$name"/* "$BUILD/corpus-$name/" 2>/dev/null || true
  echo "fuzzing $name for ${secs}s"
  set +e
  "$BUILD/fuzz_$name" -max_total_time="$secs" -max_len="$max" -timeout=10 \
      -artifact_prefix="$BUILD/$name-" "$BUILD/corpus-$name" tests/fuzz/corpus/"$name" 2>&1 | tail -n 4
  local rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" -ne 0 ]; then echo "fuzz: crash found in $name (see $BUILD/$name-crash-*)"; exit "$rc"; fi
  echo "fuzz: no crash in $name in ${secs}s"
}
fuzz http "$FUZZ_TIME" 8192
fuzz multipart "$FUZZ_MP_TIME" 4096
