/*
 * exit_heavy MIB: maps MIB MiB of anonymous memory populated in one call (MAP_POPULATE, no page
 * fault per page) and exits at once: the kernel frees every page in the exit itself, in kernel mode
 * to the end (the process never returns to user space after that).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: exit_heavy MIB\n");
		return 2;
	}
	size_t bytes = (size_t)atol(argv[1]) << 20;
	void *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (mem == MAP_FAILED) {
		perror("mmap");
		return 3;
	}
	_exit(0);
}
