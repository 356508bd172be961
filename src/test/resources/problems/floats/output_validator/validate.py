#!/usr/bin/env python3
# validate.py input answer feedback_dir < team_output: 42 when |x*x - n| <= 1e-4 * max(1, n), else 43.
# Negative roots are as good as positive ones, which is why the default validator cannot judge this.
import os
import sys

n = float(open(sys.argv[1]).read())
feedback = sys.argv[3]
words = sys.stdin.read().split()


def reject(message):
    with open(os.path.join(feedback, "judgemessage.txt"), "w") as f:
        f.write(message + "\n")
    sys.exit(43)


if len(words) != 1:
    reject("expected one number, got %d words" % len(words))
try:
    x = float(words[0])
except ValueError:
    reject("not a number: %r" % words[0][:40])
if abs(x * x - n) > 1e-4 * max(1.0, n):
    reject("%s squared is not %s" % (words[0][:40], n))
sys.exit(42)
