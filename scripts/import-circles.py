#!/usr/bin/env python3
"""Finds import circles between the modules of a crate, from its `use` lines
and the `crate::`/`super::` paths in its code (comments and strings left out).

Two levels are checked, the way a reader meets them:
  - the top-level modules (`bundle`, `packet`, `record`, ...): a file in one
    folder that names another folder counts as its folder naming it;
  - the files inside one folder (`bundle::seal`, `bundle::writers`, ...),
    among themselves: a child naming its own folder's `mod.rs` does not count
    (that is where a folder's shared types live), nor `mod.rs` declaring and
    re-exporting its children.

Usage: scripts/import-circles.py SRC_DIR...   (exit 1 when there is a circle)
"""
import re
import sys
from collections import defaultdict
from pathlib import Path

PATH = re.compile(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+|::\{)")
GROUP = re.compile(r"\b(crate|super)::\{([^;]*?)\}", re.S)


def module_of(src: Path, file: Path) -> tuple:
    rel = file.relative_to(src).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)


def strip(code: str) -> str:
    code = re.sub(r"//[^\n]*", "", code)
    code = re.sub(r"/\*.*?\*/", "", code, flags=re.S)
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', code)


def references(code: str, here: tuple, is_mod_file: bool):
    """Module paths (tuples) this file's code names."""
    base_super = here[:-1] if not is_mod_file else here[:-1]
    found = []
    for m in PATH.finditer(code):
        root, rest = m.group(1), m.group(2)
        if rest == "::{":
            continue
        segs = [s for s in rest.split("::") if s]
        found.append(tuple(segs) if root == "crate" else tuple(base_super) + tuple(segs))
    for m in GROUP.finditer(code):
        root, inner = m.group(1), m.group(2)
        for item in re.split(r",(?![^{]*\})", inner):
            segs = [s for s in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", item.split("{")[0])]
            if not segs:
                continue
            found.append(tuple(segs) if root == "crate" else tuple(base_super) + tuple(segs))
    return found


def sccs(graph):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def circles(src: Path):
    files = sorted(src.rglob("*.rs"))
    modules = {module_of(src, f) for f in files}
    edges = defaultdict(set)
    for f in files:
        here = module_of(src, f)
        is_mod = f.name in ("mod.rs", "lib.rs", "main.rs")
        # A file `a/b.rs` is module a::b; its `super` is `a`. For `a/mod.rs`
        # (module a), `super` is the crate root: adjust by giving it a child.
        ref_from = here if not is_mod else here + ("_",)
        for ref in references(strip(f.read_text()), ref_from, False):
            target = max((m for m in modules if ref[: len(m)] == m), key=len, default=())
            if target and target != here:
                edges[here].add(target)
    found = []
    # Top level.
    top = defaultdict(set)
    for a, bs in edges.items():
        for b in bs:
            if a[:1] and b[:1] and a[:1] != b[:1]:
                top[a[:1]].add(b[:1])
    for comp in sccs(top):
        found.append(("top level", comp))
    # Inside each folder: siblings only.
    folders = {m[:-1] for m in modules if len(m) > 1}
    for folder in sorted(folders):
        inner = defaultdict(set)
        for a, bs in edges.items():
            if len(a) <= len(folder) or a[: len(folder)] != folder:
                continue
            ca = a[: len(folder) + 1]
            for b in bs:
                if len(b) > len(folder) and b[: len(folder)] == folder:
                    cb = b[: len(folder) + 1]
                    if ca != cb:
                        inner[ca].add(cb)
        for comp in sccs(inner):
            found.append(("/".join(folder), comp))
    return found


def main():
    bad = 0
    for d in sys.argv[1:] or ["core/src", "src"]:
        for where, comp in circles(Path(d)):
            bad += 1
            names = " <-> ".join("::".join(m) for m in comp)
            print(f"{d} ({where}): {names}")
    if bad:
        print(f"{bad} import circle(s)", file=sys.stderr)
        sys.exit(1)
    print("no import circles")


if __name__ == "__main__":
    main()
