"""Tests for kbench.api.labels, ported from the Kubernetes Go tests named in each block."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbench.api.labels import (
    LabelSelector,
    Requirement,
    _Token,
    _tokenize,
    dns1123_label_errors,
    dns1123_subdomain_errors,
    label_value_errors,
    node_selector_matches,
    node_selector_term_matches,
    parse_selector,
    qualified_name_errors,
    selector_from_dict,
    validate_labels,
)
from kbench.errors import SelectorError

T = _Token
NAME_PART_REGEX_ERROR = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")


def req(key, op, *values):
    return Requirement(key, op, tuple(values))


def sel(*requirements):
    return LabelSelector(tuple(requirements))


# --- validation_test.go: TestIsDNS1123Label ---------------------------------------------------

@pytest.mark.parametrize("value", [
    "a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2", "a" * 63])
def test_dns1123_label_good(value):
    assert dns1123_label_errors(value) == []


@pytest.mark.parametrize("value", [
    "", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1",
    "_", "a_", "_a", "a_b", "1_", "_1", "1_2", ".", "a.", ".a", "a.b", "1.", ".1", "1.2",
    " ", "a ", " a", "a b", "1 ", " 1", "1 2", "a" * 64])
def test_dns1123_label_bad(value):
    assert dns1123_label_errors(value)


def test_dns1123_label_messages():
    assert dns1123_label_errors("a.b") == ["must not contain dots"]
    assert dns1123_label_errors("A") == [
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
        "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
        "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"]
    assert dns1123_label_errors("a" * 64) == ["must be no more than 63 characters"]


# --- validation_test.go: TestIsDNS1123Subdomain -----------------------------------------------

@pytest.mark.parametrize("value", [
    "a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2",
    "a.a", "ab.a", "abc.a", "a1.a", "a-1.a", "a--1--2--b.a", "a.1", "ab.1", "abc.1", "a1.1",
    "a-1.1", "a--1--2--b.1", "0.a", "01.a", "012.a", "1a.a", "1-a.a", "1--a--b--2", "0.1",
    "01.1", "012.1", "1a.1", "1-a.1", "1--a--b--2.1", "a.b.c.d.e", "aa.bb.cc.dd.ee",
    "1.2.3.4.5", "11.22.33.44.55", "a" * 253])
def test_dns1123_subdomain_good(value):
    assert dns1123_subdomain_errors(value) == []


@pytest.mark.parametrize("value", [
    "", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1",
    "_", "a_", "_a", "a_b", "1_", "_1", "1_2", ".", "a.", ".a", "a..b", "1.", ".1", "1..2",
    " ", "a ", " a", "a b", "1 ", " 1", "1 2", "A.a", "aB.a", "ab.A", "A1.a", "a1.A",
    "A.1", "aB.1", "A1.1", "1A.1", "0.A", "01.A", "012.A", "1A.a", "1a.A",
    "A.B.C.D.E", "AA.BB.CC.DD.EE", "a.B.c.d.e", "aa.bB.cc.dd.ee",
    "a@b", "a,b", "a_b", "a;b", "a:b", "a%b", "a?b", "a$b", "a" * 254,
    "a\n"])  # the last: Go's regexp anchors reject a trailing newline
def test_dns1123_subdomain_bad(value):
    assert dns1123_subdomain_errors(value)


# --- validation_test.go: TestIsQualifiedName ---------------------------------------------------

@pytest.mark.parametrize("value", [
    "simple", "now-with-dashes", "1-starts-with-num", "1234", "simple/simple",
    "now-with-dashes/simple", "now-with-dashes/now-with-dashes", "now.with.dots/simple",
    "now-with.dashes-and.dots/simple", "1-num.2-num/3-num", "1234/5678", "1.2.3.4/5678",
    "Uppercase_Is_OK_123", "example.com/Uppercase_Is_OK_123", "requests.storage-foo",
    "a" * 63, "a" * 253 + "/" + "b" * 63])
def test_qualified_name_good(value):
    assert qualified_name_errors(value) == []


@pytest.mark.parametrize("value", [
    "nospecialchars%^=@", "cantendwithadash-", "-cantstartwithadash-", "only/one/slash",
    "Example.com/abc", "example_com/abc", "example.com/", "/simple", "a" * 64, "a" * 254 + "/abc"])
def test_qualified_name_bad(value):
    assert qualified_name_errors(value)


def test_qualified_name_messages():
    assert qualified_name_errors("invalid key") == [NAME_PART_REGEX_ERROR]
    assert qualified_name_errors("/simple") == ["prefix part must be non-empty"]
    assert qualified_name_errors("example.com/") == ["name part must be non-empty", NAME_PART_REGEX_ERROR]
    assert qualified_name_errors("a" * 64) == ["name part must be no more than 63 characters"]
    assert qualified_name_errors("a/b/c") == [
        "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start "
        "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
        "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS "
        "subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    assert qualified_name_errors("Example.com/abc")[0].startswith(
        "prefix part a lowercase RFC 1123 subdomain must consist of")


# --- validation_test.go: TestIsValidLabelValue -------------------------------------------------

@pytest.mark.parametrize("value", [
    "simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234", "a" * 63, ""])
def test_label_value_good(value):
    assert label_value_errors(value) == []


@pytest.mark.parametrize("value", [
    "nospecialchars%^=@", "Tama-nui-te-rā.is.Māori.sun", "\\backslashes\\are\\bad",
    "-starts-with-dash", "ends-with-dash-", ".starts.with.dot", "ends.with.dot.", "a" * 64])
def test_label_value_bad(value):
    assert label_value_errors(value)


def test_label_value_messages():
    assert label_value_errors("a" * 64) == ["must be no more than 63 characters"]
    assert label_value_errors("-x") == [
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
        "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
        "'my_value',  or '12345', regex used for validation is "
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"]


# --- selector_test.go: TestSelectorParse -------------------------------------------------------

@pytest.mark.parametrize("text", [
    "x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x", "x>1", "x>1,z<5"])
def test_selector_parse_good(text):
    assert str(parse_selector(text)) == text.replace(" ", "")


@pytest.mark.parametrize("text", ["x=a||y=b", "x==a==b", "!x=a", "x<a"])
def test_selector_parse_bad(text):
    with pytest.raises(SelectorError):
        parse_selector(text)


# --- selector_test.go: TestDeterministicParse --------------------------------------------------

def test_deterministic_parse():
    assert str(parse_selector("x=a,a=x")) == str(parse_selector("a=x,x=a"))


# --- selector_test.go: TestEverything, TestSetIsEmpty, TestNilMapIsValid -----------------------

def test_everything_and_nothing():
    assert LabelSelector.everything().matches({"x": "y"})
    assert LabelSelector.everything().empty
    assert LabelSelector.from_set({}).empty
    assert not LabelSelector.nothing().matches({})
    assert not LabelSelector.nothing().empty
    assert str(LabelSelector.nothing()) == ""
    assert LabelSelector.nothing().add(req("x", "Exists")) == LabelSelector.nothing()


# --- selector_test.go: TestSelectorMatches -----------------------------------------------------

@pytest.mark.parametrize("text,labels,want", [
    ("", {"x": "y"}, True),
    ("x=y", {"x": "y"}, True),
    ("x=y,z=w", {"x": "y", "z": "w"}, True),
    ("x!=y,z!=w", {"x": "z", "z": "a"}, True),
    ("notin=in", {"notin": "in"}, True),  # in and notin in exactMatch
    ("x", {"x": "z"}, True),
    ("!x", {"y": "z"}, True),
    ("x>1", {"x": "2"}, True),
    ("x<1", {"x": "0"}, True),
    ("x=z", {}, False),
    ("x=y", {"x": "z"}, False),
    ("x=y,z=w", {"x": "w", "z": "w"}, False),
    ("x!=y,z!=w", {"x": "z", "z": "w"}, False),
    ("x", {"y": "z"}, False),
    ("!x", {"x": "z"}, False),
    ("x>1", {"x": "0"}, False),
    ("x<1", {"x": "2"}, False),
    ("foo=bar", {"foo": "bar", "baz": "blah"}, True),
    ("baz=blah", {"foo": "bar", "baz": "blah"}, True),
    ("foo=bar,baz=blah", {"foo": "bar", "baz": "blah"}, True),
    ("foo=blah", {"foo": "bar", "baz": "blah"}, False),
    ("baz=bar", {"foo": "bar", "baz": "blah"}, False),
    ("foo=bar,foobar=bar,baz=blah", {"foo": "bar", "baz": "blah"}, False),
])
def test_selector_matches(text, labels, want):
    assert parse_selector(text).matches(labels) is want


# --- selector_test.go: TestSetMatches ----------------------------------------------------------

@pytest.mark.parametrize("selector", [{}, {"foo": "bar"}, {"baz": "blah"}, {"foo": "bar", "baz": "blah"}])
def test_set_matches(selector):
    assert LabelSelector.from_set(selector).matches({"foo": "bar", "baz": "blah"})


# --- selector_test.go: TestLexer ---------------------------------------------------------------

@pytest.mark.parametrize("text,token", [
    ("", T.END_OF_STRING), (",", T.COMMA), ("notin", T.NOT_IN), ("in", T.IN), ("=", T.EQUALS),
    ("==", T.DOUBLE_EQUALS), (">", T.GREATER_THAN), ("<", T.LESS_THAN),
    ("!", T.DOES_NOT_EXIST), ("!=", T.NOT_EQUALS),  # Lex returns the longest valid token
    ("(", T.OPEN_PAR), (")", T.CLOSED_PAR),
    ("~", T.IDENTIFIER), ("||", T.IDENTIFIER),  # non-special characters make identifiers
])
def test_lexer(text, token):
    assert _tokenize(text)[0] == (token, text)


# --- selector_test.go: TestLexerSequence and TestParserLookahead (which adds END_OF_STRING) ---

@pytest.mark.parametrize("text,tokens", [
    ("key in ( value )", [T.IDENTIFIER, T.IN, T.OPEN_PAR, T.IDENTIFIER, T.CLOSED_PAR]),
    ("key notin ( value )", [T.IDENTIFIER, T.NOT_IN, T.OPEN_PAR, T.IDENTIFIER, T.CLOSED_PAR]),
    ("key in ( value1, value2 )",
     [T.IDENTIFIER, T.IN, T.OPEN_PAR, T.IDENTIFIER, T.COMMA, T.IDENTIFIER, T.CLOSED_PAR]),
    ("key", [T.IDENTIFIER]),
    ("!key", [T.DOES_NOT_EXIST, T.IDENTIFIER]),
    ("()", [T.OPEN_PAR, T.CLOSED_PAR]),
    ("", []),
    ("x in (),y", [T.IDENTIFIER, T.IN, T.OPEN_PAR, T.CLOSED_PAR, T.COMMA, T.IDENTIFIER]),
    ("== != (), = notin",
     [T.DOUBLE_EQUALS, T.NOT_EQUALS, T.OPEN_PAR, T.CLOSED_PAR, T.COMMA, T.EQUALS, T.NOT_IN]),
    ("key>2", [T.IDENTIFIER, T.GREATER_THAN, T.IDENTIFIER]),
    ("key<1", [T.IDENTIFIER, T.LESS_THAN, T.IDENTIFIER]),
])
def test_lexer_sequence(text, tokens):
    assert [tok for tok, _ in _tokenize(text)] == tokens + [T.END_OF_STRING]


# --- selector_test.go: TestRequirementConstructor ----------------------------------------------

@pytest.mark.parametrize("key,op,values,ok", [
    ("x", "In", (), False),
    ("x", "NotIn", (), False),
    ("x", "In", ("foo",), True),
    ("x", "NotIn", ("foo",), True),
    ("x", "Exists", (), True),
    ("x", "DoesNotExist", (), True),
    ("1foo", "In", ("bar",), True),
    ("1234", "In", ("bar",), True),
    ("y", "Gt", ("1",), True),
    ("z", "Lt", ("6",), True),
    ("foo", "Gt", ("bar",), False),
    ("barz", "Lt", ("blah",), False),
    ("a" * 254, "Exists", (), False),  # breaks the DNS rule that len(key) <= 253
])
def test_requirement_constructor(key, op, values, ok):
    if ok:
        Requirement(key, op, values)
    else:
        with pytest.raises(SelectorError):
            Requirement(key, op, values)


def test_requirement_constructor_messages():
    with pytest.raises(SelectorError) as info:
        Requirement("x", "In", ())
    assert str(info.value) == "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty"
    assert info.value.field == "values"
    with pytest.raises(SelectorError, match="exact-match compatibility requires one single value"):
        Requirement("x", "=", ("a", "b"))
    with pytest.raises(SelectorError, match="values set must be empty for exists and does not exist"):
        Requirement("x", "Exists", ("a",))
    with pytest.raises(SelectorError, match=r'operator: Unsupported value: "Foo": supported values: "In", '):
        Requirement("x", "Foo", ())
    with pytest.raises(SelectorError, match="must be an integer"):
        Requirement("x", "Gt", ("99999999999999999999",))  # beyond int64, as strconv.ParseInt
    assert Requirement("x", "In", ["b", "a", "b"]).values == ("a", "b")


# --- selector_test.go: TestToString ------------------------------------------------------------

@pytest.mark.parametrize("selector,text", [
    (sel(req("x", "In", "abc", "def"), req("y", "NotIn", "jkl"), req("z", "Exists")),
     "x in (abc,def),y notin (jkl),z"),
    (sel(req("x", "NotIn", "abc", "def"), req("y", "!=", "jkl"), req("z", "DoesNotExist")),
     "x notin (abc,def),y!=jkl,!z"),
    (sel(req("x", "NotIn", "abc"), req("y", "In", "jkl", "mno"), req("z", "NotIn", "")),
     "x notin (abc),y in (jkl,mno),z notin ()"),
    (sel(req("x", "=", "abc"), req("y", "==", "jkl"), req("z", "!=", "a"), req("z", "Exists")),
     "x=abc,y==jkl,z!=a,z"),
    (sel(req("x", "Gt", "2"), req("y", "Lt", "8"), req("z", "Exists")), "x>2,y<8,z"),
    # The brief's example, sorted by key as Kubernetes does.
    (sel(req("app", "=", "web"), req("tier", "!=", "db"), req("env", "In", "b", "a"),
         req("gone", "DoesNotExist")), "app=web,env in (a,b),!gone,tier!=db"),
])
def test_to_string(selector, text):
    assert str(selector) == text


# --- selector_test.go: TestRequirementSelectorMatching -----------------------------------------
# (The Go case with a zero-value Requirement has no Python equivalent: Requirement validates.)

@pytest.mark.parametrize("labels,selector,want", [
    ({"x": "foo", "y": "baz"}, sel(req("x", "In", "foo"), req("y", "NotIn", "alpha")), True),
    ({"x": "foo", "y": "baz"}, sel(req("x", "In", "foo"), req("y", "In", "alpha")), False),
    ({"y": ""}, sel(req("x", "NotIn", ""), req("y", "Exists")), True),
    ({"y": ""}, sel(req("x", "DoesNotExist"), req("y", "Exists")), True),
    ({"y": ""}, sel(req("x", "NotIn", ""), req("y", "DoesNotExist")), False),
    ({"y": "baz"}, sel(req("x", "In", "")), False),
    ({"z": "2"}, sel(req("z", "Gt", "1")), True),
    ({"z": "v2"}, sel(req("z", "Gt", "1")), False),
])
def test_requirement_selector_matching(labels, selector, want):
    assert selector.matches(labels) is want


# --- selector_test.go: TestSetSelectorParser ---------------------------------------------------

@pytest.mark.parametrize("text,want", [
    ("", sel()),
    ("\rx", sel(req("x", "Exists"))),
    ("this-is-a-dns.domain.com/key-with-dash", sel(req("this-is-a-dns.domain.com/key-with-dash", "Exists"))),
    ("this-is-another-dns.domain.com/key-with-dash in (so,what)",
     sel(req("this-is-another-dns.domain.com/key-with-dash", "In", "so", "what"))),
    ("0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
     sel(req("0.1.2.domain/99", "NotIn", "10.10.100.1", "tick.tack.clock"))),
    ("foo  in\t (abc)", sel(req("foo", "In", "abc"))),
    ("x notin\n (abc)", sel(req("x", "NotIn", "abc"))),
    ("x  notin\t\t\t(abc,def)", sel(req("x", "NotIn", "abc", "def"))),
    ("x in (abc,def)", sel(req("x", "In", "abc", "def"))),
    ("x in (abc,)", sel(req("x", "In", "abc", ""))),
    ("x in ()", sel(req("x", "In", ""))),
    ("x notin (abc,,def),bar,z in (),w",
     sel(req("bar", "Exists"), req("w", "Exists"), req("x", "NotIn", "abc", "", "def"), req("z", "In", ""))),
    ("x,y in (a)", sel(req("x", "Exists"), req("y", "In", "a"))),
    ("x=a", sel(req("x", "=", "a"))),
    ("x>1", sel(req("x", "Gt", "1"))),
    ("x<7", sel(req("x", "Lt", "7"))),
    ("x=a,y!=b", sel(req("x", "=", "a"), req("y", "!=", "b"))),
    ("x=a,y!=b,z in (h,i,j)", sel(req("x", "=", "a"), req("y", "!=", "b"), req("z", "In", "h", "i", "j"))),
    ("x notin ( )", sel(req("x", "NotIn", ""))),
    ("x notin (, a)", sel(req("x", "NotIn", "", "a"))),
    ("a ", sel(req("a", "Exists"))),
    ("a in (x,y,notin, z,in)", sel(req("a", "In", "in", "notin", "x", "y", "z"))),  # 'in' as a value
])
def test_set_selector_parser_valid(text, want):
    assert parse_selector(text) == want


@pytest.mark.parametrize("text", [
    "x=a||y=b", "x,,y", ",x,y", "x nott in (y)", "a in (xyz),", "a in (xyz)b notin ()",
    "a in (xyz abc)", "a notin(", "a (", "("])
def test_set_selector_parser_invalid(text):
    with pytest.raises(SelectorError):
        parse_selector(text)


@pytest.mark.parametrize("text,message", [
    ("x==a==b", "found '==', expected: ',' or 'end of string'"),
    ("x,,y", "found ',', expected: identifier after ','"),
    (",x", "found ',', expected: !, identifier, or 'end of string'"),
    ("x nott in (y)", "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt"),
    ("a in (xyz abc)", "unable to parse requirement: found 'abc', expected: ',' or ')'"),
    ("a notin x", "unable to parse requirement: found 'x' expected: '('"),
    ("x<a", 'unable to parse requirement: values[0]: Invalid value: "a": '
            "for 'Gt', 'Lt' operators, the value must be an integer"),
    ("bad key/x/y", "unable to parse requirement: found 'key/x/y', expected: in, notin, =, ==, !=, gt, lt"),
    ("a/b/c", 'unable to parse requirement: Invalid value: "a/b/c": a qualified name must consist of'),
])
def test_parse_error_messages(text, message):
    with pytest.raises(SelectorError) as info:
        parse_selector(text)
    assert str(info.value).startswith(message)
    assert info.value.field is None


# --- selector_test.go: TestAdd -----------------------------------------------------------------

def test_add():
    s = LabelSelector().add(req("key", "In", "value"))
    assert s == sel(req("key", "In", "value"))
    s = s.add(req("key2", "=", "value2"))
    assert s.requirements == (req("key", "In", "value"), req("key2", "=", "value2"))


# --- meta/v1 helpers_test.go: TestLabelSelectorAsSelector --------------------------------------

MATCH_LABELS = {"foo": "bar"}
MATCH_EXPRESSIONS = [{"key": "baz", "operator": "In", "values": ["qux", "norf"]}]


@pytest.mark.parametrize("d,want", [
    (None, LabelSelector.nothing()),
    ({}, LabelSelector.everything()),
    ({"matchLabels": {}, "matchExpressions": []}, LabelSelector.everything()),
    ({"matchLabels": MATCH_LABELS}, parse_selector("foo=bar")),
    ({"matchExpressions": MATCH_EXPRESSIONS}, parse_selector("baz in (norf,qux)")),
    ({"matchLabels": MATCH_LABELS, "matchExpressions": MATCH_EXPRESSIONS},
     parse_selector("baz in (norf,qux),foo=bar")),
])
def test_label_selector_as_selector(d, want):
    assert selector_from_dict(d) == want


def test_label_selector_dict_is_not_modified():
    d = {"matchExpressions": [{"key": "baz", "operator": "In", "values": ["qux", "norf"]}]}
    selector_from_dict(d)
    assert d == {"matchExpressions": [{"key": "baz", "operator": "In", "values": ["qux", "norf"]}]}


def test_nil_selector_matches_nothing_empty_matches_everything():
    assert not selector_from_dict(None).matches({"a": "b"})
    assert selector_from_dict({}).matches({"a": "b"})


# --- meta/v1/validation: ValidateLabelSelector / ValidateLabelSelectorRequirement -------------

@pytest.mark.parametrize("d,field,message", [
    ({"matchExpressions": [{"key": "baz", "operator": "Exists", "values": ["qux", "norf"]}]},
     "selector.matchExpressions[0].values",
     "selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is "
     "'Exists' or 'DoesNotExist'"),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["x"]}, {"key": "b", "operator": "In"}]},
     "selector.matchExpressions[1].values",
     "selector.matchExpressions[1].values: Required value: must be specified when `operator` is "
     "'In' or 'NotIn'"),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": []}]},
     "selector.matchExpressions[0].values",
     "selector.matchExpressions[0].values: Required value: must be specified when `operator` is "
     "'In' or 'NotIn'"),
    ({"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]},
     "selector.matchExpressions[0].operator",
     'selector.matchExpressions[0].operator: Invalid value: "Gt": not a valid selector operator'),
    ({"matchExpressions": [{"key": "invalid key", "operator": "Exists"}]},
     "selector.matchExpressions[0].key",
     'selector.matchExpressions[0].key: Invalid value: "invalid key": ' + NAME_PART_REGEX_ERROR),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["ok", "-bad"]}]},
     "selector.matchExpressions[0].values[1]",
     'selector.matchExpressions[0].values[1]: Invalid value: "-bad": a valid label must be'),
    ({"matchLabels": {"app": "web", "tier": "bad value"}},
     "selector.matchLabels[tier]", 'selector.matchLabels[tier]: Invalid value: "bad value": a valid label'),
    ({"matchLabels": {"Bad_/k": "v"}}, "selector.matchLabels[Bad_/k]",
     'selector.matchLabels[Bad_/k]: Invalid value: "Bad_/k": prefix part a lowercase RFC 1123'),
    ({"matchLabels": {"app": 3}}, "selector.matchLabels[app]",
     "selector.matchLabels[app]: Invalid value: 3: label values must be strings"),
    ({"matchLabel": {"app": "web"}}, "selector.matchLabel", 'selector.matchLabel: unknown field "matchLabel"'),
    ("app=web", "selector", 'selector: Invalid value: "app=web": must be an object'),
])
def test_selector_from_dict_errors(d, field, message):
    with pytest.raises(SelectorError) as info:
        selector_from_dict(d)
    assert str(info.value).startswith(message)
    assert info.value.field == field


def test_selector_from_dict_field_argument_and_aggregate():
    d = {"matchExpressions": [{"key": "a", "operator": "In"}, {"key": "b", "operator": "Exists", "values": ["x"]}]}
    with pytest.raises(SelectorError) as info:
        selector_from_dict(d, field="spec.selector")
    assert info.value.field == "spec.selector.matchExpressions[0].values"
    assert str(info.value).startswith("[spec.selector.matchExpressions[0].values: Required value")
    assert len(info.value.errors) == 2


# --- validate_labels (ValidateLabels, with the key in the path) ---------------------------------

def test_validate_labels():
    validate_labels({"app.kubernetes.io/name": "web", "tier": ""})
    validate_labels(None)
    with pytest.raises(SelectorError) as info:
        validate_labels({"app.kubernetes.io/name": "-web"})
    assert info.value.field == "metadata.labels[app.kubernetes.io/name]"
    assert str(info.value).startswith('metadata.labels[app.kubernetes.io/name]: Invalid value: "-web": ')
    with pytest.raises(SelectorError) as info:
        validate_labels({"a/b/c": "x"}, field="spec.template.metadata.labels")
    assert info.value.field == "spec.template.metadata.labels[a/b/c]"


# --- nodeaffinity_test.go: TestNodeSelectorMatch ------------------------------------------------

def test_node_selector_invalid_terms():
    terms = [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["host_1", "host_2"]}]},
        {"matchExpressions": [{"key": "label_1", "operator": "In", "values": ["label_1_val"]}],
         "matchFields": [{"key": "metadata.name", "operator": "In", "values": ["host_1"]}]},
        {"matchExpressions": [{"key": "invalid key", "operator": "In", "values": ["label_value"]}]},
    ]
    with pytest.raises(SelectorError) as info:
        node_selector_term_matches(terms[0], {}, {"metadata.name": "host_1"}, field="nodeSelectorTerms[0]")
    assert info.value.field == "nodeSelectorTerms[0].matchFields[0].values"
    assert str(info.value).endswith(": must have one element")
    with pytest.raises(SelectorError) as info:
        node_selector_term_matches(terms[2], {}, {}, field="nodeSelectorTerms[2]")
    assert str(info.value) == ('nodeSelectorTerms[2].matchExpressions[0].key: Invalid value: "invalid key": '
                               + NAME_PART_REGEX_ERROR)
    # LazyErrorNodeSelector: no valid term matches, so the first error is reported ...
    with pytest.raises(SelectorError) as info:
        node_selector_matches({"nodeSelectorTerms": terms}, {}, {"metadata.name": "host_2"})
    assert info.value.field == "nodeSelectorTerms[0].matchFields[0].values"
    # ... but a valid matching term wins over invalid ones.
    assert node_selector_matches({"nodeSelectorTerms": terms}, {"label_1": "label_1_val"},
                                 {"metadata.name": "host_1"})


@pytest.mark.parametrize("terms,labels,name,want", [
    # node matches field selector, but not labels
    ([{"matchExpressions": [{"key": "label_1", "operator": "In", "values": ["label_1_val"]}],
       "matchFields": [{"key": "metadata.name", "operator": "In", "values": ["host_1"]}]}],
     {}, "host_1", False),
    # node matches field selector and label selector
    ([{"matchExpressions": [{"key": "label_1", "operator": "In", "values": ["label_1_val"]}],
       "matchFields": [{"key": "metadata.name", "operator": "In", "values": ["host_1"]}]}],
     {"label_1": "label_1_val"}, "host_1", True),
    # second term matches
    ([{"matchExpressions": [{"key": "label_1", "operator": "In", "values": ["label_1_val"]}]},
      {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["host_1"]}]}],
     {}, "host_1", True),
])
def test_node_selector_match(terms, labels, name, want):
    assert node_selector_matches({"nodeSelectorTerms": terms}, labels, {"metadata.name": name}) is want


# --- nodeaffinity_test.go: TestNodeSelectorRequirementsAsSelector -------------------------------

def test_node_selector_requirements_as_selector():
    term = {"matchExpressions": [{"key": "foo", "operator": "Exists", "values": ["bar", "baz"]}]}
    with pytest.raises(SelectorError) as info:
        node_selector_term_matches(term, {"foo": "x"}, {}, field="root")
    assert str(info.value) == ('root.matchExpressions[0].values: Invalid value: []string{"bar", "baz"}: '
                               "values set must be empty for exists and does not exist")
    gt = {"matchExpressions": [{"key": "foo", "operator": "Gt", "values": ["1"]}]}
    lt = {"matchExpressions": [{"key": "bar", "operator": "Lt", "values": ["7"]}]}
    assert node_selector_term_matches(gt, {"foo": "2"}, {})
    assert not node_selector_term_matches(gt, {"foo": "1"}, {})
    assert not node_selector_term_matches(gt, {"foo": "x"}, {})
    assert node_selector_term_matches(lt, {"bar": "-3"}, {})
    assert not node_selector_term_matches(lt, {}, {})
    bad_op = {"matchExpressions": [{"key": "foo", "operator": "Exist"}]}
    with pytest.raises(SelectorError, match=r'matchExpressions\[0\].operator: Unsupported value: "Exist": '
                                            r'supported values: "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"'):
        node_selector_term_matches(bad_op, {}, {})
    bad_field_op = {"matchFields": [{"key": "metadata.name", "operator": "Exists"}]}
    with pytest.raises(SelectorError, match=r'supported values: "In", "NotIn"$'):
        node_selector_term_matches(bad_field_op, {}, {"metadata.name": "n"})


# --- nodeaffinity_test.go: TestPodMatchesNodeSelectorAndAffinityTerms --------------------------

def _required(terms):
    return {"nodeSelectorTerms": terms}


def _expr(key, op, *values):
    return {"key": key, "operator": op, "values": list(values)} if values else {"key": key, "operator": op}


@pytest.mark.parametrize("node_selector,labels,name,want", [
    # Pod with matchExpressions using In operator that matches the existing node
    (_required([{"matchExpressions": [_expr("foo", "In", "bar", "value2")]}]), {"foo": "bar"}, "", True),
    # ... using Gt operator that matches the existing node
    (_required([{"matchExpressions": [_expr("kernel-version", "Gt", "0204")]}]), {"kernel-version": "0206"}, "", True),
    # ... using NotIn operator that matches the existing node
    (_required([{"matchExpressions": [_expr("mem-type", "NotIn", "DDR", "DDR2")]}]), {"mem-type": "DDR3"}, "", True),
    # ... using Exists operator that matches the existing node
    (_required([{"matchExpressions": [_expr("GPU", "Exists")]}]), {"GPU": "NVIDIA-GRID-K1"}, "", True),
    # affinity that doesn't match the node's labels
    (_required([{"matchExpressions": [_expr("foo", "In", "value1", "value2")]}]), {"foo": "bar"}, "", False),
    # a nil / an empty []NodeSelectorTerm matches nothing
    (_required(None), {"foo": "bar"}, "", False),
    (_required([]), {"foo": "bar"}, "", False),
    # empty matchExpressions matches nothing
    (_required([{"matchExpressions": []}]), {"foo": "bar"}, "", False),
    # no required node affinity at all places no constraint
    (None, {"foo": "bar"}, "", True),
    # multiple matchExpressions ANDed
    (_required([{"matchExpressions": [_expr("GPU", "Exists"), _expr("GPU", "NotIn", "AMD", "INTER")]}]),
     {"GPU": "NVIDIA-GRID-K1"}, "", True),
    (_required([{"matchExpressions": [_expr("GPU", "Exists"), _expr("GPU", "In", "AMD", "INTER")]}]),
     {"GPU": "NVIDIA-GRID-K1"}, "", False),
    # multiple NodeSelectorTerms ORed
    (_required([{"matchExpressions": [_expr("foo", "In", "bar", "value2")]},
                {"matchExpressions": [_expr("diffkey", "In", "wrong", "value2")]}]), {"foo": "bar"}, "", True),
    # matchFields using In operator that matches / does not match the existing node
    (_required([{"matchFields": [_expr("metadata.name", "In", "node_1")]}]), {}, "node_1", True),
    (_required([{"matchFields": [_expr("metadata.name", "In", "node_1")]}]), {}, "node_2", False),
    (_required([{"matchFields": [_expr("metadata.name", "NotIn", "node_1")]}]), {}, "node_2", True),
    # two terms: matchFields does not match, but matchExpressions matches
    (_required([{"matchFields": [_expr("metadata.name", "In", "node_1")]},
                {"matchExpressions": [_expr("foo", "In", "bar")]}]), {"foo": "bar"}, "node_2", True),
    # one term: matchFields does not match, but matchExpressions matches
    (_required([{"matchFields": [_expr("metadata.name", "In", "node_1")],
                 "matchExpressions": [_expr("foo", "In", "bar")]}]), {"foo": "bar"}, "node_2", False),
    # one term: both matchFields and matchExpressions match
    (_required([{"matchFields": [_expr("metadata.name", "In", "node_1")],
                 "matchExpressions": [_expr("foo", "In", "bar")]}]), {"foo": "bar"}, "node_1", True),
    # two terms: both matchFields and matchExpressions do not match
    (_required([{"matchFields": [_expr("metadata.name", "In", "node_1")]},
                {"matchExpressions": [_expr("foo", "In", "not-match-to-bar")]}]), {"foo": "bar"}, "node_2", False),
    # a node without a name has no fields: matchFields is not checked (nodeSelectorTerm.match)
    (_required([{"matchFields": [_expr("metadata.name", "In", "node_1")]}]), {}, "", True),
])
def test_pod_matches_node_selector_and_affinity_terms(node_selector, labels, name, want):
    assert node_selector_matches(node_selector, labels, {"metadata.name": name}) is want


def test_invalid_value_in_affinity_term_is_an_error():
    # Go: "Pod with an invalid value in Affinity term won't be scheduled onto the node" (Match
    # returns false plus this error, which the scheduler drops).
    ns = _required([{"matchExpressions": [_expr("foo", "NotIn", "invalid value: ___@#$%^")]}])
    with pytest.raises(SelectorError) as info:
        node_selector_matches(ns, {"foo": "bar"}, {"metadata.name": "n"}, field="spec.affinity")
    assert info.value.field == "spec.affinity.nodeSelectorTerms[0].matchExpressions[0].values[0]"


# --- Property: the string form round-trips --------------------------------------------------------

KEYS = ["a", "b", "in", "notin", "example.com/app", "x-1"]
VALUES = ["", "v", "w", "in", "notin", "1", "10", "007"]


def _requirements():
    key = st.sampled_from(KEYS)
    value = st.sampled_from(VALUES)
    number = st.integers(min_value=0, max_value=200).map(str)
    return st.one_of(
        st.builds(Requirement, key, st.sampled_from(["In", "NotIn"]),
                  st.lists(value, min_size=1, max_size=3).map(tuple)),
        st.builds(Requirement, key, st.sampled_from(["=", "==", "!="]), value.map(lambda v: (v,))),
        st.builds(Requirement, key, st.sampled_from(["Exists", "DoesNotExist"])),
        st.builds(Requirement, key, st.sampled_from(["Gt", "Lt"]), number.map(lambda v: (v,))),
    )


selectors = st.lists(_requirements(), max_size=4).map(lambda reqs: LabelSelector(tuple(reqs)))
label_maps = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES + ["3", "x"]), max_size=5)


@settings(max_examples=150, deadline=None)
@given(selectors, st.lists(label_maps, min_size=1, max_size=5))
def test_string_form_round_trips(selector, maps):
    parsed = parse_selector(str(selector))
    assert parsed == selector
    assert str(parsed) == str(selector)
    for labels in maps:
        assert parsed.matches(labels) == selector.matches(labels)
