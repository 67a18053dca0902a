"""The error tree drawn in reconciler/errors.py is the tree the code has: every public error, in its place."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import reconciler
from reconciler import errors
from reconciler.errors import WabaplanError

BRANCH = re.compile(r"^    (?P<indent>(?:[│ ]   )*)(?P<fork>[├└]── )?(?P<name>[A-Z]\w+)\b")


def _public_exceptions() -> dict[str, list[type[BaseException]]]:
    found: dict[str, list[type[BaseException]]] = {}
    for module in pkgutil.walk_packages(reconciler.__path__, "reconciler."):
        if module.name.endswith("__main__"):
            continue
        for name, value in vars(importlib.import_module(module.name)).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.name
                and not name.startswith("_")
            ):
                found.setdefault(name, []).append(value)
    return found


def _drawn_parents() -> dict[str, str | None]:
    """Each class of the drawn tree, with the one it hangs from."""
    doc = errors.__doc__ or ""
    tree = doc.split("\n\n")[1]
    parents: dict[str, str | None] = {}
    path: list[str] = []
    for line in tree.splitlines():
        branch = BRANCH.match(line)
        assert branch, line
        depth = len(branch["indent"]) // 4 + (1 if branch["fork"] else 0)
        del path[depth:]
        parents[branch["name"]] = path[-1] if path else None
        path.append(branch["name"])
    return parents


def test_every_wabaplan_error_hangs_where_it_is_drawn() -> None:
    drawn = _drawn_parents()
    ours = {
        cls.__name__: cls
        for classes in _public_exceptions().values()
        for cls in classes
        if issubclass(cls, WabaplanError)
    }
    assert set(ours) == set(drawn)
    for name, cls in ours.items():
        parent = cls.__mro__[1]
        assert drawn[name] == (parent.__name__ if parent is not Exception else None), name


def test_every_other_public_error_is_named_too() -> None:
    doc = errors.__doc__ or ""
    missing = [name for name in _public_exceptions() if not re.search(rf"\b{name}\b", doc)]
    assert missing == []
