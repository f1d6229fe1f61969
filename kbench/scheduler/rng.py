"""The scheduler's seeded random numbers: SplitMix64, identical compiled and in plain Python.

kube-scheduler breaks ties among the top-scored nodes with ``rand.Intn`` (selectHost's
reservoir sampling). kbench uses this tiny generator instead, so that the compiled kernel and
the plain-Python reference scheduler draw the very same numbers from the same seed.
"""

from __future__ import annotations

import numpy as np

from kbench._jit import njit

_MASK = (1 << 64) - 1


@njit
def next_u64(rng_state: np.ndarray) -> np.uint64:
    """Advance ``rng_state`` (a uint64 array of length 1) and return 64 random bits."""
    rng_state[0] += np.uint64(0x9E3779B97F4A7C15)
    z = rng_state[0]
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit
def random_below(rng_state: np.ndarray, n: np.int64) -> np.int64:
    """A number in [0, n), like Go's rand.Intn(n) (n >= 1)."""
    return np.int64(next_u64(rng_state) % np.uint64(n))


def new_state(seed: int) -> np.ndarray:
    """A generator state for ``seed``."""
    return np.array([seed & _MASK], dtype=np.uint64)


class PythonRandom:
    """The same generator in plain Python ints, for the reference scheduler."""

    def __init__(self, seed: int) -> None:
        self.state = seed & _MASK

    def next_u64(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & _MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)

    def random_below(self, n: int) -> int:
        return self.next_u64() % n
