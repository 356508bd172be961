a, b = map(int, input().split())
raise SystemExit(a // 0)
