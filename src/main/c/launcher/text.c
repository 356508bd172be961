/*
 * Bounded strings built without stdio, for pid 1's paths and mount options. snprintf's code
 * (vsnprintf, vfprintf, _itoa_word and their tables) spans pages pid 1 would use for nothing else:
 * each is a page fault in every new pid 1 (five a run, ~4-6 us each on this VM), where these few
 * functions sit with the rest of the launcher's own code, and call nothing of libc.
 */
#include <errno.h>

#include "launcher.h"

void text_init(struct text *t, char *buf, size_t cap)
{
	t->buf = buf;
	t->cap = cap;
	t->len = 0;
	t->over = cap == 0;
	if (cap > 0)
		buf[0] = '\0';
}

/* A byte at a time: strlen's and memcpy's code are two more pages pid 1 would fault in, for a few bytes. */
void text_str(struct text *t, const char *s)
{
	for (; *s && !t->over; s++) {
		if (t->len + 1 >= t->cap) {
			t->over = 1;
			return;
		}
		t->buf[t->len++] = *s;
		t->buf[t->len] = '\0';
	}
}

void text_u64(struct text *t, uint64_t v)
{
	char digits[21];
	char *p = digits + sizeof digits - 1;
	*p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	text_str(t, p);
}

int text_done(const struct text *t)
{
	if (t->over) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}
