/* Finds the secret (1..1000000) by halving: guess, read "<", ">" or "=". */
#include <stdio.h>

int main(void)
{
	long lo = 1, hi = 1000000;
	char answer[8];
	while (lo <= hi) {
		long mid = (lo + hi) / 2;
		printf("%ld\n", mid);
		fflush(stdout);
		if (scanf("%7s", answer) != 1 || answer[0] == '=')
			return 0;
		if (answer[0] == '<')
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return 0;
}
