#!/usr/bin/env python3
"""Prints the envelope speed table of docs/performance.md from criterion's results.

Run after `cargo bench --bench envelope`; reads
$CARGO_TARGET_DIR/criterion (or target/criterion, or the directory given as an
argument). Each cell is criterion's mean; the ratio is OpenSSL's mean divided by
fapiao's (above 1: fapiao is faster). With --cpu, the thread-CPU-time run
(FAPIAO_BENCH_CPU_TIME=1, groups prefixed `cpu-`).
"""

import json
import os
import sys

KEYS = ["RSA-2048", "P-256"]
PAYLOADS = [("2KiB", "2 KiB", 2 * 1024), ("1MiB", "1 MiB", 1024 * 1024)]
STEPS = [("seal", "seal"), ("open", "open"), ("roundtrip", "round trip")]


ARGS = [a for a in sys.argv[1:] if a != "--cpu"]
PREFIX = "cpu-" if "--cpu" in sys.argv[1:] else ""


def criterion_dir():
    if ARGS:
        return ARGS[0]
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    return os.path.join(target, "criterion")


def mean_ns(root, group, step, implementation):
    path = os.path.join(root, group, step, implementation, "new", "estimates.json")
    try:
        with open(path) as f:
            return json.load(f)["mean"]["point_estimate"]
    except FileNotFoundError:
        return None


def fmt_time(ns):
    if ns is None:
        return "–"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    return f"{ns / 1e3:.0f} µs"


def main():
    root = criterion_dir()
    implementations = sorted(
        {
            name
            for group in os.listdir(root)
            if group.startswith(PREFIX) and (PREFIX or not group.startswith("cpu-"))
            for step in ("seal",)
            if os.path.isdir(os.path.join(root, group, step))
            for name in os.listdir(os.path.join(root, group, step))
            if name.startswith("fapiao-")
        }
    )
    head = ["key", "payload", "step"]
    head += implementations + ["OpenSSL 3.0"]
    head += [f"ratio {i.removeprefix('fapiao-')}" for i in implementations]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for key in KEYS:
        for group_suffix, label, size in PAYLOADS:
            group = f"{PREFIX}{key}_{group_suffix}"
            for step, step_label in STEPS:
                openssl = mean_ns(root, group, step, "openssl")
                ours = [mean_ns(root, group, step, i) for i in implementations]
                cells = [key, label, step_label]
                cells += [fmt_time(t) for t in ours] + [fmt_time(openssl)]
                for t in ours:
                    cells.append(
                        f"{openssl / t:.2f}x" if t and openssl else "–"
                    )
                if size >= 1024 * 1024 and step == "roundtrip":
                    rates = [
                        f"{size / (t / 1e9) / 1e6:.0f} MB/s" if t else "–"
                        for t in ours + [openssl]
                    ]
                    cells[3 : 3 + len(rates)] = [
                        f"{c} ({r})" for c, r in zip(cells[3 : 3 + len(rates)], rates)
                    ]
                print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
