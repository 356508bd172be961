# Interactor: reads the hidden number from the input file, answers up to 10 guesses on stdout.
# Kattis protocol: exit 42 when the submission found the number, 43 when it did not.
import sys

hidden = int(open(sys.argv[1]).read().split()[0])
feedback = sys.argv[3]


def verdict(code, why):
    with open(feedback + "judgemessage.txt", "w") as f:
        f.write(why + "\n")
    sys.exit(code)


for turn in range(1, 11):
    line = sys.stdin.readline()
    if not line:
        verdict(43, "the submission stopped after %d guesses" % (turn - 1))
    try:
        guess = int(line)
    except ValueError:
        verdict(43, "guess %d is not a number: %r" % (turn, line[:40]))
    if guess == hidden:
        print("correct", flush=True)
        verdict(42, "found in %d guesses" % turn)
    print("higher" if guess < hidden else "lower", flush=True)
verdict(43, "no more guesses: the number was %d" % hidden)
