"""Errors kbench raises for bad input: what was wrong, where, and the bad value."""

from __future__ import annotations


class KbenchError(Exception):
    """Base class of every error kbench raises on purpose."""


class ManifestError(KbenchError, ValueError):
    """An invalid Kubernetes manifest.

    Carries where the problem is (``source`` file or "<string>", ``document`` index in a
    multi-document stream, ``field`` path such as
    ``spec.template.spec.containers[0].resources.requests.cpu``), the bad ``value`` and
    a ``reason`` saying what would be right.
    """

    def __init__(self, reason: str, *, source: str | None = None, document: int | None = None,
                 field: str | None = None, value: object = None, kind: str | None = None,
                 name: str | None = None):
        self.reason = reason
        self.source = source
        self.document = document
        self.field = field
        self.value = value
        self.kind = kind
        self.name = name
        super().__init__(self._message())

    def located(self, *, source: str | None = None, document: int | None = None,
                kind: str | None = None, name: str | None = None,
                field_prefix: str | None = None) -> "ManifestError":
        """A copy of this error with the missing parts of its location filled in."""
        field = self.field
        if field_prefix:
            field = field_prefix if not field else (
                f"{field_prefix}{field}" if field.startswith("[") else f"{field_prefix}.{field}")
        return ManifestError(self.reason, source=self.source or source,
                             document=self.document if self.document is not None else document,
                             field=field, value=self.value, kind=self.kind or kind,
                             name=self.name or name)

    def _message(self) -> str:
        where = []
        if self.source is not None:
            where.append(self.source)
        if self.document is not None:
            where.append(f"document {self.document}")
        if self.kind:
            where.append(f"{self.kind}/{self.name}" if self.name else self.kind)
        if self.field:
            where.append(self.field)
        text = ": ".join(where)
        if self.value is not None and not self.reason.startswith(_REASONS_WITH_VALUE):
            text = f"{text}: {self.value!r}" if text else repr(self.value)
        return f"{text}: {self.reason}" if text else self.reason


#: Kubernetes' field errors that already quote the bad value ("Invalid value: \"12x\": ...").
_REASONS_WITH_VALUE = ("Invalid value:", "Unsupported value:", "Duplicate value:", "Not found:")


class QuantityError(KbenchError, ValueError):
    """A string that is not a Kubernetes resource quantity (such as ``12x``)."""


class SelectorError(KbenchError, ValueError):
    """A label selector that Kubernetes would reject."""


class SnapshotError(KbenchError, ValueError):
    """A snapshot folder that is missing, corrupt, truncated or of another schema version."""


class NotFoundError(KbenchError, KeyError):
    """An object that does not exist: ``resource`` (``deployments.apps``), ``name`` and
    ``namespace`` say which; the message is the API server's."""

    def __init__(self, resource: str, name: str, namespace: str | None = None):
        self.resource, self.name, self.namespace = resource, name, namespace
        super().__init__(f'{resource} "{name}" not found')

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]
