"""The numeric literals left in the compiled kernels (issue 10: "no unexplained literal is left in the kernels").

    python benchmarks/kernel_literals.py          # counts by kind, then every literal that is not 0 or 1,
                                                  # a sub-draw index or a subscript, with its place

Every number that shapes behaviour is a parameter (`stavka params`); what `ast` still finds in the kernel
modules of `stavka.engine` is 0 and 1 (identities, flags, clamps), the sub-draw indices of the random
streams (`uniform(key, i, 3)`), row and column indices, and a short list of named constants, codes and
numerical guards, printed with their place so a reader can check each against docs/model.md §7.  The
record-type, code and driver modules (codes.py, state.py, records.py, interface.py, driver.py, log.py)
hold no kernel arithmetic and are left out.
"""

from __future__ import annotations

import ast
import collections
from pathlib import Path

import stavka.engine

NOT_KERNELS = {"__init__.py", "codes.py", "state.py", "records.py", "interface.py", "driver.py", "log.py"}
DRAWS = {"uniform", "normal", "stream_key"}


def literals(root: Path) -> tuple[collections.Counter[str], list[str]]:
    counts: collections.Counter[str] = collections.Counter()
    listed: list[str] = []
    for path in sorted(p for p in root.glob("*.py") if p.name not in NOT_KERNELS):
        text = path.read_text()
        tree = ast.parse(text)
        parent = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
                continue
            if not isinstance(node.value, int | float):
                continue
            up = parent.get(node)
            if node.value in (0, 1):
                counts["0 and 1"] += 1
            elif isinstance(up, ast.Call) and isinstance(up.func, ast.Name) and up.func.id in DRAWS:
                counts["sub-draw index"] += 1
            elif isinstance(up, ast.Subscript) or isinstance(parent.get(up), ast.Subscript):  # type: ignore[arg-type]
                counts["row or column index"] += 1
            else:
                counts["named constant, code or guard"] += 1
                listed.append(f"{path.name}:{node.lineno}: {ast.get_source_segment(text, up) if up else node.value}")
    return counts, listed


def main() -> None:
    counts, listed = literals(Path(stavka.engine.__file__).parent)
    for kind, n in counts.most_common():
        print(f"{n:5d}  {kind}")
    print(f"{sum(counts.values()):5d}  in all")
    print()
    print("\n".join(listed))


if __name__ == "__main__":
    main()
