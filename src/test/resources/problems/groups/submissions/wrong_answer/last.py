input()
print(input().split()[-1])
