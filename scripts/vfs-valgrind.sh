#!/usr/bin/env bash
# Runs the SQLite VFS's unit tests (src/ffi/sqlite_wal, the unsafe code SQLite
# calls back into) under valgrind memcheck: no invalid reads or writes, no
# definite leaks. .ci/run calls this after the tests.
#
# Usage: scripts/vfs-valgrind.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "scripts/vfs-valgrind.sh: valgrind is missing" >&2; exit 1; }
echo "=== SQLite VFS: unit tests under valgrind ==="
bin=$(cargo test --lib --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and "lib" in m["target"]["kind"]:
        print(m["executable"])')
[ -n "$bin" ] || { echo "scripts/vfs-valgrind.sh: no unit test binary" >&2; exit 1; }
valgrind --quiet --error-exitcode=1 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    "$bin" ffi::sqlite_wal --test-threads=1
