/* Installs the seccomp BPF program compiled in Java (libseccomp, once per profile). */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher.h"

int seccomp_load_file(const char *path, void **prog, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 ||
	    st.st_size > 65536 * (off_t)sizeof(struct sock_filter)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	char *buf = malloc((size_t)st.st_size);
	size_t got = 0;
	while (buf && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (!buf || got != (size_t)st.st_size) {
		free(buf);
		errno = EIO;
		return -1;
	}
	*prog = buf;
	*len = got;
	return 0;
}

/* Last step before execve: no_new_privs is already set, so no privilege is needed. */
int seccomp_install(void *prog, size_t len)
{
	struct sock_fprog fprog = {
		.len = (unsigned short)(len / sizeof(struct sock_filter)),
		.filter = prog,
	};
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0);
}
