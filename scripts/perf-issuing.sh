#!/usr/bin/env bash
# Where the issuing path's time goes: records the criterion bench
# `issuing/<KEYS>/platform_hosted_path/<DURABILITY>` under perf (DWARF call
# graphs) and prints the share of the timed path spent under each stage
# (ServicePlatform::handle, its unit of work, CloudPlatform::open_response, ...).
# `sign` is the ERP's signature, made in criterion's untimed setup.
#
#   scripts/perf-issuing.sh [P-256|RSA-2048] [normal|full] [SECONDS]
#
# Needs perf (linux-perf) and python3. Used for the breakdown in the README's
# "The issuing path" (issue 6 §7).
set -euo pipefail
cd "$(dirname "$0")/.."
keys=${1:-P-256}
durability=${2:-normal}
seconds=${3:-4}
cargo bench --bench issuing --no-run 2>/dev/null
bin=$(ls -t target/release/deps/issuing-* | grep -v '\.d$' | head -1)
data=$(mktemp /tmp/perf-issuing.XXXXXX)
trap 'rm -f "$data"' EXIT
perf record -q -F 400 --call-graph dwarf,32768 -o "$data" "$bin" \
    --bench "$keys/platform_hosted_path/$durability" \
    --warm-up-time 1 --measurement-time "$seconds" >/dev/null 2>&1
perf script -i "$data" -F ip,sym 2>/dev/null | python3 -c '
import collections, re, sys
stacks = sys.stdin.read().split("\n\n")
depth = [collections.Counter() for _ in range(4)]
timed = 0
for stack in stacks:
    frames = [re.sub(r"^[0-9a-f]+\s+", "", l.strip()) for l in stack.strip().split("\n") if l.strip()]
    if not any("bench_path" in f for f in frames):
        continue
    timed += 1
    chain = []
    for f in reversed(frames):
        f = re.sub(r" \(inlined\)|::\{\{closure\}\}", "", f)
        if "fapiao::" in f and (not chain or chain[-1] != f):
            chain.append(f)
    names = [re.split(r"::", c.split(" as ")[0].lstrip("<"))[-1] if " as " not in c else c.split(">::")[-1] for c in chain]
    for d in range(min(len(names), 4)):
        depth[d]["/".join(names[: d + 1])] += 1
print(f"{timed} samples in the timed path")
for d, counter in enumerate(depth):
    print(f"depth {d + 1}:")
    for name, n in counter.most_common(12):
        print(f"  {100 * n / timed:5.1f}%  {name}")
'
