"""Tests for kbench.api.quantity: expected values ported from Kubernetes' quantity_test.go, plus properties."""

# The tables below come from k8s.io/apimachinery/pkg/api/resource/quantity_test.go; each block
# names the Go test it was taken from. decQuantity(i, e, format) there is value i * 10**e here.

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbench.api.quantity import (
    BINARY_SI,
    DECIMAL_EXPONENT,
    DECIMAL_SI,
    Quantity,
    cpu_milli,
    format_bytes,
    format_cpu_milli,
    parse_quantity,
    to_int_value,
)
from kbench.errors import QuantityError

SI, BIN, EXP = DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT
MAX_INT64 = 2**63 - 1
FORMAT_WRONG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"


def dec(mantissa: int, exponent: int) -> Fraction:
    """Go's decQuantity value: mantissa * 10**exponent."""
    return Fraction(mantissa) * Fraction(10) ** exponent


# --- The examples of the issue ------------------------------------------------------------

@pytest.mark.parametrize(("text", "value", "fmt", "canonical", "milli"), [
    ("100m", Fraction(1, 10), SI, "100m", 100),
    ("0.5", Fraction(1, 2), SI, "500m", 500),
    ("1Gi", Fraction(2**30), BIN, "1Gi", 2**30 * 1000),
    ("500M", Fraction(500_000_000), SI, "500M", 500_000_000_000),
    ("1e3", Fraction(1000), EXP, "1e3", 1_000_000),
    ("128974848", Fraction(128974848), SI, "128974848", 128974848000),
])
def test_issue_examples(text, value, fmt, canonical, milli):
    q = Quantity.parse(text)
    assert (q.value, q.format, q.canonical(), str(q), q.milli_value()) == (value, fmt, canonical, canonical, milli)
    assert q.int_value() == math.ceil(value)


def test_issue_example_12x_is_an_error():
    with pytest.raises(QuantityError, match=r"'12x'.*quantities must match the regular expression") as info:
        parse_quantity("12x")
    assert FORMAT_WRONG in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(("text", "canonical"), [
    ("1000m", "1"), ("0.5", "500m"), ("1024Mi", "1Gi"), ("1e3", "1e3"), ("1000", "1k"),
    ("1.5Gi", "1536Mi"), ("100m", "100m"), ("0.0000000001", "1n"),
])
def test_canonical_forms_of_the_brief(text, canonical):
    assert Quantity.parse(text).canonical() == canonical


# --- TestQuantityParseZero ------------------------------------------------------------------

def test_parse_zero():
    assert Quantity.parse("0").canonical() == "0"
    assert Quantity.parse("0").format == SI


# --- TestQuantityParseNonNumericPanic -------------------------------------------------------

def test_parse_non_numeric():
    with pytest.raises(QuantityError):
        Quantity.parse("Non-Numeric")


# --- TestQuantityParse: the table of valid inputs (value, format) ---------------------------

PARSE_TABLE = [
    ("0", dec(0, 0), SI), ("0n", dec(0, 0), SI), ("0u", dec(0, 0), SI), ("0m", dec(0, 0), SI),
    ("0Ki", dec(0, 0), BIN), ("0k", dec(0, 0), SI), ("0Mi", dec(0, 0), BIN), ("0M", dec(0, 0), SI),
    ("0Gi", dec(0, 0), BIN), ("0G", dec(0, 0), SI), ("0Ti", dec(0, 0), BIN), ("0T", dec(0, 0), SI),
    # Quantity less numbers are allowed
    ("1", dec(1, 0), SI),
    # Binary suffixes
    ("1Ki", dec(1024, 0), BIN), ("8Ki", dec(8 * 1024, 0), BIN), ("7Mi", dec(7 * 1024**2, 0), BIN),
    ("6Gi", dec(6 * 1024**3, 0), BIN), ("5Ti", dec(5 * 1024**4, 0), BIN), ("4Pi", dec(4 * 1024**5, 0), BIN),
    ("3Ei", dec(3 * 1024**6, 0), BIN), ("10Ti", dec(10 * 1024**4, 0), BIN), ("100Ti", dec(100 * 1024**4, 0), BIN),
    # Decimal suffixes
    ("5n", dec(5, -9), SI), ("4u", dec(4, -6), SI), ("3m", dec(3, -3), SI), ("9", dec(9, 0), SI),
    ("8k", dec(8, 3), SI), ("50k", dec(5, 4), SI), ("7M", dec(7, 6), SI), ("6G", dec(6, 9), SI),
    ("5T", dec(5, 12), SI), ("40T", dec(4, 13), SI), ("300T", dec(3, 14), SI), ("2P", dec(2, 15), SI),
    ("1E", dec(1, 18), SI),
    # Decimal exponents
    ("1E-3", dec(1, -3), EXP), ("1e3", dec(1, 3), EXP), ("1E6", dec(1, 6), EXP), ("1e9", dec(1, 9), EXP),
    ("1E12", dec(1, 12), EXP), ("1e15", dec(1, 15), EXP), ("1E18", dec(1, 18), EXP),
    # Nonstandard but still parsable
    ("1e14", dec(1, 14), EXP), ("1e13", dec(1, 13), EXP), ("1e3", dec(1, 3), EXP),
    ("100.035k", dec(100035, 0), SI),
    # Things that look like floating point
    ("0.001", dec(1, -3), SI), ("0.0005k", dec(5, -1), SI), ("0.005", dec(5, -3), SI),
    ("0.05", dec(5, -2), SI), ("0.5", dec(5, -1), SI), ("0.00050k", dec(5, -1), SI),
    ("0.00500", dec(5, -3), SI), ("0.05000", dec(5, -2), SI), ("0.50000", dec(5, -1), SI),
    ("0.5e0", dec(5, -1), EXP), ("0.5e-1", dec(5, -2), EXP), ("0.5e-2", dec(5, -3), EXP),
    ("0.5e0", dec(5, -1), EXP), ("10.035M", dec(10035, 3), SI),
    ("1.2e3", dec(12, 2), EXP), ("1.3E+6", dec(13, 5), EXP), ("1.40e9", dec(14, 8), EXP),
    ("1.53E12", dec(153, 10), EXP), ("1.6e15", dec(16, 14), EXP), ("1.7E18", dec(17, 17), EXP),
    ("9.01", dec(901, -2), SI), ("8.1k", dec(81, 2), SI), ("7.123456M", dec(7123456, 0), SI),
    ("6.987654321G", dec(6987654321, 0), SI), ("5.444T", dec(5444, 9), SI), ("40.1T", dec(401, 11), SI),
    ("300.2T", dec(3002, 11), SI), ("2.5P", dec(25, 14), SI), ("1.01E", dec(101, 16), SI),
    # Things that saturate/round
    ("3.001n", dec(4, -9), SI), ("1.1E-9", dec(2, -9), EXP), ("0.0000000001", dec(1, -9), SI),
    ("0.0000000005", dec(1, -9), SI), ("0.00000000050", dec(1, -9), SI), ("0.5e-9", dec(1, -9), EXP),
    ("0.9n", dec(1, -9), SI), ("0.00000012345", dec(124, -9), SI), ("0.00000012354", dec(124, -9), SI),
    ("9Ei", Fraction(MAX_INT64), BIN), ("9223372036854775807Ki", Fraction(MAX_INT64), BIN),
    ("12E", dec(12, 18), SI),
    # We'll accept fractional binary stuff, too.
    ("100.035Ki", dec(10243584, -2), BIN), ("0.5Mi", dec(512 * 1024, 0), BIN),
    ("0.05Gi", dec(536870912, -1), BIN), ("0.025Ti", dec(274877906944, -1), BIN),
    # Things written by trolls
    ("0.000000000001Ki", dec(2, -9), SI),  # rounds up, changes format
    (".001", dec(1, -3), SI), (".0001k", dec(100, -3), SI), ("1.", dec(1, 0), SI), ("1.G", dec(1, 9), SI),
]


@pytest.mark.parametrize(("text", "value", "fmt"), PARSE_TABLE)
def test_parse_table(text, value, fmt):
    q = Quantity.parse(text)
    assert (q.value, q.format) == (value, fmt)
    # TestQuantityParse: "Try the negative version of everything" and "with an explicit +".
    negative = Quantity.parse("-" + text)
    assert (negative.value, negative.format) == (-value, fmt)
    positive = Quantity.parse("+" + text)
    assert (positive.value, positive.format) == (value, fmt)


# --- TestQuantityParse: invalid inputs ------------------------------------------------------

@pytest.mark.parametrize("text", [
    "1.1.M", "1+1.0M", "0.1mi", "0.1am", "aoeu", ".5i", "1i", "-3.01i", "-3.01e-",
    # trailing whitespace is forbidden
    " 1", "1 ",
])
def test_parse_invalid_go_table(text):
    with pytest.raises(QuantityError, match="invalid quantity"):
        Quantity.parse(text)


# The brief's bad inputs. Go itself parses a bare suffix such as "Gi" as 0 (apimachinery issue
# #165); kbench follows splitREString, which wants a number, and rejects it.
@pytest.mark.parametrize("value", ["12x", "", "1.2.3", "Gi", "k", "m", "-", "+", " 1", "1 Gi", "--1", "1\n",
                                   "１", "1_000", "e", "1e", "1e+", "1ee3", [], {}, None, True, False,
                                   float("nan"), float("inf"), b"1"])
def test_parse_invalid_brief(value):
    with pytest.raises(QuantityError, match="invalid quantity"):
        Quantity.parse(value)


def test_error_messages_say_what_would_be_right():
    with pytest.raises(QuantityError) as format_error:
        Quantity.parse("1 Gi")
    assert "'1 Gi'" in str(format_error.value) and FORMAT_WRONG in str(format_error.value)
    with pytest.raises(QuantityError) as suffix_error:
        Quantity.parse("0.1mi")  # quantity.go ErrSuffix
    assert "unable to parse quantity's suffix 'mi'" in str(suffix_error.value)
    assert "Ki, Mi, Gi" in str(suffix_error.value)
    with pytest.raises(QuantityError) as type_error:
        Quantity.parse([1])
    assert "not list" in str(type_error.value)


# --- TestParseQuantityString: a number may be just a point ---------------------------------

@pytest.mark.parametrize("text", [".", "-.", "+.", ".Ki", "1.e3"])
def test_point_only_numbers(text):
    # parseQuantityString accepts "." and "-."; ParseQuantity's int64 path reads them as 0.
    assert Quantity.parse(text).value == (1000 if text == "1.e3" else 0)


def test_point_only_number_finer_than_nano_is_a_numeric_error():
    # Past nano Go uses inf.Dec.SetString, which needs a digit: ErrNumeric.
    with pytest.raises(QuantityError, match="unable to parse numeric part of quantity"):
        Quantity.parse("-.e-20")


def test_exponent_suffix_is_int64_then_int32():
    # suffix.go: strconv.ParseInt(s, 10, 64), then int32(parsed) keeps the low 32 bits.
    assert Quantity.parse("1e4294967299").value == 1000
    with pytest.raises(QuantityError, match="suffix"):
        Quantity.parse("1e9223372036854775808")


def test_sub_nano_values_round_up_to_one_nano_without_building_huge_numbers():
    assert Quantity.parse("1e-5000").canonical() == "1e-9"
    assert Quantity.parse("-0." + "0" * 3000 + "1").canonical() == "-1n"
    with pytest.raises(QuantityError, match="kbench handles at most"):
        Quantity.parse("1e2000")


# --- TestQuantityString: canonical forms (value, format) -> expect, alternate ---------------

STRING_TABLE = [
    (dec(1024**3, 0), BIN, "1Gi", "1024Mi"),
    (dec(300 * 1024**2, 0), BIN, "300Mi", "307200Ki"),
    (dec(6 * 1024, 0), BIN, "6Ki", ""),
    (dec(1001 * 1024**3, 0), BIN, "1001Gi", "1025024Mi"),
    (dec(1024**4, 0), BIN, "1Ti", "1024Gi"),
    (dec(5, 0), BIN, "5", "5000m"),
    (dec(500, -3), BIN, "500m", "0.5"),
    (dec(1, 9), SI, "1G", "1000M"),
    (dec(1000, 6), SI, "1G", "0.001T"),
    (dec(1000000, 3), SI, "1G", ""),
    (dec(1000000000, 0), SI, "1G", ""),
    (dec(1, -3), SI, "1m", "1000u"),
    (dec(80, -3), SI, "80m", ""),
    (dec(1080, -3), SI, "1080m", "1.08"),
    (dec(108, -2), SI, "1080m", "1080000000n"),
    (dec(10800, -4), SI, "1080m", ""),
    (dec(300, 6), SI, "300M", ""),
    (dec(1, 12), SI, "1T", ""),
    # DecimalSI has no suffix beyond "E" (10^18): fall back to exponent notation.
    (dec(1, 18), SI, "1E", ""),
    (dec(1, 21), SI, "1e21", "1000E"),
    (dec(5, 21), SI, "5e21", "5000E"),
    (dec(1, 24), SI, "1e24", "1000000E"),
    (dec(1234567, 6), SI, "1234567M", ""),
    (dec(1234567, -3), BIN, "1234567m", ""),
    (dec(3, 3), SI, "3k", ""),
    (dec(1025, 0), BIN, "1025", ""),
    (dec(0, 0), SI, "0", ""),
    (dec(0, 0), BIN, "0", ""),
    (dec(1, 9), EXP, "1e9", ".001e12"),
    (dec(1, -3), EXP, "1e-3", "0.001e0"),
    (dec(1, -9), EXP, "1e-9", "1000e-12"),
    (dec(80, -3), EXP, "80e-3", ""),
    (dec(300, 6), EXP, "300e6", ""),
    (dec(1, 12), EXP, "1e12", ""),
    (dec(1, 3), EXP, "1e3", ""),
    (dec(3, 3), EXP, "3e3", ""),
    (dec(3, 3), SI, "3k", ""),
    (dec(0, 0), EXP, "0", "00"),
    (dec(1, -9), SI, "1n", ""),
    (dec(80, -9), SI, "80n", ""),
    (dec(1080, -9), SI, "1080n", ""),
    (dec(108, -8), SI, "1080n", ""),
    (dec(10800, -10), SI, "1080n", ""),
    (dec(1, -6), SI, "1u", ""),
    (dec(80, -6), SI, "80u", ""),
    (dec(1080, -6), SI, "1080u", ""),
]


@pytest.mark.parametrize(("value", "fmt", "expect", "alternate"), STRING_TABLE)
def test_string_table(value, fmt, expect, alternate):
    assert Quantity(value, fmt).canonical() == expect
    assert Quantity.parse(expect).canonical() == expect
    if alternate:
        assert Quantity.parse(alternate).canonical() == expect
    if value != 0:
        assert Quantity(-value, fmt).canonical() == "-" + expect


# --- TestQuantityParseEmit ------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expect"), [
    ("1Ki", "1Ki"), ("1Mi", "1Mi"), ("1Gi", "1Gi"), ("1024Mi", "1Gi"), ("1000M", "1G"),
    (".001Ki", "1024m"), (".000001Ki", "1024u"), (".000000001Ki", "1024n"), (".000000000001Ki", "2n"),
])
def test_parse_emit(text, expect):
    assert Quantity.parse(text).canonical() == expect
    assert Quantity.parse("-" + text).canonical() == "-" + expect


# --- TestParseQuantity: 18-20 digit values and the int64 edges, with their canonical text ---

@pytest.mark.parametrize(("text", "value", "canonical"), [
    ("-999999999999999999", "-999999999999999999", None),
    ("999999999999999999", "999999999999999999", None),
    ("-999999999999999999.0", "-999999999999999999", "-999999999999999999"),
    ("999999999999999999.0", "999999999999999999", "999999999999999999"),
    ("-999999999999999999.1", "-999999999999999999.1", "-999999999999999999100m"),
    ("999999999999999999.1", "999999999999999999.1", "999999999999999999100m"),
    ("-9999999999999999999", "-9999999999999999999", None),
    ("9999999999999999999", "9999999999999999999", None),
    ("-1E", "-1000000000000000000", None),
    ("1E", "1000000000000000000", None),
    ("-1000000000000000000", "-1000000000000000000", "-1E"),
    ("1000000000000000000", "1000000000000000000", "1E"),
    ("-9999999999999999999.0", "-9999999999999999999", "-9999999999999999999"),
    ("9999999999999999999.0", "9999999999999999999", "9999999999999999999"),
    ("-1.0E", "-1000000000000000000", "-1E"),
    ("1.0E", "1000000000000000000", "1E"),
    ("-1000000000000000000.0", "-1000000000000000000", "-1E"),
    ("1000000000000000000.0", "1000000000000000000", "1E"),
    ("-9999999999999999999000m", "-9999999999999999999", "-9999999999999999999"),
    ("9999999999999999999000m", "9999999999999999999", "9999999999999999999"),
    ("-9999999999999999999.1", "-9999999999999999999.1", "-9999999999999999999100m"),
    ("9999999999999999999.1", "9999999999999999999.1", "9999999999999999999100m"),
    ("-1.0000000000000000001E", "-1000000000000000000.1", "-1000000000000000000100m"),
    ("1.0000000000000000001E", "1000000000000000000.1", "1000000000000000000100m"),
    ("-1000000000000000000.1", "-1000000000000000000.1", "-1000000000000000000100m"),
    ("1000000000000000000.1", "1000000000000000000.1", "1000000000000000000100m"),
    ("-1.000000000000000001E", "-1000000000000000001", "-1000000000000000001"),
    ("1.000000000000000001E", "1000000000000000001", "1000000000000000001"),
    ("-1000000000000000001", "-1000000000000000001", None),
    ("1000000000000000001", "1000000000000000001", None),
    ("-10E", "-10000000000000000000", None),
    ("10E", "10000000000000000000", None),
    ("-10000000000000000000", "-10000000000000000000", "-10E"),
    ("10000000000000000000", "10000000000000000000", "10E"),
    ("-10.0E", "-10000000000000000000", "-10E"),
    ("10.0E", "10000000000000000000", "10E"),
    ("-10000000000000000000.0", "-10000000000000000000", "-10E"),
    ("10000000000000000000.0", "10000000000000000000", "10E"),
    ("-10000000000000000000000m", "-10000000000000000000", "-10E"),
    ("10000000000000000000000m", "10000000000000000000", "10E"),
    ("-10.0000000000000000001E", "-10000000000000000000.1", "-10000000000000000000100m"),
    ("10.0000000000000000001E", "10000000000000000000.1", "10000000000000000000100m"),
    ("-10000000000000000000.1", "-10000000000000000000.1", "-10000000000000000000100m"),
    ("10000000000000000000.1", "10000000000000000000.1", "10000000000000000000100m"),
    ("-10.000000000000000001E", "-10000000000000000001", "-10000000000000000001"),
    ("10.000000000000000001E", "10000000000000000001", "10000000000000000001"),
    ("-10000000000000000001", "-10000000000000000001", None),
    ("10000000000000000001", "10000000000000000001", None),
    ("-9223372036854775809", "-9223372036854775809", None),
    ("9223372036854775806", "9223372036854775806", None),
    ("-9223372036854775809.0", "-9223372036854775809", "-9223372036854775809"),
    ("9223372036854775806.0", "9223372036854775806", "9223372036854775806"),
    ("-9223372036854775809000m", "-9223372036854775809", "-9223372036854775809"),
    ("9223372036854775806000m", "9223372036854775806", "9223372036854775806"),
    ("-9223372036854775809.1", "-9223372036854775809.1", "-9223372036854775809100m"),
    ("9223372036854775806.1", "9223372036854775806.1", "9223372036854775806100m"),
    ("-9223372036854775808", "-9223372036854775808", None),
    ("9223372036854775807", "9223372036854775807", None),
    ("-9223372036854775808.0", "-9223372036854775808", "-9223372036854775808"),
    ("9223372036854775807.0", "9223372036854775807", "9223372036854775807"),
    ("-9223372036854775808000m", "-9223372036854775808", "-9223372036854775808"),
    ("9223372036854775807000m", "9223372036854775807", "9223372036854775807"),
    ("-9223372036854775808.1", "-9223372036854775808.1", "-9223372036854775808100m"),
    ("9223372036854775807.1", "9223372036854775807.1", "9223372036854775807100m"),
    ("-9223372036854775807", "-9223372036854775807", None),
    ("9223372036854775808", "9223372036854775808", None),
    ("-9223372036854775807.0", "-9223372036854775807", "-9223372036854775807"),
    ("9223372036854775808.0", "9223372036854775808", "9223372036854775808"),
    ("-9223372036854775807000m", "-9223372036854775807", "-9223372036854775807"),
    ("9223372036854775808000m", "9223372036854775808", "9223372036854775808"),
    ("-9223372036854775807.1", "-9223372036854775807.1", "-9223372036854775807100m"),
    ("9223372036854775808.1", "9223372036854775808.1", "9223372036854775808100m"),
])
def test_parse_quantity_large_values(text, value, canonical):
    q = Quantity.parse(text)
    assert q.value == Fraction(value)
    assert q.canonical() == (canonical or text)


# --- TestQuantityRoundUp, as milli_value() (scale -3) and value() (scale 0) -----------------

@pytest.mark.parametrize(("text", "milli", "whole"), [
    ("9.01", 9010, 10),
    # Go's RoundUp takes -9.01 away from zero, to -10; value() is the ceiling that
    # ScaledValue documents, so -9 (see the module notes).
    ("-9.01", -9010, -9),
])
def test_round_up(text, milli, whole):
    q = Quantity.parse(text)
    assert (q.milli_value(), q.int_value()) == (milli, whole)


# --- TestScaledValue: NewScaledQuantity(1, from).ScaledValue(Milli and 0) -------------------

@pytest.mark.parametrize(("text", "milli", "whole"), [
    ("1n", 1, 1), ("1u", 1, 1), ("1m", 1, 1), ("1", 1000, 1),
])
def test_scaled_value(text, milli, whole):
    assert (cpu_milli(text), to_int_value(text)) == (milli, whole)


# --- TestMilliNewSet: NewMilliQuantity(value, format).String() ------------------------------

@pytest.mark.parametrize(("milli", "fmt", "expect", "exact"), [
    (1, SI, "1m", True), (1000, SI, "1", True), (1234000, SI, "1234", True),
    (1024, BIN, "1024m", False),  # Format changes
    (1024 * 1024, BIN, "1048576m", False),  # Format changes
])
def test_milli_new_set(milli, fmt, expect, exact):
    assert Quantity(Fraction(milli, 1000), fmt).canonical() == expect
    if fmt == SI:
        assert format_cpu_milli(milli) == expect
    if exact:
        assert cpu_milli(expect) == milli


# --- TestNewSet: NewQuantity(value, format).String() ----------------------------------------

@pytest.mark.parametrize(("number", "fmt", "expect"), [
    (1, SI, "1"), (1000, SI, "1k"), (1234000, SI, "1234k"), (1024, BIN, "1Ki"), (1024 * 1024, BIN, "1Mi"),
])
def test_new_set(number, fmt, expect):
    assert Quantity(Fraction(number), fmt).canonical() == expect
    if fmt == BIN:
        assert format_bytes(number) == expect
    assert to_int_value(expect) == number


# --- TestNewScaledSet: NewScaledQuantity(value, scale).String() -----------------------------

@pytest.mark.parametrize(("number", "scale", "expect"), [
    (1, -9, "1n"), (1000, -9, "1u"), (1, -6, "1u"), (1000, -6, "1m"), (1, -3, "1m"), (1000, -3, "1"),
    (1, 0, "1"), (0, -9, "0"), (0, -6, "0"), (0, -3, "0"), (0, 0, "0"),
])
def test_new_scaled_set(number, scale, expect):
    assert Quantity(dec(number, scale), SI).canonical() == expect
    assert Quantity.parse(expect).value == dec(number, scale)


# --- TestQuantityCmp and TestQuantityNeg ----------------------------------------------------

@pytest.mark.parametrize(("x", "y", "expect"), [
    ("0", "0", 0), ("100m", "50m", 1), ("50m", "100m", -1), ("10000T", "100Gi", 1),
])
def test_cmp(x, y, expect):
    a, b = Quantity.parse(x), Quantity.parse(y)
    assert (a > b) - (a < b) == expect
    assert (a == b) == (expect == 0)


def test_neg():
    assert Quantity(-dec(901, -2), SI).canonical() == "-9010m"


def test_equal_values_are_equal_and_hash_alike_whatever_the_format():
    one_k = [Quantity.parse(text) for text in ("1k", "1000", "1e3", "1000000m", "1000.0")]
    assert len(set(one_k)) == 1
    assert sorted(map(Quantity.parse, ["1Gi", "1k", "100m", "-1"])) == [
        Quantity.parse(text) for text in ("-1", "100m", "1k", "1Gi")]


# --- TestStringQuantityAsApproximateFloat64, as exact values --------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("2Ki", Fraction(2048)), ("1.1Ki", Fraction("1126.4")), ("1Mi", Fraction(1048576)), ("2Gi", Fraction(2147483648)),
])
def test_exact_values(text, value):
    assert Quantity.parse(text).value == value


# --- Numbers as YAML gives them ------------------------------------------------------------

@pytest.mark.parametrize(("number", "canonical", "fmt"), [
    (0.5, "500m", SI), (2.0, "2", SI), (1, "1", SI), (-3, "-3", SI), (128974848, "128974848", SI),
    (0.00005, "50u", SI),  # encoding/json writes 0.00005, not 5e-05
    (1e-7, "100e-9", EXP),  # ... but 1e-7
    (1e20, "100E", SI), (1e21, "1e21", EXP), (0.0, "0", SI), (-0.25, "-250m", SI),
])
def test_numbers_from_yaml(number, canonical, fmt):
    q = Quantity.parse(number)
    assert (q.canonical(), q.format) == (canonical, fmt)
    assert q.value == Fraction(str(number))


def test_module_functions():
    assert cpu_milli("0.5") == 500 and cpu_milli(2) == 2000 and cpu_milli("1.0001") == 1001
    assert to_int_value("1.5") == 2 and to_int_value("1Gi") == 2**30
    assert format_cpu_milli(1500) == "1500m" and format_cpu_milli(2000) == "2" and format_cpu_milli(0) == "0"
    assert format_bytes(1073741824) == "1Gi" and format_bytes(500000000) == "500000000"
    assert format_bytes(1536 * 2**20) == "1536Mi" and format_bytes(1000) == "1k"  # under 1024: DecimalSI
    assert parse_quantity(Quantity.parse("1Gi")) == Quantity.parse("1024Mi")
    assert Quantity.parse("1.5").int_value() == 2 and Quantity.parse("1.5").value == Fraction(3, 2)
    with pytest.raises(QuantityError):
        format_bytes(1.5)
    with pytest.raises(QuantityError):
        Quantity(Fraction(1, 3))  # not a decimal
    with pytest.raises(QuantityError):
        Quantity(Fraction(1), "Binary")


# --- Properties ----------------------------------------------------------------------------

DECIMAL_POWERS = {"": 0, "n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
BINARY_POWERS = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
ALL_SUFFIXES = [*DECIMAL_POWERS, *BINARY_POWERS]
suffixes = st.one_of(st.sampled_from(ALL_SUFFIXES),
                     st.builds(lambda e, sign, exponent: f"{e}{sign}{exponent}",
                               st.sampled_from("eE"), st.sampled_from(["", "+", "-"]), st.integers(0, 30)))
signs = st.sampled_from(["", "+", "-"])
integer_quantities = st.builds(lambda sign, mantissa, suffix: f"{sign}{mantissa}{suffix}",
                               signs, st.integers(0, 10**22), suffixes)
decimal_quantities = st.builds(lambda sign, whole, fraction, suffix: f"{sign}{whole}.{fraction}{suffix}",
                               signs, st.integers(0, 10**6), st.from_regex(r"[0-9]{0,14}", fullmatch=True),
                               suffixes)
INT64 = st.integers(-MAX_INT64, MAX_INT64)


@settings(deadline=None)
@given(integer_quantities)
def test_canonical_parses_back_to_the_same_quantity(text):
    q = Quantity.parse(text)
    again = Quantity.parse(q.canonical())
    assert again == q
    assert again.canonical() == q.canonical()


@settings(deadline=None)
@given(st.one_of(integer_quantities, decimal_quantities))
def test_value_is_the_exact_decimal_rounded_away_from_zero_to_a_nano(text):
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    suffix = body.lstrip("0123456789.")
    number = Fraction(body[:len(body) - len(suffix)])
    if suffix in BINARY_POWERS:
        exact = number * 2 ** BINARY_POWERS[suffix]
    elif suffix in DECIMAL_POWERS:
        exact = number * Fraction(10) ** DECIMAL_POWERS[suffix]
    else:  # e<exponent>
        exact = number * Fraction(10) ** int(suffix[1:])
    nanos = math.ceil(exact * 10**9)
    if suffix in BINARY_POWERS:
        nanos = min(nanos, MAX_INT64 * 10**9)  # the BinarySI cap
    assert Quantity.parse(text).value == sign * Fraction(nanos, 10**9)


@settings(deadline=None)
@given(st.one_of(integer_quantities, decimal_quantities))
def test_milli_value_is_the_ceiling_of_a_thousand_times_the_value(text):
    q = Quantity.parse(text)
    assert q.milli_value() == -((-q.value.numerator * 1000) // q.value.denominator)
    assert q.int_value() == -(-q.value.numerator // q.value.denominator)


@given(INT64)
def test_cpu_milli_round_trips_format_cpu_milli(milli):
    assert cpu_milli(format_cpu_milli(milli)) == milli


# Beyond +-(2**63 - 1) the text would parse back capped (the BinarySI cap), as in Go.
@given(st.one_of(INT64, st.integers(-(2**42), 2**42).map(lambda n: n * 1024**2)))
def test_to_int_value_round_trips_format_bytes(count):
    assert to_int_value(format_bytes(count)) == count
