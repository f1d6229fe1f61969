"""Label sets as a matrix (rows x label keys) so selectors are evaluated for all rows at once.

A row is a node, or a group of pods sharing namespace and labels. Each cell holds the code of
the row's value for that key (-1: the row has no such label). A Requirement then becomes one
vectorised comparison over a column, so matching a selector against 5,000 nodes costs a few
numpy operations instead of 5,000 Python calls. Semantics are those of kbench.api.labels
(k8s.io/apimachinery/pkg/labels/selector.go): NotIn and != match a missing key; Gt and Lt need
the value to parse as a 64-bit integer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from kbench.api.labels import LabelSelector, Requirement, _compile_term
from kbench.errors import SelectorError

_IN = ("In", "=", "==")
_NOT_IN = ("NotIn", "!=")


class LabelMatrix:
    """Value codes of every (row, label key); ``names`` gives each row's metadata.name."""

    def __init__(self, label_sets: Sequence[Mapping[str, str] | None],
                 names: Sequence[str] | None = None) -> None:
        self.rows = len(label_sets)
        label_sets = [labels or {} for labels in label_sets]
        # every (row, key, value) cell in row order; keys and values numbered in the order
        # they first appear
        cell_keys = [key for labels in label_sets for key in labels]
        cell_values = [value for labels in label_sets for value in labels.values()]
        self.keys: dict[str, int] = dict(zip(dict.fromkeys(cell_keys), range(len(cell_keys))))
        self.values: dict[str, int] = dict(zip(dict.fromkeys(cell_values),
                                               range(len(cell_values))))
        self.matrix = np.full((self.rows, max(len(self.keys), 1)), -1, dtype=np.int32)
        if cell_keys:
            rows = np.repeat(np.arange(self.rows), [len(labels) for labels in label_sets])
            columns = np.fromiter(map(self.keys.__getitem__, cell_keys), dtype=np.int64,
                                  count=len(cell_keys))
            self.matrix[rows, columns] = np.fromiter(map(self.values.__getitem__, cell_values),
                                                     dtype=np.int32, count=len(cell_values))
        self._value_list = list(self.values)
        self.names = np.asarray(list(names) if names is not None else [""] * self.rows,
                                dtype=object)
        self._integers: dict[int, np.ndarray] = {}

    def column(self, key: str) -> np.ndarray:
        """Value codes of ``key`` per row (-1 where absent)."""
        index = self.keys.get(key)
        if index is None:
            return np.full(self.rows, -1, dtype=np.int32)
        return self.matrix[:, index]

    def _codes(self, values: Sequence[str]) -> np.ndarray:
        return np.array([self.values[v] for v in values if v in self.values], dtype=np.int32)

    def _integer_column(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """The key's values as int64 and whether each parsed (Gt / Lt need integers)."""
        index = self.keys.get(key)
        if index is None:
            return np.zeros(self.rows, np.int64), np.zeros(self.rows, np.bool_)
        if index not in self._integers:
            parsed = np.zeros(len(self._value_list) + 1, dtype=np.int64)
            ok = np.zeros(len(self._value_list) + 1, dtype=np.bool_)
            for code, text in enumerate(self._value_list):
                number = _int64(text)
                if number is not None:
                    parsed[code], ok[code] = number, True
            self._integers[index] = (parsed, ok)
        parsed, ok = self._integers[index]
        codes = self.matrix[:, index]  # -1 reads the spare last entry: not an integer
        return parsed[codes], ok[codes] & (codes >= 0)

    def requirement(self, requirement: Requirement) -> np.ndarray:
        """Rows matching one requirement."""
        op, key = requirement.operator, requirement.key
        column = self.column(key)
        if op in _IN:
            return _member(column, self._codes(requirement.values))
        if op in _NOT_IN:
            return ~_member(column, self._codes(requirement.values))
        if op == "Exists":
            return column >= 0
        if op == "DoesNotExist":
            return column < 0
        numbers, ok = self._integer_column(key)
        want = int(requirement.values[0])
        return ok & ((numbers > want) if op == "Gt" else (numbers < want))

    def selector(self, selector: LabelSelector) -> np.ndarray:
        """Rows matching a label selector (all requirements)."""
        if selector.matches_nothing:
            return np.zeros(self.rows, dtype=np.bool_)
        mask = np.ones(self.rows, dtype=np.bool_)
        for requirement in selector.requirements:
            mask &= self.requirement(requirement)
        return mask

    def equals_set(self, labels: Mapping[str, str]) -> np.ndarray:
        """Rows having every ``key: value`` of a plain map (a nodeSelector)."""
        return self.selector(LabelSelector.from_set(labels))

    def node_selector_term(self, term: Mapping) -> np.ndarray:
        """Rows matching one NodeSelectorTerm (matchExpressions and matchFields ANDed; an empty
        term matches nothing), as nodeaffinity.go's nodeSelectorTerms.Match."""
        if not term.get("matchExpressions") and not term.get("matchFields"):
            return np.zeros(self.rows, dtype=np.bool_)
        selector, field_terms = _compile_term(term, "")
        mask = self.selector(selector) if selector is not None else np.ones(self.rows, np.bool_)
        for key, operator, value in field_terms or []:
            if key != "metadata.name":
                return np.zeros(self.rows, dtype=np.bool_)
            equal = self.names == value
            mask &= equal if operator == "In" else ~equal
        return mask

    def node_selector(self, node_selector: Mapping | None) -> np.ndarray:
        """Rows matching a v1.NodeSelector: terms ORed; None constrains nothing. Malformed terms
        never match (the scheduler ignores LazyErrorNodeSelector's error)."""
        if node_selector is None:
            return np.ones(self.rows, dtype=np.bool_)
        mask = np.zeros(self.rows, dtype=np.bool_)
        for term in node_selector.get("nodeSelectorTerms") or []:
            try:
                mask |= self.node_selector_term(term)
            except SelectorError:
                continue
        return mask


def _member(column: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """np.isin(column, codes); a few codes are compared one by one (np.isin sorts)."""
    if len(codes) > 8:
        return np.isin(column, codes)
    mask = np.zeros(len(column), dtype=np.bool_)
    for code in codes.tolist():
        mask |= column == code
    return mask


_INTEGER = re.compile(r"[+-]?[0-9]+")


def _int64(text: str) -> int | None:
    """strconv.ParseInt(text, 10, 64), or None."""
    if not _INTEGER.fullmatch(text):
        return None
    number = int(text)
    return number if -(1 << 63) <= number < (1 << 63) else None
