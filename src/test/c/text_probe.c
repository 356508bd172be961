/*
 * The launcher's string builder (src/main/c/launcher/text.c), driven from stdin for
 * LauncherTextTest: a line "CAP" and then lines "s TEXT" (append TEXT) or "u NUMBER" (append a
 * decimal number); prints "ok TEXT" with the result, or "over" when it did not fit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../main/c/launcher/text.c"

int main(void)
{
	static char line[1 << 16];
	if (!fgets(line, sizeof line, stdin))
		return 2;
	size_t cap = strtoull(line, NULL, 10);
	char *buf = malloc(cap + 1);
	if (!buf)
		return 2;
	buf[cap] = 'X'; /* a byte past cap that must stay untouched */
	struct text t;
	text_init(&t, buf, cap);
	while (fgets(line, sizeof line, stdin)) {
		size_t n = strlen(line);
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n >= 2 && line[0] == 's')
			text_str(&t, line + 2);
		else if (n >= 2 && line[0] == 'u')
			text_u64(&t, strtoull(line + 2, NULL, 10));
		else
			return 2;
	}
	if (buf[cap] != 'X')
		return 3;
	if (text_done(&t) < 0) {
		if (errno != ENAMETOOLONG)
			return 4;
		printf("over\n");
	} else {
		if (strlen(buf) != t.len)
			return 5;
		printf("ok %s\n", buf);
	}
	return 0;
}
