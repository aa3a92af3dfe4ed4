#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/) for a fixed time, one after another, and
# prints each one's executions, coverage and outcome.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s, all)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`) and a C++ compiler.
# Targets are built in release mode with debug assertions and overflow checks
# (cargo-fuzz's default), so an arithmetic overflow is a crash too.
# Each target runs as ONE libFuzzer job (-jobs=1: one core), with the committed
# seeds (fuzz/seeds/<target>) and the corpus it grows (fuzz/corpus/<target>,
# not committed); a crash, a timeout (-timeout=10 s per input: hostile input
# must not pin a core) or an out-of-memory (-rss_limit_mb=2048) lands in
# fuzz/artifacts/<target>/ and makes the script exit 1 after the other targets
# ran. Logs: fuzz/logs/<target>.log. Results of the long runs: docs/fuzzing.md.
#
# Stable toolchain: cargo-fuzz builds with nightly-only flags (-Zsanitizer=address
# and friends). RUSTC_BOOTSTRAP=1 makes the stable compiler accept them; it is
# set here, for these builds only, and is not needed anywhere else.
set -uo pipefail
cd "$(dirname "$0")/.."
export RUSTC_BOOTSTRAP=1

seconds=${1:-60}
shift || true
if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cd fuzz && cargo fuzz list)
fi

mkdir -p fuzz/logs
(cd fuzz && cargo fuzz build) || exit 2

summary=()
status=0
for target in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$target" "fuzz/logs/$target"
    log="fuzz/logs/$target.log"
    extra=()
    [ -f "fuzz/dicts/$target.dict" ] && extra+=("-dict=$PWD/fuzz/dicts/$target.dict")
    echo "=== $target: ${seconds}s ==="
    start=$(date +%s)
    # -jobs=1 runs the fuzzer in one worker process whose output goes to
    # fuzz-0.log in the working directory: give each target its own.
    (
        cd "fuzz/logs/$target" && rm -f fuzz-0.log &&
            cargo fuzz run --fuzz-dir "$OLDPWD/fuzz" "$target" \
                "$OLDPWD/fuzz/corpus/$target" "$OLDPWD/fuzz/seeds/$target" -- \
                -jobs=1 -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
                -print_final_stats=1 "${extra[@]}"
    ) >/dev/null 2>&1
    code=$?
    cp "fuzz/logs/$target/fuzz-0.log" "$log" 2>/dev/null || true
    elapsed=$(($(date +%s) - start))
    last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
    execs=$(grep -Eo 'stat::number_of_executed_units: +[0-9]+' "$log" | tail -1 | awk '{print $2}')
    speed=$(grep -Eo 'stat::average_exec_per_sec: +[0-9]+' "$log" | tail -1 | awk '{print $2}')
    cov=$(echo "$last" | grep -Eo 'cov: [0-9]+' | awk '{print $2}')
    ft=$(echo "$last" | grep -Eo 'ft: [0-9]+' | awk '{print $2}')
    corp=$(echo "$last" | grep -Eo 'corp: [0-9]+/[0-9A-Za-z]+' | awk '{print $2}')
    rss=$(grep -Eo 'stat::peak_rss_mb: +[0-9]+' "$log" | tail -1 | awk '{print $2}')
    slowest=$(grep -Eo 'stat::slowest_unit_time_sec: +[0-9]+' "$log" | tail -1 | awk '{print $2}')
    outcome=ok
    if grep -qE 'ERROR: libFuzzer|SUMMARY: AddressSanitizer|panicked at|==[0-9]+== ERROR' "$log" \
        || ls "fuzz/artifacts/$target"/{crash,timeout,oom,leak,slow-unit}-* >/dev/null 2>&1; then
        outcome="FAILED (see $log, fuzz/artifacts/$target/)"
        status=1
    fi
    line="$target: ${elapsed}s, ${execs:-?} execs (${speed:-?}/s), cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}, peak RSS ${rss:-?} MB, slowest input ${slowest:-?} s, exit $code, $outcome"
    echo "$line"
    summary+=("$line")
done
echo "=== summary (${seconds}s per target) ==="
printf '%s\n' "${summary[@]}"
exit $status
