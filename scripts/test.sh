#!/usr/bin/env bash
# The project's test command (README: "Two commands"): the whole suite, unit,
# integration and doc tests, once per crypto provider. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
summary=()
run() {
    local name=$1; shift
    echo "=== tests: $name provider ==="
    local log
    log=$(mktemp)
    cargo test "$@" 2>&1 | tee "$log"
    local status=${PIPESTATUS[0]}
    local passed failed ignored
    passed=$(grep -Eo '[0-9]+ passed' "$log" | awk '{s+=$1} END {print s+0}')
    failed=$(grep -Eo '[0-9]+ failed' "$log" | awk '{s+=$1} END {print s+0}')
    ignored=$(grep -Eo '[0-9]+ ignored' "$log" | awk '{s+=$1} END {print s+0}')
    rm -f "$log"
    summary+=("$name: $passed passed, $failed failed, $ignored ignored (cargo test exit $status)")
    return "$status"
}
status=0
run aws-lc || status=1
run portable --no-default-features --features portable || status=1
# Both providers in one build: the cross-provider checks (tests/crypto/providers_agree.rs).
run both --features portable || status=1
# Private keys on a SoftHSM2 token (the `pkcs11` feature), where SoftHSM2 is installed.
if command -v softhsm2-util >/dev/null; then run pkcs11 --features pkcs11 --test pkcs11 || status=1; fi
echo "=== summary ==="
printf '%s\n' "${summary[@]}"
exit $status
