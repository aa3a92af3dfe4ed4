#!/usr/bin/env bash
# Builds examples/c/erp_issue.c and examples/c/gm_envelope.c against the static
# library and runs them
#   1. under valgrind memcheck (no errors, no definite leaks): erp_issue on a
#      valid order and on an invalid one (the error paths free everything too),
#      gm_envelope on the SM2 fixtures (dual credentials, SM4-CBC and SM4-GCM
#      envelopes, the refusals), and
#   2. built with -fsanitize=address,undefined (ASan with LeakSanitizer, UBSan),
#      on the same three runs.
# The Rust static library itself is not instrumented: ASan still intercepts
# every malloc/free (Rust uses the system allocator), so misuse across the
# boundary is caught. .ci/run calls this after the tests.
#
# Usage: scripts/c-example.sh            (debug build of the library)
#        PROFILE=release scripts/c-example.sh
set -euo pipefail
cd "$(dirname "$0")/.."

profile=${PROFILE:-debug}
flag=()
[ "$profile" = release ] && flag=(--release)
echo "=== C example: cargo build --lib ${flag[*]:-} ==="
cargo build --lib "${flag[@]}"
target_dir=${CARGO_TARGET_DIR:-target}

for tool in cc valgrind; do
    command -v "$tool" >/dev/null || { echo "scripts/c-example.sh: $tool is missing" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A private copy: the unhashed libfapiao.a of a shared target dir can change
# under us while we link.
cp "$target_dir/$profile/libfapiao.a" "$work/libfapiao.a"
libs=(-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc)
cflags=(-std=c99 -g -Wall -Wextra -Werror -Iinclude)
time_at=1811808000  # 2027-06-01T00:00:00Z, inside the fixtures' validity
valid=examples/requests/valid-blue.json
invalid=examples/requests/invalid-tax-mismatch.json

cc "${cflags[@]}" examples/c/erp_issue.c "$work/libfapiao.a" "${libs[@]}" -o "$work/erp_issue"
cc "${cflags[@]}" examples/c/gm_envelope.c "$work/libfapiao.a" "${libs[@]}" -o "$work/gm_envelope"

# Runs "$@" and checks its exit status is $expected.
expect_exit() {
    local expected=$1; shift
    local status=0
    "$@" >"$work/out" 2>&1 || status=$?
    if [ "$status" -ne "$expected" ]; then
        cat "$work/out"
        echo "FAILED: exit $status, expected $expected: $*" >&2
        return 1
    fi
    grep -E '^erp: order [^o]|^service platform: the same|^service platform: opened|^refused as expected' \
        "$work/out" || true
}

echo "=== C example under valgrind memcheck ==="
# Exit 99 marks a memcheck error (the example itself exits 0, 1 or 2).
memcheck=(valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --quiet)
expect_exit 0 "${memcheck[@]}" "$work/erp_issue" tests/data "$valid" "$time_at"
expect_exit 1 "${memcheck[@]}" "$work/erp_issue" tests/data "$invalid" "$time_at"
expect_exit 0 "${memcheck[@]}" "$work/gm_envelope" tests/data/gm "$time_at"
echo "valgrind: no errors, no definite leaks"

echo "=== C example with -fsanitize=address,undefined ==="
cc "${cflags[@]}" -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
    examples/c/erp_issue.c "$work/libfapiao.a" "${libs[@]}" -o "$work/erp_issue_asan"
cc "${cflags[@]}" -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
    examples/c/gm_envelope.c "$work/libfapiao.a" "${libs[@]}" -o "$work/gm_envelope_asan"
export ASAN_OPTIONS=detect_leaks=1:exitcode=98
export UBSAN_OPTIONS=print_stacktrace=1
expect_exit 0 "$work/erp_issue_asan" tests/data "$valid" "$time_at"
expect_exit 1 "$work/erp_issue_asan" tests/data "$invalid" "$time_at"
expect_exit 0 "$work/gm_envelope_asan" tests/data/gm "$time_at"
echo "ASan/UBSan: clean"
echo "c-example: 6 passed, 0 failed"
