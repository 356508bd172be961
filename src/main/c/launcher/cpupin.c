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

#include "launcher.h"

static cpu_set_t before;  /* the supervisor's mask at the run's start */
static int owned = -1;    /* the CPU this supervisor owns for its run, or -1 */

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

void run_cpu_pin(struct sup_table *t, int slot)
{
	owned = -1;
	if (sched_getaffinity(0, sizeof before, &before) < 0 || CPU_COUNT(&before) <= 1)
		return;
	int here = sched_getcpu();
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

/* In the job (pid 2) before its execve: the mask the supervisor had before the run. */
void run_cpu_restore_for_job(void)
{
	if (owned >= 0)
		sched_setaffinity(0, sizeof before, &before);
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
