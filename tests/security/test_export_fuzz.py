"""Any text already in the database can be written out (issue 13): hypothesis puts arbitrary Unicode, control
characters included, into every free-text field of the payload world (tests/security/payload_world.py: unit,
bloc and award names, covenant, registration, scoring texts and comments, meeting, dossier, report, comments)
and downloads every Excel, Word and PDF export: none answers 500, and each file opens again.

The text is stored directly, as data from before the forms refused control characters, or from the admin,
would be. NUL is left out: PostgreSQL cannot store it and the forms refuse it. Few examples (EXPORT_FUZZ_EXAMPLES,
default 3), derandomized, each rolled back.
"""

from __future__ import annotations

import os

import pytest
from django.apps import apps
from django.db import models, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.conftest import client_for
from tests.security.outputs import docx_text, workbook_cells
from tests.security.payload_world import PayloadWorld, build
from tests.security.test_inert_payloads import _document_url, documents

pytestmark = pytest.mark.django_db

CONTROL = [chr(i) for i in range(1, 32)] + ["\x7f", "\x85", "\x9b", "\ufffe", "\uffff", "\u2028", "\u202e", "\ufeff"]
TEXT = st.text(alphabet=st.one_of(st.sampled_from(CONTROL),
                                  st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")),
               min_size=1, max_size=12)


@pytest.fixture
def payloads(db, settings, tmp_path) -> PayloadWorld:  # noqa: ANN001
    settings.MEDIA_ROOT = tmp_path / "media"
    return build()


def _text_columns() -> list[tuple[type[models.Model], models.Field]]:
    return [(model, field) for app in ("blocs", "awards", "reports") for model in apps.get_app_config(app).get_models()
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField) and not field.choices]


def _json_columns() -> list[tuple[type[models.Model], models.Field]]:
    return [(model, field) for app in ("blocs", "awards", "reports") for model in apps.get_app_config(app).get_models()
            for field in model._meta.concrete_fields
            if isinstance(field, models.JSONField) and model._meta.label != "blocs.AuditEntry"]


def _swap(value: object, old: str, new: str) -> object:
    if isinstance(value, dict):
        return {key: _swap(item, old, new) for key, item in value.items()}
    if isinstance(value, list):
        return [_swap(item, old, new) for item in value]
    return new if value == old else value


def _replace(columns: list, old: str, new: str) -> int:
    """Put `new` wherever `old` is stored (the payload world's values are unique, tagged by field), in text
    columns and inside JSON ones (the report's narrative)."""
    replaced = 0
    for model, field in _json_columns():
        for pk, value in model._default_manager.values_list("pk", field.name):
            swapped = _swap(value, old, new)
            if swapped != value:
                replaced += model._default_manager.filter(pk=pk).update(**{field.name: swapped})
    for model, field in columns:
        value = new[: field.max_length] if field.max_length else new
        replaced += model._default_manager.filter(**{field.name: old}).update(**{field.name: value})
    return replaced


def _exports(world: PayloadWorld) -> list[tuple[str, str, str]]:
    """(persona, URL, kind) of every Excel, Word and PDF download."""
    year = world.bloc_year.pk
    files = [
        ("secretariat", reverse("blocs:score-table-xlsx", args=[year]), "xlsx"),
        ("secretariat", reverse("blocs:member-export", args=[year]), "xlsx"),
        ("board", reverse("awards:province-export") + "?year=2022", "xlsx"),
        ("secretariat", reverse("blocs:scoring-xlsx", args=[year]), "xlsx"),
    ]
    for name, url, _fields in documents(world):
        files += [("secretariat", _document_url(name, url, kind), kind) for kind in ("docx", "pdf")]
    return files


AUDIT_ONLY = {"candidate-reason"}  # kept in the append-only audit trail only, which no export prints


def _pdf(body: bytes) -> None:
    assert body.startswith(b"%PDF-") and b"%%EOF" in body[-64:]


READERS = {"xlsx": workbook_cells, "docx": docx_text, "pdf": _pdf}


def test_any_stored_text_downloads_in_every_format(payloads):
    columns = _text_columns()
    users = {"secretariat": payloads.seed.meeting.secretariat, "board": payloads.board}
    clients = {persona: client_for(user) for persona, user in users.items()}
    exports = _exports(payloads)
    assert len(exports) == 14

    @hypothesis_settings(max_examples=int(os.environ.get("EXPORT_FUZZ_EXAMPLES", "3")), deadline=None,
                         database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(texts=st.lists(TEXT, min_size=len(payloads.values), max_size=len(payloads.values)))
    def download(texts: list[str]) -> None:
        with transaction.atomic():
            try:
                for (tag, old), text in zip(sorted(payloads.values.items()), texts, strict=True):
                    replaced = _replace(columns, old, f"{text}{text[::-1]} [{tag}]")
                    assert replaced or tag in AUDIT_ONLY, f"{tag} is stored nowhere"
                for persona, url, kind in exports:
                    response = clients[persona].get(url)
                    assert response.status_code == 200, (url, response.status_code)
                    body = b"".join(response.streaming_content) if response.streaming else response.content
                    READERS[kind](body)  # the file opens again
            finally:
                transaction.set_rollback(True)

    download()


def test_the_export_check_would_see_a_broken_workbook():
    """Not vacuous: openpyxl refuses to write a control character; our writer leaves it out."""
    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    from emulation.kernel.xlsx import append_row

    with pytest.raises(IllegalCharacterError):
        Workbook().active.append(["Ban\x0bTuyên giáo"])
    book = Workbook()
    append_row(book.active, ["Ban\x0bTuyên giáo"])
    assert book.active["A1"].value == "BanTuyên giáo"
