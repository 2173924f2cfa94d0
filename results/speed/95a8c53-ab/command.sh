#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A/B: old lib (wt-oldlib, same harness) vs new (main) at 1e6 keys, write-heavy mixes, alternating invocations
out=/tmp/lf/ab16; mkdir -p $out
for i in 1 2 3 4; do
  for tree in before after; do
    d=/work/main; [ $tree = before ] && d=/work/wt-oldlib
    (cd $d && build/lfbench -m plain,lfmap -n 1 -i 500000 -w 95/5,50/50,10/90 -d 1 --warmup 1 --pin compact --repeat 1 -s $i -o $out/$tree.jsonl > /dev/null 2>&1)
  done
done
echo done
