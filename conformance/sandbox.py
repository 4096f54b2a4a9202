"""Running checked programs with a handful of builtins: the second wall behind the checker.

Even if the checker missed something, a program finds no `open`, `__import__`, `getattr` or
`type` among its builtins, only the names the allow-list lists.
"""

from __future__ import annotations

import ast
import builtins
import types
from typing import Any

import numpy as np

from conformance.checker import ProgramRejected, allowlist, check_program


def safe_builtins(engine_packages: frozenset[str] = frozenset()) -> dict[str, Any]:
    chosen = {name: getattr(builtins, name) for name in allowlist().builtins}
    # The interpreter calls __build_class__ for every `class` statement; programs cannot name
    # it, because the checker rejects dunder names.
    chosen["__build_class__"] = builtins.__build_class__
    chosen["__import__"] = _engine_import(ENGINE_PACKAGES | engine_packages)
    return chosen


# Engines import their own submodules lazily, and C extensions (torch's among them) do it through
# the running frame's __import__: without one they fail inside ordinary calls like torch.tensor.
ENGINE_PACKAGES = frozenset({"torch", "numpy", "ml_dtypes", "cupy", "conformance"})


def _engine_import(allowed: frozenset[str]) -> Any:
    """An __import__ for engine internals only: modules of the engine's own packages (loaded
    or, for lazy submodules, not yet). Spec programs cannot call it: dunder names never pass
    the checker."""

    def guarded_import(
        name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0
    ) -> Any:
        if level == 0 and name.split(".")[0] in allowed:
            return builtins.__import__(name, globals, locals, fromlist, level)
        raise ImportError(f"spec programs cannot import modules ({name!r})")

    return guarded_import


def make_globals(torch_namespace: Any, device: str) -> dict[str, Any]:
    """The globals a program runs with: the engine as `torch`, the device, NumPy as `np`."""
    package = getattr(torch_namespace, "__name__", "").split(".")[0]
    return {
        "__builtins__": safe_builtins(frozenset({package} if package else ())),
        "__name__": "spec",  # class statements read it for __module__
        "torch": torch_namespace,
        "device": device,
        "np": np,
    }


def compile_checked(
    source: str,
    filename: str,
    mode: str = "exec",
    first_line: int = 1,
    *,
    program: str | None = None,
) -> types.CodeType:
    """Check, then compile so that tracebacks point at the program's line in its YAML file.

    `program` is the whole program when `source` is a piece of it (its last statement) or an
    expression evaluated after it: the names the program defines are known there.
    """
    errors = check_program(source, mode, program=program)
    if errors:
        raise ProgramRejected(errors)
    tree = ast.parse(source, filename=filename, mode=mode)
    ast.increment_lineno(tree, first_line - 1)
    return compile(tree, filename, mode, dont_inherit=True)
