"""The dashboards (issue 14, items 1–4) as their readers see them: the board's year at a glance with the late
steps in red, sorted and filtered by plain links; a bloc year's missing units and ranked scores; a unit's years
across a rename, with next year's conditions in words; and the charts themselves."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from awards.charts import Bar, bar_chart, line_chart
from awards.models import CategoryRule, Condition, HistoryEntry, Meeting, Nomination, RuleSet
from blocs.models import Award, Bloc, BlocYear, Registration, RoleGrant, Scorecard
from tests.conftest import client_for
from tests.factories import add_member, grant, make_bloc, make_bloc_year, make_province, make_unit, make_user

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(dt.datetime(2022, 1, 20, 9, 0))


@pytest.fixture
def province_board():
    province = make_province("Tỉnh bảng tổng quan")
    late = make_bloc_year(bloc=make_bloc(province=province, name="Khối Đảng", kind=Bloc.Kind.BLOC), year=2022,
                          registration_deadline=dt.date(2022, 2, 1), members=3)
    on_time = make_bloc_year(bloc=make_bloc(province=province, name="Cụm huyện", kind=Bloc.Kind.CLUSTER),
                             year=2022, registration_deadline=dt.date(2022, 2, 1), members=2)
    for membership in on_time.memberships.all():
        Registration.objects.create(bloc_year=on_time, unit=membership.unit, submitted_at=NOW)
    first = late.memberships.first()
    Registration.objects.create(bloc_year=late, unit=first.unit, submitted_at=NOW)
    flag = Award.objects.get(code="co-thi-dua-ubnd-tinh")
    earlier = make_bloc_year(bloc=late.bloc, year=2021, status=BlocYear.Status.CLOSED)
    add_member(earlier, first.unit)
    Nomination.objects.create(bloc_year=earlier, award=flag, unit=first.unit,
                              rule_set=RuleSet.objects.create(bloc_year=earlier))
    board = make_user("ban_tdkt_tong_quan")
    grant(board, RoleGrant.Kind.BOARD, province=province)
    return {"board": client_for(board), "late": late, "on_time": on_time, "province": province}


def test_the_board_sees_every_bloc_with_the_late_registration_in_red_and_its_days(province_board, time_machine):
    time_machine.move_to("2022-02-11 10:00:00+07:00", tick=False)
    html = province_board["board"].get(reverse("awards:province-dashboard") + "?year=2022").content.decode()
    late = re.search(rf'<tr data-bloc-year="{province_board["late"].pk}" data-overdue="10">(.*?)</tr>', html, re.S)
    assert late, html
    assert "1/3" in late.group(1)  # one unit of three registered
    assert 'class="text-danger fw-bold" data-late="10">Đăng ký thi đua: trễ 10 ngày' in late.group(1)
    on_time = re.search(rf'<tr data-bloc-year="{province_board["on_time"].pk}">(.*?)</tr>', html, re.S)
    assert "2/2" in on_time.group(1) and "data-late" not in on_time.group(1)


def test_the_board_sorts_by_lateness_and_filters_clusters_with_plain_links(province_board, time_machine):
    time_machine.move_to("2022-02-11 10:00:00+07:00", tick=False)
    board, url = province_board["board"], reverse("awards:province-dashboard")
    html = board.get(url + "?year=2022&sort=-late").content.decode()
    assert html.index("Khối Đảng") < html.index("Cụm huyện")
    assert 'aria-sort="descending"' in html
    html = board.get(url + "?year=2022&sort=late").content.decode()
    assert html.index("Cụm huyện") < html.index("Khối Đảng")
    clusters = board.get(url + "?year=2022&kind=cluster").content.decode()
    assert f'data-bloc-year="{province_board["on_time"].pk}"' in clusters
    assert f'data-bloc-year="{province_board["late"].pk}"' not in clusters
    province = province_board["province"].pk
    assert f'href="?province={province}&amp;year=2022&amp;kind=cluster&amp;sort=-name"' in clusters  # keeps the filter


def test_the_multi_year_view_counts_proposals_by_bloc_and_by_unit_kind(province_board):
    html = province_board["board"].get(reverse("awards:province-dashboard") + "?year=2022").content.decode()
    by_bloc = re.search(r'<table class="table table-sm" id="by-bloc">(.*?)</table>', html, re.S).group(1)
    # 2018..2022: one proposal in 2021
    cells = '<td class="text-end">0</td>' * 3 + '<td class="text-end">1</td><td class="text-end">0</td>'
    assert f'Khối Đảng</th>{cells}<td class="text-end fw-bold">1</td>' in by_bloc
    by_kind = re.search(r'id="by-kind">(.*?)</table>', html, re.S).group(1)
    assert '<th scope="row">Cơ quan Đảng</th>' in by_kind  # the factories' units are Party bodies


@pytest.fixture
def scored_year():
    province = make_province("Tỉnh năm chấm điểm")
    bloc_year = make_bloc_year(bloc=make_bloc(province=province), year=2022, status=BlocYear.Status.MEETING)
    units = [make_unit(province=province, name=name) for name in ("Ban A", "Ban B", "Ban C")]
    for unit, total, verified in zip(units, (Decimal("91.5"), Decimal("95"), None), (True, False, False),
                                     strict=True):
        add_member(bloc_year, unit)
        Scorecard.objects.create(bloc_year=bloc_year, unit=unit, submitted_at=NOW if total else None,
                                 final_total=total, verified_at=NOW if verified else None)
    Registration.objects.create(bloc_year=bloc_year, unit=units[0], submitted_at=NOW)
    Meeting.objects.create(bloc_year=bloc_year, held_on=dt.date(2022, 12, 1), place="Hội trường")
    Nomination.objects.create(bloc_year=bloc_year, award=Award.objects.get(code="co-thi-dua-ubnd-tinh"),
                              unit=units[1], rule_set=RuleSet.objects.create(bloc_year=bloc_year), votes=3)
    chair = make_user("chu_tri_tong_quan", unit=units[0])
    grant(chair, RoleGrant.Kind.CHAIR, bloc_year=bloc_year)
    return bloc_year, client_for(chair)


def test_the_chair_sees_who_is_missing_the_ranked_scores_and_the_proposals(scored_year):
    bloc_year, chair = scored_year
    html = chair.get(reverse("awards:year-dashboard", args=[bloc_year.pk])).content.decode()
    registration = re.search(r'<tr data-step="1" data-missing="2">(.*?)</tr>', html, re.S).group(1)
    assert "Ban B" in registration and "Ban C" in registration and "Ban A" not in registration
    self_scores = re.search(r'<tr data-step="2" data-missing="1">(.*?)</tr>', html, re.S).group(1)
    assert "Ban C" in self_scores
    # Ranked: Ban B (95, not verified: hatched) before Ban A (91,5, verified: solid); Ban C has no score.
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert svg.index("1. Ban B") < svg.index("2. Ban A") < svg.index("Ban C")
    assert re.search(r'fill="url\(#hatch-final-scores\)"[^>]*data-value="95', svg)
    assert re.search(r'fill="#000"[^>]*data-value="91.5', svg)
    table = re.search(r'<table class="table table-sm small chart-table">(.*?)</table>', html, re.S).group(1)
    assert "<th scope=\"row\">1. Ban B</th><td>95</td><td>chưa thẩm định</td>" in table
    assert "<td>91,5</td><td>đã thẩm định</td>" in table
    assert re.search(r'id="proposals">.*Cờ thi đua của UBND tỉnh</td><th scope="row">Ban B</th><td[^>]*>3</td>',
                     html, re.S)


def test_the_dashboard_link_shows_only_to_those_who_may_open_it(scored_year, world):
    bloc_year, chair = scored_year
    assert reverse("awards:year-dashboard", args=[bloc_year.pk]) in chair.get(bloc_year.get_absolute_url()) \
        .content.decode()
    representative = client_for(world.users["representative"])
    page = representative.get(world.bloc_year.get_absolute_url()).content.decode()
    assert reverse("awards:year-dashboard", args=[world.bloc_year.pk]) not in page


def test_a_unit_history_crosses_its_rename_and_says_next_years_conditions(time_machine):
    time_machine.move_to("2023-01-10 10:00:00+07:00", tick=False)
    province = make_province("Tỉnh lịch sử")
    bloc = make_bloc(province=province, name="Khối các Ban Đảng")
    old = make_unit(province=province, name="Ban Tuyên giáo", is_active=False)
    new = make_unit(province=province, name="Ban Tuyên giáo và Dân vận", renamed_from=old)
    flag = Award.objects.get(code="co-thi-dua-ubnd-tinh")
    for year, unit, total in ((2021, old, Decimal("93")), (2022, new, Decimal("96.5"))):
        bloc_year = make_bloc_year(bloc=bloc, year=year, status=BlocYear.Status.CLOSED)
        add_member(bloc_year, unit)
        Scorecard.objects.create(bloc_year=bloc_year, unit=unit, final_total=total)
        HistoryEntry.objects.create(unit=unit, year=year, award=flag)
    category = CategoryRule.objects.create(rule_set=RuleSet.objects.create(bloc_year=bloc_year),
                                           award=Award.objects.get(code="co-thi-dua-chinh-phu"), quota_count=1)
    Condition.objects.create(category=category, kind="consecutive", number=2, award=flag)
    Condition.objects.create(category=category, kind="not_recent", number=5)
    representative = make_user("dai_dien_lich_su", unit=new)
    grant(representative, RoleGrant.Kind.REPRESENTATIVE, unit=new)
    client = client_for(representative)
    assert reverse("awards:unit-timeline", args=[new.pk]) in client.get(new.get_absolute_url()).content.decode()
    html = client.get(reverse("awards:unit-timeline", args=[new.pk])).content.decode()
    year_2021 = re.search(r'<tr data-year="2021">(.*?)</tr>', html, re.S).group(1)
    assert "Khối các Ban Đảng" in year_2021 and "data-predecessor>với tên Ban Tuyên giáo<" in year_2021
    assert 'data-year="2021" data-value="93.00"' in html and 'data-year="2022" data-value="96.50"' in html
    assert "Cờ thi đua của UBND tỉnh" in year_2021
    conditions = re.search(r'<ul class="list-unstyled" id="conditions">(.*?)</ul>', html, re.S).group(1)
    assert "Điều kiện cho năm 2023" in html
    assert re.search(r'data-met="1">.*?Cờ thi đua của Chính phủ</strong>: [^<]*2[^<]*Cờ thi đua của UBND tỉnh[^<]*: '
                     r"có 2021, 2022", conditions, re.S)
    assert re.search(r'data-met="1">.*?: không nhận trong những năm này', conditions, re.S)


# --- The chart module (item 4) ---------------------------------------------------------------------------------


def test_a_bar_chart_names_itself_escapes_its_labels_and_gives_its_numbers_as_a_table():
    chart = bar_chart(chart_id="c1", title="Điểm <b>", description="Mô tả", value_label="Điểm",
                      bars=[Bar("<script>x</script>", Decimal("27.5"), "hatch", "chưa"), Bar("Ban B", None)],
                      note_label="Ghi chú")
    svg = str(chart.svg)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'role="img" aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">Điểm &lt;b&gt;</title><desc id="c1-desc">Mô tả</desc>' in svg
    assert "<style" not in svg  # the Content-Security-Policy would drop it; attributes are drawn everywhere
    assert 'fill="url(#hatch-c1)"' in svg and "27,5" in svg
    assert chart.rows == (("<script>x</script>", "27,5", "chưa"), ("Ban B", "—", ""))
    assert chart.columns[1:] == ("Điểm", "Ghi chú")


def test_a_line_chart_breaks_where_a_year_has_no_value():
    chart = line_chart(chart_id="l", title="t", description="d", value_label="v", top=100,
                       points=[(2020, Decimal(90)), (2021, None), (2022, Decimal(95)), (2023, Decimal(96))])
    svg = str(chart.svg)
    assert svg.count("<circle") == 3
    assert svg.count('stroke-width="2"/>') == 1  # only 2022–2023 are joined
    assert [row[:2] for row in chart.rows] == [("2020", "90"), ("2021", "—"), ("2022", "95"), ("2023", "96")]


def test_a_chart_prints_in_a_pdf(tmp_path):
    from weasyprint import HTML

    chart = bar_chart(chart_id="pdf", title="Điểm", description="d", value_label="Điểm",
                      bars=[Bar("Ban Tuyên giáo Tỉnh ủy", Decimal("96.5")), Bar("Văn phòng", Decimal(91), "hatch")])
    pdf = tmp_path / "chart.pdf"
    pdf.write_bytes(HTML(string=f"<html><body>{chart.svg}</body></html>").write_pdf())
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert text.split() == ["Ban", "Tuyên", "giáo", "Tỉnh", "ủy", "96,5", "Văn", "phòng", "91"]
