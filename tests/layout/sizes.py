#!/usr/bin/env python3
"""No file of src/ is longer than 600 lines.

A file a reader can take in at once holds one thing; one that grows past
this is to be split by what its parts do (see the README's Layout).
Prints every file over the limit and exits 1 then.
"""
import os
import sys

LIMIT = 600

srcdir = os.path.abspath(os.environ.get("srcdir", "."))
src = os.path.join(srcdir, "src")


def main():
    sizes = []
    for root, _dirs, files in os.walk(src):
        for name in files:
            # sources only: a build in the tree (dpkg-buildpackage) puts
            # objects and libraries beside them
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                sizes.append((f.read().count(b"\n"),
                              os.path.relpath(path, srcdir)))
    if not sizes:
        print("not ok - no files under %s" % src)
        return 1
    over = sorted((s for s in sizes if s[0] > LIMIT), reverse=True)
    for lines, path in over:
        print("not ok - %s: %d lines, more than %d" % (path, lines, LIMIT))
    if over:
        return 1
    lines, path = max(sizes)
    print("ok - the %d files of src/ have at most %d lines (%s: %d)"
          % (len(sizes), LIMIT, path, lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
