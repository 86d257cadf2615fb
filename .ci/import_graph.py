#!/usr/bin/env python3
"""The module graph of a crate's `src/`, from its `crate::`, `super::`, `self::`
and child-module paths; fails on an import circle and on an inner module that
imports through the crate root (the root is the face: it imports, nothing
imports it).

    python3 .ci/import_graph.py runtime/src          # check
    python3 .ci/import_graph.py runtime/src --dot    # the graph, for Graphviz

Unit tests (`mod tests { ... }`) are left out: they sit above every layer and
may drive a module through the façade. A file's module is its path (`delivery/store/mod.rs` is `delivery::store`).
Comments and string literals are ignored; a path resolves to the longest
module it names, so `crate::openapi::Response` is an edge to `openapi`.
"""
import re
import sys
from pathlib import Path


def module_of(src: Path, file: Path) -> tuple:
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)


def strip_comments_and_strings(text: str) -> str:
    # Block comments, line comments (doc comments included), raw and plain strings.
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r'r(#+)".*?"\1', '""', text, flags=re.S)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"'(?:\\.|[^'\\])'", "' '", text)
    return text


def inline_modules(text: str) -> list:
    """The spans of the inline `mod name { ... }` blocks (`mod tests`)."""
    spans = []
    for match in re.finditer(r"\bmod\s+(\w+)\s*\{", text):
        depth, end = 0, match.end() - 1
        for i in range(match.end() - 1, len(text)):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
                if depth == 0:
                    end = i
                    break
        spans.append((match.start(), end, match.group(1) == "tests"))
    return spans


# The layers above the documentation core: (layer, the modules that may import it
# besides its own). The core never imports delivery or signing, so a
# documentation-only build has neither; signing (for receivers) never imports
# delivery.
LAYERS = [
    ("delivery", ()),
    ("signing", ("delivery",)),
]

PATH = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
BRACED = re.compile(r"\b(crate|super|self)::\{([^}]*)\}")


def main() -> int:
    src = Path(sys.argv[1])
    dot = "--dot" in sys.argv
    modules = {}
    for file in sorted(src.rglob("*.rs")):
        modules[module_of(src, file)] = strip_comments_and_strings(file.read_text())
    names = set(modules)
    edges = {m: set() for m in modules}
    through_root = []

    def resolve(base: tuple, rest: list) -> tuple:
        target = base
        for part in rest:
            if target + (part,) in names:
                target = target + (part,)
            else:
                break
        return target

    for module, text in modules.items():
        children = {n[-1] for n in names if len(n) == len(module) + 1 and n[: len(module)] == module}
        spans = inline_modules(text)

        def nesting(position: int) -> int:
            return sum(1 for start, end, _ in spans if start < position < end)

        def in_tests(position: int) -> bool:
            return any(start < position < end for start, end, tests in spans if tests)

        references = []
        for match in PATH.finditer(text):
            if in_tests(match.start()):
                continue
            head, tail = match.group(1), match.group(2)
            segments = [s for s in tail.split("::") if s]
            references.append((head, segments, nesting(match.start())))
        for match in BRACED.finditer(text):
            if in_tests(match.start()):
                continue
            head = match.group(1)
            for item in match.group(2).split(","):
                segments = [s.strip() for s in item.strip().split("::") if s.strip()]
                if segments and segments[0] not in ("self", "*"):
                    segments = [re.split(r"\W", s)[0] for s in segments]
                    references.append((head, segments, nesting(match.start())))
        # A child used by its bare name (`attempt::run(...)` in `delivery`).
        for child in children:
            for use in re.finditer(rf"(?<![:\w]){child}::", text):
                if not in_tests(use.start()):
                    edges[module].add(module + (child,))
                    break
        for head, segments, inner in references:
            if head == "crate":
                base = ()
            elif head == "super":
                # `super` inside an inline module (`mod tests`) is this file first.
                levels = 1 + sum(1 for s in segments if s == "super")
                segments = [s for s in segments if s != "super"]
                levels -= min(levels, inner)
                base = module[: len(module) - levels] if levels else module
            else:
                base = module
            target = resolve(base, segments)
            if target == () and head == "crate" and module != ():
                through_root.append((module, "::".join(segments)))
            edges[module].add(target)
        edges[module].discard(module)

    if dot:
        print("digraph modules {")
        for module in sorted(edges):
            for target in sorted(edges[module]):
                print(f'  "{"::".join(module) or "crate"}" -> "{"::".join(target) or "crate"}";')
        print("}")
        return 0

    cycles = strongly_connected(edges)
    failed = False
    for cycle in cycles:
        failed = True
        shown = " ↔ ".join(sorted("::".join(m) or "crate" for m in cycle))
        print(f"import circle: {shown}")
        for m in sorted(cycle):
            inside = sorted("::".join(t) or "crate" for t in edges[m] if t in cycle)
            print(f"  {'::'.join(m) or 'crate'} uses {', '.join(inside)}")
    def in_layer(module: tuple, top: str) -> bool:
        return len(module) > 0 and module[0] == top

    for module in sorted(edges):
        for target in sorted(edges[module]):
            for layer, users in LAYERS:
                if in_layer(target, layer) and module != () and not in_layer(module, layer) \
                        and not any(in_layer(module, user) for user in users):
                    failed = True
                    print(f"{'::'.join(module)} imports {'::'.join(target)}: only "
                          f"{', '.join((layer,) + users)} may import the `{layer}` layer")
    for module, path in sorted(set(through_root)):
        failed = True
        print(f"{'::'.join(module)} imports `crate::{path}` through the crate root; "
              "import it from the module that defines it")
    if not failed:
        print(f"{src}: {len(modules)} modules, no import circle, nothing imports the root")
    return 1 if failed else 0


def strongly_connected(edges: dict) -> list:
    """Tarjan's algorithm: the components with more than one module."""
    index, low, stack, on_stack, result = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in edges:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(component)

    sys.setrecursionlimit(10000)
    for v in list(edges):
        if v not in index:
            visit(v)
    return result


if __name__ == "__main__":
    sys.exit(main())
