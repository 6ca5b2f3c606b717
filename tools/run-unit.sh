#!/usr/bin/env bash
# tools/run-unit.sh - run every cmocka unit-test binary given, print each
# one's result and a closing "N passed, N failed" line; non-zero on failure.
set -u
pass=0; fail=0; failed=()
for t in "$@"; do
  out=$("$t" 2>&1); rc=$?
  if [ $rc -eq 0 ]; then
    pass=$((pass+1)); echo "ok   $t"
  else
    fail=$((fail+1)); failed+=("$t"); echo "FAIL $t"; echo "$out" | tail -40
  fi
done
echo "unit: $pass passed, $fail failed"
[ $fail -eq 0 ]
