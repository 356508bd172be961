/*
 * cpu_burn for MS     spins until this process has used MS ms of CPU, prints "cpu_us=N"
 *                     (its own CLOCK_PROCESS_CPUTIME_ID, the calibration of the accounting)
 * cpu_burn threads N  N threads spin forever; the main thread only waits
 * cpu_burn forks N    N child processes spin forever; the parent only waits
 * Extra arguments are ignored (tests pass a marker to find the processes on the host).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long burn_cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

static void *burn_forever(void *arg)
{
	volatile unsigned long n = 0;
	(void)arg;
	for (;;)
		n++;
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: cpu_burn for MS | threads N | forks N\n");
		return 2;
	}
	long n = atol(argv[2]);
	if (strcmp(argv[1], "for") == 0) {
		volatile unsigned long spins = 0;
		while (burn_cpu_us() < n * 1000)
			spins++;
		printf("cpu_us=%ld\n", burn_cpu_us());
		return 0;
	}
	if (strcmp(argv[1], "threads") == 0) {
		for (long i = 0; i < n; i++) {
			pthread_t t;
			if (pthread_create(&t, NULL, burn_forever, NULL) != 0)
				return 3;
		}
		pause();
		return 0;
	}
	if (strcmp(argv[1], "forks") == 0) {
		for (long i = 0; i < n; i++)
			if (fork() == 0)
				burn_forever(NULL);
		while (wait(NULL) > 0)
			;
		return 0;
	}
	return 2;
}
