/* hl_sansio_poison.h — force-included (-include) into swim/ and coord/ (the sans-IO cores).
 * It poisons clocks, global RNGs, sleeps and socket I/O so that using them fails to compile:
 * time comes in as now_ns, randomness from a host-seeded hl_prng, bytes through poll APIs. */
#ifndef HL_SANSIO_POISON_H
#define HL_SANSIO_POISON_H

/* Pull in the declarations first: poison only applies to later uses. */
#include <stdlib.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <sys/time.h>
#include <sys/socket.h>

#ifdef RTE_VER_YEAR
#error "sans-IO code must not include DPDK headers"
#endif

#pragma GCC poison clock_gettime gettimeofday rand srand random srandom rand_r drand48
#pragma GCC poison socket sendto recvfrom sendmsg recvmsg connect accept bind listen
#pragma GCC poison usleep nanosleep sleep fopen popen

#endif
