"""Lists that name other lists (IN_LIST filters): the order they are kept in, and cycles.

A list is recomputed after every list it names, so one pass over a step's changes leaves
every list exact. A cycle has no such order, so one is refused when a list's filters are
written (rule 56; 400).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from stagecoach.domain.errors import ValidationError


def cycle_through(list_id: int, names: Iterable[int], graph: Mapping[int, Iterable[int]]
                  ) -> list[int] | None:
    """The path back to `list_id` if it were to name `names`, given what every other list
    names (`graph`); None when there is none."""
    stack: list[tuple[int, list[int]]] = [(n, [list_id, n]) for n in names]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node == list_id:
            return path
        if node in seen:
            continue
        seen.add(node)
        stack.extend((nxt, [*path, nxt]) for nxt in graph.get(node, ()))
    return None


def refuse_cycle(list_id: int, names: Iterable[int], graph: Mapping[int, Iterable[int]]
                 ) -> None:
    path = cycle_through(list_id, names, graph)
    if path is not None:
        raise ValidationError(
            "A list cannot name itself through IN_LIST filters: "
            + " -> ".join(str(i) for i in path),
            code="LIST_CYCLE", listIds=[str(i) for i in path])


def in_dependency_order(graph: Mapping[int, Iterable[int]]) -> list[int]:
    """Every list of `graph` after the lists it names (those in `graph`). Ties keep id
    order, so the order is the same in every process."""
    order: list[int] = []
    done: set[int] = set()
    visiting: set[int] = set()

    def visit(node: int) -> None:
        if node in done or node in visiting:
            # A cycle cannot be written; should one exist, its lists still run once.
            return
        visiting.add(node)
        for dep in sorted(graph.get(node, ())):
            if dep in graph:
                visit(dep)
        visiting.discard(node)
        done.add(node)
        order.append(node)

    for node in sorted(graph):
        visit(node)
    return order
