#!/usr/bin/env python3
# Two integers in [-2e9, 2e9] on one line, nothing else: exit 42 when valid, 43 otherwise.
import sys

data = sys.stdin.buffer.read()
try:
    line = data.decode("ascii")
    assert line.endswith("\n") and line.count("\n") == 1
    a, b = line.split(" ")
    assert all(-2 * 10**9 <= int(x) <= 2 * 10**9 for x in (a, b))
    assert str(int(a)) == a and str(int(b)) == b.strip()
except Exception:
    print("expected two integers in [-2e9, 2e9] separated by one space", file=sys.stderr)
    sys.exit(43)
sys.exit(42)
