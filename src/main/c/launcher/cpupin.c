/*
 * A run on one CPU, from its connection to its reply: the supervisor, pid 1 (cloned with the
 * supervisor's mask) and the job until its execve. A run is a chain of hand-offs (the supervisor
 * lets pid 1 go, pid 1 vforks the job, the job's exit wakes pid 1, pid 1's exit wakes the
 * supervisor), and left free the scheduler put the woken process on the other CPU whenever that
 * one was idle: on these VMs waking an idle vCPU costs ~50-60 us (a pipe round trip between two
 * processes: 14 us on one CPU, 115-135 us across two when the other is idle). Pinned, each process
 * woken runs where the one that woke it goes to sleep.
 *
 * The job's own mask is the supervisor's before the run, set again before its execve: what it
 * sees (sched_getaffinity, nproc, a runtime's thread count) and where it may run are as before.
 * No two busy supervisors take the same CPU (sup_table.cpu_owner): a second run at once goes to
 * a free CPU of the mask, or, with none free, is not pinned at all. An owner entry left by a
 * supervisor that died mid-run is cleared when the server reaps it (run_cpu_forget_slot), before
 * its slot can be given to a new supervisor: otherwise that one, busy with a run on another CPU,
 * would keep the entry looking taken. An entry whose slot is not busy is taken over all the same.
 */
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "launcher.h"

/*
 * The supervisor's state of its run's CPU, in a page of its own that no pid 1 shares (MADV_DONTFORK,
 * run_cpu_init): a pid 1 made ahead lives while the supervisor pins its next run, and a write to a page
 * both still map was a copy-on-write fault with a TLB shootdown on the other CPUs. A pid 1 learns the
 * job's mask from its supervisor instead (run_cpu_for_job). In the data segment when the page cannot
 * be mapped (correct, only slower).
 */
struct cpu_state {
	cpu_set_t mask;  /* the supervisor's mask at the run's start */
	int cpu;         /* the CPU this supervisor owns for its run, or -1 */
};
static struct cpu_state fallback = { .cpu = -1 };
static struct cpu_state *state = &fallback;
#define before (state->mask)
#define owned (state->cpu)

void run_cpu_init(void)
{
	struct cpu_state *p = mmap(NULL, sizeof *p, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	if (madvise(p, sizeof *p, MADV_DONTFORK) < 0) {
		munmap(p, sizeof *p);
		return;
	}
	p->cpu = -1;
	state = p;
}

/* Takes CPU cpu for slot: free, or held by a slot no longer busy. */
static int take(struct sup_table *t, int cpu, int slot)
{
	int owner = 0;
	if (atomic_compare_exchange_strong(&t->cpu_owner[cpu], &owner, slot + 1))
		return 1;
	if (owner < 1 || owner > SUP_SLOTS || owner == slot + 1 ||
	    atomic_load(&t->state[owner - 1]) == SLOT_BUSY)
		return owner == slot + 1;
	return atomic_compare_exchange_strong(&t->cpu_owner[cpu], &owner, slot + 1);
}

void run_cpu_pin(struct sup_table *t, int slot, int prefer)
{
	owned = -1;
	if (sched_getaffinity(0, sizeof before, &before) < 0 || CPU_COUNT(&before) <= 1)
		return;
	/* a pid 1 made ahead waits on the CPU it was made on: its run goes there when it can */
	int here = prefer >= 0 ? prefer : sched_getcpu();
	int cpu = -1;
	if (here >= 0 && here < CPU_SETSIZE && CPU_ISSET(here, &before) && take(t, here, slot))
		cpu = here;
	for (int c = 0; cpu < 0 && c < CPU_SETSIZE; c++)
		if (c != here && CPU_ISSET(c, &before) && take(t, c, slot))
			cpu = c;
	if (cpu < 0)
		return;
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof one, &one) < 0) {
		int mine = slot + 1;
		atomic_compare_exchange_strong(&t->cpu_owner[cpu], &mine, 0);
		return;
	}
	owned = cpu;
}

void run_cpu_unpin(struct sup_table *t, int slot)
{
	if (owned < 0)
		return;
	sched_setaffinity(0, sizeof before, &before);
	int mine = slot + 1;
	atomic_compare_exchange_strong(&t->cpu_owner[owned], &mine, 0);
	owned = -1;
}

/*
 * The mask the job gets back before its execve (the supervisor's before its run): 1 and *mask when this
 * run is pinned, else 0 (the job keeps the mask it has). Read by the supervisor before its pid 1 runs.
 */
int run_cpu_for_job(cpu_set_t *mask)
{
	if (owned < 0)
		return 0;
	*mask = before;
	return 1;
}

/* The CPU this supervisor's run is on, or -1. */
int run_cpu_owned(void)
{
	return owned;
}

/*
 * A pid 1 made ahead of its run (start.c, start_ahead) on CPU from (-1: with the whole mask), given its run: put
 * on the run's CPU when that is another, or given the supervisor's mask when this run has no CPU of its own.
 * Returns what run_cpu_for_job would for its job (1 and *mask: the mask the job gets back before its execve),
 * and 1 with the supervisor's mask also for a run without a CPU, whose pid 1 was made with one. A failed
 * setaffinity leaves pid 1 where it is: slower, not wrong.
 */
int run_cpu_hand_over(pid_t pid, int from, cpu_set_t *mask)
{
	if (owned >= 0) {
		if (owned != from) {
			cpu_set_t one;
			CPU_ZERO(&one);
			CPU_SET(owned, &one);
			sched_setaffinity(pid, sizeof one, &one);
		}
		*mask = before;
		return 1;
	}
	if (from < 0 || sched_getaffinity(0, sizeof *mask, mask) < 0)
		return 0;
	sched_setaffinity(pid, sizeof *mask, mask);
	return 1;
}

/* The server, reaping the supervisor of slot (its state not yet SLOT_FREE): every CPU it owned is free. */
void run_cpu_forget_slot(struct sup_table *t, int slot)
{
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (atomic_load(&t->cpu_owner[c]) != slot + 1)
			continue;
		int mine = slot + 1;
		atomic_compare_exchange_strong(&t->cpu_owner[c], &mine, 0);
	}
}
