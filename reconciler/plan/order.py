"""Dependency order for actions: graphlib's topological sort, with a fixed tie-break so output is stable."""

from __future__ import annotations

from collections.abc import Iterable
from graphlib import CycleError, TopologicalSorter

from reconciler.plan.model import Action, Op

# Within one wave of ready actions: account set-up first, then numbers, then content.
_OP_RANK = {op: rank for rank, op in enumerate(Op)}


def order_actions(actions: Iterable[Action]) -> tuple[Action, ...]:
    """`actions` in an order where every action comes after all it depends on.

    Raises ValueError naming the cycle if dependencies loop (a planner bug, never user input).
    """
    by_id = {action.id: action for action in actions}
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for action in by_id.values():
        sorter.add(action.id, *(d for d in action.depends_on if d in by_id))
    try:
        sorter.prepare()
    except CycleError as exc:
        raise ValueError(f"actions depend on each other in a cycle: {' -> '.join(exc.args[1])}") from None
    ordered: list[Action] = []
    while sorter.is_active():
        ready = sorted(
            (by_id[i] for i in sorter.get_ready()), key=lambda a: (_OP_RANK[a.op], a.address, a.id)
        )
        ordered.extend(ready)
        sorter.done(*(a.id for a in ready))
    return tuple(ordered)


def with_dependencies(actions: Iterable[Action], selected: set[str]) -> set[str]:
    """`selected` action ids plus everything they depend on, transitively."""
    by_id = {action.id: action for action in actions}
    result: set[str] = set()
    stack = [i for i in selected if i in by_id]
    while stack:
        current = stack.pop()
        if current in result:
            continue
        result.add(current)
        stack.extend(d for d in by_id[current].depends_on if d in by_id)
    return result
