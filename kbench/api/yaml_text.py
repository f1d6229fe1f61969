"""YAML text read exactly as ``yaml.safe_load`` reads it, fast for the common case of JSON.

Annotations such as kbench.io/load hold JSON or YAML text; a cluster of 1,000 Deployments
carries thousands of them, mostly written as JSON by tools. JSON is (almost) YAML's flow
subset, and ``json.loads`` reads it ~100x faster than PyYAML's pure-Python safe loader, so a
text is first tried as JSON and handed to ``yaml.safe_load`` whenever the two could differ:

- a number YAML 1.1 does not read as a float: an exponent without a fraction (``1e3``) or
  without a sign (``1.5e3``) is a string to PyYAML, a float to JSON;
- ``NaN`` / ``Infinity`` (Python's json accepts them; YAML reads strings);
- a tab (YAML refuses tabs in places JSON allows them), a non-ASCII character (YAML folds
  some line separators inside quoted strings) or a ``\\u`` escape (surrogate pairs);
- anything that is not JSON at all.
"""

from __future__ import annotations

import json
import re

import yaml

#: PyYAML's implicit float resolver, restricted to what a JSON number can look like.
_YAML_FLOAT = re.compile(r"-?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?")


class _NotPlainJson(ValueError):
    """The text is JSON that YAML might read differently."""


def _float(literal: str) -> float:
    if _YAML_FLOAT.fullmatch(literal) is None:
        raise _NotPlainJson(literal)
    return float(literal)


def _constant(literal: str):
    raise _NotPlainJson(literal)


def safe_load_text(text: str) -> object:
    """``yaml.safe_load(text)``, through ``json.loads`` when the text is JSON both read the
    same way. Raises yaml.YAMLError as safe_load does."""
    if text.isascii() and "\t" not in text and "\\u" not in text:
        try:
            return json.loads(text, parse_float=_float, parse_constant=_constant)
        except ValueError:  # not JSON, or JSON YAML reads otherwise (_NotPlainJson)
            pass
    return yaml.safe_load(text)
