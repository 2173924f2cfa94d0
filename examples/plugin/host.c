/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A host that loads a plugin (plugin.c, which uses lfmap), runs it and
 * unloads it, several times: `host PLUGIN.so [CYCLES]`.  The host itself
 * links neither lfmap nor liburcu, as a program that loads plugins usually
 * does not know what they use.  It exits 0 when every cycle worked.
 *
 * With a liblfmap.so that dlclose could unmap, this crashed: liburcu's
 * call_rcu thread, started by the first cycle, ran on in code that the
 * unload had unmapped (lfmap.h, "Plugins").
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s PLUGIN.so [CYCLES]\n", argv[0]);
        return 64;
    }
    int cycles = argc > 2 ? atoi(argv[2]) : 3;
    for (int c = 0; c < cycles; c++) {
        void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            fprintf(stderr, "dlopen: %s\n", dlerror());
            return 1;
        }
        int (*run)(void);
        *(void **)&run = dlsym(h, "plugin_run");
        if (!run) {
            fprintf(stderr, "dlsym plugin_run: %s\n", dlerror());
            return 1;
        }
        int rc = run();
        if (dlclose(h) != 0) {
            fprintf(stderr, "dlclose: %s\n", dlerror());
            return 1;
        }
        if (rc != 0) {
            fprintf(stderr, "cycle %d: the plugin failed\n", c + 1);
            return 1;
        }
        /* Give threads left behind by the unload time to run. */
        nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
    }
    printf("%d load/run/unload cycles\n", cycles);
    return 0;
}
