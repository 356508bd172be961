# A testlib-style interactor for the same game: interactor input.txt output.txt [answer.txt].
# input.txt holds "SECRET MAX_GUESSES"; the result line goes to output.txt; exit 0 ok, 1 wrong answer.
import sys

secret, limit = (int(x) for x in open(sys.argv[1]).read().split()[:2])
out = open(sys.argv[2], "w")
for turn in range(1, limit + 1):
    line = sys.stdin.readline()
    if not line:
        out.write("wrong answer: no guess %d\n" % turn)
        sys.exit(1)
    guess = int(line)
    if guess == secret:
        print("=", flush=True)
        out.write("ok found in %d\n" % turn)
        sys.exit(0)
    print("<" if secret < guess else ">", flush=True)
out.write("wrong answer: not found in %d guesses\n" % limit)
sys.exit(1)
