# counts up from 1: runs out of guesses unless the number is small; ends quietly when the interactor stops
import os
import sys

for guess in range(1, 1001):
    try:
        print(guess, flush=True)
    except BrokenPipeError:
        break
    reply = sys.stdin.readline()
    if not reply or reply.strip() == "correct":
        break
os._exit(0)
