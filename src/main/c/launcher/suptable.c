/*
 * The table of supervisor slots the server and its supervisors share (launcher.h, struct sup_table):
 * how many are busy and idle. Its own file: the server forks by it and a supervisor done with its run
 * decides by it whether to stay.
 */
#include <stdatomic.h>
#include "launcher.h"

int sup_table_busy(const struct sup_table *t)
{
	int n = 0;
	for (int i = 0; i < SUP_SLOTS; i++)
		n += atomic_load_explicit(&t->state[i], memory_order_relaxed) == SLOT_BUSY;
	return n;
}

int sup_table_idle(const struct sup_table *t)
{
	int n = 0;
	for (int i = 0; i < SUP_SLOTS; i++)
		n += atomic_load_explicit(&t->state[i], memory_order_relaxed) == SLOT_IDLE;
	return n;
}
