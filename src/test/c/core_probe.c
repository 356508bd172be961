/*
 * core_probe: what a job can do about core dumps. Prints, one per line: its core-dump limit
 * ("limit soft=S hard=H"), the errno of lowering it with setrlimit and with prlimit64 (0 when the
 * call succeeded), the errno of reading it through prlimit64 and of setting it while reading the old
 * one, the limit after all that, then crashes a child (SIGSEGV, whose
 * default action dumps core) and prints whether the kernel says it dumped core and whether a file
 * named core or core.* (core_uses_pid) appeared in the working directory. Run only inside the sandbox.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int core_files(void)
{
	int n = 0;
	DIR *d = opendir(".");
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		if (strcmp(e->d_name, "core") == 0 || strncmp(e->d_name, "core.", 5) == 0)
			n++;
	closedir(d);
	return n;
}

int main(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_CORE, &rl) < 0)
		return 2;
	printf("limit soft=%llu hard=%llu\n", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	struct rlimit zero = { 0, rl.rlim_max };
	errno = 0;
	printf("setrlimit errno=%d\n", setrlimit(RLIMIT_CORE, &zero) < 0 ? errno : 0);
	errno = 0;
	printf("prlimit64 set errno=%d\n", syscall(SYS_prlimit64, 0, RLIMIT_CORE, &zero, NULL) < 0 ? errno : 0);
	/* the resource is an unsigned int: high bits the kernel ignores must not get past the filter */
	errno = 0;
	long high = syscall(SYS_prlimit64, 0, 0x100000000UL | RLIMIT_CORE, &zero, NULL);
	printf("prlimit64 high bits errno=%d\n", high < 0 ? errno : 0);
	struct rlimit now;
	errno = 0;
	printf("prlimit64 get errno=%d\n", syscall(SYS_prlimit64, 0, RLIMIT_CORE, NULL, &now) < 0 ? errno : 0);
	errno = 0;
	printf("prlimit64 set+get errno=%d\n", syscall(SYS_prlimit64, 0, RLIMIT_CORE, &zero, &now) < 0 ? errno : 0);
	if (getrlimit(RLIMIT_CORE, &rl) < 0)
		return 2;
	printf("limit after soft=%llu hard=%llu\n", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	fflush(stdout);
	pid_t child = fork();
	if (child < 0)
		return 2;
	if (child == 0) {
		raise(SIGSEGV);
		_exit(3);
	}
	int status;
	if (waitpid(child, &status, 0) != child)
		return 2;
	printf("child signal=%d core_dumped=%d core_files=%d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0,
	       WIFSIGNALED(status) && WCOREDUMP(status) ? 1 : 0, core_files());
	return 0;
}
