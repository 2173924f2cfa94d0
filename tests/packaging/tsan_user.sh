#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The ThreadSanitizer story for users (README, "ThreadSanitizer"): programs
# built with -fsanitize=thread and linked with a TSan build of the library
# (this tree's liblfmap.so, which is what `make install-tsan` installs) run
# without a single report when TSAN_OPTIONS names only the suppressions file
# installed for users (packaging/tsan.supp, $(DATADIR)/lfmap/tsan.supp);
# and that file hides no race of the program's own: a deliberate one is
# still reported.  The examples session_store and cache are the programs.
# Runs in ThreadSanitizer trees (make tsan); elsewhere a skip (77).
# Needs BUILD and CC.
set -u
. "$(dirname "$0")/../support/shell_test.sh"
case "$BUILD" in
*tsan*) ;;
*)
    echo "skipped: needs a ThreadSanitizer build of the library (make tsan runs it)"
    exit 77
    ;;
esac
flags=(-std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=thread -Ilib)
link=(-L"$build_abs" -Wl,-rpath,"$build_abs" -llfmap -lpthread)
for ex in session_store cache; do
    $CC "${flags[@]}" -o "$tmp/$ex" "examples/$ex.c" "${link[@]}" || die "cannot build examples/$ex.c with TSan"
done
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 suppressions=$PWD/packaging/tsan.supp"
"$tmp/session_store" 5000 >"$tmp/out" 2>&1 || { tail -n 40 "$tmp/out"; die "session_store under TSan"; }
"$tmp/cache" 200 >>"$tmp/out" 2>&1 || { tail -n 40 "$tmp/out"; die "cache under TSan"; }
grep -q 'ThreadSanitizer' "$tmp/out" && { cat "$tmp/out"; die "a ThreadSanitizer report"; }

# A race of the program's own (two threads bump a plain counter) is still
# reported with the same suppressions.
cat >"$tmp/race.c" <<'CEOF'
#include <lfmap.h>
#include <pthread.h>
#include <stdio.h>

static long counter; /* the program's own race */
static lfmap *m;

static void *bump(void *arg)
{
    (void)arg;
    lfmap_thread_register();
    for (int i = 0; i < 1000; i++) {
        counter++;
        lfmap_put(m, (uint64_t)i, (uint64_t)counter & 0xffff, NULL);
    }
    lfmap_thread_unregister();
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    m = lfmap_new(NULL);
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, bump, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    lfmap_free(m);
    printf("%ld\n", counter);
    return 0;
}
CEOF
$CC "${flags[@]}" -o "$tmp/race" "$tmp/race.c" "${link[@]}" || die "cannot build the racy program"
"$tmp/race" >"$tmp/race.out" 2>&1
rc=$?
{ [ $rc -eq 66 ] && grep -q 'WARNING: ThreadSanitizer: data race' "$tmp/race.out"; } ||
    { cat "$tmp/race.out"; die "the program's own race was not reported (exit $rc)"; }
echo "ok: session_store and cache clean under TSan with the installed suppressions; a race of the program's own still reported"
