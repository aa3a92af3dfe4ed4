#!/usr/bin/env bash
# The RustSec advisory database for cargo-deny, without network access.
#
#   scripts/advisory-db.sh vendor [SNAPSHOT]    refresh .ci/advisory-db from a full snapshot
#   scripts/advisory-db.sh install [SNAPSHOT]   build target/advisory-db for `cargo deny --offline`
#
# SNAPSHOT is a checkout of rustsec/advisory-db; without the argument it is
# $FAPIAO_ADVISORY_DB. `vendor` needs one; `install` works without.
#
# .ci/advisory-db holds the advisories of exactly the crates in Cargo.lock (a few
# dozen KB) taken from a full snapshot; crates.txt lists the crates it was made
# for. `install` refuses to go on when Cargo.lock has a crate the subset was not
# made for, or, when a snapshot is given, when the subset differs from it: rerun
# `vendor` and commit. It then lays the subset out as the git
# checkout cargo-deny 0.20 reads offline (it asks git for HEAD's date), at
# deny.toml's db-path under the directory name cargo-deny derives from the
# database URL.
set -euo pipefail
full=${2:-${FAPIAO_ADVISORY_DB:-}}
# A relative SNAPSHOT is relative to where the script was called from.
if [ -n "$full" ] && [ -d "$full" ]; then full=$(cd "$full" && pwd); fi
cd "$(dirname "$0")/.."
vendored=.ci/advisory-db
# cargo-deny's directory for https://github.com/rustsec/advisory-db (0.20.x).
installed=target/advisory-db/advisory-db-3157b0e258782691

lock_crates() {
    sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.lock | sort -u
}

case ${1:-} in
vendor)
    [ -n "$full" ] || { echo "usage: $0 vendor SNAPSHOT (or set FAPIAO_ADVISORY_DB)" >&2; exit 2; }
    [ -d "$full/crates" ] || { echo "no advisory snapshot at $full" >&2; exit 1; }
    rm -rf "$vendored"
    mkdir -p "$vendored/crates"
    cp "$full/SNAPSHOT" "$full/LICENSE.txt" "$full/support.toml" "$vendored/"
    lock_crates >"$vendored/crates.txt"
    while read -r crate; do
        if [ -d "$full/crates/$crate" ]; then
            cp -r "$full/crates/$crate" "$vendored/crates/"
        fi
    done <"$vendored/crates.txt"
    cat >"$vendored/README.md" <<'README'
# Vendored RustSec advisories

The advisories of rustsec/advisory-db (snapshot in `SNAPSHOT`, data under
CC0-1.0, `LICENSE.txt`) for the crates listed in `crates.txt`: every crate of
`Cargo.lock` when this copy was made. `scripts/advisory-db.sh vendor` makes it
from a full snapshot; `scripts/advisory-db.sh install` checks it still covers
`Cargo.lock` and installs it for `cargo deny --offline check` (see
`docs/supply-chain.md`). Do not edit by hand.
README
    echo "vendored $(find "$vendored/crates" -name '*.md' | wc -l) advisories for $(wc -l <"$vendored/crates.txt") crates from $(cat "$vendored/SNAPSHOT")"
    ;;
install)
    missing=$(comm -23 <(lock_crates) <(sort -u "$vendored/crates.txt"))
    if [ -n "$missing" ]; then
        echo "Cargo.lock has crates the vendored advisories were not made for:" >&2
        echo "$missing" | sed 's/^/  /' >&2
        echo "run scripts/advisory-db.sh vendor SNAPSHOT with a full snapshot, and commit" >&2
        exit 1
    fi
    if [ -n "$full" ] && [ -d "$full/crates" ]; then
        stale=0
        while read -r crate; do
            if [ -d "$full/crates/$crate" ] || [ -d "$vendored/crates/$crate" ]; then
                diff -rq "$full/crates/$crate" "$vendored/crates/$crate" >/dev/null 2>&1 || stale=1
            fi
        done <"$vendored/crates.txt"
        if [ "$stale" = 1 ]; then
            echo "the vendored advisories differ from the snapshot at $full ($(cat "$full/SNAPSHOT"))" >&2
            echo "run scripts/advisory-db.sh vendor $full and commit" >&2
            exit 1
        fi
    fi
    date=$(grep -Eo '[0-9]{4}-[0-9]{2}-[0-9]{2}' "$vendored/SNAPSHOT" | head -1)
    rm -rf "$installed"
    mkdir -p "$installed"
    cp -r "$vendored/." "$installed/"
    (
        cd "$installed"
        git init -q
        git add -A
        GIT_AUTHOR_DATE="${date}T00:00:00Z" GIT_COMMITTER_DATE="${date}T00:00:00Z" \
            git -c user.name=fapiao-ci -c user.email=ci@fapiao.invalid -c commit.gpgsign=false \
            commit -q -m "$(cat SNAPSHOT)"
    )
    echo "advisory database: $(cat "$vendored/SNAPSHOT") ($(find "$vendored/crates" -name '*.md' | wc -l) advisories for $(wc -l <"$vendored/crates.txt") crates)"
    ;;
*)
    echo "usage: $0 vendor|install [SNAPSHOT]" >&2
    exit 2
    ;;
esac
