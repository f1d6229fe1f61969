"""Who owns what: controllerRef lookups over whole tables, and names for created objects."""

from __future__ import annotations

import weakref

import numpy as np

from kbench.randomness import hash64, hash64_int
from kbench.state import ClusterState

#: k8s.io/apimachinery/pkg/util/rand: the alphabet of generated name suffixes (no vowels,
#: no look-alike characters).
ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"
_NAME_SUFFIX = 7  # randomness purpose


def owner_rows(state: ClusterState, child_table: str, owner_table: str) -> np.ndarray:
    """For every row of ``child_table``, the row in ``owner_table`` of its live controller
    (its ownerReference with controller: true), or -1."""
    return row_of_uid(state, owner_table)[state.tables[child_table]["controller_uid"]]


#: per cluster (its string table), per owner table: (the table's alive_version, row of uid)
_ROW_OF_UID: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def row_of_uid(state: ClusterState, table: str) -> np.ndarray:
    """The live row of each uid code of ``table`` (-1: none; at least one slot past the last
    string code, so that -1, "no uid", reads -1 too), rebuilt only when the table gained or
    lost rows (a row's uid never changes), grown with spare room as new strings appear."""
    owners = state.tables[table]
    key = owners.alive_version
    cached = _ROW_OF_UID.setdefault(state.strings, {}).get(table)
    if cached is not None and cached[0] == key:
        known = cached[1]
        if len(known) > len(state.strings):
            return known
        grown = np.full(len(state.strings) * 3 // 2 + 1, -1, dtype=np.int64)
        grown[:len(known)] = known
    else:
        grown = np.full(len(state.strings) * 3 // 2 + 1, -1, dtype=np.int64)
        live = owners.live_rows()
        grown[owners["uid"][live]] = live
    _ROW_OF_UID[state.strings][table] = (key, grown)
    return grown


def controller_reference(state: ClusterState, table: str, row: int, api_version: str,
                         kind: str) -> dict:
    """metav1.NewControllerRef for the object at ``row``."""
    columns = state.tables[table]
    return {"apiVersion": api_version, "kind": kind,
            "name": state.strings[int(columns["name"][row])],
            "uid": state.strings[int(columns["uid"][row])],
            "controller": True, "blockOwnerDeletion": True}


def generate_names(state: ClusterState, prefix: str, count: int, table: str = "pods",
                   namespace: str | None = None) -> list[str]:
    """``count`` names ``<prefix><5 random characters>`` as the API server's generateName
    makes them (names.SimpleNameGenerator), from the seeded counter-based generator, none
    taken yet."""
    names: list[str] = []
    taken: set[str] = set()
    code_of = state.strings.code_of
    while len(names) < count:
        start = state.counters.get("generated_name", 0)
        want = count - len(names)
        state.counters["generated_name"] = start + want
        for suffix in _name_suffixes(state.seed, start, want):
            name = prefix + suffix
            # a name never interned names no object: only known strings need the index
            if name in taken or (code_of(name) >= 0
                                 and state.find(table, name, namespace) >= 0):
                continue
            taken.add(name)
            names.append(name)
    return names


_ALPHABET = np.frombuffer(ALPHANUMS.encode(), dtype=np.uint8)
_FEW_NAMES = 8  # fewer suffixes cost less in plain Python than through numpy's calls


def _name_suffixes(seed: int, start: int, count: int) -> list[str]:
    """The 5-character suffixes of generated names number ``start`` to ``start + count - 1``:
    the base-27 digits of each one's hash, least significant first."""
    base = len(ALPHANUMS)
    if count <= _FEW_NAMES:
        suffixes = []
        for number in range(start, start + count):
            bits = hash64_int(seed, _NAME_SUFFIX, number)
            characters = []
            for _ in range(5):
                bits, digit = divmod(bits, base)
                characters.append(ALPHANUMS[digit])
            suffixes.append("".join(characters))
        return suffixes
    bits = hash64(seed, _NAME_SUFFIX, np.arange(start, start + count))
    letters = np.empty((count, 5), dtype=np.uint8)
    for i in range(5):
        bits, digit = np.divmod(bits, np.uint64(base))
        letters[:, i] = _ALPHABET[digit.astype(np.int64)]
    return [suffix.decode() for suffix in letters.view("S5").ravel().tolist()]
