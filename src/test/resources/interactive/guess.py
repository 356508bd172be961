# Finds the secret (1..1000000) by halving: guess, read "<", ">" or "=".
import sys

lo, hi = 1, 1000000
while lo <= hi:
    mid = (lo + hi) // 2
    print(mid, flush=True)
    answer = sys.stdin.readline().strip()
    if answer == "=" or not answer:
        break
    if answer == "<":
        hi = mid - 1
    else:
        lo = mid + 1
