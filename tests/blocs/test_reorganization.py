"""The 2025 reorganization (issue 10, item 12; domain.md §7a): mergers and splits of units and of provinces,
one step each; the successor's multi-year conditions read the predecessors' history as the rule set says;
past years print the names and province of their time."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from awards import selectors as award_selectors
from awards.models import CategoryRule, Condition, HistoryEntry, Round, RuleSet
from blocs.models import (
    AuditEntry,
    Award,
    BlocYear,
    Membership,
    Province,
    RoleGrant,
    Unit,
    UnitChange,
)
from blocs.services.reorganization import province_merge, unit_split, units_merge
from blocs.services.units import unit_save
from tests.factories import add_member, grant, make_bloc, make_bloc_year, make_province, make_unit, make_user
from tests.reports.test_documents_content import fetch, pdf_text, seed_year

pytestmark = pytest.mark.django_db

GOV, PROV = "co-thi-dua-chinh-phu", "co-thi-dua-ubnd-tinh"
MERGER = dt.date(2025, 7, 1)
SUCCESSOR = "Ban Tuyên giáo và Dân vận Tỉnh ủy"


def award(code: str) -> Award:
    return Award.objects.get(code=code)


def refused(call, **kwargs) -> str:  # noqa: ANN001
    with translation.override("vi"), pytest.raises(ValidationError) as error:
        call(**kwargs)
    return " ".join(error.value.messages)


@pytest.fixture
def reformed(db):  # noqa: ANN001, ANN201
    """The seed bloc in Quảng Bình, its year 2024 closed; the 2024 and 2025 provincial flags of Ban Tuyên giáo
    and Ban Dân vận; Quảng Bình merged into Quảng Trị on 1 July 2025, the two boards merged into one, the
    Văn phòng renamed; a 2026 bloc of Quảng Trị formed from the successor and a unit of the old Quảng Trị."""
    seed = seed_year(names={"BAO": "Báo Quảng Bình"})
    quang_binh = seed.bloc_year.bloc.province
    Province.objects.filter(pk=quang_binh.pk).update(name="Quảng Bình")
    BlocYear.objects.filter(pk=seed.bloc_year.pk).update(year=2024, status=BlocYear.Status.CLOSED)
    Membership.objects.filter(bloc_year=seed.bloc_year).update(year=2024)
    quang_tri = make_province("Quảng Trị")
    finance = make_unit(name="Sở Tài chính tỉnh Quảng Trị", short_code="STC-QT", province=quang_tri,
                        kind=Unit.Kind.STATE)
    HistoryEntry.objects.create(unit=seed.units["BTG"], year=2024, award=award(PROV))
    HistoryEntry.objects.create(unit=seed.units["BDV"], year=2025, award=award(PROV))
    year_2025 = make_bloc_year(bloc=seed.bloc_year.bloc, year=2025, status=BlocYear.Status.REGISTRATION)
    for code in ("BTG", "BDV", "VPTU"):
        add_member(year_2025, seed.units[code])
    admin = make_user(is_superuser=True, is_staff=True)

    province_merge(actor=admin, source=quang_binh, target=quang_tri, effective_on=MERGER,
                   reason="Nghị quyết số 202/2025/QH15")
    change = units_merge(actor=admin, predecessors=[seed.units["BTG"], seed.units["BDV"]],
                         new_unit={"name": SUCCESSOR, "short_code": "BTGDV", "kind": Unit.Kind.PARTY},
                         effective_on=MERGER)
    vptu = Unit.objects.get(pk=seed.units["VPTU"].pk)
    unit_save(actor=admin, unit=vptu, data={"name": "Văn phòng Tỉnh ủy Quảng Trị"})
    successor = change.successors.get()
    year_2026 = make_bloc_year(bloc=make_bloc(name="Khối các cơ quan Đảng tỉnh Quảng Trị", province=quang_tri),
                               year=2026, status=BlocYear.Status.MEETING)
    add_member(year_2026, successor)
    add_member(year_2026, finance)
    return {"seed": seed, "admin": admin, "successor": successor, "finance": finance, "year_2025": year_2025,
            "year_2026": year_2026, "quang_binh": quang_binh, "quang_tri": quang_tri}


def gov_flag_round(bloc_year: BlocYear, *, carried_over: bool, version: int) -> Round:
    """A Government-flag round whose condition is "2 consecutive years of the provincial flag"."""
    rule_set = RuleSet.objects.create(bloc_year=bloc_year, version=version, history_carried_over=carried_over)
    category = CategoryRule.objects.create(rule_set=rule_set, award=award(GOV), quota_count=1)
    Condition.objects.create(category=category, kind="consecutive", number=2, award=award(PROV))
    return Round.objects.create(bloc_year=bloc_year, rule_set=rule_set, kind=Round.Kind.AWARD, award=award(GOV),
                                title=f"2026 v{version}", quota=1, max_choices=1, order=version)


# --- The test ----------------------------------------------------------------------------------------


def test_the_successor_reads_its_predecessors_flags_only_when_the_rule_set_carries_history(reformed):
    successor, finance = reformed["successor"], reformed["finance"]
    assert successor.province == reformed["quang_tri"] and finance.province == successor.province
    carried = gov_flag_round(reformed["year_2026"], carried_over=True, version=1)
    report = award_selectors.eligibility_report(carried, [successor.pk, finance.pk])
    assert report[successor.pk] == []  # 2024 (Ban Tuyên giáo) + 2025 (Ban Dân vận): two consecutive years
    assert len(report[finance.pk]) == 1

    not_carried = gov_flag_round(reformed["year_2026"], carried_over=False, version=2)
    report = award_selectors.eligibility_report(not_carried, [successor.pk])
    assert len(report[successor.pk]) == 1  # its own history only: none


def test_the_2024_documents_print_the_old_names_and_the_old_province(reformed):
    seed = reformed["seed"]
    client = Client()
    client.force_login(seed.secretariat)
    for name in ("reports:meeting-minutes", "reports:submission"):
        text = pdf_text(fetch(client, name, seed.bloc_year.pk, "pdf"))
        assert "Quảng Bình" in text and "Quảng Trị" not in text, name
        assert "Văn phòng Tỉnh ủy" in text and "Văn phòng Tỉnh ủy Quảng Trị" not in text, name
        assert SUCCESSOR not in text and "Sở Tài chính" not in text, name
    minutes = pdf_text(fetch(client, "reports:meeting-minutes", seed.bloc_year.pk, "pdf"))
    assert "Ban Tuyên giáo Tỉnh ủy" in minutes and "Ban Dân vận Tỉnh ủy" in minutes


def test_the_2024_member_export_writes_the_registry_of_2024(reformed):
    seed = reformed["seed"]
    client = Client()
    client.force_login(seed.secretariat)
    response = client.get(reverse("blocs:member-export", args=[seed.bloc_year.pk]))
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == 9
    names = {row[1] for row in rows}
    assert {"Văn phòng Tỉnh ủy", "Ban Tuyên giáo Tỉnh ủy", "Ban Dân vận Tỉnh ủy", "Báo Quảng Bình"} <= names
    assert SUCCESSOR not in names and "Văn phòng Tỉnh ủy Quảng Trị" not in names
    assert sheet.cell(row=1, column=6).value == "Tỉnh, thành phố (năm đó)"
    assert {row[5] for row in rows} == {"Quảng Bình"}


def test_the_merger_moves_the_running_years_seats_and_roles_and_is_recorded(reformed):
    seed, successor = reformed["seed"], reformed["successor"]
    seats = {m.unit_id: m for m in Membership.objects.filter(bloc_year=reformed["year_2025"])}
    assert successor.pk in seats and seed.units["BTG"].pk not in seats and seed.units["BDV"].pk not in seats
    assert len(seats) == 2  # the second predecessor's seat is removed: the successor already sits there
    btg = Unit.objects.get(pk=seed.units["BTG"].pk)
    assert not btg.is_active and btg.merged_into == successor and btg.ended_on == MERGER
    assert RoleGrant.objects.filter(kind=RoleGrant.Kind.REPRESENTATIVE, unit=successor).count() == 2
    assert not RoleGrant.objects.filter(unit__in=[btg, seed.units["BDV"]]).exists()
    assert Province.objects.get(pk=reformed["quang_binh"].pk).merged_into == reformed["quang_tri"]
    assert seed.bloc_year.bloc.__class__.objects.get(pk=seed.bloc_year.bloc_id).province == reformed["quang_tri"]
    assert UnitChange.objects.filter(kind=UnitChange.Kind.MERGE, effective_on=MERGER).count() == 1
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"blocs.unit.merged", "blocs.province.merged"} <= actions


def test_the_successors_page_links_to_its_predecessors_and_back(reformed):
    seed, successor = reformed["seed"], reformed["successor"]
    client = Client()
    client.force_login(reformed["admin"])
    page = client.get(reverse("blocs:unit-detail", args=[successor.pk])).content.decode()
    assert reverse("blocs:unit-detail", args=[seed.units["BTG"].pk]) in page and "2024, 2025" not in page
    assert "Ban Dân vận Tỉnh ủy" in page and "2024" in page
    back = client.get(reverse("blocs:unit-detail", args=[seed.units["BTG"].pk])).content.decode()
    assert reverse("blocs:unit-detail", args=[successor.pk]) in back


# --- Refusals, in Vietnamese ---------------------------------------------------------------------------------


@pytest.fixture
def two(db):  # noqa: ANN001, ANN201
    province = make_province("Bắc Giang")
    return {"a": make_unit(name="Ban Tuyên giáo Tỉnh ủy Bắc Giang", province=province),
            "b": make_unit(name="Ban Dân vận Tỉnh ủy Bắc Giang", province=province), "province": province}


def test_a_unit_merged_into_itself_is_refused(two):
    text = refused(units_merge, actor=None, predecessors=[two["a"], two["b"]], successor=two["a"],
                   effective_on=MERGER)
    assert "không thể sáp nhập vào chính nó" in text.lower() or "chính nó" in text


def test_a_merger_into_an_inactive_unit_is_refused(two):
    gone = make_unit(name="Ban đã giải thể", province=two["province"], is_active=False)
    text = refused(units_merge, actor=None, predecessors=[two["a"]], successor=gone, effective_on=MERGER)
    assert "Ban đã giải thể" in text and "không còn hoạt động" in text
    assert two["a"].__class__.objects.get(pk=two["a"].pk).is_active  # nothing half-way


def test_a_unit_of_another_province_needs_the_province_merger_first(two):
    elsewhere = make_unit(name="Sở Nội vụ tỉnh Bắc Ninh", province=make_province("Bắc Ninh"))
    text = refused(units_merge, actor=None, predecessors=[elsewhere], successor=two["a"], effective_on=MERGER)
    assert "Bắc Ninh" in text and "sáp nhập tỉnh" in text


def test_a_date_beyond_this_year_is_refused(two):
    later = dt.date(dt.date.today().year + 1, 1, 1)
    text = refused(units_merge, actor=None, predecessors=[two["a"]], successor=two["b"], effective_on=later)
    assert later.strftime("%d/%m/%Y") in text and "năm nay" in text


def test_a_circle_is_refused(two):
    Unit.objects.filter(pk=two["b"].pk).update(renamed_from=two["a"])
    text = refused(units_merge, actor=None, predecessors=[two["b"]], successor=two["a"], effective_on=MERGER)
    assert "vòng" in text


def test_province_merger_refusals(two):
    other = make_province("Bắc Ninh")
    assert "chính nó" in refused(province_merge, actor=None, source=other, target=other, effective_on=MERGER)
    province_merge(actor=None, source=two["province"], target=other, effective_on=MERGER)
    assert "đã được sáp nhập" in refused(province_merge, actor=None, source=two["province"], target=other,
                                         effective_on=MERGER)
    assert "Bắc Giang" in refused(province_merge, actor=None, source=make_province("Hà Giang"),
                                  target=two["province"], effective_on=MERGER)


def test_a_split_carries_history_to_the_chosen_successor_only(two):
    HistoryEntry.objects.create(unit=two["a"], year=2024, award=award(PROV))
    change = unit_split(actor=None, unit=two["a"], effective_on=MERGER, carrier=1, new_units=[
        {"name": "Ban Tuyên giáo", "short_code": "BTG-BG", "kind": Unit.Kind.PARTY},
        {"name": "Ban Khoa giáo", "short_code": "BKG-BG", "kind": Unit.Kind.PARTY}])
    first, second = change.successors.order_by("short_code")
    assert change.carrier.short_code == "BKG-BG"  # the second new unit, as chosen
    history = award_selectors.history_of([first, second])
    carrier = first if first.short_code == "BKG-BG" else second
    other = second if carrier is first else first
    assert history[carrier.pk] and not history[other.pk]
    assert not award_selectors.history_of([carrier], carried_over=False)[carrier.pk]
    assert "không còn hoạt động" in refused(unit_split, actor=None, unit=two["a"], carrier=None,
                                             effective_on=MERGER, new_units=[{"name": "X", "short_code": "X1"},
                                                                             {"name": "Y", "short_code": "Y1"}])
    assert "ít nhất hai" in refused(unit_split, actor=None, unit=two["b"], carrier=None, effective_on=MERGER,
                                    new_units=[{"name": "X", "short_code": "X2"}])


# --- The screens --------------------------------------------------------------------------------------------


def test_the_merge_screen_lists_what_changes_then_merges_on_confirmation(two):
    board = make_user()
    grant(board, RoleGrant.Kind.BOARD, province=two["province"])
    year = make_bloc_year(bloc=make_bloc(province=two["province"]), year=dt.date.today().year)
    add_member(year, two["a"])
    rep = make_user(unit=two["a"], first_name="An", last_name="Nguyễn")
    grant(rep, RoleGrant.Kind.REPRESENTATIVE, unit=two["a"])
    client = Client()
    client.force_login(board)
    data = {"predecessors": [two["a"].pk, two["b"].pk], "new_name": SUCCESSOR, "new_short_code": "btgdv-bg",
            "new_kind": "party", "effective_on": f"{dt.date.today().year}-03-01", "reason": "QĐ 01"}
    with translation.override("vi"):
        page = client.post(reverse("blocs:unit-merge"), data).content.decode()
    assert "Ban Tuyên giáo Tỉnh ủy Bắc Giang" in page and SUCCESSOR in page and "Xác nhận" in page
    assert Unit.objects.filter(short_code="BTGDV-BG").count() == 0  # not yet
    response = client.post(reverse("blocs:unit-merge"), {**data, "confirm": "1"})
    successor = Unit.objects.get(short_code="BTGDV-BG")
    assert response.status_code == 302 and response.url == successor.get_absolute_url()
    assert Membership.objects.get(bloc_year=year).unit == successor
    assert RoleGrant.objects.get(user=rep).unit == successor


def test_the_merge_screen_refuses_in_vietnamese_and_saves_nothing(two):
    board = make_user()
    grant(board, RoleGrant.Kind.BOARD, province=two["province"])
    client = Client()
    client.force_login(board)
    with translation.override("vi"):
        page = client.post(reverse("blocs:unit-merge"), {
            "predecessors": [two["a"].pk, two["b"].pk], "successor": two["a"].pk, "new_kind": "party",
            "effective_on": "2025-07-01", "confirm": "1"}, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "chính nó" in page
    assert Unit.objects.filter(is_active=False).count() == 0


def test_a_board_of_both_provinces_merges_them_and_keeps_one_board_role(two):
    target = make_province("Bắc Ninh")
    board = make_user()
    grant(board, RoleGrant.Kind.BOARD, province=two["province"])
    grant(board, RoleGrant.Kind.BOARD, province=target)
    client = Client()
    client.force_login(board)
    url = reverse("blocs:province-merge", args=[two["province"].pk])
    response = client.post(url, {"target": target.pk, "effective_on": "2025-07-01", "confirm": "1"})
    assert response.status_code == 302
    assert list(RoleGrant.objects.filter(user=board).values_list("province__name", flat=True)) == ["Bắc Ninh"]
    assert Unit.objects.get(pk=two["b"].pk).province == target


def test_the_province_merge_screen_asks_for_confirmation(two):
    client = Client()
    client.force_login(make_user(is_superuser=True, is_staff=True))
    target = make_province("Bắc Ninh")
    url = reverse("blocs:province-merge", args=[two["province"].pk])
    data = {"target": target.pk, "effective_on": "2025-07-01"}
    page = client.post(url, data).content.decode()
    assert "Ban Dân vận Tỉnh ủy Bắc Giang" in page
    assert client.post(url, {**data, "confirm": "1"}).status_code == 302
    assert Unit.objects.get(pk=two["a"].pk).province == target


def test_the_rule_set_screen_shows_the_history_setting(db):  # noqa: ANN001
    from tests.awards.conftest import seed_meeting

    meeting = seed_meeting()
    client = Client()
    client.force_login(meeting.secretariat)
    with translation.override("vi"):
        page = client.get(reverse("awards:rule-set", args=[meeting.bloc_year.pk]),
                          HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'name="history_carried_over"' in page


def test_a_2024_round_result_and_ballot_paper_show_the_names_of_2024(reformed):
    seed = reformed["seed"]
    client = Client()
    client.force_login(seed.secretariat)
    round_ = Round.objects.get(bloc_year=seed.bloc_year, award__code=GOV, runoff_of__isnull=True)
    page = client.get(reverse("awards:round-detail", args=[round_.pk])).content.decode()
    assert "Văn phòng Tỉnh ủy" in page and "Văn phòng Tỉnh ủy Quảng Trị" not in page
    paper = client.get(reverse("reports:ballot-paper", args=[round_.pk]))
    assert paper.status_code == 200
    text = paper.content.decode()
    assert "Văn phòng Tỉnh ủy" in text and "Văn phòng Tỉnh ủy Quảng Trị" not in text


def test_a_submitted_year_keeps_the_names_it_printed_when_a_unit_is_renamed_later(db):  # noqa: ANN001
    from blocs.selectors import names_in_year
    from blocs.services.bloc_years import bloc_year_advance

    year = make_bloc_year(year=2024, status=BlocYear.Status.MEETING)
    unit = make_unit(name="Sở Kế hoạch và Đầu tư", province=year.bloc.province)
    add_member(year, unit)
    running = make_bloc_year(bloc=year.bloc, year=2025, status=BlocYear.Status.REGISTRATION)
    add_member(running, unit)
    bloc_year_advance(actor=None, bloc_year=year, reason="Đã đủ hồ sơ")
    unit_save(actor=None, unit=unit, data={"name": "Sở Tài chính"})
    assert names_in_year(year) == {unit.pk: "Sở Kế hoạch và Đầu tư"}
    assert names_in_year(running) == {unit.pk: "Sở Tài chính"}  # a running year shows the unit as it is
