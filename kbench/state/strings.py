"""Interning of strings (names, label keys, images, JSON documents) to dense int32 codes."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

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
        self._codes: dict[str, int] | None = {}
        self._strings: list[str] | None = []
        #: the first len(self._arrow) strings as one Arrow array (what snapshots write); a
        #: table restored from a snapshot starts from it alone and makes the list and the dict
        #: when first asked (a running cluster's ~1M strings cost ~1 s of Python objects)
        self._arrow: pa.Array = pa.array([], type=pa.string())

    def __len__(self) -> int:
        strings = self._strings
        return len(self._arrow) if strings is None else len(strings)

    def _load_strings(self) -> list[str]:
        self._strings = self._arrow.to_pylist()
        return self._strings

    def _load_codes(self) -> dict[str, int]:
        strings = self._strings if self._strings is not None else self._load_strings()
        self._codes = dict(zip(strings, range(len(strings))))
        return self._codes

    def intern(self, text: str | None) -> int:
        if text is None:
            return NO_STRING
        codes = self._codes
        if codes is None:
            codes = self._load_codes()
        code = codes.get(text)
        if code is None:
            code = len(self._strings)
            codes[text] = code
            self._strings.append(text)
        return code

    def intern_many(self, texts) -> np.ndarray:
        """Codes of many strings at once (new ones are added in one step, in order)."""
        texts = list(texts)
        codes = self._codes
        if codes is None:
            codes = self._load_codes()
        distinct = dict.fromkeys(texts)
        missing = distinct.pop(None, 0) is None  # a None key was there
        new = [t for t in distinct if t not in codes]
        start = len(self._strings)
        codes.update(zip(new, range(start, start + len(new))))
        self._strings.extend(new)
        if len(new) == len(texts):   # all new and distinct (event names): no lookups
            return np.arange(start, start + len(new), dtype=np.int32)
        if missing:
            return np.fromiter((NO_STRING if t is None else codes[t] for t in texts),
                               dtype=np.int32, count=len(texts))
        return np.fromiter(map(codes.__getitem__, texts), dtype=np.int32, count=len(texts))

    def restore(self, texts) -> None:
        """Take the strings of a saved table, in code order, so every code means what it
        meant (an empty table only). ``texts``: a list, or an Arrow string array whose
        strings are known to be distinct (read_snapshot checks them against its tables)."""
        if len(self):
            raise ValueError("StringTable.restore: the table is not empty")
        if isinstance(texts, (pa.Array, pa.ChunkedArray)):
            if isinstance(texts, pa.ChunkedArray):
                texts = (texts.combine_chunks() if texts.num_chunks != 1 else texts.chunk(0))
            if texts.null_count:
                raise ValueError("StringTable.restore: strings are missing")
            self._arrow = texts.cast(pa.string())
            self._strings = self._codes = None
            return
        strings = list(texts)
        codes = dict(zip(strings, range(len(strings))))
        if len(codes) != len(strings) or None in codes:
            raise ValueError("StringTable.restore: strings repeat or are missing")
        self._strings, self._codes = strings, codes

    def code_of(self, text: str) -> int:
        """The code of ``text`` if it was ever interned, else NO_STRING (does not intern)."""
        codes = self._codes
        if codes is None:
            codes = self._load_codes()
        return codes.get(text, NO_STRING)

    def __getitem__(self, code: int) -> str | None:
        if code < 0:
            return None
        strings = self._strings
        if strings is None:
            strings = self._load_strings()
        return strings[code]

    def decode(self, codes: np.ndarray) -> list[str | None]:
        strings = self._strings if self._strings is not None else self._load_strings()
        return [None if c < 0 else strings[c] for c in codes.tolist()]

    def strings(self) -> list[str]:
        """All interned strings in code order (a copy)."""
        return list(self._strings if self._strings is not None else self._load_strings())

    def arrow(self) -> pa.Array:
        """All interned strings in code order as one Arrow string array (kept, and extended
        by the strings interned since the last call)."""
        done, strings = len(self._arrow), self._strings
        if strings is not None and len(strings) > done:
            self._arrow = pa.concat_arrays([self._arrow,
                                            pa.array(strings[done:], type=pa.string())])
        return self._arrow

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
        return json.loads(self[code])

    def documents(self, codes) -> list:
        """document(code) of every code (an int array or a list), each parsed fresh; many
        documents are parsed in one json.loads of their texts joined as a JSON array."""
        codes = codes.tolist() if isinstance(codes, np.ndarray) else list(codes)
        strings = self._strings if self._strings is not None else self._load_strings()
        texts = ["null" if code < 0 else strings[code] for code in codes]
        if len(texts) < 2:
            return [json.loads(text) for text in texts]
        try:
            values = json.loads("[" + ",".join(texts) + "]")
        except ValueError:
            values = None
        if values is None or len(values) != len(texts):  # some text is not one JSON value
            return [json.loads(text) for text in texts]
        return values


def canonical_json(value: object) -> str:
    """The one text of a JSON value: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
