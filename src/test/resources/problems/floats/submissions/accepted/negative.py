import math
print(-math.sqrt(float(input())))
