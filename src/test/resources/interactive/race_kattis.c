/*
 * A Kattis interactor for the exit-order tests (InteractionIT): interactor input judge_answer
 * feedback_dir/. It says "go", then by its input's first word either waits for the submission's
 * EOF and rejects (43) the moment it reads it ("eof"), or rejects at once ("first"). Everything
 * but the exit is done before the wait, so the interactor's end follows the EOF as closely as it
 * can: the closest race there is with a submission that exits at once.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char mode[16] = "";
	char path[4096];
	if (argc < 4)
		return 2;
	FILE *in = fopen(argv[1], "r");
	if (!in || fscanf(in, "%15s", mode) != 1)
		return 2;
	snprintf(path, sizeof path, "%sjudgemessage.txt", argv[3]);
	FILE *msg = fopen(path, "w");
	if (!msg)
		return 2;
	int wait_eof = strcmp(mode, "eof") == 0;
	fputs(wait_eof ? "rejected on EOF\n" : "rejected first\n", msg);
	fclose(msg);
	if (write(1, "go\n", 3) != 3)
		return 2;
	if (wait_eof) {
		char buf[64];
		while (read(0, buf, sizeof buf) > 0)
			;
	}
	_exit(43);
}
