"""One exception hierarchy for the whole project.

Every error that can reach a user derives from :class:`ShirubeError`; the CLI
and the app turn it into a one-line Japanese/English message, never a traceback.
"""

from __future__ import annotations


class ShirubeError(Exception):
    """Base class of every error Shirube raises on purpose."""


class ConfigError(ShirubeError):
    """Bad or unknown configuration value."""


class IngestError(ShirubeError):
    """A file could not be ingested. ``reason`` is shown to the clerk."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class LoaderError(IngestError):
    """The file's content could not be read (corrupt, encrypted, unsupported…)."""


class SearchIndexError(ShirubeError):
    """The search index is missing, inconsistent or could not be written."""


class RetrievalError(ShirubeError):
    """Search failed (bad query, empty index…)."""


class AnswerError(ShirubeError):
    """An answerer failed (model missing, timeout…)."""


class AccessDenied(ShirubeError):
    """The acting user may not see or do this."""


class CatalogBusy(ShirubeError):
    """The catalog stayed locked (ingest, re-index or another process) longer than
    a question may wait (``db_busy_timeout_s``); the question is refused, not queued."""

    MESSAGE = "データベースが使用中です。しばらくしてから再度お試しください"

    def __init__(self, detail: str = "") -> None:
        super().__init__(self.MESSAGE)
        self.detail = detail  # the driver's words, for logs only


class HomeMissing(ConfigError):
    """A read command named a data directory that does not exist (only ingest,
    ``user add`` and reindex create one)."""

    def __init__(self, home: str) -> None:
        super().__init__(f"データディレクトリがありません: {home}（shirube ingest で作成されます）")
        self.home = home


class MissingExtra(ShirubeError):
    """An optional dependency is not installed; the message names the extra."""

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(
            f"{package} is not installed: pip install 'shirube[{extra}]'"
        )
        self.package = package
        self.extra = extra
