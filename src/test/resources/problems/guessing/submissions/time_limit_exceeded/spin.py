# never guesses: burns CPU until the time limit
n = 0
while True:
    n += 1
