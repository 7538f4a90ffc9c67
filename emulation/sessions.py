"""Database sessions whose simultaneous writes do not overwrite each other (issue 13).

Django's database backend writes the whole session back: of two requests of one session running at once
(a vote in one tab, a message in another, on two app servers), the later write drops what the earlier one
stored, a ballot receipt say. Here a save locks the session's row, re-reads it, and applies only what this
request changed (keys set, changed or deleted, one level into dictionaries) over what is stored now.
"""

from __future__ import annotations

import copy
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import router, transaction
from django.utils import timezone

_GONE = object()


def merge(loaded: dict[str, Any], mine: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
    """`stored` with this request's changes (from `loaded` to `mine`) applied; nested dictionaries by key."""
    result = dict(stored)
    for key in set(loaded) | set(mine):
        before, after = loaded.get(key, _GONE), mine.get(key, _GONE)
        if before == after:
            continue
        if after is _GONE:
            result.pop(key, None)
        elif isinstance(after, dict) and isinstance(result.get(key), dict) and type(loaded.get(key, {})) is dict:
            result[key] = merge({} if before is _GONE else before, after, result[key])
        else:
            result[key] = after
    return result


class SessionStore(DatabaseSessionStore):
    def load(self) -> dict[str, Any]:
        data = super().load()
        self._loaded_copy = copy.deepcopy(data)
        return data

    def save(self, must_create: bool = False) -> None:
        if must_create or self.session_key is None or not hasattr(self, "_loaded_copy"):
            super().save(must_create=must_create)
            return
        model = self.model
        using = router.db_for_write(model, instance=None)
        with transaction.atomic(using=using):
            row = (model.objects.using(using).select_for_update()
                   .filter(session_key=self.session_key, expire_date__gt=timezone.now()).first())
            if row is not None:
                self._session_cache = merge(self._loaded_copy, self._get_session(), self.decode(row.session_data))
            super().save(must_create=False)
        self._loaded_copy = copy.deepcopy(self._session_cache)
