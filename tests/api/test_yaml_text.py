"""safe_load_text reads every text exactly as yaml.safe_load does."""

import json
import math

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kbench.api.yaml_text import safe_load_text

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=4),
    max_leaves=12)


def same(a, b) -> bool:
    """Equal values of equal types (1 and 1.0 and True differ)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return a == b


def assert_read_as_yaml_reads(text: str) -> None:
    try:
        expected = yaml.safe_load(text)
    except yaml.YAMLError:
        with pytest.raises(yaml.YAMLError):
            safe_load_text(text)
        return
    assert same(safe_load_text(text), expected)


@pytest.mark.parametrize("text", [
    '{"a": 1}', '{"a":1}', '{"a": 1e3}', '{"a": 1E5}', '{"a": 1.5e+3}', '{"a": 1.5e3}',
    '{"a": 1.0e-3}', '{"a": -0}', '{"a": -0.0}', '{"a": 12345678901234567890}',
    '{"a": 1, "a": 2}', '{"a":\t1}', '{"a": "\\u00e9"}', '{"a": "\\ud83d\\ude00"}',
    '{"a": "\\/"}', '[1, 2.50, true, null, false]', "100", '"0.5"', "NaN", '{"a": Infinity}',
    '{"a": "é"}', '{"a": "x\u2028y"}', "", "   ", "cpu: 100m", "{cpu: 100m}",
    '{"type": "diurnal", "mean": 120.0, "amplitude": 0.4, "period": "24h"}',
    '{"cpu": "0.0125"}', "[1, 2", "key: [", "- a\n- b", '{"a": .5}', '{"a": 5.}',
])
def test_known_texts(text):
    assert_read_as_yaml_reads(text)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.sampled_from([None, 2]), st.booleans())
def test_json_texts_read_as_yaml_reads_them(value, indent, ascii_only):
    assert_read_as_yaml_reads(json.dumps(value, indent=indent, ensure_ascii=ascii_only))
