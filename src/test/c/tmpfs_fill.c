/*
 * tmpfs_fill PATH: writes zeros to PATH until a write fails, then exits 0 (1: PATH could not be
 * opened). Built without libc (SandboxAheadIT: Probes.tinyBinary): a process of two or three pages,
 * so that a run of it filling a tmpfs past its memory limit leaves the OOM killer its pid 1, not it,
 * as the biggest process of the run. x86-64 only.
 */
#include <fcntl.h>
#include <sys/syscall.h>

static char zeros[65536];

static long sys3(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return ret;
}

static void __attribute__((noreturn)) leave(int code)
{
	sys3(SYS_exit_group, code, 0, 0);
	__builtin_unreachable();
}

void __attribute__((noreturn)) fill(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	if (argc < 2)
		leave(2);
	long fd = sys3(SYS_open, (long)argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		leave(1);
	while (sys3(SYS_write, fd, (long)zeros, sizeof zeros) > 0) {
	}
	leave(0);
}

__asm__(".globl _start\n"
	"_start:\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call fill\n");
