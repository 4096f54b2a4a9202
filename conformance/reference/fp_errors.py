"""Floating-point exceptions, reported as PyTorch reports them: not at all.

`torch.log(torch.tensor(0.))` is -inf and `0. / 0.` is nan, silently. NumPy computes the same
values but warns ("RuntimeWarning: divide by zero encountered in log"). A warning torch never
gives would fail a program run with `-W error`. The engine therefore computes with NumPy's
reports off: `silenced()` switches them off and returns a token, and `restore(token)` puts back
whatever the caller had.

In NumPy 2 the error state is a context variable. Setting it to a state built once and
resetting it costs about 0.2 us; `np.errstate(all="ignore")` builds the state anew on every
entry and costs about 1.6 us, more than some ops' own bookkeeping. NumPy 1.x keeps the state
elsewhere and gets np.errstate.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any

import numpy as np

try:
    from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj
except ImportError:  # NumPy 1.x
    _extobj_contextvar = None

if _extobj_contextvar is not None:
    # Bound C methods, not Python functions: these run around every op.
    silenced = functools.partial(_extobj_contextvar.set, _make_extobj(all="ignore"))
    restore = _extobj_contextvar.reset

else:

    def silenced() -> Any:
        state = np.errstate(all="ignore")
        state.__enter__()
        return state

    def restore(token: Any) -> None:
        token.__exit__(None, None, None)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """`with quiet():` for paths that are not hot (a tensor made from Python numbers)."""
    token = silenced()
    try:
        yield
    finally:
        restore(token)
