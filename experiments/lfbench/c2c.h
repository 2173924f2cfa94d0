/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Core-to-core round trip: one cache line bounced between two pinned threads
 * (field-notes.md: on these VMs it is ~60-110 ns "near" or ~340-390 ns "far",
 * switching every few seconds to minutes, and a shared map's 2-thread
 * throughput halves in the far phase).  Measured just before and after each
 * multi-thread point so that results are compared within one phase.
 */
#ifndef LFB_C2C_H
#define LFB_C2C_H

/* Median round trip in ns between OS CPUs a and b, or -1 when either cannot
 * be used (fewer than two CPUs allowed). */
double lfb_c2c_round_trip_ns(int cpu_a, int cpu_b);

/* The first two CPUs this process may run on, or -1s. */
void lfb_c2c_default_cpus(int *a, int *b);

#endif /* LFB_C2C_H */
