#!/usr/bin/env bash
# The project's test command (README: "Two commands"): the whole suite, unit,
# integration and doc tests, once per crypto provider. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
summary=()
run() {
    local name=$1; shift
    echo "=== tests: $name ==="
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
run "aws-lc provider" || status=1
run "portable provider" --no-default-features --features portable || status=1
# Both providers in one build: the cross-provider checks (tests/crypto/providers_agree.rs).
run "both providers" --features portable || status=1
# Private keys on a SoftHSM2 token (the `pkcs11` feature), where SoftHSM2 is installed.
if command -v softhsm2-util >/dev/null; then run "pkcs11 (SoftHSM2)" --features pkcs11 --test pkcs11 || status=1; fi
# The PostgreSQL store (the `postgres` feature) against a real server: the one
# FAPIAO_POSTGRES_URL names, or else a throwaway cluster (scripts/postgres.sh)
# started here and stopped on exit. Without either the run fails: these tests
# never pass by being skipped.
pg_dir=""
if [ -z "${FAPIAO_POSTGRES_URL:-}" ] && bash scripts/postgres.sh bindir >/dev/null 2>&1; then
    eval "$(bash scripts/postgres.sh start)"
    pg_dir=$FAPIAO_POSTGRES_DIR
    trap 'bash scripts/postgres.sh stop "$pg_dir"' EXIT
fi
if [ -n "${FAPIAO_POSTGRES_URL:-}" ]; then
    run "postgres (a real server)" --features postgres --test postgres || status=1
else
    echo "=== tests: postgres: no FAPIAO_POSTGRES_URL and no initdb (install postgresql) ==="
    summary+=("postgres: not run (no server and no initdb)")
    status=1
fi
echo "=== summary ==="
printf '%s\n' "${summary[@]}"
exit $status
