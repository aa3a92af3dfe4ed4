#!/usr/bin/env bash
# Lists the SQL statements one in-memory P-256 issuing path runs, one line per
# `sqlite3_step` call (a statement that returns a row and then ends is two
# steps), by running the issuing bench's `FAPIAO_INSTRUCTIONS` mode under gdb
# with a breakpoint on `sqlite3_step` that prints the statement's SQL.
#
#   scripts/sql-steps.sh            # the steps of the last path, numbered
#
# Needs gdb. The bundled SQLite's C has no debug info, so the SQL is read from
# the prepared statement (`Vdbe`) at a fixed offset: 248 bytes in the SQLite
# that rusqlite 0.40 bundles. Another SQLite version may move it; the script
# says so when what it reads does not look like SQL (then find the offset
# again: at a `sqlite3_step` breakpoint, look for the pointer among the first
# 50 words at `$rdi` that points to the statement's text). Used for the
# statement counts in docs/issuing-speed.md (session 10).
set -euo pipefail
cd "$(dirname "$0")/.."
offset=${SQL_OFFSET:-248}
cargo bench --bench issuing --no-run 2>/dev/null
bin=$(ls -t target/release/deps/issuing-* | grep -v '\.d$' | head -1)
commands=$(mktemp /tmp/sql-steps.XXXXXX)
trap 'rm -f "$commands"' EXIT
cat > "$commands" <<EOF
set language c
set pagination off
set print elements 100
break sqlite3_step
commands
silent
printf "STEP %s\n", *(char**)(\$rdi+$offset)
continue
end
break issuing::counted_round_trips
commands
kill
quit
end
run
EOF
# 10 warm-up paths, then 2 counted: the last path's steps run from the
# replay check of the cloud platform's submit to the second COMMIT after it.
steps=$(FAPIAO_INSTRUCTIONS=2 gdb -q -batch -x "$commands" "$bin" 2>/dev/null | grep '^STEP ' | cut -c6- | cut -c1-110)
if ! grep -qE '^(SELECT|INSERT|UPDATE|BEGIN|COMMIT|SAVEPOINT|RELEASE)' <<<"$steps"; then
    echo "what was read at offset $offset does not look like SQL: set SQL_OFFSET" >&2
    exit 1
fi
# A path is everything after the second-to-last COMMIT of the service platform
# that precedes the last path: print from the last "BEGIN IMMEDIATE" pair back.
python3 - "$steps" <<'PY'
import sys
steps = sys.argv[1].split("\n")
# Each path ends with the cloud platform's COMMIT after INSERT INTO cloud_invoices.
ends = [i for i, s in enumerate(steps)
        if s.startswith("COMMIT") and any("cloud_invoices" in t for t in steps[max(0, i - 4):i])]
if len(ends) < 2:
    sys.exit("fewer than two paths found in the steps")
path = steps[ends[-2] + 1: ends[-1] + 1]
for n, step in enumerate(path, 1):
    print(f"{n:3} {step}")
print(f"{len(path)} steps in one path")
PY
