"""Self-scores received on paper or in Excel (issue 10, item 2): the secretariat enters them on the unit's behalf,
one unit on its screen or every unit from one workbook, and scoring goes on without representative accounts."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from blocs.models import AuditEntry, BlocYear, RoleGrant, Scorecard, ScoreLine
from blocs.services.scoring import scorecard_verify, scores_publish, self_scores_import
from tests.blocs.test_scoring import Year, scoring_year, self_score
from tests.conftest import client_for
from tests.factories import add_member, grant, make_bloc, make_bloc_year, make_unit, make_user

pytestmark = pytest.mark.django_db

RECEIVED = "2022-11-20"


@pytest.fixture
def year() -> Year:
    year = scoring_year()
    grant(year.secretariat, RoleGrant.Kind.SECRETARIAT, bloc=year.bloc_year.bloc)
    return year


def _url(name: str, year: Year, unit: str | None = None) -> str:
    args = [year.bloc_year.pk] + ([year.units[unit].pk] if unit else [])
    return reverse(f"blocs:{name}", args=args)


def _messages(response) -> list[str]:  # noqa: ANN001
    return [str(m) for m in get_messages(response.wsgi_request)]


def _values(year: Year, **values: str) -> dict[str, str]:
    return {f"value_{year.items[code.replace('_', '.')].pk}": value for code, value in values.items()}


def test_the_secretariat_enters_and_submits_on_behalf_and_the_scores_are_verified_with_no_representative(year):
    assert not RoleGrant.objects.filter(kind=RoleGrant.Kind.REPRESENTATIVE).exists()
    client = client_for(year.secretariat)
    assert "Bạn đang nhập thay đơn vị" in client.get(_url("self-scores", year, "A")).content.decode()
    client.post(_url("self-scores", year, "A"), _values(year, **{"1_1": "27,5", "2_1": "40", "T1": "1,5"}))
    assert 'name="received_on"' in client.get(_url("self-scores", year, "A")).content.decode()
    response = client.post(_url("self-scores-submit", year, "A"), {"received_on": RECEIVED}, follow=True)
    card = Scorecard.objects.get(unit=year.units["A"])
    assert card.submitted_at and card.is_on_behalf and card.received_on == dt.date(2022, 11, 20)
    assert card.submitted_by == year.secretariat
    assert {line.item.code: line.self_value for line in card.lines.all()} == {
        "1.1": Decimal("27.5"), "2.1": Decimal(40), "T1": Decimal("1.5"), "TR1": None}
    assert "nhập thay đơn vị, nhận ngày 20/11/2022" in response.content.decode()
    actions = list(AuditEntry.objects.filter(object_id=str(card.pk)).values_list("action", "changes"))
    assert ("blocs.self_scores.submitted_on_behalf", {"received_on": RECEIVED}) in actions
    assert "blocs.self_scores.saved_on_behalf" in [action for action, _changes in actions]
    for page in ("check-list", "score-table"):
        assert "nhập thay đơn vị, nhận ngày 20/11/2022" in client.get(_url(page, year)).content.decode()
    verify = client.get(_url("verify-scores", year, "A")).content.decode()
    assert "nhập thay đơn vị, nhận ngày 20/11/2022" in verify and "chưa nộp kết quả tự chấm" not in verify
    client.post(_url("verify-scores", year, "A"), _values(year, **{"1_1": "27,5", "2_1": "40", "T1": "1,5"}))
    card.refresh_from_db()
    assert card.verified_at and card.final_total == Decimal("69.00")


def test_the_day_received_is_required_and_cannot_be_in_the_future(year):
    client = client_for(year.secretariat)
    client.post(_url("self-scores", year, "A"), _values(year, **{"1_1": "50", "2_1": "40"}))
    missing = client.post(_url("self-scores-submit", year, "A"), {})
    assert "Hãy nhập ngày nhận điểm tự chấm." in _messages(missing)
    future = client.post(_url("self-scores-submit", year, "A"), {"received_on": "2999-01-01"})
    assert "Ngày nhận điểm tự chấm không thể ở tương lai." in _messages(future)
    garbled = client.post(_url("self-scores-submit", year, "A"), {"received_on": "20/11"})
    assert any("Ngày nhận không đúng dạng ngày" in text for text in _messages(garbled))
    assert not Scorecard.objects.get(unit=year.units["A"]).submitted_at


def test_the_representative_still_submits_itself_and_then_the_card_is_locked_for_both(year):
    representative = make_user(unit=year.units["A"])
    grant(representative, RoleGrant.Kind.REPRESENTATIVE, unit=year.units["A"])
    own = client_for(representative)
    assert 'name="received_on"' not in own.get(_url("self-scores", year, "A")).content.decode()
    own.post(_url("self-scores", year, "A"), _values(year, **{"1_1": "50", "2_1": "40"}))
    own.post(_url("self-scores-submit", year, "A"), {"received_on": RECEIVED})
    card = Scorecard.objects.get(unit=year.units["A"])
    assert card.submitted_at and not card.is_on_behalf and card.received_on is None
    assert card.submitted_by == representative
    secretariat = client_for(year.secretariat)
    secretariat.post(_url("self-scores", year, "A"), _values(year, **{"1_1": "1", "2_1": "1"}))
    again = secretariat.post(_url("self-scores-submit", year, "A"), {"received_on": RECEIVED})
    assert "Kết quả tự chấm điểm đã được nộp và đã bị khóa." in " ".join(_messages(again))
    assert ScoreLine.objects.get(scorecard=card, item=year.items["1.1"]).self_value == 50


def test_another_units_representative_another_blocs_secretariat_and_an_outsider_are_refused(year):
    other = make_user(unit=year.units["B"])
    grant(other, RoleGrant.Kind.REPRESENTATIVE, unit=year.units["B"])
    assert client_for(other).get(_url("self-scores", year, "A")).status_code == 403
    assert client_for(other).post(_url("self-scores-submit", year, "A"), {"received_on": RECEIVED}).status_code == 403
    for name in ("self-scores-workbook", "self-scores-import"):
        assert client_for(other).get(_url(name, year)).status_code == 403
    other_year = make_bloc_year(bloc=make_bloc(), year=2022)
    add_member(other_year, make_unit())
    foreign = make_user()
    grant(foreign, RoleGrant.Kind.SECRETARIAT, bloc=other_year.bloc)
    assert client_for(foreign).get(_url("self-scores", year, "A")).status_code in (403, 404)
    assert client_for(foreign).get(_url("self-scores-import", year)).status_code in (403, 404)
    assert not Scorecard.objects.filter(unit=year.units["A"], submitted_at__isnull=False).exists()


# --- The workbook -----------------------------------------------------------------------------------------


def _download(client, year: Year):  # noqa: ANN001, ANN202
    response = client.get(_url("self-scores-workbook", year))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _upload(client, year: Year, book, received: str = RECEIVED):  # noqa: ANN001, ANN202
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("tu-cham.xlsx", buffer.getvalue(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return client.post(_url("self-scores-import", year), {"file": upload, "received_on": received})


def _fill(sheet, column: str, values: list[object]) -> None:  # noqa: ANN001
    for row, value in enumerate(values, start=3):
        sheet[f"{column}{row}"] = value


def test_the_workbook_round_trip_submits_each_filled_unit_on_its_behalf(year):
    client = client_for(year.secretariat)
    book = _download(client, year)
    sheet = book.active
    units = [year.units[code] for code in "ABCD"]
    assert [cell.value for cell in sheet[1]] == ["Mã", "Loại", "Nội dung", "Điểm tối đa",
                                                 *(u.short_code for u in units)]
    assert [cell.value for cell in sheet[2]][4:] == [u.name for u in units]
    assert [sheet[f"A{row}"].value for row in range(3, 7)] == ["1.1", "2.1", "T1", "TR1"]
    _fill(sheet, "E", ["27,5", 40, None, "2"])  # A: a text with a decimal comma, numbers, no bonus
    _fill(sheet, "F", [55.5, "39.5", "1,5", None])  # B: a float cell and an unambiguous dot
    _fill(sheet, "H", [50, None, None, None])  # D: a criterion left empty, so D is not imported
    preview = _upload(client, year, book).content.decode()
    assert "không được nhập" in preview and "H4" in preview and "cột của đơn vị để trống" in preview
    assert not Scorecard.objects.filter(submitted_at__isnull=False).exists()  # nothing saved yet
    response = client.post(_url("self-scores-import-confirm", year), follow=True)
    assert "Đã nhập và nộp thay điểm tự chấm của 2 đơn vị." in response.content.decode()
    cards = {card.unit_id: card for card in Scorecard.objects.filter(submitted_at__isnull=False)}
    assert set(cards) == {units[0].pk, units[1].pk}
    for card in cards.values():
        assert card.is_on_behalf and card.received_on == dt.date(2022, 11, 20)
        assert card.submitted_by == year.secretariat
    values = {(line.scorecard.unit_id, line.item.code): line.self_value
              for line in ScoreLine.objects.filter(scorecard__in=cards.values()).select_related("item", "scorecard")}
    assert values[(units[0].pk, "1.1")] == Decimal("27.5") and values[(units[0].pk, "T1")] is None
    assert values[(units[1].pk, "2.1")] == Decimal("39.5") and values[(units[1].pk, "T1")] == Decimal("1.5")
    entries = AuditEntry.objects.filter(action="blocs.self_scores.imported")
    assert sorted(entry.changes["1.1"] for entry in entries) == ["27.5", "55.5"]
    assert {entry.changes["received_on"] for entry in entries} == {RECEIVED}
    assert "nhập thay đơn vị, nhận ngày 20/11/2022" in client.get(_url("score-table", year)).content.decode()


@pytest.mark.parametrize(("value", "problem"), [
    ("abc", "Ô E4 (DV"),
    ("41", "không được vượt quá mức tối đa 40,00 điểm"),
    ("-1", "không được nhỏ hơn 0"),
    ("1.234,5", "có dấu chấm phân cách hàng nghìn"),
])
def test_one_bad_cell_and_nothing_is_stored_and_the_message_names_the_cell(year, value, problem):
    client = client_for(year.secretariat)
    book = _download(client, year)
    _fill(book.active, "E", ["27,5", value])
    _fill(book.active, "F", [50, 40])
    page = _upload(client, year, book).content.decode()
    assert "Ô E4 (" in page and problem in page and "Xác nhận nhập" not in page
    refused = client.post(_url("self-scores-import-confirm", year), follow=True)
    assert "Không có dữ liệu để nhập" in refused.content.decode()
    assert not Scorecard.objects.filter(submitted_at__isnull=False).exists()
    assert not AuditEntry.objects.filter(action="blocs.self_scores.imported").exists()


def test_unknown_unit_and_line_codes_and_a_unit_already_submitted_are_problems(year):
    self_score(year, "B", **{"1_1": "50", "2_1": "40"})
    client = client_for(year.secretariat)
    book = _download(client, year)
    sheet = book.active
    sheet["I1"] = "KHONGCO"
    sheet["A7"], sheet["E7"] = "9.9", 3
    _fill(sheet, "E", [50, 40])
    _fill(sheet, "F", [10, 10])
    page = _upload(client, year, book).content.decode()
    assert "Cột I: “KHONGCO” không phải mã viết tắt của đơn vị thành viên" in page
    assert "Dòng 7: “9.9” không phải mã của mục chấm điểm" in page
    assert f"Cột F: {year.units['B'].name} đã nộp điểm tự chấm" in page
    assert Scorecard.objects.filter(submitted_at__isnull=False).count() == 1


def test_the_import_is_all_or_nothing_when_a_unit_was_submitted_between_preview_and_confirm(year):
    items = year.items
    cards = {year.units["A"].pk: {items["1.1"].pk: Decimal(50), items["2.1"].pk: Decimal(40)},
             year.units["B"].pk: {items["1.1"].pk: Decimal(50), items["2.1"].pk: Decimal(40)}}
    self_score(year, "B", **{"1_1": "10", "2_1": "10"})
    with pytest.raises(ValidationError) as refused:
        self_scores_import(actor=year.secretariat, bloc_year=year.bloc_year, received_on=dt.date(2022, 11, 20),
                           cards=cards)
    assert year.units["B"].short_code in refused.value.messages[0]
    assert not Scorecard.objects.filter(unit=year.units["A"], submitted_at__isnull=False).exists()
    assert not ScoreLine.objects.filter(scorecard__unit=year.units["A"], self_value__isnull=False).exists()


def test_the_import_pages_are_linked_from_the_score_table_for_the_secretariat_only(year):
    page = client_for(year.secretariat).get(_url("score-table", year)).content.decode()
    assert _url("self-scores-import", year) in page and _url("self-scores-workbook", year) in page
    assert _url("self-scores", year, "A") in page


def test_the_on_behalf_mark_and_the_day_received_go_through_the_archive(year):
    from blocs.archive import archive_export, archive_import

    client = client_for(year.secretariat)
    client.post(_url("self-scores", year, "A"), _values(year, **{"1_1": "27,5", "2_1": "40"}))
    client.post(_url("self-scores-submit", year, "A"), {"received_on": RECEIVED})
    self_score(year, "B", **{"1_1": "50", "2_1": "40"})
    exported = archive_export(year.bloc_year)
    cards = {card["unit"]: card for card in exported["scoring"]["scorecards"]}
    assert cards[year.units["A"].short_code]["received_on"] == RECEIVED
    assert cards[year.units["A"].short_code]["submitted_by"] == year.secretariat.username
    assert "received_on" not in cards[year.units["B"].short_code]
    exported["bloc_year"]["year"] = 2021  # the same bloc and units, a year that does not exist yet
    copy_year = archive_import(actor=None, data=exported)
    copied = {card.unit_id: card for card in Scorecard.objects.filter(bloc_year=copy_year)}
    assert copied[year.units["A"].pk].is_on_behalf and copied[year.units["A"].pk].received_on == dt.date(2022, 11, 20)
    assert not copied[year.units["B"].pk].is_on_behalf
    assert archive_export(copy_year) == exported


def test_the_year_reaches_its_meeting_unwarned_only_once_the_score_table_is_published(year):
    """At the meeting no score can be entered, verified or published any more: until the table is published,
    the year page says so and the year moves on only with a reason (issue 10, item 8; found replaying the
    journey of a bloc from nothing, which reached its meeting with no score and no warning)."""
    client = client_for(year.secretariat)
    detail = reverse("blocs:year-detail", args=[year.bloc_year.pk])
    advance = reverse("blocs:year-advance", args=[year.bloc_year.pk])
    cards = {unit: self_score(year, unit, **{"1_1": "27.5", "2_1": "40"}) for unit in "ABCD"}
    scorecard_verify(actor=year.secretariat, scorecard=cards["A"], entries={})
    warning = ("Bảng tổng hợp điểm chưa được công bố tới các đơn vị thành viên (1 trong 4 đơn vị thành viên đã có "
               "điểm thẩm định); khi năm chuyển sang hội nghị tổng kết, không thể nhập, thẩm định hay công bố điểm "
               "nữa.")
    assert warning in client.get(detail).content.decode()
    refused = client.post(advance, {"status": "scoring"}, follow=True).content.decode()
    assert warning in refused and "hãy ghi lý do vào ô bên cạnh nút" in refused
    year.bloc_year.refresh_from_db()
    assert year.bloc_year.status == BlocYear.Status.SCORING
    for unit in "BCD":
        scorecard_verify(actor=year.secretariat, scorecard=cards[unit], entries={})
    scores_publish(actor=year.secretariat, bloc_year=year.bloc_year)
    page = client.get(detail).content.decode()
    assert "chưa được công bố" not in page and 'name="reason"' not in page
    client.post(advance, {"status": "scoring"})
    year.bloc_year.refresh_from_db()
    assert year.bloc_year.status == BlocYear.Status.MEETING
    assert AuditEntry.objects.filter(action="blocs.bloc_year.status_changed").latest("pk").changes == {
        "status": ["scoring", "meeting"]}
