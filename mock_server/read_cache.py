"""Answers kept under the database's version stamp, so that a repeated read skips the queries.

A value is stored with the stamp (``Database.version()``) read when its request began, and only
while the database still shows that stamp; it is answered only to a request that read the same
stamp. Any commit by another worker process, any row changed by this process and any reset change
the stamp, and the first request to see a new stamp empties the cache: nothing stale is answered,
whichever process wrote.
"""
from __future__ import annotations

from typing import Any, Hashable

MAX_ENTRIES = 4096  # past this many the cache starts again empty


class ReadCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._version: object = None
        self._values: dict[Hashable, Any] = {}

    def get(self, version: object, key: Hashable) -> Any | None:
        """The value kept for ``key`` under ``version``, or None."""
        if version != self._version:
            self._values.clear()
            self._version = version
            return None
        return self._values.get(key)

    def put(self, version: object, current: object, key: Hashable, value: Any) -> None:
        """Keep ``value``, computed by a request that began at ``version``, if the database still shows
        that stamp (``current``): a value read across a change is not kept."""
        if version is None or version != current:
            return
        if version != self._version:
            self._values.clear()
            self._version = version
        elif len(self._values) >= self.max_entries:
            self._values.clear()
        self._values[key] = value
