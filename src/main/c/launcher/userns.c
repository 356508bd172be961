/* User namespace: the job's ids map to an unprivileged host range, never to host root. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launcher.h"

static int write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = strlen(data);
	ssize_t n = write(fd, data, len);
	int err = errno;
	close(fd);
	errno = err;
	return n == (ssize_t)len ? 0 : -1;
}

/*
 * Written by the (host-root) supervisor: inside ids 0..65535 map to base..base+65535.
 * Host root is never mapped, so a file owned by host root is "nobody" inside and an escape
 * out of the namespace lands on an unprivileged uid.
 */
int userns_write_maps(pid_t pid, uid_t base)
{
	char path[64], map[64];
	snprintf(map, sizeof map, "0 %u 65536\n", (unsigned)base);
	snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
	if (write_file(path, map) < 0)
		return -1;
	snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
	return write_file(path, map);
}

/*
 * Becomes uid/gid 1000 inside the namespace with no capability left in any set:
 * the bounding set is emptied first (so no later execve of a file with capabilities
 * can regain one), then the uid change clears permitted/effective/ambient.
 */
int userns_drop_to_job_user(void)
{
	if (setgroups(0, NULL) < 0)
		return -1;
	for (int cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -1;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -1;
	if (setresgid(JOB_GID, JOB_GID, JOB_GID) < 0)
		return -1;
	if (setresuid(JOB_UID, JOB_UID, JOB_UID) < 0)
		return -1;
	/* Belt and braces: the uid change must have cleared every capability. */
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof data);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -1;
	return 0;
}
