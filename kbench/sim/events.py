"""Recording core/v1 Events in the state, aggregated as the event recorder does (a repeat of
the same object, reason and message raises the count and the last timestamp)."""

from __future__ import annotations

from kbench.state import ClusterState
from kbench.state.schema import EVENT_TYPES


def record_event(state: ClusterState, kind: str, name: str, namespace: str | None,
                 event_type: str, reason: str, message: str, component: str) -> int:
    """Add (or count again) one event about an object; returns its row."""
    strings = state.strings
    events = state.tables["events"]
    involved = (strings.intern(kind), strings.intern(name),
                strings.intern(namespace) if namespace else -1)
    key = (*involved, strings.intern(reason), strings.intern(message))
    row = state.event_rows.get(key, -1)
    if row >= 0 and events.alive[row]:
        events["count"][row] += 1
        events["last_time"][row] = state.time
        return row
    state.counters["event"] = state.counters.get("event", 0) + 1
    row = state.insert("events", {
        "name": strings.intern(f"{name}.{state.counters['event']:x}"),
        "namespace": involved[2] if namespace else strings.intern("default"),
        "uid": strings.intern(state.next_uid()), "creation_time": state.time,
        "involved_kind": involved[0], "involved_name": involved[1],
        "involved_namespace": involved[2], "type": EVENT_TYPES.index(event_type),
        "reason": key[3], "message": key[4], "source_component": strings.intern(component),
        "first_time": state.time, "last_time": state.time, "count": 1})
    state.event_rows[key] = row
    return row
