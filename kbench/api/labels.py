"""Kubernetes labels and label selectors: validation, matching, the kubectl `-l` parser, and node affinity terms."""

# Ported from Kubernetes (Go):
#   k8s.io/apimachinery/pkg/util/validation/validation.go   name and label value rules
#   k8s.io/apimachinery/pkg/labels/selector.go              Requirement, selector, lexer, parser
#   k8s.io/apimachinery/pkg/apis/meta/v1/helpers.go         LabelSelectorAsSelector
#   k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go   ValidateLabelSelector, ValidateLabels
#   k8s.io/apimachinery/pkg/util/validation/field/errors.go field error wording
#   k8s.io/component-helpers/scheduling/corev1/nodeaffinity/nodeaffinity.go   node selector terms

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from kbench.errors import SelectorError

__all__ = [
    "LabelSelector",
    "Requirement",
    "dns1123_label_errors",
    "dns1123_subdomain_errors",
    "label_value_errors",
    "node_selector_matches",
    "node_selector_term_matches",
    "parse_selector",
    "qualified_name_errors",
    "selector_from_dict",
    "validate_labels",
]


# ---------------------------------------------------------------------------
# Name and value validation (pkg/util/validation/validation.go)
# ---------------------------------------------------------------------------

_QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QUALIFIED_NAME_ERR = ("must consist of alphanumeric characters, '-', '_' or '.', "
                       "and must start and end with an alphanumeric character")
_QUALIFIED_NAME_MAX = 63

_LABEL_VALUE_FMT = f"({_QUALIFIED_NAME_FMT})?"
_LABEL_VALUE_ERR = ("a valid label must be an empty string or consist of alphanumeric characters, "
                    "'-', '_' or '.', and must start and end with an alphanumeric character")
_LABEL_VALUE_MAX = 63

_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL_ERR = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
                      "or '-', and must start and end with an alphanumeric character")
_DNS1123_LABEL_MAX = 63

_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + r"(\." + _DNS1123_LABEL_FMT + ")*"
_DNS1123_SUBDOMAIN_ERR = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                          "characters, '-' or '.', and must start and end with an alphanumeric character")
_DNS1123_SUBDOMAIN_MAX = 253

# Go's regexp.MatchString("^...$") matches the whole string; re.fullmatch does the same
# (a bare "$" in Python would also accept a trailing newline).
_QUALIFIED_NAME_RE = re.compile(_QUALIFIED_NAME_FMT)
_LABEL_VALUE_RE = re.compile(_LABEL_VALUE_FMT)
_DNS1123_LABEL_RE = re.compile(_DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN_RE = re.compile(_DNS1123_SUBDOMAIN_FMT)


def _byte_len(value: str) -> int:
    """Go's len(string) counts UTF-8 bytes, not characters."""
    return len(value.encode("utf-8"))


def _max_len_error(length: int) -> str:
    # validation.go: MaxLenError
    return f"must be no more than {length} characters"


def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    # validation.go: RegexError (the double space in "',  or '" is Kubernetes' own)
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    msg += " (e.g. "
    for i, example in enumerate(examples):
        if i > 0:
            msg += " or "
        msg += f"'{example}', "
    return msg + f"regex used for validation is '{fmt}')"


def qualified_name_errors(key: str) -> list[str]:
    """Errors for a label key / qualified name such as ``app.kubernetes.io/name`` (IsQualifiedName)."""
    errs: list[str] = []
    parts = key.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in dns1123_subdomain_errors(prefix))
    else:
        return [
            "a qualified name "
            + _regex_error(_QUALIFIED_NAME_ERR, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif _byte_len(name) > _QUALIFIED_NAME_MAX:
        errs.append("name part " + _max_len_error(_QUALIFIED_NAME_MAX))
    if not _QUALIFIED_NAME_RE.fullmatch(name):
        errs.append("name part " + _regex_error(_QUALIFIED_NAME_ERR, _QUALIFIED_NAME_FMT,
                                                "MyName", "my.name", "123-abc"))
    return errs


def label_value_errors(value: str) -> list[str]:
    """Errors for a label value; the empty string is valid (IsValidLabelValue)."""
    errs: list[str] = []
    if _byte_len(value) > _LABEL_VALUE_MAX:
        errs.append(_max_len_error(_LABEL_VALUE_MAX))
    if not _LABEL_VALUE_RE.fullmatch(value):
        errs.append(_regex_error(_LABEL_VALUE_ERR, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def dns1123_subdomain_errors(name: str) -> list[str]:
    """Errors for an RFC 1123 subdomain such as ``example.com`` (IsDNS1123Subdomain)."""
    errs: list[str] = []
    if _byte_len(name) > _DNS1123_SUBDOMAIN_MAX:
        errs.append(_max_len_error(_DNS1123_SUBDOMAIN_MAX))
    if not _DNS1123_SUBDOMAIN_RE.fullmatch(name):
        errs.append(_regex_error(_DNS1123_SUBDOMAIN_ERR, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def dns1123_label_errors(name: str) -> list[str]:
    """Errors for an RFC 1123 label such as ``my-name`` (IsDNS1123Label)."""
    errs: list[str] = []
    if _byte_len(name) > _DNS1123_LABEL_MAX:
        errs.append(_max_len_error(_DNS1123_LABEL_MAX))
    if not _DNS1123_LABEL_RE.fullmatch(name):
        if _DNS1123_SUBDOMAIN_RE.fullmatch(name):
            # A valid subdomain but not a valid label: with the length checked, it must be dots.
            errs.append("must not contain dots")
        else:
            errs.append(_regex_error(_DNS1123_LABEL_ERR, _DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


# ---------------------------------------------------------------------------
# Field errors (pkg/util/validation/field/errors.go, path.go)
# ---------------------------------------------------------------------------

def _go_repr(value: object) -> str:
    """A bad value printed the way field.Error prints it (%q for strings, %#v for slices)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return "[]string{" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "}"
    return repr(value)


def _invalid(value: object, detail: str) -> str:
    return f"Invalid value: {_go_repr(value)}: {detail}"


def _unsupported(value: object, supported: list[str]) -> str:
    return f"Unsupported value: {_go_repr(value)}: supported values: " + ", ".join(
        json.dumps(s) for s in supported)


def _child(path: str, name: str) -> str:
    """field.Path.Child / Index / Key: join a path and a child part ("x" or "[0]")."""
    if not path:
        return name
    if not name:
        return path
    return path + name if name.startswith("[") else f"{path}.{name}"


def _selector_error(errors: list[tuple[str, str]], prefix: str = "") -> SelectorError:
    """A SelectorError for (path, body) pairs, worded like field.ErrorList.ToAggregate().

    The error carries ``field`` (path of the first problem), ``reason`` (its text without the
    path) and ``errors`` (every problem as "path: body").
    """
    messages: list[str] = []
    for path, body in errors:
        message = f"{path}: {body}" if path else body
        if message not in messages:  # ToAggregate drops duplicates
            messages.append(message)
    text = messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]"
    err = SelectorError(prefix + text)
    err.field = errors[0][0] or None
    err.reason = errors[0][1]
    err.errors = messages
    return err


# ---------------------------------------------------------------------------
# Requirements and selectors (pkg/labels/selector.go)
# ---------------------------------------------------------------------------

IN, NOT_IN, EXISTS, DOES_NOT_EXIST = "In", "NotIn", "Exists", "DoesNotExist"
EQUALS, DOUBLE_EQUALS, NOT_EQUALS = "=", "==", "!="
GREATER_THAN, LESS_THAN = "Gt", "Lt"
OPERATORS = (IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, GREATER_THAN, LESS_THAN,
             EXISTS, DOES_NOT_EXIST)

_INT64_RE = re.compile(r"[+-]?[0-9]+")


def _parse_int64(text: str) -> int | None:
    """strconv.ParseInt(text, 10, 64), or None where Go returns an error."""
    if not _INT64_RE.fullmatch(text):
        return None
    number = int(text)
    return number if -(2 ** 63) <= number < 2 ** 63 else None


def _requirement_errors(key: object, operator: object, values: object) -> list[tuple[str, str]]:
    """What NewRequirement rejects, as (path relative to the requirement, body) pairs."""
    errs: list[tuple[str, str]] = []
    if not isinstance(key, str):
        return [("key", _invalid(key, "must be a string"))]
    if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple)) or not all(
            isinstance(v, str) for v in values):
        return [("values", _invalid(values, "must be a list of strings"))]
    key_errs = qualified_name_errors(key)
    if key_errs:
        errs.append(("key", _invalid(key, "; ".join(key_errs))))
    if operator in (IN, NOT_IN):
        if not values:
            errs.append(("values", _invalid(list(values), "for 'in', 'notin' operators, values set can't be empty")))
    elif operator in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS):
        if len(values) != 1:
            errs.append(("values", _invalid(list(values), "exact-match compatibility requires one single value")))
    elif operator in (EXISTS, DOES_NOT_EXIST):
        if values:
            errs.append(("values", _invalid(list(values), "values set must be empty for exists and does not exist")))
    elif operator in (GREATER_THAN, LESS_THAN):
        if len(values) != 1:
            errs.append(("values", _invalid(list(values), "for 'Gt', 'Lt' operators, exactly one value is required")))
        for i, value in enumerate(values):
            if _parse_int64(value) is None:
                errs.append((f"values[{i}]", _invalid(value, "for 'Gt', 'Lt' operators, the value must be an integer")))
    else:
        errs.append(("operator", _unsupported(operator, list(OPERATORS))))
    for i, value in enumerate(values):
        value_errs = label_value_errors(value)
        if value_errs:
            errs.append((f"values[{i}]", _invalid(value, "; ".join(value_errs))))
    return errs


@dataclass(frozen=True)
class Requirement:
    """One term of a label selector: ``key``, ``operator`` (one of OPERATORS), sorted ``values``.

    Built like labels.NewRequirement: invalid combinations raise SelectorError. Values are
    stored sorted and without duplicates (Kubernetes treats them as a set).
    """

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def __post_init__(self):
        errs = _requirement_errors(self.key, self.operator, self.values)
        if errs:
            raise _selector_error(errs)
        object.__setattr__(self, "values", tuple(sorted(set(self.values))))

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Requirement.Matches: NotIn and != also match when the key is absent."""
        op = self.operator
        if op in (IN, EQUALS, DOUBLE_EQUALS):
            return self.key in labels and labels[self.key] in self.values
        if op in (NOT_IN, NOT_EQUALS):
            return self.key not in labels or labels[self.key] not in self.values
        if op == EXISTS:
            return self.key in labels
        if op == DOES_NOT_EXIST:
            return self.key not in labels
        # Gt / Lt: the label must exist and parse as a 64-bit integer.
        if self.key not in labels:
            return False
        have = _parse_int64(labels[self.key])
        if have is None:
            return False
        want = int(self.values[0])
        return have > want if op == GREATER_THAN else have < want

    def __str__(self) -> str:
        """Requirement.String: ``!k``, ``k``, ``k=v``, ``k==v``, ``k!=v``, ``k>v``, ``k<v``, ``k in (a,b)``."""
        if self.operator == DOES_NOT_EXIST:
            return "!" + self.key
        if self.operator == EXISTS:
            return self.key
        joined = ",".join(self.values)
        if self.operator in (IN, NOT_IN):
            word = "in" if self.operator == IN else "notin"
            return f"{self.key} {word} ({joined})"
        symbol = {GREATER_THAN: ">", LESS_THAN: "<"}.get(self.operator, self.operator)
        return f"{self.key}{symbol}{joined}"


@dataclass(frozen=True)
class LabelSelector:
    """An AND of requirements, kept sorted by key (stable), like labels.internalSelector.

    ``LabelSelector()`` matches everything; ``LabelSelector.nothing()`` (matches_nothing=True)
    matches nothing, as a nil *metav1.LabelSelector does.
    """

    requirements: tuple[Requirement, ...] = ()
    matches_nothing: bool = False

    def __post_init__(self):
        reqs = () if self.matches_nothing else tuple(sorted(self.requirements, key=lambda r: r.key))
        object.__setattr__(self, "requirements", reqs)

    @classmethod
    def everything(cls) -> "LabelSelector":
        """labels.Everything(): matches every label set."""
        return cls()

    @classmethod
    def nothing(cls) -> "LabelSelector":
        """labels.Nothing(): matches no label set."""
        return cls(matches_nothing=True)

    @classmethod
    def from_set(cls, labels: Mapping[str, str]) -> "LabelSelector":
        """labels.ValidatedSelectorFromSet: ``key=value`` for every pair; {} matches everything."""
        return cls(tuple(Requirement(k, EQUALS, (v,)) for k, v in labels.items()))

    @property
    def empty(self) -> bool:
        """True if the selector does not restrict anything (Selector.Empty)."""
        return not self.matches_nothing and not self.requirements

    def add(self, *requirements: Requirement) -> "LabelSelector":
        """Selector.Add: a new selector with more requirements."""
        if self.matches_nothing:
            return self
        return LabelSelector(self.requirements + tuple(requirements))

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.matches_nothing:
            return False
        return all(r.matches(labels) for r in self.requirements)

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


# ---------------------------------------------------------------------------
# Lexer and parser for the string form (pkg/labels/selector.go: Lexer, Parser)
# ---------------------------------------------------------------------------

class _Token(enum.Enum):
    ERROR = "error"
    END_OF_STRING = "end of string"
    CLOSED_PAR = ")"
    COMMA = ","
    DOES_NOT_EXIST = "!"
    DOUBLE_EQUALS = "=="
    EQUALS = "="
    GREATER_THAN = ">"
    IDENTIFIER = "identifier"
    IN = "in"
    LESS_THAN = "<"
    NOT_EQUALS = "!="
    NOT_IN = "notin"
    OPEN_PAR = "("


_STRING_TO_TOKEN = {t.value: t for t in _Token
                    if t not in (_Token.ERROR, _Token.END_OF_STRING, _Token.IDENTIFIER)}
_WHITESPACE = " \t\r\n"
_SPECIAL = "=!(),><"
_BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt"  # as Go lists them in parser errors


def _tokenize(text: str) -> list[tuple[_Token, str]]:
    """Lexer.Lex until the end: every (token, literal), ending with END_OF_STRING."""
    items: list[tuple[_Token, str]] = []
    pos, n = 0, len(text)
    while True:
        while pos < n and text[pos] in _WHITESPACE:
            pos += 1
        if pos >= n:
            items.append((_Token.END_OF_STRING, ""))
            return items
        if text[pos] in _SPECIAL:
            # scanSpecialSymbol: the longest run of special characters that is a token.
            buffer, last = "", None
            while pos < n and text[pos] in _SPECIAL:
                buffer += text[pos]
                pos += 1
                if buffer in _STRING_TO_TOKEN:
                    last = (_STRING_TO_TOKEN[buffer], buffer)
                elif last is not None:
                    pos -= 1
                    break
            items.append(last or (_Token.ERROR, f"error expected: keyword found '{buffer}'"))
        else:
            # scanIDOrKeyword: up to the next special character or whitespace.
            start = pos
            while pos < n and text[pos] not in _SPECIAL and text[pos] not in _WHITESPACE:
                pos += 1
            word = text[start:pos]
            items.append((_STRING_TO_TOKEN.get(word, _Token.IDENTIFIER), word))


class _ParseError(Exception):
    pass


class _Parser:
    """Parser: a recursive descent over the scanned tokens with one token of lookahead."""

    def __init__(self, text: str):
        self.items = _tokenize(text)
        self.position = 0

    def lookahead(self, values_context: bool) -> tuple[_Token, str]:
        tok, lit = self.items[self.position]
        # In the Values context 'in' and 'notin' are plain identifiers ("x in (in)").
        if values_context and tok in (_Token.IN, _Token.NOT_IN):
            tok = _Token.IDENTIFIER
        return tok, lit

    def consume(self, values_context: bool) -> tuple[_Token, str]:
        item = self.lookahead(values_context)
        self.position += 1
        return item

    def parse(self) -> list[Requirement]:
        requirements: list[Requirement] = []
        while True:
            tok, lit = self.lookahead(True)
            if tok in (_Token.IDENTIFIER, _Token.DOES_NOT_EXIST):
                try:
                    requirements.append(self.parse_requirement())
                except (SelectorError, _ParseError) as err:
                    raise _ParseError(f"unable to parse requirement: {err}") from None
                tok, lit = self.consume(True)
                if tok == _Token.END_OF_STRING:
                    return requirements
                if tok == _Token.COMMA:
                    tok2, lit2 = self.lookahead(True)
                    if tok2 not in (_Token.IDENTIFIER, _Token.DOES_NOT_EXIST):
                        raise _ParseError(f"found '{lit2}', expected: identifier after ','")
                else:
                    raise _ParseError(f"found '{lit}', expected: ',' or 'end of string'")
            elif tok == _Token.END_OF_STRING:
                return requirements
            else:
                raise _ParseError(f"found '{lit}', expected: !, identifier, or 'end of string'")

    def parse_requirement(self) -> Requirement:
        key, operator = self.parse_key_and_infer_operator()
        if operator in (EXISTS, DOES_NOT_EXIST):
            return Requirement(key, operator)
        operator = self.parse_operator()
        values = self.parse_values() if operator in (IN, NOT_IN) else self.parse_exact_value()
        return Requirement(key, operator, tuple(values))

    def parse_key_and_infer_operator(self) -> tuple[str, str | None]:
        operator = None
        tok, literal = self.consume(True)
        if tok == _Token.DOES_NOT_EXIST:
            operator = DOES_NOT_EXIST
            tok, literal = self.consume(True)
        if tok != _Token.IDENTIFIER:
            raise _ParseError(f"found '{literal}', expected: identifier")
        key_errs = qualified_name_errors(literal)
        if key_errs:
            raise _ParseError(_invalid(literal, "; ".join(key_errs)))
        if self.lookahead(True)[0] in (_Token.END_OF_STRING, _Token.COMMA) and operator is None:
            operator = EXISTS
        return literal, operator

    def parse_operator(self) -> str:
        tok, lit = self.consume(False)
        operators = {_Token.IN: IN, _Token.EQUALS: EQUALS, _Token.DOUBLE_EQUALS: DOUBLE_EQUALS,
                     _Token.GREATER_THAN: GREATER_THAN, _Token.LESS_THAN: LESS_THAN,
                     _Token.NOT_IN: NOT_IN, _Token.NOT_EQUALS: NOT_EQUALS}
        if tok not in operators:
            raise _ParseError(f"found '{lit}', expected: {_BINARY_OPERATORS}")
        return operators[tok]

    def parse_values(self) -> set[str]:
        """``(a,b,c)``; empty items and ``()`` stand for the empty string."""
        tok, lit = self.consume(True)
        if tok != _Token.OPEN_PAR:
            raise _ParseError(f"found '{lit}' expected: '('")
        tok, lit = self.lookahead(True)
        if tok in (_Token.IDENTIFIER, _Token.COMMA):
            values = self.parse_identifiers_list()
            if self.consume(True)[0] != _Token.CLOSED_PAR:
                raise _ParseError(f"found '{lit}', expected: ')'")
            return values
        if tok == _Token.CLOSED_PAR:
            self.consume(True)
            return {""}
        raise _ParseError(f"found '{lit}', expected: ',', ')' or identifier")

    def parse_identifiers_list(self) -> set[str]:
        values: set[str] = set()
        while True:
            tok, lit = self.consume(True)
            if tok == _Token.IDENTIFIER:
                values.add(lit)
                tok2, lit2 = self.lookahead(True)
                if tok2 == _Token.COMMA:
                    continue
                if tok2 == _Token.CLOSED_PAR:
                    return values
                raise _ParseError(f"found '{lit2}', expected: ',' or ')'")
            if tok == _Token.COMMA:
                if not values:
                    values.add("")  # "(,"
                tok2 = self.lookahead(True)[0]
                if tok2 == _Token.CLOSED_PAR:
                    values.add("")  # ",)"
                    return values
                if tok2 == _Token.COMMA:
                    self.consume(True)
                    values.add("")  # ",,"
            else:
                raise _ParseError(f"found '{lit}', expected: ',', or identifier")

    def parse_exact_value(self) -> set[str]:
        if self.lookahead(True)[0] in (_Token.END_OF_STRING, _Token.COMMA):
            return {""}  # "x=" selects the empty value
        tok, lit = self.consume(True)
        if tok == _Token.IDENTIFIER:
            return {lit}
        raise _ParseError(f"found '{lit}', expected: identifier")


def parse_selector(text: str) -> LabelSelector:
    """Parse kubectl's ``-l`` syntax like labels.Parse: ``a=b,c!=d,e in (f,g),h notin (i),j,!k,l>1``.

    Raises SelectorError (``field`` None) with Kubernetes' parser message.
    """
    try:
        requirements = _Parser(text).parse()
    except _ParseError as err:
        error = SelectorError(str(err))
        error.field, error.reason, error.errors = None, str(err), [str(err)]
        raise error from None
    return LabelSelector(tuple(requirements))


# ---------------------------------------------------------------------------
# metav1.LabelSelector dicts (meta/v1/helpers.go, meta/v1/validation/validation.go)
# ---------------------------------------------------------------------------

def _label_errors(labels: object, path: str) -> list[tuple[str, str]]:
    """ValidateLabels, with the key in the path: ``path[key]``."""
    if labels is None:
        return []
    if not isinstance(labels, Mapping):
        return [(path, _invalid(labels, "must be a map of string keys to string values"))]
    errs: list[tuple[str, str]] = []
    for key, value in labels.items():
        where = f"{path}[{key}]"
        if not isinstance(key, str):
            errs.append((where, _invalid(key, "label keys must be strings")))
            continue
        errs.extend((where, _invalid(key, m)) for m in qualified_name_errors(key))
        if not isinstance(value, str):
            errs.append((where, _invalid(value, "label values must be strings")))
        else:
            errs.extend((where, _invalid(value, m)) for m in label_value_errors(value))
    return errs


def validate_labels(labels: Mapping[str, str] | None, field: str = "metadata.labels") -> None:
    """Raise SelectorError (``field`` like ``metadata.labels[app]``) for a bad label key or value."""
    errs = _label_errors(labels, field)
    if errs:
        raise _selector_error(errs)


def _expression_errors(expr: object, path: str) -> list[tuple[str, str]]:
    """ValidateLabelSelectorRequirement, plus the value checks NewRequirement makes."""
    if not isinstance(expr, Mapping):
        return [(path, _invalid(expr, "must be an object with key, operator and values"))]
    errs: list[tuple[str, str]] = []
    for name in expr:
        if name not in ("key", "operator", "values"):
            errs.append((_child(path, str(name)), f'unknown field "{name}"'))
    operator = expr.get("operator")
    values = expr.get("values") or []
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        return errs + [(_child(path, "values"), _invalid(values, "must be a list of strings"))]
    if operator in (IN, NOT_IN):
        if not values:
            errs.append((_child(path, "values"),
                         "Required value: must be specified when `operator` is 'In' or 'NotIn'"))
    elif operator in (EXISTS, DOES_NOT_EXIST):
        if values:
            errs.append((_child(path, "values"),
                         "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
    else:
        errs.append((_child(path, "operator"), _invalid(operator, "not a valid selector operator")))
    key = expr.get("key", "")
    if not isinstance(key, str):
        errs.append((_child(path, "key"), _invalid(key, "must be a string")))
    else:
        errs.extend((_child(path, "key"), _invalid(key, m)) for m in qualified_name_errors(key))
    for i, value in enumerate(values):
        errs.extend((_child(path, f"values[{i}]"), _invalid(value, m)) for m in label_value_errors(value))
    return errs


def selector_from_dict(d: Mapping | None, field: str = "selector") -> LabelSelector:
    """metav1.LabelSelector ``{matchLabels, matchExpressions}`` -> LabelSelector (LabelSelectorAsSelector).

    None selects nothing; {} selects everything. Invalid input raises SelectorError whose
    message and ``field`` attribute give the path from ``field``, e.g.
    ``selector.matchExpressions[1].values``.
    """
    if d is None:
        return LabelSelector.nothing()
    if not isinstance(d, Mapping):
        raise _selector_error([(field, _invalid(d, "must be an object with matchLabels and/or matchExpressions"))])
    errs: list[tuple[str, str]] = []
    for name in d:
        if name not in ("matchLabels", "matchExpressions"):
            errs.append((_child(field, str(name)), f'unknown field "{name}"'))
    match_labels = d.get("matchLabels") or {}
    match_expressions = d.get("matchExpressions") or []
    errs.extend(_label_errors(match_labels, _child(field, "matchLabels")))
    expressions_path = _child(field, "matchExpressions")
    if not isinstance(match_expressions, (list, tuple)):
        errs.append((expressions_path, _invalid(match_expressions, "must be a list")))
    else:
        for i, expr in enumerate(match_expressions):
            errs.extend(_expression_errors(expr, f"{expressions_path}[{i}]"))
    if errs:
        raise _selector_error(errs)

    requirements = [Requirement(k, EQUALS, (v,)) for k, v in match_labels.items()]
    requirements += [Requirement(e["key"], e["operator"], tuple(e.get("values") or ()))
                     for e in match_expressions]
    return LabelSelector(tuple(requirements))


# ---------------------------------------------------------------------------
# Node affinity (component-helpers/scheduling/corev1/nodeaffinity/nodeaffinity.go)
# ---------------------------------------------------------------------------

_NODE_SELECTOR_OPERATORS = [IN, NOT_IN, EXISTS, DOES_NOT_EXIST, GREATER_THAN, LESS_THAN]
_FIELD_SELECTOR_OPERATORS = [IN, NOT_IN]


def _compile_term(term: Mapping, path: str):
    """newNodeSelectorTerm: (label selector or None, [(field, op, value)] or None).

    Raises SelectorError listing every problem, with paths under ``path``.
    """
    if not isinstance(term, Mapping):
        raise _selector_error([(path, _invalid(term, "must be an object with matchExpressions and/or matchFields"))])
    errs: list[tuple[str, str]] = []
    selector = None
    expressions = term.get("matchExpressions") or []
    if expressions:
        requirements = []
        for i, expr in enumerate(expressions):  # nodeSelectorRequirementsAsSelector
            p = _child(path, f"matchExpressions[{i}]")
            expr = expr if isinstance(expr, Mapping) else {}
            operator = expr.get("operator")
            if operator not in _NODE_SELECTOR_OPERATORS:
                errs.append((_child(p, "operator"), _unsupported(operator, _NODE_SELECTOR_OPERATORS)))
                continue
            key, values = expr.get("key", ""), expr.get("values") or []
            req_errs = _requirement_errors(key, operator, values)
            if req_errs:
                errs.extend((_child(p, sub), body) for sub, body in req_errs)
            else:
                requirements.append(Requirement(key, operator, tuple(values)))
        selector = LabelSelector(tuple(requirements))
    field_terms = None
    match_fields = term.get("matchFields") or []
    if match_fields:
        field_terms = []
        for i, expr in enumerate(match_fields):  # nodeSelectorRequirementsAsFieldSelector
            p = _child(path, f"matchFields[{i}]")
            expr = expr if isinstance(expr, Mapping) else {}
            operator, values = expr.get("operator"), expr.get("values") or []
            if operator not in _FIELD_SELECTOR_OPERATORS:
                errs.append((_child(p, "operator"), _unsupported(operator, _FIELD_SELECTOR_OPERATORS)))
            elif len(values) != 1:
                errs.append((_child(p, "values"), _invalid(list(values), "must have one element")))
            else:
                field_terms.append((expr.get("key", ""), operator, values[0]))
    if errs:
        raise _selector_error(errs)
    return selector, field_terms


def node_selector_term_matches(term: Mapping, labels: Mapping[str, str], fields: Mapping[str, str],
                               *, field: str = "") -> bool:
    """Whether a node's labels and fields (``{"metadata.name": name}``) satisfy one NodeSelectorTerm.

    matchExpressions (In/NotIn/Exists/DoesNotExist/Gt/Lt) and matchFields (In/NotIn, one value)
    are ANDed. A term with neither matches nothing. A malformed term raises SelectorError whose
    paths start at ``field``.
    """
    if isinstance(term, Mapping) and not term.get("matchExpressions") and not term.get("matchFields"):
        return False  # isEmptyNodeSelectorTerm: a nil or empty term selects no objects
    selector, field_terms = _compile_term(term, field)
    if selector is not None and not selector.matches(labels):
        return False
    # extractNodeFields only sets fields that are non-empty; with no fields, matchFields is ignored.
    fields = {k: v for k, v in fields.items() if v}
    if field_terms is not None and fields:
        for key, operator, value in field_terms:
            if (fields.get(key, "") == value) != (operator == IN):
                return False
    return True


def node_selector_matches(node_selector: Mapping | None, labels: Mapping[str, str],
                          fields: Mapping[str, str], *, field: str = "") -> bool:
    """Whether a node satisfies a v1.NodeSelector: its nodeSelectorTerms are ORed.

    An empty term list matches nothing. None (no required node affinity) places no
    constraint and matches, as in GetRequiredNodeAffinity. As in LazyErrorNodeSelector.Match,
    malformed terms are skipped; if no valid term matches and some term was malformed, the
    first such error is raised (SelectorError) instead of returning False.
    """
    if node_selector is None:
        return True
    terms = node_selector.get("nodeSelectorTerms") or []
    terms_path = _child(field, "nodeSelectorTerms")
    first_error = None
    for i, term in enumerate(terms):
        try:
            if node_selector_term_matches(term, labels, fields, field=f"{terms_path}[{i}]"):
                return True
        except SelectorError as err:
            first_error = first_error or err
    if first_error is not None:
        raise first_error
    return False


def as_selector(selector) -> LabelSelector | None:
    """A LabelSelector from what users write: a selector, text ("app=web,tier!=db"), a
    LabelSelector document ({"matchLabels": ...}) or a plain label set ({"app": "web"});
    None stays None."""
    if selector is None or isinstance(selector, LabelSelector):
        return selector
    if isinstance(selector, dict):
        if set(selector) <= {"matchLabels", "matchExpressions"}:
            return selector_from_dict(selector)
        return LabelSelector.from_set(selector)
    return parse_selector(selector)
