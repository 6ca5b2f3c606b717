#!/usr/bin/env bash
# tools/fuzz.sh - build the libFuzzer target for the HTTP layer
# (tests/fuzz/fuzz_http.c) with ASan+UBSan and run it on a copy of the
# seed corpus for a bounded time. Exits non-zero on a crash.
#   FUZZ_TIME=30 (seconds)   BUILD=build-fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-fuzz}
FUZZ_TIME=${FUZZ_TIME:-30}
CC=${FUZZ_CC:-clang}
mkdir -p "$BUILD/corpus-http"
cp -n tests/fuzz/corpus/http/* "$BUILD/corpus-http/" 2>/dev/null || true
SRC=$(ls core/http/*.c core/util/*.c core/log.c)
$CC -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -Icore/include -Icore \
    tests/fuzz/fuzz_http.c $SRC \
    -levent -lhttp_parser -lmbedtls -lmbedx509 -lmbedcrypto -ljansson -lz -lpthread \
    -o "$BUILD/fuzz_http"
echo "fuzzing the HTTP layer for ${FUZZ_TIME}s"
set +e
"$BUILD/fuzz_http" -max_total_time="$FUZZ_TIME" -max_len=8192 -timeout=10 \
    -artifact_prefix="$BUILD/" "$BUILD/corpus-http" tests/fuzz/corpus/http 2>&1 | tail -n 15
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -ne 0 ]; then echo "fuzz: crash found (see $BUILD/crash-*)"; exit "$rc"; fi
echo "fuzz: no crash in ${FUZZ_TIME}s"
