"""PodTopologySpread: spread the pods matching a selector evenly over topology domains.
pkg/scheduler/framework/plugins/podtopologyspread/ (common.go, filtering.go, scoring.go,
plugin.go) and plugins/helper/spread.go (DefaultSelector).

A template's constraints become *constraint instances*, shared by every template with the
same (topology key, selector, namespace, counted nodes): each instance holds, per topology
domain, the number of matching pods on its counted nodes (filtering.go TpValueToMatchNum,
scoring.go TopologyPairToPodCounts). bind() adds a placed pod to every instance whose
selector matches it, so the counts are always those of the pods bound so far. PreFilter
(spread_prefilter, once per pod) takes each instance's minimum over its domains and gives
every node its Filter verdict; Score weighs the counts of the node's domains by the number
of domains among the feasible nodes.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from kbench._jit import njit
from kbench.api.labels import LabelSelector, selector_from_dict
from kbench.errors import SelectorError
from kbench.scheduler.args import SYSTEM_DEFAULTING, PodTopologySpreadArgs
from kbench.scheduler.plugins.nodeaffinity import required_mask
from kbench.scheduler.plugins.tolerations import first_untolerated
from kbench.scheduler.boundpods import bound_pods_of
from kbench.scheduler.podgroups import pod_groups

NAME = "PodTopologySpread"
# plugin.go
REASON_MISMATCH = "node(s) didn't match pod topology spread constraints"
REASON_MISSING_LABEL = REASON_MISMATCH + " (missing required label)"
#: Filter reasons with code UnschedulableAndUnresolvable (the others are Unschedulable).
UNRESOLVABLE_REASONS = (REASON_MISSING_LABEL,)

HOSTNAME = "kubernetes.io/hostname"  # v1.LabelHostname
DO_NOT_SCHEDULE, SCHEDULE_ANYWAY = "DoNotSchedule", "ScheduleAnyway"
HONOR = "Honor"

# Filter's verdicts, indexes of SpreadData.reasons
PASS, MISMATCH, MISSING_LABEL = 0, 1, 2
MAX_INT32 = 2 ** 31 - 1
MAX_INT64 = 2 ** 63 - 1
MAX_NODE_SCORE = 100


class SpreadData(NamedTuple):
    # constraint instances
    domain: np.ndarray          # int32 [instances, nodes]: the node's domain (nodes without the
                                #   topology key share the domain of the value "")
    has_key: np.ndarray         # bool [instances, nodes]: the node has the topology key
    counted: np.ndarray         # bool [instances, nodes]: the node's pods are counted
    per_node: np.ndarray        # bool [instances]: a Score constraint on the hostname: one
                                #   domain per node, every node counted
    start: np.ndarray           # int64 [instances + 1]: CSR offsets into counts
    counts: np.ndarray          # int64 [domains]: matching pods per domain; bind() adds to it
    registered: np.ndarray      # bool [domains]: the domain of a counted node (Filter's domains)
    marks: np.ndarray           # bool [domains]: scratch of spread_scores, all False between calls
    # per template: Filter's constraints (DoNotSchedule)
    filter_start: np.ndarray    # int64 [templates + 1]: CSR offsets into the filter_* entries
    filter_instance: np.ndarray  # int32 [entries]
    filter_max_skew: np.ndarray  # int64 [entries]
    filter_min_domains: np.ndarray  # int64 [entries]
    filter_self: np.ndarray     # int64 [entries]: 1 when the selector matches the pod itself
    # per template: Score's constraints (ScheduleAnyway)
    score_start: np.ndarray     # int64 [templates + 1]: CSR offsets into the score_* entries
    score_instance: np.ndarray  # int32 [entries]
    score_max_skew: np.ndarray  # int64 [entries]
    require_all: np.ndarray     # bool [templates]: feasible nodes lacking a key are ignored
    # per template: the instances its placed pods are counted in
    bind_start: np.ndarray      # int64 [templates + 1]
    bind_instance: np.ndarray   # int32 [entries]
    reasons: np.ndarray         # int32 [3]: batch reason ids of PASS, MISMATCH, MISSING_LABEL
    group_match: np.ndarray     # bool [instances, pod groups]: the instance counts the group's
                                #   pods (DefaultPreemption's dry run takes victims out)


# ---------------------------------------------------------------------------
# Compile: constraints (common.go) -> instances and counts
# ---------------------------------------------------------------------------

@dataclass
class Constraint:
    """common.go topologySpreadConstraint: a v1.TopologySpreadConstraint, selector parsed."""

    max_skew: int
    topology_key: str
    selector: LabelSelector
    min_domains: int
    node_affinity_policy: str
    node_taints_policy: str


def parse_constraints(constraints: list[dict], labels: dict, action: str) -> list[Constraint]:
    """filterTopologySpreadConstraints: those with whenUnsatisfiable == action, matchLabelKeys
    merged into the selector (mergeLabelSetWithSelector) and the policies defaulted."""
    result = []
    for c in constraints:
        if c.get("whenUnsatisfiable") != action:
            continue
        selector = selector_from_dict(c.get("labelSelector"))
        match_labels = {key: labels[key] for key in c.get("matchLabelKeys") or []
                        if key in labels}
        if match_labels and not selector.matches_nothing:
            selector = LabelSelector.from_set(match_labels).add(*selector.requirements)
        min_domains = c.get("minDomains")
        result.append(Constraint(
            max_skew=int(c.get("maxSkew") or 0), topology_key=c.get("topologyKey") or "",
            selector=selector, min_domains=1 if min_domains is None else int(min_domains),
            node_affinity_policy=c.get("nodeAffinityPolicy") or HONOR,
            node_taints_policy=c.get("nodeTaintsPolicy") or "Ignore"))
    return result


def default_selector(batch, template, labels: int, owners: int) -> LabelSelector:
    """helper.DefaultSelector: the selectors of the Services selecting the pod, merged, plus
    that of its controlling ReplicaSet or StatefulSet (ReplicationControllers are not kinds
    kbench stores). ``labels``, ``owners``: the template's labels and owner references
    codes. Kept between batches per (namespace, labels, owner references) while the
    namespace's Services and the controller's row stay the same."""
    state = batch.state
    services = _services(batch).get(template.namespace, [])
    if not services and owners < 0:  # no Service to select it, no controller
        return EVERYTHING
    key = (template.namespace, labels, owners)
    known = _DEFAULT_SELECTORS.setdefault(state.strings, {})
    kept = known.get(key)
    if kept is not None and kept.services == services and kept.owner_same(state):
        return kept.selector
    kept = _default_selector(state, template, services, key[2])
    known[key] = kept
    return kept.selector


EVERYTHING = LabelSelector()


class _DefaultSelector(NamedTuple):
    """default_selector's result and what it read of the cluster: the Services' selectors,
    and the controller's row (table None: no ReplicaSet or StatefulSet to look up; row -1:
    none found) with its name, namespace and selector codes."""

    selector: LabelSelector
    services: list
    table: str | None
    row: int
    codes: tuple

    def owner_same(self, state) -> bool:
        """Whether the controller lookup would read the same: the row is still the live
        object of that name (names are unique among the live objects of a namespace)."""
        if self.table is None:
            return True
        if self.row < 0:
            return False
        table = state.tables[self.table]
        return bool(len(table) > self.row and table.alive[self.row]) and self.codes == (
            int(table["name"][self.row]), int(table["namespace"][self.row]),
            int(table["selector"][self.row]))


#: per cluster (its string table): (namespace, labels code, owner references code) ->
#: _DefaultSelector
_DEFAULT_SELECTORS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _default_selector(state, template, services: list, owners: int) -> _DefaultSelector:
    labels = template.labels
    label_set: dict[str, str] = {}
    for selector in services:  # GetPodServices
        if all(labels.get(k) == v for k, v in selector.items()):
            label_set.update(selector)
    selector = LabelSelector.from_set(label_set)
    owner = _controller(state, owners)
    if owner is None or owner.get("apiVersion") != "apps/v1":
        return _DefaultSelector(selector, services, None, -1, ())
    table = {"ReplicaSet": "replicasets", "StatefulSet": "statefulsets"}.get(owner.get("kind"))
    if table is None:
        return _DefaultSelector(selector, services, None, -1, ())
    row = state.find(table, owner.get("name") or "", template.namespace)
    if row < 0:
        return _DefaultSelector(selector, services, table, -1, ())
    columns = state.tables[table]
    codes = (int(columns["name"][row]), int(columns["namespace"][row]),
             int(columns["selector"][row]))
    other = _selector(state, codes[2])
    if other is not None and not other.matches_nothing:  # invalid, or nil: Requirements()
        selector = selector.add(*other.requirements)     # not selectable
    return _DefaultSelector(selector, services, table, row, codes)


#: per cluster (its string table): what default_selector read of string codes (owner
#: references -> the controller's reference, selectors -> LabelSelector or None if invalid)
_READ: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _read(state, kind: str, code: int, parse):
    known = _READ.setdefault(state.strings, {})
    key = (kind, code)
    if key not in known:
        known[key] = parse(state.strings.document(code))
    return known[key]


def _controller(state, code: int) -> dict | None:
    """The controller's owner reference in the owner references of this code (read only)."""
    return _read(state, "controller", code, lambda owners: next(
        (ref for ref in owners or [] if ref.get("controller")), None))


def _parsed_selector(document) -> LabelSelector | None:
    try:
        return selector_from_dict(document)
    except SelectorError:
        return None


def _selector(state, code: int) -> LabelSelector | None:
    """The label selector of this code (None: invalid)."""
    return _read(state, "selector", code, _parsed_selector)


def _services(batch) -> dict[str, list[dict]]:
    """The non-nil selectors of the Services, by namespace (nil selects nothing)."""
    cached = getattr(batch, "_service_selectors", None)
    if cached is None:
        state = batch.state
        services = state.tables["services"]
        cached = {}
        for namespace, code in zip(services["namespace"][services.live_rows()].tolist(),
                                   services["selector"][services.live_rows()].tolist()):
            selector = state.strings.document(int(code))
            if selector is not None:
                cached.setdefault(state.strings[int(namespace)], []).append(selector)
        batch._service_selectors = cached
    return cached


class TemplateConstraints:
    """filtering.go getConstraints / scoring.go initPreScoreState for the templates of one
    batch under one args: a template's own constraints if it has any, else the defaults
    with DefaultSelector (none if that selects nothing). Parsed once per body, labels,
    action and args; the defaults once per action and args (and labels, when a default
    constraint has matchLabelKeys)."""

    def __init__(self, batch, args: PodTopologySpreadArgs) -> None:
        self.batch, self.args = batch, args
        state = batch.state
        pods = state.tables["pods"]
        rows = np.array([t.representative for t in batch.templates], dtype=np.int64)
        self.bodies = pods["body"][rows].tolist()
        self.labels = pods["labels"][rows].tolist()
        self.owners = pods["owner_references"][rows].tolist()
        #: (action, body code or "defaults", labels code, id of the args) -> (args, parsed
        #: constraints)
        self.known = _PARSED.setdefault(state.strings, {})
        self.defaults = list(args.effective_default_constraints())
        self.defaults_read_labels = any(c.get("matchLabelKeys") for c in self.defaults)

    def __call__(self, template, action: str) -> list[Constraint]:
        return self.read(template, action)[0]

    def read(self, template, action: str) -> tuple[list[Constraint], LabelSelector | None]:
        """(the constraints, the DefaultSelector they were given, None when the template's
        own constraints, or no default ones, left it unread)."""
        t = template.index
        own = template.spec.get("topologySpreadConstraints") or []
        if own:
            return list(self._parsed((action, self.bodies[t], self.labels[t], id(self.args)),
                                     lambda: parse_constraints(own, template.labels,
                                                               action))), None
        labels = self.labels[t] if self.defaults_read_labels else None
        constraints = self._parsed((action, "defaults", labels, id(self.args)),
                                   lambda: parse_constraints(self.defaults, template.labels,
                                                             action))
        if not constraints:
            return [], None
        selector = self.default_selector(template)
        if selector.empty:
            return [], selector
        return [Constraint(c.max_skew, c.topology_key, selector, c.min_domains,
                           c.node_affinity_policy, c.node_taints_policy)
                for c in constraints], selector

    def default_selector(self, template) -> LabelSelector:
        t = template.index
        return default_selector(self.batch, template, self.labels[t], self.owners[t])

    def _parsed(self, key: tuple, parse) -> tuple[Constraint, ...]:
        """parse() (empty if a selector is invalid: the API server rejects such pods), once
        per key (read only)."""
        kept = self.known.get(key)
        if kept is None or kept[0] is not self.args:
            try:
                constraints = tuple(parse())
            except SelectorError:
                constraints = ()
            kept = self.known[key] = (self.args, constraints)
        return kept[1]


#: per cluster (its string table): TemplateConstraints' parsed constraints
_PARSED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


#: per node LabelMatrix: its domains per topology key, and the read-only parts of the
#: instances made on those nodes (see _Instances.add)
_DOMAINS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_NODE_PARTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
#: per pod groups' LabelMatrix: (their namespaces, the groups each (namespace, selector)
#: counts); batches share the matrix while the groups stay the same
_GROUP_MASKS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class _NodeInstance(NamedTuple):
    """What an instance reads of the nodes alone (read only, shared between batches)."""

    domain: np.ndarray      # int32 [nodes]
    has_key: np.ndarray     # bool [nodes]
    size: int               # domains
    registered: np.ndarray  # bool [domains]
    every_node: bool        # every node is counted


class _Instances:
    """Constraint instances, deduplicated, with their initial counts."""

    def __init__(self, batch, placed_templates, placed_nodes) -> None:
        self.batch = batch
        self.groups = pod_groups(batch)
        self.totals = bound_pods_of(batch)
        self.index: dict[tuple, int] = {}
        self.domain, self.has_key, self.counted, self.per_node = [], [], [], []
        self.group_masks, self.counts, self.registered = [], [], []
        self.namespace_masks: dict[str, np.ndarray] = {}
        self.matched: dict[tuple, np.ndarray] = {}  # group_mask identity -> matching
        # the pods placed earlier this pass: counted as the bound ones not terminating
        self.placed_group = self.groups.template_group[placed_templates]
        self.placed_node = np.asarray(placed_nodes, dtype=np.int64)

    def matching(self, mask: np.ndarray) -> np.ndarray:
        """int64 [nodes]: the counted pods whose group ``mask`` selects, per node."""
        per_node = self.totals.counted_per_node(self.batch.state, self.groups.keys[mask])
        if len(self.placed_node):
            per_node += np.bincount(self.placed_node[mask[self.placed_group]],
                                    minlength=len(per_node))
        return per_node

    def domains(self, key: str) -> tuple[np.ndarray, np.ndarray, int]:
        """(domain per node, has the key per node, domain count); a node without the key is in
        the domain of the value "" (scoring.go reads node.Labels[key]). Read only: kept with
        the nodes' labels, which batches share while the nodes stay the same."""
        labels = self.batch.node_labels
        known = _DOMAINS.get(labels)
        if known is None:
            known = _DOMAINS[labels] = {}
        if key not in known:
            codes = labels.column(key).astype(np.int64)
            has_key = codes >= 0
            empty = labels.values.get("", -2)
            values, domain = np.unique(np.where(has_key, codes, empty), return_inverse=True)
            domain = domain.reshape(-1).astype(np.int32)
            domain.flags.writeable = has_key.flags.writeable = False
            known[key] = (domain, has_key, len(values))
        return known[key]

    def node_instance(self, key: str, counted: np.ndarray, counted_bits: bytes,
                      per_node: bool) -> _NodeInstance:
        """The instance's domains and registered domains on the batch's nodes."""
        labels = self.batch.node_labels
        known = _NODE_PARTS.get(labels)
        if known is None:
            known = _NODE_PARTS[labels] = {}
        identity = (key, per_node, counted_bits)
        if identity not in known:
            domain, has_key, size = self.domains(key)
            if per_node:
                size = self.batch.node_count
                domain = np.arange(size, dtype=np.int32)
                domain.flags.writeable = False
            registered = np.zeros(size, dtype=np.bool_)
            registered[domain[counted]] = True
            registered.flags.writeable = False
            known[identity] = _NodeInstance(domain, has_key, size, registered,
                                            bool(counted.all()))
        return known[identity]

    def in_namespace(self, namespace: str) -> np.ndarray:
        """The groups in the namespace (worked out once per namespace)."""
        mask = self.namespace_masks.get(namespace)
        if mask is None:
            mask = self.namespace_masks[namespace] = self.groups.namespaces == namespace
        return mask

    def group_mask(self, namespace: str, selector: LabelSelector, identity: tuple
                   ) -> np.ndarray:
        """countPodsMatchSelector: the groups in the namespace the selector matches; an empty
        selector counts nothing (read only). ``identity``: (namespace, selector as text,
        matches nothing)."""
        groups = self.groups
        known = _GROUP_MASKS.get(groups.labels)
        if known is None or known[0] is not groups.namespaces:
            known = _GROUP_MASKS[groups.labels] = (groups.namespaces, {})
        mask = known[1].get(identity)
        if mask is None:
            mask = np.zeros(len(groups.namespaces), dtype=np.bool_)
            if not selector.empty:
                mask = groups.labels.selector(selector) & self.in_namespace(namespace)
            mask.flags.writeable = False
            known[1][identity] = mask
        return mask

    def add(self, entry: "_Entry") -> int:
        """The instance of a template's constraint (made the first time it is seen)."""
        found = self.index.get(entry.identity)
        if found is not None:
            return found
        identity, selector, key, counted, per_node = entry
        nodes = self.node_instance(key, counted, identity[5], per_node)
        selecting = identity[:3]  # the instances of one selector count the same pods
        mask = self.group_mask(identity[0], selector, selecting)
        matching = self.matched.get(selecting)
        if matching is None:
            matching = self.matched[selecting] = self.matching(mask)
        if per_node and nodes.every_node:  # one domain per node: the counts are matching's
            counts = matching.astype(np.int64)
        elif nodes.every_node:
            counts = np.bincount(nodes.domain, weights=matching,
                                 minlength=nodes.size).astype(np.int64)
        else:
            counts = np.bincount(nodes.domain[counted], weights=matching[counted],
                                 minlength=nodes.size).astype(np.int64)
        self.index[identity] = len(self.domain)
        self.domain.append(nodes.domain)
        self.has_key.append(nodes.has_key)
        self.counted.append(counted)
        self.per_node.append(per_node)
        self.group_masks.append(mask)
        self.counts.append(counts)
        self.registered.append(nodes.registered)
        return self.index[identity]


def compile_spread(batch, profile, placed_templates=None, placed_nodes=None) -> SpreadData:
    """The instances and per-template entries of the profile's PodTopologySpread (empty when
    the profile does not run it). ``placed_*``: pods placed earlier in this scheduling pass
    (template index, node position), counted as bound."""
    empty = np.zeros(0, dtype=np.int64)
    placed_templates = empty if placed_templates is None else placed_templates
    placed_nodes = empty if placed_nodes is None else placed_nodes
    filtering = profile.enabled(NAME, "filter")
    scoring = any(name == NAME for name, _ in profile.scores())
    args = profile.plugin_args.get(NAME) or PodTopologySpreadArgs()
    instances = _Instances(batch, placed_templates, placed_nodes)
    count, node_count = len(batch.templates), batch.node_count
    filters: list[list[tuple[int, int, int, int]]] = [[] for _ in range(count)]
    scores: list[list[tuple[int, int]]] = [[] for _ in range(count)]
    require_all = np.zeros(count, dtype=np.bool_)
    plans = _Plans(batch, args, filtering, scoring, instances)
    for template in batch.templates:
        t = template.index
        plan = plans.of(template)
        for entry, max_skew, min_domains, matches_self in plan.filters:
            filters[t].append((instances.add(entry), max_skew, min_domains, matches_self))
        for entry, max_skew in plan.scores:
            scores[t].append((instances.add(entry), max_skew))
        require_all[t] = plan.require_all
    groups = instances.groups
    bind_lists: list[list[tuple[int]]] = [[] for _ in range(count)]
    for instance, mask in enumerate(instances.group_masks):
        for t in np.flatnonzero(mask[groups.template_group]).tolist():
            bind_lists[t].append((instance,))
    total = len(instances.counts)
    sizes = [len(c) for c in instances.counts]
    start = np.zeros(total + 1, dtype=np.int64)
    start[1:] = np.cumsum(sizes)
    reasons = np.array([0, batch.reasons.id(REASON_MISMATCH),
                        batch.reasons.id(REASON_MISSING_LABEL)], dtype=np.int32)
    filter_start, filter_entries = _csr(filters, 4)
    score_start, score_entries = _csr(scores, 2)
    bind_start, bind_entries = _csr(bind_lists, 1)
    return SpreadData(
        domain=_rows(instances.domain, np.int32, node_count),
        has_key=_rows(instances.has_key, np.bool_, node_count),
        counted=_rows(instances.counted, np.bool_, node_count),
        per_node=np.array(instances.per_node, dtype=np.bool_),
        start=start,
        counts=np.concatenate(instances.counts).astype(np.int64) if total else empty.copy(),
        registered=np.concatenate(instances.registered) if total
        else np.zeros(0, dtype=np.bool_),
        marks=np.zeros(int(start[-1]), dtype=np.bool_),
        filter_start=filter_start,
        filter_instance=filter_entries[:, 0].astype(np.int32),
        filter_max_skew=filter_entries[:, 1].copy(),
        filter_min_domains=filter_entries[:, 2].copy(),
        filter_self=filter_entries[:, 3].copy(),
        score_start=score_start,
        score_instance=score_entries[:, 0].astype(np.int32),
        score_max_skew=score_entries[:, 1].copy(),
        require_all=require_all,
        bind_start=bind_start,
        bind_instance=bind_entries[:, 0].astype(np.int32),
        reasons=reasons,
        group_match=(np.stack(instances.group_masks) if total
                     else np.zeros((0, len(groups.namespaces)), dtype=np.bool_)))


class _Entry(NamedTuple):
    """A template's constraint as its instance is made: the instance's identity (namespace,
    selector as text, selector matches nothing, topology key, per node, counted nodes'
    bits), the selector, topology key, counted nodes (read only) and per_node."""

    identity: tuple
    selector: LabelSelector
    key: str
    counted: np.ndarray
    per_node: bool


class _Plan(NamedTuple):
    """A template's entries under one args: Filter's (entry, max skew, min domains, 1 when
    the selector matches the template's labels), Score's (entry, max skew) and require_all;
    ``args`` and the DefaultSelectors read (to check that they are still the ones)."""

    args: PodTopologySpreadArgs
    defaults: tuple
    filters: tuple
    scores: tuple
    require_all: bool


#: per node LabelMatrix (the nodes' names, labels and taints stay the same with it): (the
#: counted node masks by their bits, {template key: _Plan})
_PLANS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_PLANS_KEPT = 1 << 16   # plans kept per node set; past that they are made anew


class _Plans:
    """The templates' plans of one compile_spread: made once per namespace, labels, body,
    owner references, node name, args and extension points, and kept between batches on
    the same nodes while the DefaultSelectors they read stay the same."""

    def __init__(self, batch, args, filtering: bool, scoring: bool,
                 instances: _Instances) -> None:
        self.batch, self.args, self.instances = batch, args, instances
        self.filtering, self.scoring = filtering, scoring
        self.constraints = TemplateConstraints(batch, args)
        pods = batch.state.tables["pods"]
        rows = np.array([t.representative for t in batch.templates], dtype=np.int64)
        self.node_names = pods["node_name"][rows].tolist()
        self.masks, self.known = _PLANS.setdefault(batch.node_labels, ({}, {}))

    def of(self, template) -> _Plan:
        t, constraints = template.index, self.constraints
        key = (template.namespace, constraints.labels[t], constraints.bodies[t],
               constraints.owners[t], self.node_names[t], id(self.args), self.filtering,
               self.scoring)
        plan = self.known.get(key)
        if plan is not None and plan.args is self.args and (
                not plan.defaults or all(selector is constraints.default_selector(template)
                                         for selector in plan.defaults)):
            return plan
        if len(self.known) >= _PLANS_KEPT:   # templates seen once (a trace's) are not kept all
            self.known.clear()
            self.masks.clear()
        plan = self.known[key] = self._plan(template)
        return plan

    def _entry(self, namespace: str, selector: LabelSelector, key: str, counted: np.ndarray,
               per_node: bool = False) -> _Entry:
        bits = np.packbits(counted).tobytes()
        shared = self.masks.get(bits)  # plans share equal masks
        if shared is None:
            shared = self.masks[bits] = _read_only(counted)
        return _Entry((namespace, str(selector), selector.matches_nothing, key, per_node, bits),
                      selector, key, shared, per_node)

    def _plan(self, template) -> _Plan:
        batch, args, instances = self.batch, self.args, self.instances
        node_count = batch.node_count
        policies = _Policies(batch, template)
        defaults, filters, scores, require_all = [], [], [], False
        if self.filtering:
            constraints, selector = self.constraints.read(template, DO_NOT_SCHEDULE)
            defaults.append(selector)
            if constraints:
                all_keys = _all_keys(instances, constraints, node_count)
            for c in constraints:
                filters.append((self._entry(template.namespace, c.selector, c.topology_key,
                                            all_keys & policies.mask(c)),
                                c.max_skew, c.min_domains,
                                int(c.selector.matches(template.labels))))
        if self.scoring:
            constraints, selector = self.constraints.read(template, SCHEDULE_ANYWAY)
            defaults.append(selector)
            own = bool(template.spec.get("topologySpreadConstraints"))
            require_all = own or args.defaulting_type != SYSTEM_DEFAULTING
            if constraints:
                keys = (_all_keys(instances, constraints, node_count) if require_all
                        else np.ones(node_count, dtype=np.bool_))
            for c in constraints:
                if c.topology_key == HOSTNAME:  # counted per node in Score, every node
                    entry = self._entry(template.namespace, c.selector, c.topology_key,
                                        np.ones(node_count, dtype=np.bool_), per_node=True)
                else:
                    entry = self._entry(template.namespace, c.selector, c.topology_key,
                                        keys & policies.mask(c))
                scores.append((entry, c.max_skew))
        return _Plan(args, tuple(s for s in defaults if s is not None), tuple(filters),
                     tuple(scores), bool(require_all))


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


class _Policies:
    """common.go matchNodeInclusionPolicies for one template: the nodes each policy admits."""

    def __init__(self, batch, template) -> None:
        self.batch, self.template = batch, template
        self._affinity = self._taints = None

    def mask(self, constraint: Constraint) -> np.ndarray:
        mask = np.ones(self.batch.node_count, dtype=np.bool_)
        if constraint.node_affinity_policy == HONOR:
            if self._affinity is None:  # nodeSelector and required node affinity
                self._affinity = required_mask(self.batch, self.template.spec)
            mask &= self._affinity
        if constraint.node_taints_policy == HONOR:
            if self._taints is None:  # no untolerated NoSchedule / NoExecute taint
                tolerations = self.template.spec.get("tolerations") or []
                per_group = np.array([first_untolerated(taints, tolerations,
                                                        ("NoSchedule", "NoExecute")) is None
                                      for taints in self.batch.taint_groups], dtype=np.bool_)
                self._taints = (per_group[self.batch.taint_group] if len(per_group)
                                else np.ones(self.batch.node_count, dtype=np.bool_))
            mask &= self._taints
        return mask


def _all_keys(instances: _Instances, constraints: list[Constraint], node_count: int
              ) -> np.ndarray:
    """nodeLabelsMatchSpreadConstraints: the node has every constraint's topology key."""
    mask = np.ones(node_count, dtype=np.bool_)
    for c in constraints:
        mask &= instances.domains(c.topology_key)[1]
    return mask


def _csr(lists: list[list[tuple]], width: int) -> tuple[np.ndarray, np.ndarray]:
    starts = np.zeros(len(lists) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, lists), dtype=np.int64, count=len(lists)), out=starts[1:])
    entries = np.array([item for items in lists for item in items], dtype=np.int64)
    return starts, entries.reshape(-1, width)


def _rows(rows: list[np.ndarray], dtype, width: int) -> np.ndarray:
    if not rows:
        return np.zeros((0, width), dtype=dtype)
    return np.stack(rows).astype(dtype, copy=False)


# ---------------------------------------------------------------------------
# Kernel functions
# ---------------------------------------------------------------------------

@njit(inline="always")
def skew_limit(spread, e, c):
    """The most pods of constraint instance c a domain may hold for filter entry e to pass:
    maxSkew + the minimum count over the registered domains (0 with fewer domains than
    minDomains) - the pod itself (filtering.go)."""
    counts = spread.counts[spread.start[c]:spread.start[c + 1]]
    registered = spread.registered[spread.start[c]:spread.start[c + 1]]
    smallest = MAX_INT32
    domains = 0
    for d in range(len(counts)):
        if registered[d]:
            domains += 1
            smallest = min(smallest, counts[d])
    if domains < spread.filter_min_domains[e]:
        smallest = 0
    return spread.filter_max_skew[e] + smallest - spread.filter_self[e]


@njit
def spread_prefilter(t, spread, verdicts):
    """filtering.go PreFilter and Filter for a pod of template t: per constraint the minimum
    count over the domains (MaxInt32 without any; 0 with fewer domains than minDomains),
    then each node's verdict into ``verdicts`` (reason ids, 0: pass): the first constraint
    whose topology key the node lacks (MISSING_LABEL) or whose skew, matching pods in the
    node's domain + the pod itself - the minimum, exceeds maxSkew (MISMATCH)."""
    verdicts[:] = 0
    for e in range(spread.filter_start[t], spread.filter_start[t + 1]):
        c = spread.filter_instance[e]
        counts = spread.counts[spread.start[c]:spread.start[c + 1]]
        has_key, domain = spread.has_key[c], spread.domain[c]
        limit = skew_limit(spread, e, c)
        for n in range(len(verdicts)):
            if verdicts[n] != 0:
                continue
            if not has_key[n]:
                verdicts[n] = spread.reasons[MISSING_LABEL]
            elif counts[domain[n]] > limit:
                verdicts[n] = spread.reasons[MISMATCH]


@njit
def spread_filter_without(t, n, spread, removed):
    """Filter on node n for a pod of template t once pods are taken off n (DefaultPreemption's
    dry run): removed[k] of them were counted by the template's k-th DoNotSchedule
    constraint. The reason id of the first constraint failing, 0 when all pass (as
    spread_prefilter, with the minimum over the domains recomputed)."""
    first = spread.filter_start[t]
    for e in range(first, spread.filter_start[t + 1]):
        c = spread.filter_instance[e]
        base = spread.start[c]
        own = spread.domain[c, n]
        less = removed[e - first] if spread.counted[c, n] else 0
        smallest = MAX_INT32
        domains = 0
        for d in range(spread.start[c + 1] - base):
            if spread.registered[base + d]:
                domains += 1
                smallest = min(smallest, spread.counts[base + d] - (less if d == own else 0))
        if domains < spread.filter_min_domains[e]:
            smallest = 0
        if not spread.has_key[c, n]:
            return spread.reasons[MISSING_LABEL]
        limit = spread.filter_max_skew[e] + smallest - spread.filter_self[e]
        if spread.counts[base + own] - less > limit:
            return spread.reasons[MISMATCH]
    return 0


@njit(inline="always")
def go_round(value):
    """Go's math.Round: half away from zero."""
    whole = np.trunc(value)
    if abs(value - whole) >= 0.5:
        whole += 1.0 if value > 0 else -1.0
    return np.int64(whole)


@njit
def spread_scores(t, feasible, count, spread, scores, valid):
    """scoring.go PreScore and Score over the first ``count`` feasible nodes: raw scores into
    ``scores``; valid[i] False for a node ignored for lacking a topology key (scored 0 and left
    out of normalization)."""
    # the arrays the loops read, out of the NamedTuple: numba updates an array's reference
    # count on every read of a NamedTuple's field
    instances, max_skew = spread.score_instance, spread.score_max_skew
    has_key, domain, start, counts = spread.has_key, spread.domain, spread.start, spread.counts
    marks = spread.marks
    first, last = spread.score_start[t], spread.score_start[t + 1]
    require_all = spread.require_all[t]
    ignored = 0
    for i in range(count):
        valid[i] = True
        if require_all:
            for e in range(first, last):
                if not has_key[instances[e], feasible[i]]:
                    valid[i] = False
                    ignored += 1
                    break
    weights = np.zeros(last - first)
    for e in range(first, last):
        c = instances[e]
        size = count - ignored
        if not spread.per_node[c]:  # the domains of the feasible nodes
            size = 0
            for i in range(count):
                d = start[c] + domain[c, feasible[i]]
                if valid[i] and not marks[d]:
                    marks[d] = True
                    size += 1
            for i in range(count):
                marks[start[c] + domain[c, feasible[i]]] = False
        weights[e - first] = math.log(size + 2)  # topologyNormalizingWeight
    for i in range(count):
        n = feasible[i]
        if not valid[i]:
            scores[i] = 0
            continue
        score = 0.0
        for e in range(first, last):
            c = instances[e]
            if not has_key[c, n]:
                continue
            matched = counts[start[c] + domain[c, n]]
            # scoreForCount
            score += float(matched) * weights[e - first] + float(max_skew[e] - 1)
        scores[i] = go_round(score)


@njit
def spread_normalize(scores, valid, count):
    """scoring.go NormalizeScore: fewer matching pods score higher; ignored nodes get 0."""
    lowest = MAX_INT64
    highest = 0
    for i in range(count):
        if valid[i]:
            lowest = min(lowest, scores[i])
            highest = max(highest, scores[i])
    for i in range(count):
        if not valid[i]:
            scores[i] = 0
        elif highest == 0:
            scores[i] = MAX_NODE_SCORE
        else:
            scores[i] = MAX_NODE_SCORE * (highest + lowest - scores[i]) // highest


@njit
def spread_skipped(t, spread):
    """PreScore returns Skip: the pod has no ScheduleAnyway constraints."""
    return spread.score_start[t] == spread.score_start[t + 1]


@njit
def spread_bind(t, n, spread):
    """A pod of template t placed on node n joins the counts that match it."""
    for e in range(spread.bind_start[t], spread.bind_start[t + 1]):
        c = spread.bind_instance[e]
        if spread.counted[c, n]:
            spread.counts[spread.start[c] + spread.domain[c, n]] += 1


# ---------------------------------------------------------------------------
# Templates spread over one partition of the nodes (zones): the kernel's per-domain trees
# ---------------------------------------------------------------------------

@njit
def spread_partition(t, spread, most):
    """(zones, host) when template t's PodTopologySpread verdict and raw score on a node
    depend on the node's zone and, for a hostname Score constraint, the node's own count of
    matching pods alone, else (-1, -1). ``zones``: the number of domains of the constraints
    that are not counted per node, which split the nodes the same way (same domain and
    has_key rows; 1 when there are none); ``host``: the instance of the hostname Score
    constraints (all of them count the same pods), -1 without any. Without ``host``, the
    ScheduleAnyway constraints ignore the nodes lacking the key (require_all) unless every
    node has it, and the zones and the nodes without the key number ``most`` at most. With
    it, every node has every key (a hostname Score constraint's weight counts the nodes
    scored, which a node lacking a key would change), and zones + 1 <= ``most``."""
    first_filter, last_filter = spread.filter_start[t], spread.filter_start[t + 1]
    first_score, last_score = spread.score_start[t], spread.score_start[t + 1]
    if first_filter == last_filter and first_score == last_score:
        return -1, -1
    base = -1
    host = -1
    for k in range((last_filter - first_filter) + (last_score - first_score)):
        if k < last_filter - first_filter:
            c = spread.filter_instance[first_filter + k]
        else:
            c = spread.score_instance[first_score + k - (last_filter - first_filter)]
        if spread.per_node[c]:
            if host >= 0 and c != host:
                return -1, -1
            host = c
        elif base < 0:
            base = c
        elif (spread.start[c + 1] - spread.start[c] != spread.start[base + 1] - spread.start[base]
              or not np.array_equal(spread.domain[c], spread.domain[base])
              or not np.array_equal(spread.has_key[c], spread.has_key[base])):
            return -1, -1
    every_key = base < 0 or spread.has_key[base].all()
    if host >= 0:
        if not every_key or not spread.has_key[host].all():
            return -1, -1
    elif first_score != last_score and not spread.require_all[t] and not every_key:
        return -1, -1
    zones = 1 if base < 0 else spread.start[base + 1] - spread.start[base]
    if zones + 1 > most:
        return -1, -1
    return zones, host


@njit
def partition_instance(t, spread):
    """The first of template t's constraint instances not counted per node, -1: none."""
    for e in range(spread.filter_start[t], spread.filter_start[t + 1]):
        return spread.filter_instance[e]
    for e in range(spread.score_start[t], spread.score_start[t + 1]):
        if not spread.per_node[spread.score_instance[e]]:
            return spread.score_instance[e]
    return -1


@njit
def partition_domains(t, spread, zones, zone_of):
    """Each node's zone under spread_partition's split (``zones``: for the nodes without the
    topology key) into ``zone_of``."""
    c = partition_instance(t, spread)
    for n in range(len(zone_of)):
        if c < 0:
            zone_of[n] = 0
        else:
            zone_of[n] = spread.domain[c, n] if spread.has_key[c, n] else zones


@njit
def partition_allowed(t, spread, zones, allowed):
    """spread_prefilter by zone under spread_partition's split: allowed[z] True when the
    nodes of zone z pass Filter (z == ``zones``: the nodes without the topology key, which
    fail every DoNotSchedule constraint)."""
    for d in range(zones):
        allowed[d] = True
    allowed[zones] = spread.filter_start[t] == spread.filter_start[t + 1]
    for e in range(spread.filter_start[t], spread.filter_start[t + 1]):
        c = spread.filter_instance[e]
        counts = spread.counts[spread.start[c]:spread.start[c + 1]]
        limit = skew_limit(spread, e, c)
        for d in range(zones):
            if counts[d] > limit:
                allowed[d] = False


@njit
def partition_score(first, last, zone, own, present, found, instances, max_skew, per_node,
                    counts, start):
    """spread_scores' raw score, for a pod whose Score constraints are the entries
    [first, last) (SpreadData's score_instance, score_max_skew, per_node, counts, start: plain
    arrays, as this runs for every domain of every pod), of a node of zone ``zone`` (one with
    the topology keys) that holds ``own`` pods counted by the hostname Score constraints,
    when the ``found`` scored nodes cover ``present`` zones (the same float operations, in
    the same order, so the same rounding)."""
    zone_weight = math.log(present + 2)  # topologyNormalizingWeight
    host_weight = math.log(found + 2)
    score = 0.0
    for e in range(first, last):
        c = instances[e]
        if per_node[c]:
            score += float(own) * host_weight + float(max_skew[e] - 1)
        else:
            matched = counts[start[c] + zone]
            score += float(matched) * zone_weight + float(max_skew[e] - 1)
    return go_round(score)
