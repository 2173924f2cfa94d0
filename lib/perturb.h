/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Schedule perturbation for test builds (-DLFMAP_PERTURB; compiled out
 * otherwise).  Each hook names a racy step of the algorithm; in a perturbed
 * build a thread passing a hook sometimes yields or spins, so that the rare
 * interleavings (a writer stalled between claiming a slot and setting it, a
 * migrator stalled holding a box, a promotion racing a helper) happen every
 * few thousand operations on a 2-core machine.
 *
 * Environment (read once): LFMAP_PERTURB_SEED (default 1) seeds each
 * thread's generator together with its thread id; LFMAP_PERTURB_PERMILLE
 * (default 50) is the chance, per hook passage, of a perturbation (the
 * once-per-resize hooks from LFMAP_HOOK_BEFORE_PUBLISH on: 500).
 */
#ifndef LFMAP_PERTURB_H
#define LFMAP_PERTURB_H

#include <stddef.h>
#include <stdint.h>

/* Hooks passed once per operation come first; the once-per-resize hooks from
 * LFMAP_HOOK_BEFORE_PUBLISH on (lib/perturb.c relies on this order). */
enum lf_hook {
    LFMAP_HOOK_BEFORE_CLAIM,          /* empty slot seen, key word not yet claimed */
    LFMAP_HOOK_CLAIMED_BEFORE_VALUE,  /* key word claimed, value not yet set */
    LFMAP_HOOK_READ_KEY_BEFORE_VALUE, /* reader saw the key, not yet the value */
    LFMAP_HOOK_BEFORE_FREEZE,         /* live value read and boxed, slot not frozen */
    LFMAP_HOOK_BOXED_BEFORE_COPY,     /* live slot frozen into a box, not copied */
    LFMAP_HOOK_COPIED_BEFORE_MOVED,   /* copied, slot still boxed */
    LFMAP_HOOK_BEFORE_VALUE_CAS,      /* a write decided its new value, not yet CASed */
    LFMAP_HOOK_READ_BOX_BEFORE_LOAD,  /* reader saw its slot boxed, box not yet read */
    LFMAP_HOOK_BEFORE_COPY_CLAIM,     /* copy found an empty successor slot, not claimed */
    LFMAP_HOOK_BEFORE_COPY_VALUE,     /* copy found the key's successor slot, value not set */
    LFMAP_HOOK_BEFORE_FREEZE_EMPTY,   /* migrator saw an empty slot, key word not frozen */
    LFMAP_HOOK_BEFORE_FREEZE_ABSENT,  /* migrator saw a claimed absent slot, not frozen */
    LFMAP_HOOK_BEFORE_PATH_FREEZE,    /* writer saw the empty end of its key's path, not frozen */
    LFMAP_HOOK_WRITER_BEFORE_HELP,    /* writer holds t's successor, has not helped yet */
    LFMAP_HOOK_WRITER_AFTER_HELP,     /* writer helped, has not frozen its key's path */
    LFMAP_HOOK_BEFORE_PUBLISH,        /* successor sized and allocated, not published */
    LFMAP_HOOK_AFTER_PUBLISH,         /* successor published, nothing frozen yet */
    LFMAP_HOOK_BEFORE_PROMOTE,        /* last slot counted, table not swapped */
    LFMAP_HOOK_BEFORE_RETIRE,         /* table swapped, old one not retired */
    LFMAP_HOOK_BEFORE_SENTINEL,       /* resize decided, sentinel not yet CASed into t->next */
    LFMAP_HOOK_BEFORE_UNPUBLISH,      /* successor allocation failed, sentinel not withdrawn */
    LFMAP_HOOK_SIZING_THREADS_READ,   /* successor sizing: thread count read, live count not yet */
    LFMAP_HOOK_RESERVE_BEFORE_PROTECT_FROM, /* reserve_claim read t->from, not yet protected */
    LFMAP_HOOK_COUNT
};

#ifdef LFMAP_PERTURB
/* Called at every hook passage, before any random perturbation, by every
 * thread: tests use it to stop one thread at one step and build an exact
 * interleaving.  Process-wide; set it while no operation runs. */
typedef void (*lf_hook_fn)(enum lf_hook hook, void *arg);
void lf_hook_set(lf_hook_fn fn, void *arg);
void lf_perturb(enum lf_hook hook);
/* Times each hook fired a perturbation (for tests that check coverage). */
unsigned long lf_perturb_count(enum lf_hook hook);
/* Test-only: when set, byte maps hash keys with this function instead of
 * lf_bytes_hash, so that tests can make distinct keys collide on their
 * whole hash (tests/core/unit_bytes.c).  Set it while no map exists. */
typedef uint64_t (*lf_test_bytes_hash_fn)(const void *key, size_t len);
extern lf_test_bytes_hash_fn lf_test_bytes_hash;
#define LFMAP_HOOK(name) lf_perturb(LFMAP_HOOK_##name)
#elif defined(LFMAP_MODEL)
/* The model check (tests/model) counts hook passages to show which states
 * its scenarios reached, and may act on them. */
void lf_model_hook(enum lf_hook hook);
#define LFMAP_HOOK(name) lf_model_hook(LFMAP_HOOK_##name)
#else
#define LFMAP_HOOK(name) ((void)0)
#endif

#endif /* LFMAP_PERTURB_H */
