#!/usr/bin/env python3
"""Reads the stamps of a launcher built with `make TRACE=1` (trace.c) and prints, per step, the
median time since the supervisor accepted its run and the median step before it, in microseconds.
Runs must not overlap (drive one run at a time). A run's "sup." steps are its own supervisor's: with
kept connections the engine sends a run to another supervisor than the last one's, which tears that
run down meanwhile, and those stamps are not the new run's. A run handed to a pid 1 made ahead (launcher.h,
"ahead") has that pid 1's steps from p1.spec_received on; its earlier ones (p1.born to p1.ahead_ready) were
stamped after the run before's reply, and are not counted. usage: trace-steps.py [TRACE_FILE]"""
import statistics
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/proctor-launcher-trace"
runs, cur, supervisor = [], None, None
for line in open(path):
    pid, step, ns = line.split()
    if step == "sup.accepted":
        cur, supervisor = {}, pid
        runs.append(cur)
    if step.startswith("sup.") and pid != supervisor:
        continue
    if step.startswith(("p1.", "job.")) and cur is not None and "sup.replied" in cur:
        continue  # after the run's reply: the next run's pid 1, made ahead
    if cur is not None and step not in cur:
        cur[step] = int(ns)
runs = [r for r in runs if "sup.mntns_closed" in r]
since = {}
for r in runs:
    t0 = r["sup.accepted"]
    for step, ns in r.items():
        since.setdefault(step, []).append((ns - t0) / 1000)
order = sorted(since, key=lambda s: statistics.median(since[s]))
print(f"{len(runs)} runs; median us since sup.accepted, and the step's own median (from the step above)")
prev = None
for s in order:
    m = statistics.median(since[s])
    own = ""
    if prev:
        d = [r[s] - r[prev] for r in runs if s in r and prev in r]
        own = f"{statistics.median(d) / 1000:8.1f}" if d else ""
    print(f"{s:28s} {m:9.1f} {own}")
    prev = s
