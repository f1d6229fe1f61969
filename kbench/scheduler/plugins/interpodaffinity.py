"""InterPodAffinity: required and preferred (anti-)affinity between pods, per topology domain.
pkg/scheduler/framework/plugins/interpodaffinity/ (filtering.go, scoring.go, plugin.go) and
framework/types.go (AffinityTerm, getNamespacesFromPodAffinityTerm).

Two kinds of affinity terms are compiled, each with a count per topology domain that bind()
keeps up to date as pods are placed:

* *terms* of the pending pods (their required affinity, required anti-affinity and preferred
  terms, namespaceSelector merged into namespaces as PreFilter / PreScore do): ``matched``
  counts the bound pods the term selects, per domain of the node they are on. The required
  affinity terms of a pod each select the pods matching ALL of them (podMatchesAllAffinityTerms).
* *owned terms* of the bound pods (required anti-affinity for Filter; required affinity with
  hardPodAffinityWeight and preferred terms with their signed weights for Score): ``owners``
  counts the bound pods owning the term, per domain. A pending pod is checked against the
  owned terms whose selector matches it (namespaceSelector read against the labels of its
  namespace).

A term is shared by every template that has it; so is an owned term, by (term, role, weight).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np

from kbench._jit import njit
from kbench.api.labels import LabelSelector, selector_from_dict
from kbench.errors import SelectorError
from kbench.scheduler.args import InterPodAffinityArgs
from kbench.scheduler.boundpods import body_table, bound_pods_of
from kbench.scheduler.podgroups import namespace_labels, pod_groups, unique_pairs

NAME = "InterPodAffinity"
# filtering.go
REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
REASON_AFFINITY = "node(s) didn't match pod affinity rules"
REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
#: Filter reasons with code UnschedulableAndUnresolvable (the others are Unschedulable).
UNRESOLVABLE_REASONS = (REASON_AFFINITY,)

# Filter's verdicts, indexes of AffinityData.reasons
PASS, AFFINITY, ANTI_AFFINITY, EXISTING_ANTI_AFFINITY = 0, 1, 2, 3
MAX_NODE_SCORE = 100
REQUIRED, PREFERRED = "requiredDuringSchedulingIgnoredDuringExecution", \
    "preferredDuringSchedulingIgnoredDuringExecution"


class AffinityData(NamedTuple):
    domain: np.ndarray            # int32 [topology keys, nodes]: domain of the node, -1: no label
    # terms of the pending pods
    term_key: np.ndarray          # int32 [terms]: row of domain
    term_start: np.ndarray        # int64 [terms + 1]: CSR offsets into matched
    matched: np.ndarray           # int64 [domains]: bound pods the term selects; bind() adds
    matched_total: np.ndarray     # int64 [terms]: their sum (pods on nodes with the key)
    # terms the bound pods own
    owned_key: np.ndarray         # int32 [owned terms]: row of domain
    owned_start: np.ndarray       # int64 [owned terms + 1]: CSR offsets into owners
    owners: np.ndarray            # int64 [domains]: bound pods owning the term; bind() adds
    # per template (CSR offsets *_start [templates + 1] into the entries after them)
    affinity_start: np.ndarray    # required podAffinity
    affinity_term: np.ndarray     # int32: terms selecting the pods that match all of them
    self_affinity: np.ndarray     # bool [templates]: the pod matches all its affinity terms
    anti_start: np.ndarray        # required podAntiAffinity
    anti_term: np.ndarray         # int32: terms
    preferred_start: np.ndarray   # preferred podAffinity and podAntiAffinity
    preferred_term: np.ndarray    # int32: terms
    preferred_weight: np.ndarray  # int64: weight, negative for anti-affinity
    existing_anti_start: np.ndarray  # existing pods' required anti-affinity matching the pod
    existing_anti: np.ndarray     # int32: owned terms
    existing_start: np.ndarray    # existing pods' scoring terms matching the pod
    existing_term: np.ndarray     # int32: owned terms
    existing_weight: np.ndarray   # int64: weight, negative for anti-affinity
    match_start: np.ndarray       # terms selecting the pod: a placed pod adds to matched
    match_term: np.ndarray        # int32
    own_start: np.ndarray         # owned terms of the pod: a placed pod adds to owners
    own_term: np.ndarray          # int32 (repeated when the pod has a term twice)
    skip_score: np.ndarray        # bool [templates]: PreScore returns Skip
    reasons: np.ndarray           # int32 [4]: batch reason ids of the verdicts
    # for DefaultPreemption's dry run, which takes bound pods off a node
    term_groups: np.ndarray       # bool [terms, pod groups]: the term selects the group's pods
    bound_owned_start: np.ndarray  # int64 [bound pods + 1]: CSR offsets into bound_owned
    bound_owned: np.ndarray       # int32: owned terms of each bound pod (PodGroups order)


# ---------------------------------------------------------------------------
# Compile
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """types.go AffinityTerm: a PodAffinityTerm with its selectors parsed and namespaces
    defaulted (no namespaces and no namespaceSelector: the pod's own namespace)."""

    selector: LabelSelector
    namespaces: frozenset
    namespace_selector: LabelSelector
    topology_key: str

    @classmethod
    def parse(cls, term: dict, namespace: str) -> "Term":
        namespaces = term.get("namespaces") or []
        if not namespaces and term.get("namespaceSelector") is None:
            namespaces = [namespace]
        return cls(selector_from_dict(term.get("labelSelector")), frozenset(namespaces),
                   selector_from_dict(term.get("namespaceSelector")),
                   term.get("topologyKey") or "")

    def identity(self) -> tuple:
        return (str(self.selector), self.selector.matches_nothing, self.namespaces,
                str(self.namespace_selector), self.namespace_selector.matches_nothing,
                self.topology_key)

    def merged_namespaces(self, labels: dict[str, dict]):
        """plugin.go mergeAffinityTermNamespacesIfNotEmpty, as a test on namespace names: the
        names selected by a non-empty namespaceSelector join the namespaces; an empty one
        ({}) selects every namespace."""
        if self.namespace_selector.empty:
            return lambda name: True
        names = set(self.namespaces) | {name for name, ns_labels in labels.items()
                                        if self.namespace_selector.matches(ns_labels)}
        return lambda name: name in names

    def existing_namespaces(self, labels: dict[str, dict]):
        """AffinityTerm.Matches for an existing pod's term: the incoming pod's namespace is
        listed or its labels are selected ({} for a namespace not in the cluster)."""
        return lambda name: (name in self.namespaces
                             or self.namespace_selector.matches(labels.get(name) or {}))


def _section(spec: dict, kind: str) -> dict:
    return ((spec.get("affinity") or {}).get(kind)) or {}


def _has_terms(spec: dict) -> bool:
    """Whether the spec has a podAffinity or podAntiAffinity section (else it has no terms)."""
    affinity = spec.get("affinity") or {}
    return bool(affinity.get("podAffinity") or affinity.get("podAntiAffinity"))


def required_terms(spec: dict, kind: str, namespace: str) -> list[Term]:
    return [Term.parse(term, namespace) for term in _section(spec, kind).get(REQUIRED) or []]


def preferred_terms(spec: dict, kind: str, namespace: str) -> list[tuple[Term, int]]:
    return [(Term.parse(weighted.get("podAffinityTerm") or {}, namespace),
             int(weighted.get("weight") or 0))
            for weighted in _section(spec, kind).get(PREFERRED) or []]


class _Compiler:
    def __init__(self, batch, placed_templates, placed_nodes) -> None:
        self.batch = batch
        self.groups = pod_groups(batch)
        self.keys: dict[str, int] = {}
        self.domains: list[np.ndarray] = []
        self.terms: dict[tuple, int] = {}
        self.term_key: list[int] = []
        self.term_masks: list[np.ndarray] = []
        self.owned: dict[tuple, int] = {}
        self.owned_key: list[int] = []
        self.owned_masks: list[np.ndarray] = []  # templates each owned term matches
        self.owned_weight: list[int | None] = []  # None: required anti-affinity
        self._selector_masks: dict[tuple, np.ndarray] = {}
        self.placed_templates, self.placed_nodes = placed_templates, placed_nodes

    @cached_property
    def namespace_labels(self) -> dict[str, dict]:
        """The live Namespaces' labels (read when a term is first compiled)."""
        return namespace_labels(self.batch.state)

    @cached_property
    def pod_group(self) -> np.ndarray:
        """The group of each pod the terms count: the bound ones, then those placed earlier
        this pass (read only when some term is to count them)."""
        groups = self.groups
        return np.concatenate([groups.bound_group, groups.template_group[self.placed_templates]])

    @cached_property
    def pod_node(self) -> np.ndarray:
        """The node position of each pod of pod_group."""
        return np.concatenate([self.groups.bound_node, self.placed_nodes]).astype(np.int64)

    def key(self, topology_key: str) -> int:
        """Row of the topology key's domains: compact ids of its values, -1 without it."""
        if topology_key not in self.keys:
            codes = self.batch.node_labels.column(topology_key).astype(np.int64)
            values, ids = np.unique(codes, return_inverse=True)
            ids = ids.reshape(-1) - (1 if len(values) and values[0] < 0 else 0)
            self.keys[topology_key] = len(self.domains)
            self.domains.append(np.where(codes >= 0, ids, -1).astype(np.int32))
        return self.keys[topology_key]

    def group_mask(self, term: Term, merged: bool) -> np.ndarray:
        """The pod groups the term selects (namespace and labels)."""
        identity = (term.identity(), merged)
        if identity not in self._selector_masks:
            accepts = (term.merged_namespaces(self.namespace_labels) if merged
                       else term.existing_namespaces(self.namespace_labels))
            self._selector_masks[identity] = (self.groups.namespace_mask(accepts)
                                              & self.groups.labels.selector(term.selector))
        return self._selector_masks[identity]

    def term(self, mask: np.ndarray, topology_key: str) -> int:
        """A term of a pending pod: the pod groups it selects and its topology key."""
        identity = (np.packbits(mask).tobytes(), len(mask), topology_key)
        if identity not in self.terms:
            self.terms[identity] = len(self.term_key)
            self.term_key.append(self.key(topology_key))
            self.term_masks.append(mask)
        return self.terms[identity]

    def owned_term(self, term: Term, weight: int | None) -> int:
        """A term an existing pod owns: required anti-affinity (weight None) or a scoring one."""
        identity = (term.identity(), weight)
        if identity not in self.owned:
            self.owned[identity] = len(self.owned_key)
            self.owned_key.append(self.key(term.topology_key))
            self.owned_masks.append(self.group_mask(term, merged=False)[
                self.groups.template_group])
            self.owned_weight.append(weight)
        return self.owned[identity]

    def counts(self, key_rows: list[int], pod_lists: list[np.ndarray]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per term: pods (node positions) -> counts per domain of the term's key; CSR."""
        sizes, parts, totals = [], [], []
        for row, nodes in zip(key_rows, pod_lists):
            domain = self.domains[row]
            size = int(domain.max()) + 1 if len(domain) else 0
            where = domain[nodes]
            where = where[where >= 0]
            parts.append(np.bincount(where, minlength=size).astype(np.int64))
            sizes.append(size)
            totals.append(len(where))
        start = np.zeros(len(sizes) + 1, dtype=np.int64)
        start[1:] = np.cumsum(sizes)
        values = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        return start, values, np.array(totals, dtype=np.int64)


def _owned_terms(compiler: _Compiler, spec: dict, namespace: str, filtering: bool,
                 scoring: bool, args: InterPodAffinityArgs) -> list[int]:
    """The owned terms of a pod with this spec (a term twice is listed twice)."""
    owned = []
    try:
        if filtering:
            owned += [compiler.owned_term(term, None)
                      for term in required_terms(spec, "podAntiAffinity", namespace)]
        if scoring:
            if args.hard_pod_affinity_weight > 0:
                owned += [compiler.owned_term(term, args.hard_pod_affinity_weight)
                          for term in required_terms(spec, "podAffinity", namespace)]
            owned += [compiler.owned_term(term, weight)
                      for term, weight in preferred_terms(spec, "podAffinity", namespace)]
            owned += [compiler.owned_term(term, -weight)
                      for term, weight in preferred_terms(spec, "podAntiAffinity", namespace)]
    except SelectorError:  # the API server rejects such pods
        return []
    return owned


def _bodies_with_terms(state, bodies: np.ndarray) -> np.ndarray:
    """The distinct body codes among ``bodies`` whose spec has podAffinity or podAntiAffinity
    (each body read once per cluster)."""
    bodies = bodies[bodies >= 0]
    if len(bodies) == 0:
        return np.zeros(0, dtype=np.int64)
    table = body_table(state, bodies)
    return np.unique(bodies[table.has_terms[table.index(bodies)]]).astype(np.int64)


def compile_affinity(batch, profile, placed_templates=None, placed_nodes=None) -> AffinityData:
    """Terms, owned terms, their counts and the per-template entries of the profile's
    InterPodAffinity (empty when the profile does not run it). ``placed_*``: pods placed
    earlier in this scheduling pass (template index, node position), counted as bound."""
    empty = np.zeros(0, dtype=np.int64)
    placed_templates = empty if placed_templates is None else placed_templates
    placed_nodes = empty if placed_nodes is None else placed_nodes
    filtering = profile.enabled(NAME, "filter")
    scoring = any(name == NAME for name, _ in profile.scores())
    args = profile.plugin_args.get(NAME) or InterPodAffinityArgs()
    compiler = _Compiler(batch, placed_templates, placed_nodes)
    groups = compiler.groups
    count = len(batch.templates)
    affinity, anti, preferred = ([[] for _ in range(count)] for _ in range(3))
    self_affinity = np.zeros(count, dtype=np.bool_)
    skip_score = np.zeros(count, dtype=np.bool_)
    own = []
    for template in batch.templates:
        t, spec, namespace = template.index, template.spec, template.namespace
        if not _has_terms(spec):  # most pods: nothing to parse
            own.append([])
            skip_score[t] = scoring and args.ignore_preferred_terms_of_existing_pods
            continue
        own.append(_owned_terms(compiler, spec, namespace, filtering, scoring, args))
        try:
            if filtering:
                terms = required_terms(spec, "podAffinity", namespace)
                masks = [compiler.group_mask(term, merged=True) for term in terms]
                both = np.logical_and.reduce(masks) if masks else None
                affinity[t] = [(compiler.term(both, term.topology_key),) for term in terms]
                self_affinity[t] = bool(terms) and bool(both[groups.template_group[t]])
                anti[t] = [(compiler.term(compiler.group_mask(term, merged=True),
                                          term.topology_key),)
                           for term in required_terms(spec, "podAntiAffinity", namespace)]
            if scoring:
                weighted = ([(term, w) for term, w in preferred_terms(spec, "podAffinity",
                                                                       namespace)]
                            + [(term, -w) for term, w in preferred_terms(
                                spec, "podAntiAffinity", namespace)])
                preferred[t] = [(compiler.term(compiler.group_mask(term, merged=True),
                                               term.topology_key), w) for term, w in weighted]
                skip_score[t] = args.ignore_preferred_terms_of_existing_pods and not weighted
        except SelectorError:  # the API server rejects such pods
            affinity[t], anti[t], preferred[t] = [], [], []
    # the owned terms of the bound pods, parsed once per (namespace, body)
    owners_of: list[tuple[list[int], np.ndarray]] = []  # (owned terms, nodes of the pods)
    owned_by: list[tuple[list[int], np.ndarray]] = []   # (owned terms, bound pod indexes)
    # only the pods whose body has (anti-)affinity terms (each body read once per cluster)
    totals = bound_pods_of(batch)
    with_terms = (_bodies_with_terms(batch.state, groups.bound_body) if totals.term_pods
                  else np.zeros(0, dtype=np.int64))
    if len(with_terms):
        subset = np.flatnonzero(np.isin(groups.bound_body, with_terms))
        unique, inverse = unique_pairs(groups.bound_group[subset], groups.bound_body[subset])
        order = subset[np.argsort(inverse, kind="stable")]  # the pods, pair by pair
        bounds = np.concatenate([[0], np.cumsum(np.bincount(inverse))])
        for i, (group, body) in enumerate(unique.tolist()):
            spec = (batch.state.strings.document(int(body)) or {}).get("spec") or {}
            if _section(spec, "podAffinity") or _section(spec, "podAntiAffinity"):
                members = order[bounds[i]:bounds[i + 1]]
                owned_terms = _owned_terms(compiler, spec, groups.namespaces[group],
                                           filtering, scoring, args)
                owners_of.append((owned_terms, groups.bound_node[members]))
                owned_by.append((owned_terms, members))
    for t, node in zip(placed_templates.tolist(), placed_nodes.tolist()):
        owners_of.append((own[t], np.array([node], dtype=np.int64)))
    owner_nodes: list[list[np.ndarray]] = [[] for _ in compiler.owned_key]
    for owned_terms, nodes in owners_of:
        for owned in owned_terms:
            owner_nodes[owned].append(nodes)
    # the pods each term selects
    term_nodes = [compiler.pod_node[mask[compiler.pod_group]] for mask in compiler.term_masks]
    term_start, matched, matched_total = compiler.counts(compiler.term_key, term_nodes)
    owned_start, owners, _ = compiler.counts(
        compiler.owned_key, [np.concatenate(lists) if lists else np.zeros(0, dtype=np.int64)
                             for lists in owner_nodes])
    # which terms select each template, which owned terms match it
    match = [[] for _ in range(count)]
    for term, mask in enumerate(compiler.term_masks):
        for t in np.flatnonzero(mask[groups.template_group]).tolist():
            match[t].append((term,))
    existing_anti, existing = [[] for _ in range(count)], [[] for _ in range(count)]
    for owned, (mask, weight) in enumerate(zip(compiler.owned_masks, compiler.owned_weight)):
        for t in np.flatnonzero(mask).tolist():
            if weight is None:
                existing_anti[t].append((owned,))
            else:
                existing[t].append((owned, weight))
    csr = {name: _csr(lists, width) for name, lists, width in (
        ("affinity", affinity, 1), ("anti", anti, 1), ("preferred", preferred, 2),
        ("existing_anti", existing_anti, 1), ("existing", existing, 2), ("match", match, 1),
        ("own", [[(o,) for o in owned] for owned in own], 1))}
    node_count = batch.node_count
    bound_owned_start, bound_owned = _bound_owned(owned_by, totals.count)
    return AffinityData(
        domain=(np.stack(compiler.domains) if compiler.domains
                else np.zeros((0, node_count), dtype=np.int32)),
        term_key=np.array(compiler.term_key, dtype=np.int32),
        term_start=term_start, matched=matched, matched_total=matched_total,
        owned_key=np.array(compiler.owned_key, dtype=np.int32),
        owned_start=owned_start, owners=owners,
        affinity_start=csr["affinity"][0], affinity_term=_column(csr["affinity"], 0),
        self_affinity=self_affinity,
        anti_start=csr["anti"][0], anti_term=_column(csr["anti"], 0),
        preferred_start=csr["preferred"][0], preferred_term=_column(csr["preferred"], 0),
        preferred_weight=csr["preferred"][1][:, 1].copy(),
        existing_anti_start=csr["existing_anti"][0],
        existing_anti=_column(csr["existing_anti"], 0),
        existing_start=csr["existing"][0], existing_term=_column(csr["existing"], 0),
        existing_weight=csr["existing"][1][:, 1].copy(),
        match_start=csr["match"][0], match_term=_column(csr["match"], 0),
        own_start=csr["own"][0], own_term=_column(csr["own"], 0),
        skip_score=skip_score,
        reasons=np.array([0, batch.reasons.id(REASON_AFFINITY),
                          batch.reasons.id(REASON_ANTI_AFFINITY),
                          batch.reasons.id(REASON_EXISTING_ANTI_AFFINITY)], dtype=np.int32),
        term_groups=(np.stack(compiler.term_masks) if compiler.term_masks
                     else np.zeros((0, len(groups.namespaces)), dtype=np.bool_)),
        bound_owned_start=bound_owned_start, bound_owned=bound_owned)


def _bound_owned(owned_by: list[tuple[list[int], np.ndarray]], count: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """CSR of the owned terms of each of ``count`` bound pods."""
    if not owned_by:  # no bound pod owns a term
        return np.zeros(count + 1, dtype=np.int64), np.zeros(0, dtype=np.int32)
    sizes = np.zeros(count, dtype=np.int64)
    for terms, members in owned_by:
        sizes[members] = len(terms)
    start = np.zeros(count + 1, dtype=np.int64)
    start[1:] = np.cumsum(sizes)
    entries = np.zeros(int(start[-1]), dtype=np.int32)
    for terms, members in owned_by:
        for j, term in enumerate(terms):
            entries[start[members] + j] = term
    return start, entries


def _csr(lists: list[list[tuple]], width: int) -> tuple[np.ndarray, np.ndarray]:
    starts = np.zeros(len(lists) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, lists), dtype=np.int64, count=len(lists)), out=starts[1:])
    entries = np.array([item for items in lists for item in items], dtype=np.int64)
    return starts, entries.reshape(-1, width)


def _column(csr: tuple[np.ndarray, np.ndarray], index: int) -> np.ndarray:
    return csr[1][:, index].astype(np.int32)


# ---------------------------------------------------------------------------
# Kernel functions
# ---------------------------------------------------------------------------

@njit
def affinity_prefilter(t, affinity, verdicts):
    """filtering.go Filter on every node for a pod of template t, into ``verdicts`` (reason
    ids, 0: pass): AFFINITY (satisfyPodAffinity), else ANTI_AFFINITY
    (satisfyPodAntiAffinity), else EXISTING_ANTI_AFFINITY (satisfyExistingPodsAntiAffinity).
    The counts change only when a pod is bound, so PreFilter decides every node at once."""
    a = affinity
    verdicts[:] = 0
    first, last = a.affinity_start[t], a.affinity_start[t + 1]
    if last > first:
        # the first pod of a group with affinity to itself: no pod anywhere matches the
        # terms, but the pod matches them
        first_of_group = a.self_affinity[t]
        for e in range(first, last):
            if a.matched_total[a.affinity_term[e]] > 0:
                first_of_group = False
        for n in range(len(verdicts)):
            pods_exist = True
            for e in range(first, last):
                term = a.affinity_term[e]
                d = a.domain[a.term_key[term], n]
                if d < 0:  # every topology key must be on the node
                    verdicts[n] = a.reasons[AFFINITY]
                    break
                if a.matched[a.term_start[term] + d] <= 0:
                    pods_exist = False
            if verdicts[n] == 0 and not pods_exist and not first_of_group:
                verdicts[n] = a.reasons[AFFINITY]
    for e in range(a.anti_start[t], a.anti_start[t + 1]):
        term = a.anti_term[e]
        _reject_counted(a.domain[a.term_key[term]],
                        a.matched[a.term_start[term]:a.term_start[term + 1]],
                        a.reasons[ANTI_AFFINITY], verdicts)
    for e in range(a.existing_anti_start[t], a.existing_anti_start[t + 1]):
        owned = a.existing_anti[e]
        _reject_counted(a.domain[a.owned_key[owned]],
                        a.owners[a.owned_start[owned]:a.owned_start[owned + 1]],
                        a.reasons[EXISTING_ANTI_AFFINITY], verdicts)


@njit
def affinity_filter_without(t, n, affinity, removed_affinity, removed_anti, removed_owners):
    """Filter on node n for a pod of template t once pods are taken off n (DefaultPreemption's
    dry run): removed_affinity[k] / removed_anti[k] of them were selected by the template's
    k-th required affinity / anti-affinity term, removed_owners[k] owned its k-th matching
    existing anti-affinity term. The reason id (0: pass), as affinity_prefilter."""
    a = affinity
    first, last = a.affinity_start[t], a.affinity_start[t + 1]
    if last > first:
        first_of_group = a.self_affinity[t]
        pods_exist = True
        for e in range(first, last):
            term = a.affinity_term[e]
            d = a.domain[a.term_key[term], n]
            less = removed_affinity[e - first] if d >= 0 else 0
            if a.matched_total[term] - less > 0:
                first_of_group = False
        for e in range(first, last):
            term = a.affinity_term[e]
            d = a.domain[a.term_key[term], n]
            if d < 0:
                return a.reasons[AFFINITY]
            if a.matched[a.term_start[term] + d] - removed_affinity[e - first] <= 0:
                pods_exist = False
        if not pods_exist and not first_of_group:
            return a.reasons[AFFINITY]
    first = a.anti_start[t]
    for e in range(first, a.anti_start[t + 1]):
        term = a.anti_term[e]
        d = a.domain[a.term_key[term], n]
        if d >= 0 and a.matched[a.term_start[term] + d] - removed_anti[e - first] > 0:
            return a.reasons[ANTI_AFFINITY]
    first = a.existing_anti_start[t]
    for e in range(first, a.existing_anti_start[t + 1]):
        owned = a.existing_anti[e]
        d = a.domain[a.owned_key[owned], n]
        if d >= 0 and a.owners[a.owned_start[owned] + d] - removed_owners[e - first] > 0:
            return a.reasons[EXISTING_ANTI_AFFINITY]
    return 0


@njit
def _reject_counted(domain, counts, reason, verdicts):
    """Nodes not yet rejected, in a domain with a count, get ``reason``."""
    for n in range(len(verdicts)):
        d = domain[n]
        if verdicts[n] == 0 and d >= 0 and counts[d] > 0:
            verdicts[n] = reason


@njit
def affinity_scores(t, feasible, count, affinity, scores):
    """scoring.go PreScore and Score: the weights of the terms matching across the pod and
    the pods bound in each feasible node's domains, summed."""
    a = affinity
    preferred_first, preferred_last = a.preferred_start[t], a.preferred_start[t + 1]
    existing_first, existing_last = a.existing_start[t], a.existing_start[t + 1]
    if preferred_first == preferred_last and existing_first == existing_last:
        scores[:count] = 0
        return
    for i in range(count):
        n = feasible[i]
        score = 0
        for e in range(preferred_first, preferred_last):
            term = a.preferred_term[e]
            d = a.domain[a.term_key[term], n]
            if d >= 0:
                score += a.preferred_weight[e] * a.matched[a.term_start[term] + d]
        for e in range(existing_first, existing_last):
            owned = a.existing_term[e]
            d = a.domain[a.owned_key[owned], n]
            if d >= 0:
                score += a.existing_weight[e] * a.owners[a.owned_start[owned] + d]
        scores[i] = score


@njit
def affinity_normalize(scores, count):
    """scoring.go NormalizeScore: min-max scaling to [0, 100], truncated; all 0 when equal."""
    lowest = scores[0]
    highest = scores[0]
    for i in range(count):
        lowest = min(lowest, scores[i])
        highest = max(highest, scores[i])
    diff = highest - lowest
    for i in range(count):
        if diff > 0:
            scores[i] = np.int64(float(MAX_NODE_SCORE) * (float(scores[i] - lowest)
                                                          / float(diff)))
        else:
            scores[i] = 0


@njit
def affinity_bind(t, n, affinity):
    """A pod of template t placed on node n joins the terms selecting it and owns its terms."""
    a = affinity
    for e in range(a.match_start[t], a.match_start[t + 1]):
        term = a.match_term[e]
        d = a.domain[a.term_key[term], n]
        if d >= 0:
            a.matched[a.term_start[term] + d] += 1
            a.matched_total[term] += 1
    for e in range(a.own_start[t], a.own_start[t + 1]):
        owned = a.own_term[e]
        d = a.domain[a.owned_key[owned], n]
        if d >= 0:
            a.owners[a.owned_start[owned] + d] += 1
