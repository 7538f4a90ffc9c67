"""Uploads bounded by what they unpack to, archives of any shape refused with the importer's message, and
control characters refused at input (issue 13).

A zip bomb is proved refused *before parsing* by behaviour: the refusal names the limits, and openpyxl's
loader, made to fail loudly for these tests, is never reached. Speed belongs to benchmarks.
"""

from __future__ import annotations

import html
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from blocs import archive
from blocs.models import Unit
from emulation.kernel.archive import archive_loads
from emulation.kernel.text import ControlCharacterValidator
from emulation.kernel.uploads import _too_big
from tests.conftest import client_for
from tests.security.support import changed_tables, snapshot

pytestmark = pytest.mark.django_db



def too_big_message() -> str:
    with translation.override("vi"):
        return html.escape(str(_too_big().messages[0]))


IMPORTS = [("blocs:member-import", "secretariat"), ("blocs:scoring-import", "secretariat")]


def _workbook_with(sheet_xml: bytes, *, level: int = 9) -> bytes:
    """A real workbook (openpyxl's) whose first sheet is replaced by `sheet_xml`, deflated."""
    book = Workbook()
    book.active.append(["Mã", "Tên"])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for entry in source.infolist():
            data = sheet_xml if entry.filename == "xl/worksheets/sheet1.xml" else source.read(entry)
            z.writestr(entry.filename, data)
    return out.getvalue()


def _sheet(rows: bytes) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><sheetData>' + rows + b"</sheetData></worksheet>")


BOMBS = {
    # 60 MB of one repeated empty cell deflates to tens of kilobytes.
    "unpacks-to-60-MB": _workbook_with(_sheet(b'<row r="1">' + b"<c/>" * 15_000_000 + b"</row>")),
    # Two cells: openpyxl would fill a million rows and 16,384 columns in between.
    "far-corner": _workbook_with(_sheet(b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
                                        b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')),
    "rows-without-numbers": _workbook_with(_sheet(b"<row/>" * 200_000)),
}


@pytest.fixture
def parsing_forbidden(monkeypatch):  # noqa: ANN001, ANN201
    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the workbook reached openpyxl")

    monkeypatch.setattr("emulation.kernel.xlsx.load_workbook", refuse)  # every import opens workbooks there


@pytest.mark.parametrize("bomb", list(BOMBS))
@pytest.mark.parametrize(("name", "persona"), IMPORTS)
def test_excel_bombs_are_refused_before_parsing_with_a_message(world, parsing_forbidden, bomb, name, persona):
    assert len(BOMBS[bomb]) < 200_000, "small on the wire"
    client = client_for(world.users[persona])
    before = snapshot()
    response = client.post(reverse(name, args=[world.bloc_year.pk]),
                           {"file": SimpleUploadedFile("danh-sach.xlsx", BOMBS[bomb])})
    assert response.status_code == 200
    assert too_big_message() in response.content.decode()
    assert changed_tables(before, snapshot()) == []


def test_an_ordinary_workbook_still_reaches_the_importer(world):
    book = Workbook()
    book.active.append(["Mã", "Tên đơn vị"])
    for n in range(300):
        book.active.append([f"DV{n}", f"Đơn vị {n}"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = client_for(world.users["secretariat"]).post(
        reverse("blocs:member-import", args=[world.bloc_year.pk]),
        {"file": SimpleUploadedFile("danh-sach.xlsx", buffer.getvalue())})
    assert response.status_code == 200 and too_big_message() not in response.content.decode()
    assert response.context["form"].is_valid()


# --- Archives of any shape -------------------------------------------------------------------------------------


def _exported(world) -> dict:  # noqa: ANN001
    return json.loads(archive.archive_dumps(world.bloc_year))


def _post_archive(client, raw: bytes):  # noqa: ANN001, ANN202
    return client.post(reverse("blocs:archive-import"), {"file": SimpleUploadedFile("luu-tru.json", raw)})


MALFORMED = {
    "nested-100000": b"[" * 100_000 + b"]" * 100_000,
    "nested-in-a-field": None,  # built from a real archive below
    "huge-integer": b'{"format": "emulation-bloc-year", "version": ' + b"9" * 5000 + b"}",
    "infinity": b'{"format": "emulation-bloc-year", "version": 1e999}',
    "nan": b'{"format": "emulation-bloc-year", "version": NaN}',
    "lone-surrogate": b'{"format": "\\ud800"}',
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_archives_get_the_importers_message(world, case):
    raw = MALFORMED[case]
    if raw is None:
        data = _exported(world)
        nested: object = "x"
        for _ in range(60):
            nested = {"a": [nested]}
        data["units"][0]["name"] = nested
        raw = json.dumps(data).encode()
    client = client_for(world.users["admin"])
    before = snapshot()
    response = _post_archive(client, raw)
    assert response.status_code == 200
    assert response.context["form"].errors or response.context.get("errors")
    assert changed_tables(before, snapshot()) == []


def _replace_everywhere(data: object, path: tuple = ()):  # noqa: ANN202
    """Every (path) of a JSON document, to put a value of the wrong type at each place in turn."""
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _replace_everywhere(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _replace_everywhere(value, (*path, index))


WRONG = [[], {}, "x", 10**30, -1, 1.5, None, True]


def test_a_value_of_the_wrong_type_anywhere_is_refused_never_a_500(world):
    """Each place of a real archive (the scoring year of the world, with its sections) gets, in turn, a value of
    another type; each import answers with a message and saves nothing."""
    data = _exported(world)
    paths = [path for path in _replace_everywhere(data) if path][:400]
    failures = []
    for index, path in enumerate(paths):
        changed = json.loads(json.dumps(data))
        target = changed
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = WRONG[index % len(WRONG)]
        try:
            parsed = archive_loads(json.dumps(changed))
            archive.archive_import(actor=world.users["admin"], data=parsed)
        except archive.ValidationError:
            continue
        except Exception as error:  # noqa: BLE001 - what the test is looking for
            failures.append(f"{path}: {error!r}")
    assert not failures, "\n".join(failures[:20])


# --- Control characters at input --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Ban\x0bTuyên giáo", "\x1b[31mBan Tuyên giáo", "Ban\x7fTuyên", "Ban\x85Tuyên"])
def test_a_unit_name_with_a_control_character_is_refused_with_a_message(world, name):
    unit = world.units["BTG"] if hasattr(world, "units") and "BTG" in world.units else Unit.objects.first()
    client = client_for(world.users["admin"])
    page = client.get(reverse("blocs:unit-edit", args=[unit.pk]))  # signs in (last_login) before the snapshot
    assert page.status_code == 200
    form = page.context["form"]
    data = {key: ("" if value is None else value) for key, value in form.initial.items()
            if key in form.fields and not isinstance(value, list | tuple)}
    data["name"] = name
    before = snapshot()
    response = client.post(reverse("blocs:unit-edit", args=[unit.pk]), data)
    assert response.status_code == 200
    with translation.override("vi"):
        expected = str(ControlCharacterValidator.message)
    assert expected in response.context["form"].errors.get("name", [])
    assert changed_tables(before, snapshot()) == []


def test_line_breaks_and_tabs_are_still_welcome_in_a_long_text(world):
    ControlCharacterValidator()("Dòng một\r\nDòng hai\tcột")
