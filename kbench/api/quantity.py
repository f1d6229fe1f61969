"""Kubernetes resource quantities ("500m", "1.5Gi", "1e3"): exact parsing, canonical printing and rounding."""

# Ported from Kubernetes (Go), k8s.io/apimachinery/pkg/api/resource:
#   quantity.go   ParseQuantity, parseQuantityString, CanonicalizeBytes, Value, MilliValue
#   suffix.go     the suffix tables and interpret/constructBytes
#   amount.go     AsCanonicalBytes, AsCanonicalBase1024Bytes (how the canonical form is chosen)
#   math.go       maxAllowed (the BinarySI cap), removeInt64Factors
#
# Values are exact: a Quantity holds a Fraction, never a float. Every parsed value is a whole
# number of nano-units (quantity.go rounds finer values away from zero), so the Fraction's
# denominator always divides 10**9.
#
# Where kbench differs from Go, on purpose:
#   * A number with no digits and no point ("Gi", "k", "-") is rejected with Kubernetes' own
#     message: it does not match the documented expression splitREString. Go's fast scanner
#     lets such text through and parses it as 0 (kubernetes/apimachinery issue #165).
#   * Value()/MilliValue() are the exact ceiling, as ScaledValue documents, for negative
#     quantities too, and never overflow; Go's int64 results round negatives away from zero
#     (or worse, depending on its internal representation) and wrap above 2**63.
#   * kbench refuses numbers with more than 1000 significant digits or a magnitude of 1e1000
#     or more (Go's inf.Dec has no such limit, but nothing real needs them and Python would
#     have to build 10**exponent in full).

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from fractions import Fraction

from kbench.errors import QuantityError

__all__ = [
    "BINARY_SI",
    "DECIMAL_EXPONENT",
    "DECIMAL_SI",
    "Quantity",
    "cpu_milli",
    "format_bytes",
    "format_cpu_milli",
    "parse_quantity",
    "to_int_value",
]

# The three formats (quantity.go: type Format).
DECIMAL_EXPONENT = "DecimalExponent"  # e.g. 12e6
BINARY_SI = "BinarySI"                # e.g. 12Mi (12 * 2**20)
DECIMAL_SI = "DecimalSI"              # e.g. 12M  (12 * 10**6)
_FORMATS = (DECIMAL_EXPONENT, BINARY_SI, DECIMAL_SI)

# suffix.go newSuffixer: decimal suffix -> power of ten, binary suffix -> power of two.
_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_SUFFIX_FOR = {exponent: suffix for suffix, exponent in _DECIMAL_SUFFIXES.items()}
_BINARY_SUFFIX_FOR = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]  # index: power of 1024

# quantity.go splitREString and its error texts (ErrFormatWrong, ErrNumeric, ErrSuffix).
_SPLIT_RE_STRING = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
_ERR_FORMAT_WRONG = f"quantities must match the regular expression '{_SPLIT_RE_STRING}'"
_ERR_NUMERIC = "unable to parse numeric part of quantity"
_ERR_SUFFIX = "unable to parse quantity's suffix"
_EXAMPLES = "for example '500m', '0.5', '1Gi', '128974848' or '1e3'"

# parseQuantityString's grammar: sign, digits, optional point and digits, then suffix letters, an
# optional sign and digits. The lookahead adds splitREString's rule that the number is not empty.
_QUANTITY_RE = re.compile(r"([+-]?)(?=[0-9.])([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[+-]?[0-9]*)")
# suffix.go interpret: "e"/"E" then what strconv.ParseInt(s, 10, 64) accepts.
_EXPONENT_RE = re.compile(r"[eE]([+-]?[0-9]+)")

_NANO = 10**9
_MAX_INT64 = 2**63 - 1  # math.go maxAllowed: the cap on a parsed BinarySI quantity
_MAX_DIGITS = 1000      # kbench's own limit, see the note at the top


@functools.total_ordering
@dataclass(frozen=True, eq=False)
class Quantity:
    """A Kubernetes resource.Quantity: an exact decimal ``value`` and the ``format`` it prints in.

    Quantities compare, order and hash by value alone, like Go's Cmp and Equal, so
    ``Quantity.parse("1k") == Quantity.parse("1000")`` although they print differently.
    ``q.value`` is the exact Fraction; ``q.int_value()`` is its ceiling (Go's Value()).
    """

    value: Fraction
    format: str = DECIMAL_SI

    def __post_init__(self) -> None:
        if self.format not in _FORMATS:
            raise QuantityError(f"invalid quantity format {self.format!r}: must be one of {', '.join(_FORMATS)}")
        value = self.value
        if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
            raise QuantityError(f"invalid quantity value {value!r}: must be an int or a Fraction")
        if not _is_decimal(Fraction(value)):
            raise QuantityError(f"invalid quantity value {value}: a quantity is a decimal number, "
                                "so its denominator may only have the factors 2 and 5")
        object.__setattr__(self, "value", Fraction(value))

    @classmethod
    def parse(cls, value: object) -> Quantity:
        """The quantity a manifest value denotes: a string, an int, or a float as YAML gives for ``cpu: 0.5``.

        Strings follow quantity.go ParseQuantity exactly (no surrounding whitespace allowed).
        A float is read the way Kubernetes reads a JSON number: as the shortest decimal text that
        gives back the same float, written as Go's encoding/json writes it. Raises QuantityError.
        """
        if isinstance(value, Quantity):
            return value
        if isinstance(value, str):
            return _parse_text(value)
        if isinstance(value, bool):  # a bool is an int in Python, but not a number in YAML
            raise QuantityError(f"invalid quantity {value!r}: a quantity is a string or a number, not a boolean "
                                f"({_EXAMPLES})")
        if isinstance(value, int):
            if value.bit_length() > 4 * _MAX_DIGITS:  # str() of it could fail, and it is over the limit anyway
                raise QuantityError(f"invalid quantity: an integer of {value.bit_length()} bits is more than "
                                    f"kbench handles (at most {_MAX_DIGITS} digits)")
            return _parse_text(str(value))
        if isinstance(value, float):
            return _parse_text(_float_text(value))
        raise QuantityError(f"invalid quantity {value!r}: a quantity is a string or a number, "
                            f"not {type(value).__name__} ({_EXAMPLES})")

    def int_value(self) -> int:
        """The value rounded up to a whole number: quantity.go Value(), ceil(q)."""
        return math.ceil(self.value)

    def milli_value(self) -> int:
        """The value in thousandths, rounded up: quantity.go MilliValue, ceil(q * 1000)."""
        return math.ceil(self.value * 1000)

    def canonical(self) -> str:
        """The text Kubernetes prints for this quantity: quantity.go String() / CanonicalizeBytes."""
        value = self.value
        if value == 0:
            return "0"
        fmt = self.format
        # CanonicalizeBytes: BinarySI is only used for a whole number of at least 1024 in
        # magnitude; anything else would need rounding, so it is shown as DecimalSI.
        if fmt == BINARY_SI and (-1024 < value < 1024 or value.denominator != 1):
            fmt = DECIMAL_SI
        if fmt == BINARY_SI:
            # amount.go AsCanonicalBase1024Bytes: take out as many factors of 1024 as possible.
            # Go has no suffix past Ei (it would print 2**70 as "1"); parsing caps BinarySI below
            # 8Ei, so kbench just stops at Ei for a value built by hand.
            number, power = value.numerator, 0
            while number % 1024 == 0 and power < len(_BINARY_SUFFIX_FOR) - 1:
                number //= 1024
                power += 1
            return f"{number}{_BINARY_SUFFIX_FOR[power]}"
        # amount.go AsCanonicalBytes: mantissa * 10**exponent with no trailing zeros in the
        # mantissa, then the exponent lowered to a multiple of 3.
        mantissa, exponent = _decimal_parts(value)
        while exponent % 3:
            mantissa *= 10
            exponent -= 1
        # suffix.go constructBytes; quantity.go CanonicalizeBytes falls back to "e<exponent>"
        # when DecimalSI has no suffix for the exponent (past E, or finer than n).
        suffix = _DECIMAL_SUFFIX_FOR.get(exponent) if fmt == DECIMAL_SI else None
        if suffix is None:
            suffix = f"e{exponent}" if exponent else ""
        return f"{mantissa}{suffix}"

    def __str__(self) -> str:
        return self.canonical()

    def __repr__(self) -> str:
        return f"Quantity(value=Fraction({self.value.numerator}, {self.value.denominator}), format={self.format!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.value == other.value

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.value < other.value

    def __hash__(self) -> int:
        return hash(self.value)


def parse_quantity(value: object) -> Quantity:
    """Quantity.parse: the quantity a string, int or YAML float denotes. Raises QuantityError."""
    return Quantity.parse(value)


def cpu_milli(value: object) -> int:
    """A CPU amount in millicores, rounded up: ``cpu_milli("0.5") == 500``. Raises QuantityError."""
    return Quantity.parse(value).milli_value()


def to_int_value(value: object) -> int:
    """A whole-number amount (memory or storage bytes, pods, extended resources), rounded up like Go's Value()."""
    return Quantity.parse(value).int_value()


def format_cpu_milli(milli: int) -> str:
    """How Kubernetes prints a CPU amount of ``milli`` millicores: NewMilliQuantity(milli, DecimalSI).String()."""
    if isinstance(milli, bool) or not isinstance(milli, int):
        raise QuantityError(f"invalid millicore count {milli!r}: must be an int")
    return Quantity(Fraction(milli, 1000), DECIMAL_SI).canonical()


def format_bytes(count: int) -> str:
    """How Kubernetes prints ``count`` bytes: NewQuantity(count, BinarySI).String().

    ``format_bytes(2**30) == "1Gi"`` but ``format_bytes(500_000_000) == "500000000"``: BinarySI
    only uses a suffix that divides the number exactly.
    """
    if isinstance(count, bool) or not isinstance(count, int):
        raise QuantityError(f"invalid byte count {count!r}: must be an int")
    return Quantity(Fraction(count), BINARY_SI).canonical()


@functools.lru_cache(maxsize=4096)
def _parse_text(text: str) -> Quantity:
    """quantity.go ParseQuantity."""
    match = _QUANTITY_RE.fullmatch(text)
    if match is None:
        raise QuantityError(f"invalid quantity {_shown(text)}: {_ERR_FORMAT_WRONG} ({_EXAMPLES})")
    sign, whole, fraction, suffix = match.group(1), match.group(2), match.group(3) or "", match.group(4)
    base, exponent, fmt = _interpret_suffix(text, suffix)
    if not (whole or fraction) and base == 10 and exponent < -9:
        # Go parses a digitless number ("." or "-.") as 0 on its int64 fast path, but a scale
        # finer than nano sends it to inf.Dec.SetString, which needs a digit.
        raise QuantityError(f"invalid quantity {_shown(text)}: {_ERR_NUMERIC}; the number has no digits")

    # The exact value is int(digits) * 10**exp10 * 2**exp2.
    digits = (whole + fraction).lstrip("0")
    exp10 = (exponent if base == 10 else 0) - len(fraction)
    exp2 = exponent if base == 2 else 0
    significant = digits.rstrip("0")
    exp10 += len(digits) - len(significant)
    if len(significant) > _MAX_DIGITS or len(significant) + exp10 > _MAX_DIGITS:
        raise QuantityError(f"invalid quantity {_shown(text)}: kbench handles at most {_MAX_DIGITS} significant "
                            f"digits and magnitudes below 1e{_MAX_DIGITS}")
    coefficient = int(significant or "0") << exp2

    # ParseQuantity: "This rounds non-zero values up to the minimum representable value" (nano),
    # away from zero (inf.RoundUp on the magnitude).
    shift = exp10 + 9
    if shift >= 0:
        nanos = coefficient * 10**shift
    elif -shift > coefficient.bit_length():  # 10**-shift > coefficient: less than one nano
        nanos = 1 if coefficient else 0
    else:
        nanos = -(-coefficient // 10**-shift)
    if fmt == BINARY_SI:
        # "The max is just a simple cap" at maxAllowed (2**63 - 1), for BinarySI only.
        nanos = min(nanos, _MAX_INT64 * _NANO)
        # A BinarySI amount strictly between 0 and 1 becomes DecimalSI ("avoids rounding").
        if 0 < nanos < _NANO:
            fmt = DECIMAL_SI
    if sign == "-":
        nanos = -nanos
    return Quantity(Fraction(nanos, _NANO), fmt)


def _interpret_suffix(text: str, suffix: str) -> tuple[int, int, str]:
    """suffix.go interpret: (base, exponent, format) of a suffix, tables first."""
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], BINARY_SI
    match = _EXPONENT_RE.fullmatch(suffix)
    if match is not None and -(2**63) <= int(match.group(1)) <= _MAX_INT64:
        # int32(parsed): Go keeps the low 32 bits of the int64 exponent.
        exponent = (int(match.group(1)) + 2**31) % 2**32 - 2**31
        return 10, exponent, DECIMAL_EXPONENT
    raise QuantityError(f"invalid quantity {_shown(text)}: {_ERR_SUFFIX} {suffix!r}; a suffix is one of "
                        "n, u, m, k, M, G, T, P, E (powers of 1000), Ki, Mi, Gi, Ti, Pi, Ei (powers of 1024), "
                        "or e/E and an integer exponent")


def _float_text(number: float) -> str:
    """The text Kubernetes parses for a float such as YAML's ``cpu: 0.5``.

    The manifest reaches the API server as JSON, and Go's encoding/json (floatEncoder) writes a
    float64 as the shortest decimal that reads back as the same float: plain notation for
    1e-6 <= |x| < 1e21, otherwise exponent notation with "e-07" shortened to "e-7".
    """
    if not math.isfinite(number):
        raise QuantityError(f"invalid quantity {number!r}: a quantity must be a finite number ({_EXAMPLES})")
    if number == 0:
        return "0"
    # repr gives the same shortest round-trip digits as Go's strconv with precision -1.
    mantissa, _, exp = repr(abs(number)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    exponent = int(exp or "0") - len(fraction)
    significant = digits.rstrip("0")
    exponent += len(digits) - len(significant)
    point = len(significant) + exponent  # |number| == 0.<significant> * 10**point
    sign = "-" if number < 0 else ""
    if -5 <= point <= 21:  # 1e-6 <= |number| < 1e21
        if exponent >= 0:
            return f"{sign}{significant}{'0' * exponent}"
        if point > 0:
            return f"{sign}{significant[:point]}.{significant[point:]}"
        return f"{sign}0.{'0' * -point}{significant}"
    rest = f".{significant[1:]}" if len(significant) > 1 else ""
    adjusted = point - 1
    exp_text = f"-{-adjusted}" if adjusted < 0 else f"+{adjusted:02d}"
    return f"{sign}{significant[0]}{rest}e{exp_text}"


def _decimal_parts(value: Fraction) -> tuple[int, int]:
    """(mantissa, exponent) with value == mantissa * 10**exponent and no trailing zero in mantissa."""
    exponent = 0
    while (value * 10**-exponent).denominator != 1:
        exponent -= 1
    mantissa = int(value * 10**-exponent)
    while mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    return mantissa, exponent


def _is_decimal(value: Fraction) -> bool:
    """Whether value has a finite decimal expansion (its denominator is 2**a * 5**b)."""
    denominator = value.denominator
    for factor in (2, 5):
        while denominator % factor == 0:
            denominator //= factor
    return denominator == 1


def _shown(text: str) -> str:
    """text quoted for an error message, shortened if very long."""
    return repr(text if len(text) <= 60 else text[:57] + "...")
