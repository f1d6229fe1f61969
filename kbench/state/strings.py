"""Interning of strings (names, label keys, images, JSON documents) to dense int32 codes."""

from __future__ import annotations

import json

import numpy as np

#: The code of a missing string (None).
NO_STRING = -1


class StringTable:
    """Every string in the cluster state, each stored once and known by its integer code.

    Codes are dense and stable (0, 1, 2, ... in first-seen order). JSON documents (pod specs,
    label sets, taint lists) are interned here too, as their canonical JSON text, so identical
    documents share a code: pods of one template share their spec, pods of one ReplicaSet share
    their label set.
    """

    def __init__(self) -> None:
        self._codes: dict[str, int] = {}
        self._strings: list[str] = []

    def __len__(self) -> int:
        return len(self._strings)

    def intern(self, text: str | None) -> int:
        if text is None:
            return NO_STRING
        code = self._codes.get(text)
        if code is None:
            code = len(self._strings)
            self._codes[text] = code
            self._strings.append(text)
        return code

    def intern_many(self, texts) -> np.ndarray:
        """Codes of many strings at once (new ones are added in one step, in order)."""
        texts = list(texts)
        codes = self._codes
        new = [t for t in dict.fromkeys(texts) if t is not None and t not in codes]
        codes.update(zip(new, range(len(self._strings), len(self._strings) + len(new))))
        self._strings.extend(new)
        return np.fromiter((NO_STRING if t is None else codes[t] for t in texts),
                           dtype=np.int32, count=len(texts))

    def restore(self, texts: list[str]) -> None:
        """Take the strings of a saved table, in code order, so every code means what it
        meant (an empty table only)."""
        if self._strings:
            raise ValueError("StringTable.restore: the table is not empty")
        strings = list(texts)
        codes = dict(zip(strings, range(len(strings))))
        if len(codes) != len(strings) or None in codes:
            raise ValueError("StringTable.restore: strings repeat or are missing")
        self._strings, self._codes = strings, codes

    def code_of(self, text: str) -> int:
        """The code of ``text`` if it was ever interned, else NO_STRING (does not intern)."""
        return self._codes.get(text, NO_STRING)

    def __getitem__(self, code: int) -> str | None:
        return None if code < 0 else self._strings[code]

    def decode(self, codes: np.ndarray) -> list[str | None]:
        strings = self._strings
        return [None if c < 0 else strings[c] for c in codes.tolist()]

    def strings(self) -> list[str]:
        """All interned strings in code order (a copy)."""
        return list(self._strings)

    # -- documents: JSON values interned as canonical text ---------------------------------

    def intern_document(self, value: object) -> int:
        """Code of a JSON value (dict, list, ...) as canonical text; None is NO_STRING."""
        if value is None:
            return NO_STRING
        return self.intern(canonical_json(value))

    def document(self, code: int) -> object:
        """The JSON value with this code, parsed fresh, so callers may change it freely."""
        if code < 0:
            return None
        return json.loads(self._strings[code])


def canonical_json(value: object) -> str:
    """The one text of a JSON value: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
