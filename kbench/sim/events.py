"""Recording core/v1 Events in the state, aggregated as the event recorder does (a repeat of
the same object, reason and message raises the count and the last timestamp)."""

from __future__ import annotations

import numpy as np

from kbench.state import ClusterState
from kbench.state.cluster_state import event_key
from kbench.state.schema import EVENT_TYPES


def record_event(state: ClusterState, kind: str, name: str, namespace: str | None,
                 event_type: str, reason: str, message: str, component: str) -> int:
    """Add (or count again) one event about an object; returns its row."""
    strings = state.strings
    events = state.tables["events"]
    involved = (strings.intern(kind), strings.intern(name),
                strings.intern(namespace) if namespace else -1)
    reason_code, message_code = strings.intern(reason), strings.intern(message)
    key = event_key(*involved, reason_code, message_code)
    row = state.event_rows.get(key, -1)
    if row >= 0 and events.alive[row]:
        events["count"][row] += 1
        events["last_time"][row] = state.time
        return row
    state.counters["event"] = state.counters.get("event", 0) + 1
    row = state.append_unique("events", {
        "name": strings.intern(f"{name}.{state.counters['event']:x}"),
        "namespace": involved[2] if namespace else strings.intern("default"),
        "uid": strings.intern(state.next_uid()), "creation_time": state.time,
        "involved_kind": involved[0], "involved_name": involved[1],
        "involved_namespace": involved[2], "type": EVENT_TYPES.index(event_type),
        "reason": reason_code, "message": message_code,
        "source_component": strings.intern(component),
        "first_time": state.time, "last_time": state.time, "count": 1})
    state.event_rows[key] = row
    return row


def record_pod_events(state: ClusterState, pod_rows, event_type: str, reason: str,
                      messages, component: str, times=None) -> None:
    """One event per pod, appended in one step (see record_events)."""
    pods = state.tables["pods"]
    pod_rows = np.asarray(pod_rows, dtype=np.int64)
    record_events(state, "Pod", pods["name"][pod_rows], pods["namespace"][pod_rows],
                  event_type, reason, messages, component, times)


def record_events(state: ClusterState, kind: str, name_codes, namespace_codes,
                  event_type: str, reason: str, messages, component: str, times=None) -> None:
    """One event per object (name and namespace codes), appended in one step. ``messages``:
    one text or one per object; ``times``: when each happened (default now). Events
    recorded this way are not aggregated with repeats: use them for what happens once per
    object (Scheduled, Started, SuccessfulCreate...); they carry no uid, which keeps 150,000
    of them cheap."""
    name_codes = np.asarray(name_codes, dtype=np.int32)
    count = len(name_codes)
    if count == 0:
        return
    strings = state.strings
    # a value the same for every event stays one number: the table broadcasts it
    namespace_codes = _one_or_each(np.asarray(namespace_codes, dtype=np.int32), count)
    times = state.time if times is None else _one_or_each(
        np.asarray(times, dtype=np.float64), count)
    first = state.counters.get("event", 0) + 1
    state.counters["event"] = first + count - 1
    if isinstance(messages, str):
        message_codes = strings.intern(messages)
    else:
        message_codes = strings.intern_many(messages)
    if (count > 1 and name_codes[0] == name_codes[-1]
            and (name_codes == name_codes[0]).all()):  # one object's events (its pods')
        prefix = f"{strings[int(name_codes[0])]}."
        event_names = [f"{prefix}{number:x}" for number in range(first, first + count)]
    else:
        event_names = [f"{name}.{first + i:x}"
                       for i, name in enumerate(strings.decode(name_codes))]
    values = {
        "name": strings.intern_many(event_names),
        "namespace": namespace_codes,
        "creation_time": times,
        "involved_kind": strings.intern(kind),
        "involved_name": name_codes,
        "involved_namespace": namespace_codes,
        "type": EVENT_TYPES.index(event_type),
        "reason": strings.intern(reason),
        "message": message_codes,
        "source_component": strings.intern(component),
        "first_time": times, "last_time": times,
        "count": 1}
    state.index_rows("events", state.tables["events"].append_many(count, values))


def _one_or_each(values, count: int):
    """A 0-d array as its one value; else the array, which must hold ``count`` values."""
    if values.ndim == 0:
        return values.item()
    return np.broadcast_to(values, (count,))
