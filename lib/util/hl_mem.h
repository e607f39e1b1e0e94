/* hl_mem.h — committed allocations for bounded tables. calloc hands out pages lazily: a table
 * indexed by hash (an id map's buckets) or a ring that advances (a tombstone FIFO) then takes a
 * page of RSS at each first touch, for hours, until all are touched — RSS creeps although
 * nothing leaks. hl_calloc_touched writes one byte per page at allocation, so a node's tables
 * are resident from its start (it fails then, not hours later, if memory is short) and its RSS
 * stays flat (P13). */
#ifndef HL_MEM_H
#define HL_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

static inline void *
hl_calloc_touched(size_t n, size_t size)
{
	volatile uint8_t *p = calloc(n, size);
	if (p != NULL)
		for (size_t i = 0; i < n * size; i += 4096) /* calloc checked n * size */
			p[i] = 0; /* a write: the zero page is replaced by a page of our own */
	return (void *)(uintptr_t)p;
}

#endif
