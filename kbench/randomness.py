"""Random numbers that depend on what they are for, not on when they are drawn.

The engine draws, for example, one container-start latency per pod start. Drawing from a
stateful generator would tie each pod's number to how many pods happened to start in the same
step; hashing (seed, purpose, key...) instead gives every pod the same number whatever else
happens, so runs stay identical when unrelated parts change. SplitMix64's finaliser is the hash.
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def hash64(seed: int, purpose: int, *keys) -> np.ndarray:
    """64 random bits per element of the (broadcast) integer ``keys``."""
    with np.errstate(over="ignore"):
        z = _mix(np.uint64(seed & 0xFFFFFFFFFFFFFFFF) + _GOLDEN * np.uint64(purpose + 1))
        for key in keys:
            z = _mix(z + _GOLDEN + np.asarray(key).astype(np.int64).view(np.uint64))
    return np.atleast_1d(z)


_MASK = (1 << 64) - 1


def _mix_int(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def hash64_int(seed: int, purpose: int, *keys: int) -> int:
    """hash64 of one key tuple in plain Python integers (no numpy call per value): the same
    bits as ``hash64(seed, purpose, *keys)[0]``."""
    z = _mix_int(((seed & _MASK) + 0x9E3779B97F4A7C15 * (purpose + 1)) & _MASK)
    for key in keys:
        z = _mix_int((z + 0x9E3779B97F4A7C15 + (key & _MASK)) & _MASK)
    return z


def uniform(seed: int, purpose: int, *keys) -> np.ndarray:
    """Numbers in (0, 1), one per element of the broadcast ``keys``."""
    bits = hash64(seed, purpose, *keys) >> np.uint64(11)  # 53 bits
    return (bits.astype(np.float64) + 0.5) / float(1 << 53)


def lognormal(seed: int, purpose: int, median: float, sigma: float, *keys) -> np.ndarray:
    """Log-normal numbers with this median and shape (Box-Muller on two hashed uniforms)."""
    u1 = uniform(seed, purpose, *keys, 0)
    u2 = uniform(seed, purpose, *keys, 1)
    normal = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
    return median * np.exp(sigma * normal)
