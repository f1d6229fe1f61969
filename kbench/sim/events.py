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


def record_pod_events(state: ClusterState, pod_rows, event_type: str, reason: str,
                      messages, component: str, times=None) -> None:
    """One event per pod, appended in one step (see record_events)."""
    import numpy as np

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
    import numpy as np

    name_codes = np.asarray(name_codes, dtype=np.int32)
    count = len(name_codes)
    if count == 0:
        return
    strings = state.strings
    namespace_codes = np.broadcast_to(np.asarray(namespace_codes, dtype=np.int32), (count,))
    times = np.full(count, state.time) if times is None else np.broadcast_to(
        np.asarray(times, dtype=np.float64), (count,))
    first = state.counters.get("event", 0) + 1
    state.counters["event"] = first + count - 1
    if isinstance(messages, str):
        message_codes = np.full(count, strings.intern(messages), dtype=np.int32)
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
        "involved_kind": np.full(count, strings.intern(kind), dtype=np.int32),
        "involved_name": name_codes,
        "involved_namespace": namespace_codes,
        "type": np.full(count, EVENT_TYPES.index(event_type), dtype=np.int8),
        "reason": np.full(count, strings.intern(reason), dtype=np.int32),
        "message": message_codes,
        "source_component": np.full(count, strings.intern(component), dtype=np.int32),
        "first_time": times, "last_time": times,
        "count": np.ones(count, dtype=np.int32)}
    state.index_rows("events", state.tables["events"].append_many(count, values))


def record_events_in_order(state: ClusterState, kind: str, events, component: str) -> None:
    """record_event for each (name, namespace, event type, reason, message) of ``events``, in
    order, in one step: the same rows, counts, uids and string codes as one record_event call
    per event (the strings are interned by one intern_many in the order record_event interns
    them; a repeat, of an event recorded before or earlier in ``events``, is counted again),
    without a Python call per string and per row."""
    import numpy as np

    if not events:
        return
    strings = state.strings
    table = state.tables["events"]
    event_rows = state.event_rows
    known = strings.code_of
    texts: list[str] = []  # every string record_event would intern, in its order
    new: list[tuple] = []  # (name text, namespace text, type, key texts) of each new row
    new_of_key: dict[tuple, int] = {}  # key texts -> its index in new
    counted_rows: list[int] = []  # existing rows counted again
    counted_new: list[int] = []   # new rows counted again
    counter = state.counters.get("event", 0)
    for name, namespace, event_type, reason, message in events:
        namespace = namespace or None
        key = (kind, name, namespace, reason, message)
        if namespace is None:
            texts += (kind, name, reason, message)
        else:
            texts += (kind, name, namespace, reason, message)
        position = new_of_key.get(key)
        if position is not None:
            counted_new.append(position)
            continue
        codes = (known(kind), known(name), known(namespace) if namespace else -1,
                 known(reason), known(message))
        if min(codes[:2]) >= 0 and min(codes[3:]) >= 0 and (namespace is None or codes[2] >= 0):
            row = event_rows.get(codes, -1)
            if row >= 0 and table.alive[row]:
                counted_rows.append(row)
                continue
        counter += 1
        event_name = f"{name}.{counter:x}"
        texts.append(event_name)
        if namespace is None:
            texts.append("default")
        uid = state.next_uid()
        texts += (uid, component)
        new_of_key[key] = len(new)
        new.append((event_name, uid, event_type, key))
    code_of = dict(zip(texts, strings.intern_many(texts).tolist()))
    for row in counted_rows:
        table["count"][row] += 1
        table["last_time"][row] = state.time
    if not new:
        return
    state.counters["event"] = counter
    count = len(new)
    keys = [tuple(-1 if text is None else code_of[text] for text in key)
            for _, _, _, key in new]
    involved = np.array(keys, dtype=np.int32).reshape(count, 5)
    times = np.full(count, state.time)
    default = code_of.get("default", -1)
    counts = np.ones(count, dtype=np.int32)
    np.add.at(counts, np.asarray(counted_new, dtype=np.int64), 1)
    rows = table.append_many(count, {
        "name": np.array([code_of[event_name] for event_name, _, _, _ in new], dtype=np.int32),
        "namespace": np.where(involved[:, 2] >= 0, involved[:, 2], default),
        "uid": np.array([code_of[uid] for _, uid, _, _ in new], dtype=np.int32),
        "creation_time": times, "involved_kind": involved[:, 0],
        "involved_name": involved[:, 1], "involved_namespace": involved[:, 2],
        "type": np.array([EVENT_TYPES.index(t) for _, _, t, _ in new], dtype=np.int8),
        "reason": involved[:, 3], "message": involved[:, 4],
        "source_component": np.full(count, code_of[component], dtype=np.int32),
        "first_time": times, "last_time": times, "count": counts})
    state.index_rows("events", rows)
    event_rows.update(zip(keys, rows.tolist()))
