/*
 * mem_touch MIB: allocates MIB MiB and writes one byte in every page, so each page is
 * really charged to the run's memory cgroup. The volatile pointer keeps -O2 from dropping
 * the writes (an unused malloc + memset is otherwise removed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: mem_touch MIB\n");
		return 2;
	}
	size_t bytes = (size_t)atol(argv[1]) << 20;
	long page = sysconf(_SC_PAGESIZE);
	volatile char *mem = bytes ? malloc(bytes) : NULL;
	if (bytes && mem == NULL) {
		puts("malloc failed");
		return 3;
	}
	for (size_t i = 0; i < bytes; i += (size_t)page)
		mem[i] = 1;
	printf("touched %s MiB\n", argv[1]);
	return 0;
}
