#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""One reader for the .mut format (tests/mutants/README.md), used by
scripts/mutants.sh, scripts/model-seeded.sh and scripts/check-mutants-apply.sh.

A .mut file: '#' comment lines, 'file: PATH', then '--- old' and '--- new'
blocks; the mutant replaces the one occurrence of the old block in PATH.

Usage: mutfile.py apply MUT TREE   (applies MUT to TREE/PATH in place)
"""
import sys


def parse(mut):
    """Returns (target path, old block, new block) of a .mut file."""
    target, old, new, part = None, [], [], None
    for line in open(mut):
        if part is None and line.startswith("file:"):
            target = line.split(":", 1)[1].strip()
        elif line.rstrip("\n") == "--- old":
            part = old
        elif line.rstrip("\n") == "--- new":
            part = new
        elif part is not None:
            part.append(line)
        elif not line.startswith("#") and line.strip():
            raise ValueError(f"{mut}: unexpected line {line!r}")
    if target is None or not old:
        raise ValueError(f"{mut}: no 'file:' line or no old block")
    return target, "".join(old), "".join(new)


def mutated(mut, tree="."):
    """The mutated text of MUT's target under tree; ValueError unless its
    old block occurs exactly once."""
    target, old, new = parse(mut)
    text = open(f"{tree}/{target}").read()
    if text.count(old) != 1:
        raise ValueError(f"{mut}: the old block occurs {text.count(old)} times in {target}, not once")
    return target, text.replace(old, new)


def main(argv):
    if len(argv) != 4 or argv[1] != "apply":
        sys.exit(__doc__.strip().splitlines()[-1])
    try:
        target, text = mutated(argv[2], argv[3])
    except (OSError, ValueError) as e:
        sys.exit(str(e))
    open(f"{argv[3]}/{target}", "w").write(text)


if __name__ == "__main__":
    main(sys.argv)
