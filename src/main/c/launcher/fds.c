/* Descriptors closed in bulk: a process keeping a few and dropping everything else it holds. */
#include <stdlib.h>
#include <unistd.h>

#include "launcher.h"

static int by_value(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int close_fds_but(int *keep, int nkeep)
{
	qsort(keep, (size_t)nkeep, sizeof keep[0], by_value);
	unsigned from = 0;
	for (int i = 0; i < nkeep; i++) {
		if (keep[i] < 0)
			continue;
		if ((unsigned)keep[i] > from && close_range(from, (unsigned)keep[i] - 1, 0) < 0)
			return -1;
		from = (unsigned)keep[i] + 1;
	}
	return close_range(from, ~0U, 0);
}
