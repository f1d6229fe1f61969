"""Reading manifests: files, folders, YAML or JSON text, dicts and objects, into located documents."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from kbench.api.objects import KubeObject
from kbench.errors import ManifestError

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Document:
    """One object read from a manifest, with where it came from for error messages.

    ``document`` counts from 1 within its source; ``item`` is the index inside a ``kind: List``.
    """

    source: str
    document: int
    data: dict
    item: int | None = None

    def error(self, error: ManifestError) -> ManifestError:
        """``error`` located at this document."""
        prefix = f"items[{self.item}]" if self.item is not None else None
        return error.located(source=self.source, document=self.document,
                             kind=self.data.get("kind") if isinstance(self.data, dict) else None,
                             name=_name_of(self.data), field_prefix=prefix)


def _name_of(data: object) -> str | None:
    if isinstance(data, dict) and isinstance(data.get("metadata"), dict):
        name = data["metadata"].get("name")
        return name if isinstance(name, str) else None
    return None


def read_documents(source: object) -> list[Document]:
    """Every object in ``source``: a path to a file or folder (its .yaml/.yml/.json files, in
    name order), YAML or JSON text, a dict, a KubeObject, or a list of any of these."""
    if isinstance(source, (list, tuple)):
        return [document for item in source for document in read_documents(item)]
    if isinstance(source, KubeObject):
        return _expand("<object>", 1, source.to_dict())
    if isinstance(source, dict):
        return _expand("<dict>", 1, source)
    if isinstance(source, os.PathLike) or (isinstance(source, str) and _looks_like_path(source)):
        return _read_path(Path(source))
    if isinstance(source, str):
        return _parse_text(source, "<string>", json_only=False)
    raise TypeError(f"cannot read manifests from {type(source).__name__}: give a path, YAML "
                    f"or JSON text, a dict or a KubeObject")


def _looks_like_path(text: str) -> bool:
    return "\n" not in text and not text.lstrip().startswith(("{", "[", "apiVersion", "kind",
                                                              "---", "#"))


def _read_path(path: Path) -> list[Document]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in MANIFEST_SUFFIXES and p.is_file())
        if not files:
            raise ManifestError(f"no {', '.join(MANIFEST_SUFFIXES)} files in the folder",
                                source=str(path))
        return [document for file in files for document in _read_path(file)]
    if not path.is_file():
        raise ManifestError("no such file or folder", source=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(f"cannot read the file: {error}", source=str(path)) from None
    return _parse_text(text, str(path), json_only=path.suffix == ".json")


def _parse_text(text: str, source: str, json_only: bool) -> list[Document]:
    if json_only or text.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            if json_only:
                raise ManifestError(f"invalid JSON at line {error.lineno} column {error.colno}: "
                                    f"{error.msg}", source=source) from None
        else:
            items = data if isinstance(data, list) else [data]
            return [doc for i, item in enumerate(items, 1) for doc in _expand(source, i, item)]
    documents = []
    try:
        for index, data in enumerate(yaml.safe_load_all(text), 1):
            if data is not None:  # an empty document between two '---' is skipped, as kubectl does
                documents.extend(_expand(source, index, data))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ManifestError(f"invalid YAML{where}: {problem}", source=source,
                            document=len(documents) + 1) from None
    return documents


def _expand(source: str, index: int, data: object) -> list[Document]:
    """One document, or the items of a ``kind: List`` (``v1/List``, ``PodList``...)."""
    if not isinstance(data, dict):
        raise ManifestError("a manifest must be a mapping with apiVersion, kind and metadata",
                            source=source, document=index, value=_short(data))
    kind = data.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and "items" in data:
        items = data["items"]
        if not isinstance(items, list):
            raise ManifestError("must be a list of objects", source=source, document=index,
                                field="items", value=_short(items))
        documents = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise ManifestError("must be a mapping with apiVersion, kind and metadata",
                                    source=source, document=index, field=f"items[{i}]",
                                    value=_short(item))
            documents.append(Document(source, index, item, item=i))
        return documents
    return [Document(source, index, data)]


def _short(value: object) -> object:
    text = repr(value)
    return value if len(text) <= 60 else text[:57] + "..."
