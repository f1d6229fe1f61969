"""Which trace format a file is in, from its header (or, for header-less formats, its name
and first row), and `load`, which checks the file and format before reading anything."""

from __future__ import annotations

import gzip
from pathlib import Path

from kbench.traces.loaders import (
    ALIBABA_BATCH_TASK,
    ALIBABA_CONTAINER_META,
    ALIBABA_MACHINE_META,
    FORMATS,
    Format,
)
from kbench.traces.trace import Trace, TraceError

#: Header prefixes (first line of the file) and the format they mean.
_HEADERS = [
    ("sn,cpu_milli,memory_mib,gpu", "openb-nodes"),
    ("name,cpu_milli,memory_mib,num_gpu,gpu_milli", "openb-pods"),
    ("TIMESTAMP,ContextTokens,GeneratedTokens", "azure-llm"),
    ("step,vm_", "azure-vm-2017"),
    ("avg_cpu,avg_mem", "google2019-usage"),
    ("timestamp,cpu_usage", "azure2019-usage"),
]

#: File-name parts of the header-less Alibaba 2018 tables, and their field counts.
_ALIBABA_NAMES = [("machine_meta", "alibaba2018-machines", len(ALIBABA_MACHINE_META)),
                  ("container_meta", "alibaba2018-containers", len(ALIBABA_CONTAINER_META)),
                  ("batch_task", "alibaba2018-batch-tasks", len(ALIBABA_BATCH_TASK))]


def _first_line(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            start = handle.read(2)
            handle.seek(0)
            stream = gzip.open(handle) if start == b"\x1f\x8b" else handle
            line = stream.readline(1 << 20)
    except (OSError, EOFError) as error:
        raise TraceError(f"cannot read the file ({getattr(error, 'strerror', None) or error})",
                         source=str(path)) from None
    return line.decode("utf-8", errors="replace").strip().lstrip("\ufeff")


def check_readable(path: str | Path) -> Path:
    """The path, if it is a readable file; else a TraceError saying why not."""
    path = Path(path)
    if not path.exists():
        raise TraceError("no such file", source=str(path))
    if not path.is_file():
        raise TraceError("not a file", source=str(path))
    _first_line(path)
    return path


def detect_format(path: str | Path) -> str:
    """The name of the format (a key of FORMATS) the file is in."""
    path = check_readable(path)
    name = path.name.lower()
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((".swf", ".swf.gz")):
        return "swf"
    header = _first_line(path)
    if not header:
        raise TraceError("empty file (no header or first row to tell its format from); give "
                         "--format", source=str(path))
    for prefix, format_name in _HEADERS:
        if header.startswith(prefix):
            return format_name
    fields = header.split(",")
    if "collection_id" in fields and "instance_index" in fields:
        return "google2019-instance-events"
    if "machine_id" in fields and any(f.startswith("capacity") for f in fields):
        return "google2019-machine-events"
    for part, format_name, count in _ALIBABA_NAMES:
        if part in name and len(fields) == count:
            return format_name
    if header.startswith(";"):
        return "swf"
    raise TraceError(f"unknown trace format (header {header[:60]!r}); give one of: "
                     f"{', '.join(FORMATS)}", source=str(path))


def resolve_format(format_name: str | None, path: str | Path) -> Format:
    """The Format named (checked), else the one detected from the file."""
    if format_name is not None:
        if format_name not in FORMATS:
            raise TraceError(f"unknown trace format {format_name!r}; known formats: "
                             f"{', '.join(FORMATS)}")
        check_readable(path)
        return FORMATS[format_name]
    return FORMATS[detect_format(path)]


def load(path: str | Path, format: str | None = None, skip_bad_rows: bool = False,
         **options) -> Trace:
    """Read a trace file into its canonical table. ``format`` (a key of FORMATS) overrides
    detection; ``options`` go to the format's loader (such as ``service=`` for azure-llm)."""
    chosen = resolve_format(format, path)
    return chosen.loader(Path(path), skip_bad_rows=skip_bad_rows, **options)
