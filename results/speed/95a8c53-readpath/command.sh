#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# How readpath.jsonl and before-chase.jsonl were measured (after = main at 95a8c53, before = /work/before at 91cb5be; before-chase = 95a8c53 sources with the library of 91cb5be, global-dynamic TLS).
for rep in 1 2 3; do
  for tree in after before; do
    d=$A; [ $tree = before ] && d=$B
    for v in bench_readpath bench_readpath_shared; do
      argsets=("-k 1024 -n 20000000" "-k 4194304 -n 5000000")
      [ $tree = after ] && argsets+=("-k 1024 -n 20000000 -c" "-k 4194304 -n 2000000 -c")
      for args in "${argsets[@]}"; do
        r=$(cd $d && build/experiments/$v -r 3 $args 2>&1 | tail -n 1)
        echo "{\"rep\":$rep,\"tree\":\"$tree\",\"prog\":\"$v\",\"args\":\"$args\",\"res\":$r}" >> $out/readpath.jsonl
      done
    done
  done
done
# before-chase, three times:
#   bench_readpath{,_shared} -r 3 -k 1024 -n 20000000 -c ; -r 3 -k 4194304 -n 2000000 -c
