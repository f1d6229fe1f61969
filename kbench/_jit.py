"""The one place numba's JIT flags live: every kernel in kbench is compiled through here."""

from __future__ import annotations

import numba

#: Kernels are cached on disk (compile time counts in every test run and CLI start) and
#: never use fastmath: kernel results must equal their plain-Python reference exactly.
JIT_FLAGS = dict(cache=True, fastmath=False, nogil=True)


def njit(function=None, **overrides):
    """``numba.njit`` with kbench's flags; use as ``@njit`` or ``@njit(parallel=True)``."""
    flags = {**JIT_FLAGS, **overrides}
    if function is None:
        return lambda f: numba.njit(**flags)(f)
    return numba.njit(**flags)(function)


def compiled_for(function, argument_types: tuple):
    """``function`` (a Python function) compiled for exactly these argument types, with
    kbench's flags: the way to give a kernel first-class function arguments (see
    kbench.scheduler.custom.call)."""
    return numba.njit(argument_types, **JIT_FLAGS)(function)
