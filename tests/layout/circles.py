#!/usr/bin/env python3
"""No include and no call runs in a circle between the files of src/.

Includes are read from the sources (#include "name.h" resolved within
src/); calls from the built objects (nm: a file calls another when it uses
a function the other defines; data such as Pigeonhole's
extension and operation definitions, which refer to each other by design,
is not a call). Prints every circle found and exits 1 then;
exits 77 (skipped) when the objects have not been built.
"""
import os
import re
import subprocess
import sys

srcdir = os.path.abspath(os.environ.get("srcdir", "."))
builddir = os.path.abspath(os.environ.get("BUILDDIR", "."))
src = os.path.join(srcdir, "src")


def rel(path):
    return os.path.relpath(path, srcdir)


def sources():
    for root, _dirs, files in os.walk(src):
        for name in files:
            if name.endswith((".c", ".h")):
                yield os.path.join(root, name)


def include_graph():
    by_name = {}
    for path in sources():
        by_name.setdefault(os.path.basename(path), []).append(path)
    graph = {}
    include = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
    for path in sources():
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        edges = set()
        for name in include.findall(text):
            local = os.path.normpath(os.path.join(os.path.dirname(path), name))
            if os.path.exists(local):
                edges.add(rel(local))
            elif len(by_name.get(os.path.basename(name), [])) == 1:
                edges.add(rel(by_name[os.path.basename(name)][0]))
        graph[rel(path)] = edges
    return graph


def object_source(obj):
    """The source file a libtool or program object was compiled from."""
    directory = os.path.relpath(os.path.dirname(obj), builddir)
    if directory.endswith(".libs"):
        directory = os.path.dirname(directory)
    base = os.path.basename(obj)[:-2]
    candidates = []
    search = [directory] if directory not in ("", ".") else []
    if not search:
        # the plugin's objects lie in the build tree's top directory
        search = [os.path.relpath(root, srcdir)
                  for root, _d, _f in os.walk(src)]
    for d in search:
        full = os.path.join(srcdir, d)
        if not os.path.isdir(full):
            continue
        for name in os.listdir(full):
            if not name.endswith(".c"):
                continue
            stem = name[:-2]
            if base == stem or base.endswith("-" + stem):
                candidates.append(os.path.join(d, name))
    candidates.sort(key=len, reverse=True)
    return candidates[0] if candidates else None


def call_graph():
    objects = []
    for root, _dirs, files in os.walk(builddir):
        rootrel = os.path.relpath(root, builddir)
        if not (rootrel.startswith("src") or rootrel in (".", ".libs")):
            continue
        for name in files:
            if name.endswith(".o"):
                objects.append(os.path.join(root, name))
    defined, used = {}, {}
    for obj in objects:
        source = object_source(obj)
        if source is None:
            continue
        out = subprocess.run(["nm", obj], capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "U":
                used.setdefault(source, set()).add(parts[1])
            elif len(parts) == 3 and parts[1] == "T":
                defined[parts[2]] = source
    graph = {}
    for source, symbols in used.items():
        graph.setdefault(source, set())
        for sym in symbols:
            target = defined.get(sym)
            if target is not None and target != source:
                graph[source].add(target)
    return graph, len(objects)


def circles(graph):
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            comp = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                comp.append(top)
                if top == node:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def main():
    failed = False
    for kind, graph in (("include", include_graph()),):
        for comp in circles(graph):
            failed = True
            print("not ok - %s circle: %s" % (kind, " <-> ".join(comp)))
    calls, nobjects = call_graph()
    if nobjects == 0:
        print("# no objects under %s: calls not checked" % builddir)
        return 77 if not failed else 1
    for comp in circles(calls):
        failed = True
        detail = []
        for a in comp:
            for b in sorted(calls[a] & set(comp)):
                detail.append("%s -> %s" % (a, b))
        print("not ok - call circle: %s" % "; ".join(detail))
    if not failed:
        print("ok - no include or call circle between the %d files of src/"
              % len(include_graph()))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
