/*
 * A Kattis-style interactor for a guessing game: interactor input judge_answer feedback_dir/.
 * The input file holds "SECRET MAX_GUESSES [MODE]"; each guess read from stdin is answered on
 * stdout with "<" (the secret is smaller), ">" (larger) or "=". Exit 42 when the secret is found
 * within MAX_GUESSES, 43 otherwise. MODE "crash" aborts once the secret is found, "exit0" exits 0
 * then (neither is a verdict of the protocol); "flood" writes to the submission without reading.
 * Validator flags (arguments after the feedback directory) are echoed on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static FILE *feedback(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s%s", dir, name);
	return fopen(path, "w");
}

int main(int argc, char **argv)
{
	if (argc < 4)
		return 2;
	FILE *in = fopen(argv[1], "r");
	long secret = 0;
	int max = 0;
	char mode[32] = "normal";
	if (!in || fscanf(in, "%ld %d %31s", &secret, &max, mode) < 2)
		return 2;
	for (int i = 4; i < argc; i++)
		fprintf(stderr, "flag %s\n", argv[i]);
	FILE *judge = feedback(argv[3], "judgemessage.txt");
	if (!judge)
		return 2;
	if (strcmp(mode, "flood") == 0)
		for (;;)
			fputs("> flooding the submission\n", stdout);
	for (int turn = 1; turn <= max; turn++) {
		long guess;
		if (scanf("%ld", &guess) != 1) {
			fprintf(judge, "no guess %d\n", turn);
			fprintf(stderr, "the submission stopped after %d guesses\n", turn - 1);
			return 43;
		}
		if (guess == secret) {
			printf("=\n");
			fflush(stdout);
			fprintf(judge, "found in %d\n", turn);
			fclose(judge);
			if (strcmp(mode, "crash") == 0)
				abort();
			return strcmp(mode, "exit0") == 0 ? 0 : 42;
		}
		printf("%s\n", secret < guess ? "<" : ">");
		fflush(stdout);
	}
	fprintf(judge, "not found in %d guesses\n", max);
	FILE *team = feedback(argv[3], "teammessage.txt");
	if (team)
		fprintf(team, "too many guesses\n");
	return 43;
}
