"""The province view (issue 4, item 6): every bloc's proposals, the Government-flag cap, the Excel export.

Query budgets do not grow with the number of blocs (style.md, "Tests").
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from awards.history_excel import EXPORT_COLUMNS
from awards.models import Dossier, Nomination, RuleSet
from blocs.models import Award, Province, RoleGrant, User
from tests.conftest import client_for
from tests.factories import add_member, grant, make_bloc, make_bloc_year, make_province, make_unit, make_user

pytestmark = pytest.mark.django_db

GOV, PROV = "co-thi-dua-chinh-phu", "co-thi-dua-ubnd-tinh"


def add_blocs(province: Province, count: int, *, gov_flags: int | None = None, unit_name: str | None = None,
              all_sent: bool = False) -> None:
    """`count` blocs of 2022, each proposing a provincial flag and (the first `gov_flags`) a Government flag;
    every other bloc has sent its dossier (every bloc with `all_sent`)."""
    awards = {a.code: a for a in Award.objects.filter(code__in=[GOV, PROV])}
    start = province.blocs.count()
    for i in range(count):
        bloc_year = make_bloc_year(bloc=make_bloc(name=f"Khối thi đua {start + i + 1:02d}", province=province))
        rule_set = RuleSet.objects.create(bloc_year=bloc_year)
        first = make_unit(province=province, name=unit_name or f"Đơn vị A{start + i}")
        second = make_unit(province=province)
        for unit in (first, second):
            add_member(bloc_year, unit)
        if gov_flags is None or i < gov_flags:
            Nomination.objects.create(bloc_year=bloc_year, award=awards[GOV], unit=first, rule_set=rule_set, votes=4,
                                      share_numerator=4, share_denominator=5, base="members", rank=1,
                                      final_score=Decimal("95.5"))
        Nomination.objects.create(bloc_year=bloc_year, award=awards[PROV], unit=second, rule_set=rule_set,
                                  is_outside_vote=True, reason="Thành tích đột xuất")
        if all_sent or (start + i) % 2:
            Dossier.objects.create(bloc_year=bloc_year, status=Dossier.Status.SUBMITTED)


@pytest.fixture
def board() -> tuple[User, Province]:
    province = make_province("Quảng Trị")
    user = make_user("ban_tdkt")
    grant(user, RoleGrant.Kind.BOARD, province=province)
    return user, province


def queries_for(user: User, path: str) -> int:
    client = client_for(user)
    client.get(path)  # warm the session and the caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


def test_the_province_view_costs_the_same_queries_for_5_and_40_blocs(board):
    user, province = board
    add_blocs(province, 5)
    path = reverse("awards:province-view") + "?year=2022"
    five = queries_for(user, path)
    add_blocs(province, 35)
    forty = queries_for(user, path)
    assert five == forty, f"{five} queries for 5 blocs, {forty} for 40"
    html = client_for(user).get(path).content.decode()
    assert html.count("data-bloc-year=") == 80  # two proposals a bloc


def test_the_export_costs_the_same_queries_for_5_and_40_blocs(board):
    user, province = board
    add_blocs(province, 5)
    path = reverse("awards:province-export") + "?year=2022"
    five = queries_for(user, path)
    add_blocs(province, 35)
    assert queries_for(user, path) == five


def test_the_government_flag_cap_is_flagged_when_over(board):
    user, province = board
    add_blocs(province, 5, gov_flags=2, all_sent=True)  # 2 proposals; 20% of 5 bloc leaders is 1
    html = client_for(user).get(reverse("awards:province-view")).content.decode()
    assert 'data-count="2"' in html and 'data-cap="1"' in html and "data-over-cap" in html
    assert "alert-danger" in html and "20%" in html


def test_the_cap_is_not_flagged_at_the_cap(board):
    user, province = board
    add_blocs(province, 10, gov_flags=2, all_sent=True)  # 20% of 10 is 2
    html = client_for(user).get(reverse("awards:province-view")).content.decode()
    assert 'data-count="2"' in html and 'data-cap="2"' in html and "data-over-cap" not in html


def test_the_cap_rate_comes_from_the_settings(board, settings):
    user, province = board
    settings.GOV_FLAG_CAP_RATE = "1/2"
    add_blocs(province, 5, gov_flags=2, all_sent=True)
    html = client_for(user).get(reverse("awards:province-view")).content.decode()
    assert 'data-cap="2"' in html and "data-over-cap" not in html and "50%" in html


def test_the_cap_is_explained_in_words_and_draft_dossiers_do_not_count(board):
    """Two blocs: 20% of 2 is 0,4, rounded down to 0 (issue 10, item 8); the draft's proposal is shown, not
    counted, and the sent one is over the cap."""
    user, province = board
    add_blocs(province, 2)  # the first bloc's dossier is a draft, the second one's is sent
    html = client_for(user).get(reverse("awards:province-view")).content.decode()
    assert 'data-count="1"' in html and 'data-cap="0"' in html and "data-over-cap" in html
    assert ("20% của 2 là 0,4, làm tròn xuống thành 0. Chỉ tính đề nghị trong hồ sơ đã gửi tỉnh; hồ sơ đang soạn "
            "không được tính.") in html
    assert "1 đề nghị khác trong hồ sơ chưa gửi tỉnh không được tính." in html


def test_the_view_defaults_to_the_latest_year_with_blocs(board):
    user, province = board
    add_blocs(province, 2)
    make_bloc_year(bloc=province.blocs.first(), year=2023)
    response = client_for(user).get(reverse("awards:province-view"))
    assert response.context["year"] == 2023
    assert client_for(user).get(reverse("awards:province-view"), {"year": 2022}).context["year"] == 2022


def test_the_view_links_each_blocs_dossier_and_marks_outside_vote_proposals(board):
    user, province = board
    add_blocs(province, 3)
    html = client_for(user).get(reverse("awards:province-view")).content.decode()
    for bloc_year in Nomination.objects.values_list("bloc_year", flat=True).distinct():
        assert reverse("awards:dossier-review", args=[bloc_year]) in html
    assert html.count('data-badge="outside-vote"') == 3 and "Thành tích đột xuất" in html


def test_the_export_opens_again_and_keeps_text_as_text(board):
    user, province = board
    add_blocs(province, 1, unit_name="=cmd|' /C calc'!A0")
    add_blocs(province, 1)
    response = client_for(user).get(reverse("awards:province-export"), {"year": 2022})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[2]) == EXPORT_COLUMNS
    proposals = [row for row in rows[3:] if row and isinstance(row[0], int)]
    assert [row[0] for row in proposals] == [1, 2, 3, 4]
    first = proposals[0]
    assert first[1] == "Khối thi đua 01" and first[2] == "Cờ thi đua của Chính phủ"
    assert first[3] == "=cmd|' /C calc'!A0" and first[4] == 95.5 and first[5] == 4 and first[6] == 80
    assert first[7] == "Chưa gửi"
    formula_cell = next(cell for row in sheet.iter_rows() for cell in row if cell.value == first[3])
    assert formula_cell.data_type == "s"  # text, never a formula
    assert proposals[1][5] == "Ngoài bỏ phiếu"  # an outside-the-vote proposal says so
    assert proposals[3][7] == "Đã gửi Ban Thi đua – Khen thưởng"
    assert any("Cờ thi đua của Chính phủ: 1 đề nghị trong hồ sơ đã gửi tỉnh (1 đề nghị trong hồ sơ chưa gửi tỉnh "
               "không tính); giới hạn 0 (20% của 2 khối, cụm là 0,4, làm tròn xuống) — VƯỢT GIỚI HẠN" in str(row[0])
               for row in rows if row and row[0])
