"""The screens of issue 4 per role: rule-set conditions, nominations, the dossier, the board's review and
decisions, the province view and the history import. Bad input is refused with a message, never a 500."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from awards.models import Condition, Dossier, HistoryEntry, Nomination, RuleSet
from awards.services import dossier as dossier_services
from awards.services import nominations as nomination_services
from awards.services import rule_sets
from blocs.models import Award, RoleGrant, User
from tests.conftest import PERSONAS, World, client_for
from tests.factories import grant, make_user
from tests.permission_matrix import EXPECTED

pytestmark = pytest.mark.django_db

# Every URL name of issue 4, with its expected status per persona from the status table (tests/permission_matrix.py,
# where the central matrix reads them too). Every URL takes the bloc year as `pk` except the province's own pages.
# POST-only views are requested with an empty POST: a form with input comes back with its errors (200), a
# button-only action redirects with a message (302).
AWARD_URL_ROWS: dict[str, dict[str, int]] = {name: EXPECTED[name] for name in (
    "awards:condition-add", "awards:condition-remove", "awards:nomination-list", "awards:nomination-withdraw",
    "awards:nomination-add", "awards:dossier-submit", "awards:dossier-review", "awards:dossier-return",
    "awards:dossier-accept", "awards:decision-record", "awards:province-view", "awards:province-export",
    "awards:history-import")}
POST_ONLY = {"awards:condition-add", "awards:condition-remove", "awards:nomination-withdraw", "awards:nomination-add",
             "awards:dossier-submit", "awards:dossier-return", "awards:dossier-accept", "awards:decision-record"}
NO_PK = {"awards:province-view", "awards:province-export", "awards:history-import"}

GOV, PROV, MERIT = "co-thi-dua-chinh-phu", "co-thi-dua-ubnd-tinh", "bang-khen-chu-tich-ubnd-tinh"


def english(user: User | None) -> Client:
    client = client_for(user)
    client.cookies["django_language"] = "en"
    return client


def messages_of(response: object) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def url(name: str, world: World) -> str:
    return reverse(name) if name in NO_PK else reverse(name, args=[world.bloc_year.pk])


@pytest.fixture
def proposals(world: World) -> dict[str, Nomination]:
    """The world's year with its rules and three nominations: two proposed, one passed but not eligible."""
    bloc_year = world.bloc_year
    rule_set = rule_sets.rule_set_ensure(actor=None, bloc_year=bloc_year)
    award = {a.code: a for a in Award.objects.filter(code__in=[GOV, PROV, MERIT])}
    others = list(bloc_year.memberships.exclude(pk__in=[world.head.pk, world.member.pk]).select_related("unit"))
    return {
        "gov": Nomination.objects.create(bloc_year=bloc_year, award=award[GOV], unit=world.head.unit,
                                         rule_set=rule_set, votes=4, share_numerator=4, share_denominator=5,
                                         base="members", rank=1, final_score=Decimal("96.5")),
        "merit": Nomination.objects.create(bloc_year=bloc_year, award=award[MERIT], unit=world.member.unit,
                                           rule_set=rule_set, votes=3, share_numerator=3, share_denominator=5,
                                           base="members", rank=1),
        "ineligible": Nomination.objects.create(
            bloc_year=bloc_year, award=award[MERIT], unit=others[0].unit, rule_set=rule_set, votes=3,
            share_numerator=3, share_denominator=5, base="members", rank=1,
            status=Nomination.Status.NOT_ELIGIBLE, eligibility=["Điểm tổng 88 thấp hơn mức 90."]),
    }


# --- Every URL × every persona ----------------------------------------------------------------------------------


CELLS = [pytest.param(name, persona, id=f"{name}-{persona}") for name in AWARD_URL_ROWS for persona in PERSONAS]


@pytest.mark.parametrize(("name", "persona"), CELLS)
def test_permission_rows(world, name, persona):
    client = client_for(world.users[persona])
    response = client.post(url(name, world)) if name in POST_ONLY else client.get(url(name, world))
    assert response.status_code == AWARD_URL_ROWS[name][persona], f"{name} as {persona}"
    if response.status_code == 302 and persona == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "persona"), CELLS)
def test_permission_rows_with_nominations(world, proposals, name, persona):
    """The same rows hold once the year has nominations (a real submit, return, accept happen here)."""
    client = client_for(world.users[persona])
    response = client.post(url(name, world)) if name in POST_ONLY else client.get(url(name, world))
    assert response.status_code == AWARD_URL_ROWS[name][persona], f"{name} as {persona}"


@pytest.mark.parametrize("name", sorted(POST_ONLY))
def test_post_only_views_refuse_get(world, name):
    assert client_for(world.users["admin"]).get(url(name, world)).status_code == 405


def test_a_board_of_another_province_is_an_outsider(world, proposals):
    board = make_user("ban_tdkt_nghe_an")
    grant(board, RoleGrant.Kind.BOARD, province=world.other_year.bloc.province)
    client = client_for(board)
    for name in ("awards:nomination-list", "awards:dossier-review"):
        assert client.get(url(name, world)).status_code == 404
    for name in ("awards:dossier-accept", "awards:dossier-return", "awards:decision-record"):
        assert client.post(url(name, world)).status_code == 404
    province = world.bloc_year.bloc.province_id
    assert client.get(reverse("awards:province-view"), {"province": province}).status_code == 404
    assert client.get(reverse("awards:province-export"), {"province": province}).status_code == 404
    assert client.get(reverse("awards:province-view")).status_code == 200  # its own province


# --- The nominations page -----------------------------------------------------------------------------------------


def test_the_nominations_page_shows_votes_reasons_and_outside_vote_badges(world, proposals):
    secretariat = world.users["secretariat"]
    nomination_services.nomination_add_outside_vote(actor=secretariat, bloc_year=world.bloc_year,
                                                    award=proposals["gov"].award, unit=world.member.unit,
                                                    reason="Thành tích đột xuất phòng chống bão lũ")
    page = english(world.users["representative"]).get(url("awards:nomination-list", world))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Điểm tổng 88 thấp hơn mức 90." in html  # the reason of the ineligible unit
    assert "80.00" in html and "60.00" in html  # percentages, with their base
    assert "of all member units" in html
    assert html.count('data-badge="outside-vote"') == 1 and "Thành tích đột xuất phòng chống bão lũ" in html
    assert "data-withdraw" not in html and "outside-vote-form" not in html  # a member reads, never writes
    assert html.index(GOV) < html.index(MERIT)  # award order
    secretariat_html = english(secretariat).get(url("awards:nomination-list", world)).content.decode()
    assert secretariat_html.count("data-withdraw=") == 3 and 'id="outside-vote-form"' in secretariat_html


def test_withdraw_needs_a_reason_on_screen(world, proposals):
    client = english(world.users["secretariat"])
    target = proposals["merit"]
    refused = client.post(url("awards:nomination-withdraw", world), {"nomination": target.pk, "reason": "  "})
    assert refused.status_code == 200 and 'id="withdraw-errors"' in refused.content.decode()
    target.refresh_from_db()
    assert target.status == Nomination.Status.PROPOSED
    done = client.post(url("awards:nomination-withdraw", world), {"nomination": target.pk, "reason": "Sai hồ sơ"})
    assert done.status_code == 302
    target.refresh_from_db()
    assert (target.status, target.withdrawal_reason) == (Nomination.Status.WITHDRAWN, "Sai hồ sơ")
    again = client.post(url("awards:nomination-withdraw", world), {"nomination": target.pk, "reason": "Lại"})
    assert again.status_code == 200 and "Only a proposed nomination" in again.content.decode()


@pytest.mark.parametrize(
    "data",
    [{}, {"award": "x", "unit": "y", "reason": "z"}, {"award": 999999, "reason": "Lý do"}],
)
def test_bad_outside_vote_input_comes_back_with_errors(world, proposals, data):
    response = english(world.users["secretariat"]).post(url("awards:nomination-add", world), data)
    assert response.status_code == 200
    assert Nomination.objects.filter(is_outside_vote=True).count() == 0


def test_an_outsider_unit_cannot_be_added_outside_the_vote(world, proposals):
    stranger = world.other_year.memberships.first().unit
    response = english(world.users["secretariat"]).post(url("awards:nomination-add", world), {
        "award": proposals["gov"].award.pk, "unit": stranger.pk, "reason": "Lý do"})
    assert response.status_code == 200 and not Nomination.objects.filter(unit=stranger).exists()


def test_a_duplicate_outside_vote_nomination_shows_the_services_reason(world, proposals):
    response = english(world.users["secretariat"]).post(url("awards:nomination-add", world), {
        "award": proposals["gov"].award.pk, "unit": world.head.unit.pk, "reason": "Lý do"})
    assert response.status_code == 200 and "already nominated" in response.content.decode()


# --- The dossier's path on screen ---------------------------------------------------------------------------------


def test_submit_return_correct_resubmit_accept_and_decide_on_screen(world, proposals):
    secretariat, board = english(world.users["secretariat"]), english(world.users["board"])
    assert secretariat.post(url("awards:dossier-submit", world)).status_code == 302
    dossier = Dossier.objects.get(bloc_year=world.bloc_year)
    assert dossier.status == Dossier.Status.SUBMITTED
    page = secretariat.get(url("awards:nomination-list", world)).content.decode()
    assert "data-withdraw" not in page and 'data-version="1"' in page

    no_reason = board.post(url("awards:dossier-return", world), {"reason": " "})
    assert no_reason.status_code == 200 and "is-invalid" in no_reason.content.decode()
    assert board.post(url("awards:dossier-return", world), {"reason": "Thiếu báo cáo thành tích"}).status_code == 302
    page = secretariat.get(url("awards:nomination-list", world)).content.decode()
    assert 'id="returned-reason"' in page and "Thiếu báo cáo thành tích" in page

    secretariat.post(url("awards:nomination-withdraw", world), {"nomination": proposals["merit"].pk,
                                                                 "reason": "Chưa đủ điều kiện"})
    assert secretariat.post(url("awards:dossier-submit", world)).status_code == 302
    review = board.get(url("awards:dossier-review", world)).content.decode()
    assert 'data-version="1"' in review and 'data-version="2"' in review  # both versions kept
    assert board.post(url("awards:dossier-accept", world)).status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.ACCEPTED

    gov = proposals["gov"]
    data = {"number": "231/QĐ-TTg", "issuer": "Thủ tướng Chính phủ", "signed_on": "2023-03-14",
            f"awarded_{gov.pk}": "yes"}
    assert board.post(url("awards:decision-record", world), data).status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.DECIDED
    assert HistoryEntry.objects.get(unit=gov.unit).reference == "231/QĐ-TTg (Thủ tướng Chính phủ)"
    unit_page = english(world.users["representative"]).get(reverse("blocs:unit-detail", args=[gov.unit.pk]))
    assert f'data-award="{GOV}"' in unit_page.content.decode()


def _accepted(world: World) -> None:
    dossier_services.dossier_submit(actor=world.users["secretariat"], bloc_year=world.bloc_year)
    dossier_services.dossier_accept(actor=world.users["board"], bloc_year=world.bloc_year)


def test_decision_errors_come_back_on_the_form(world, proposals):
    _accepted(world)
    board = english(world.users["board"])
    gov, merit = proposals["gov"], proposals["merit"]
    first = {"number": "12/QĐ-UBND", "issuer": "UBND tỉnh", "signed_on": "2023-01-05", f"awarded_{gov.pk}": "yes"}
    assert board.post(url("awards:decision-record", world), first).status_code == 302
    reused = {**first, "signed_on": "2023-09-09", f"awarded_{merit.pk}": "no"}
    reused.pop(f"awarded_{gov.pk}")
    response = board.post(url("awards:decision-record", world), reused)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="decision-errors"' in html and "12/QĐ-UBND" in html
    assert not hasattr(Nomination.objects.get(pk=merit.pk), "decision_line")


@pytest.mark.parametrize(
    "data",
    [{}, {"number": "1/QĐ", "issuer": "UBND", "signed_on": "2023-02-30"},
     {"number": "1/QĐ", "issuer": "UBND", "signed_on": "2023-01-05"},  # no nominee named
     {"number": "1/QĐ", "issuer": "UBND", "signed_on": "ngày mai", "awarded_999999": "yes"}],
)
def test_bad_decision_input_comes_back_with_errors(world, proposals, data):
    _accepted(world)
    response = english(world.users["board"]).post(url("awards:decision-record", world), data)
    assert response.status_code == 200
    assert not HistoryEntry.objects.exists()


def test_a_decision_before_acceptance_is_refused_on_the_form(world, proposals):
    dossier_services.dossier_submit(actor=world.users["secretariat"], bloc_year=world.bloc_year)
    data = {"number": "1/QĐ", "issuer": "UBND", "signed_on": "2023-01-05",
            f"awarded_{proposals['gov'].pk}": "yes"}
    response = english(world.users["board"]).post(url("awards:decision-record", world), data)
    assert response.status_code == 200 and "accepted" in response.content.decode()


def test_accepting_twice_is_a_message_not_an_error(world, proposals):
    _accepted(world)
    response = english(world.users["board"]).post(url("awards:dossier-accept", world))
    assert response.status_code == 302 and messages_of(response)


# --- Rule-set conditions ----------------------------------------------------------------------------------------


def _rule_set(world: World) -> RuleSet:
    return RuleSet.objects.filter(bloc_year=world.bloc_year).order_by("-version").first()


def test_a_condition_is_added_and_removed_each_as_a_new_version(world):
    client = english(world.users["secretariat"])
    rule_sets.rule_set_ensure(actor=None, bloc_year=world.bloc_year)
    merit = Award.objects.get(code=MERIT)
    response = client.post(url("awards:condition-add", world), {"category": merit.pk, "kind": "consecutive",
                                                                "number": "2", "rating": "htxs"})
    assert response.status_code == 302 and _rule_set(world).version == 2
    condition = Condition.objects.get(category__rule_set=_rule_set(world))
    assert (condition.kind, condition.number, condition.rating) == ("consecutive", 2, "htxs")
    page = client.get(reverse("awards:rule-set", args=[world.bloc_year.pk])).content.decode()
    assert "At least 2 consecutive years of" in page and 'data-condition="consecutive"' in page

    client.post(url("awards:condition-add", world), {"category": merit.pk, "kind": "not_recent", "number": "3"})
    latest = Condition.objects.filter(category__rule_set=_rule_set(world)).order_by("pk")
    assert _rule_set(world).version == 3 and latest.last().award == merit  # "this award" by default
    client.post(url("awards:condition-remove", world), {"category": merit.pk, "index": 0})
    assert _rule_set(world).version == 4
    assert list(Condition.objects.filter(category__rule_set=_rule_set(world)).values_list("kind", flat=True)) == [
        "not_recent"]
    assert Condition.objects.filter(category__rule_set__version=2).count() == 1  # earlier versions unchanged


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"category": "tap-the-lao-dong-xuat-sac", "kind": "registered"}, "not a category"),
        ({"category": MERIT, "kind": "min_score"}, "needs a number"),
        ({"category": MERIT, "kind": "max_rank", "number": "2.5"}, "whole number"),
        ({"category": MERIT, "kind": "max_rank", "number": "0"}, "needs a number"),
        ({"category": MERIT, "kind": "consecutive", "number": "2"}, "consecutive years are counted"),
        ({"category": MERIT, "kind": "magic", "number": "2"}, "Select a valid choice"),
        ({"category": MERIT, "kind": "min_score", "number": "abc"}, "number"),
    ],
)
def test_bad_conditions_are_refused_with_a_message(world, data, fragment):
    rule_sets.rule_set_ensure(actor=None, bloc_year=world.bloc_year)
    data = {**data, "category": Award.objects.get(code=data["category"]).pk}
    response = english(world.users["secretariat"]).post(url("awards:condition-add", world), data)
    assert response.status_code == 302
    assert any(fragment in text for text in messages_of(response)), messages_of(response)
    assert _rule_set(world).version == 1


def test_removing_a_condition_that_does_not_exist_is_a_message(world):
    rule_sets.rule_set_ensure(actor=None, bloc_year=world.bloc_year)
    client = english(world.users["secretariat"])
    for data in ({"category": Award.objects.get(code=MERIT).pk, "index": 5}, {"category": "x", "index": "-1"}):
        response = client.post(url("awards:condition-remove", world), data)
        assert response.status_code == 302 and messages_of(response)
    assert _rule_set(world).version == 1


def _rule_set_post(world: World, **overrides: object) -> dict[str, object]:
    gov = Award.objects.get(code=GOV)
    data = {"voters": "unit", "quorum_numerator": 2, "quorum_denominator": 3, "pass_numerator": 1,
            "pass_denominator": 2, "comparator": ">", "base": "members", "allow_self": "on",
            "one_award_per_unit": "on", "note": "Sửa quy chế",
            "cat-TOTAL_FORMS": 1, "cat-INITIAL_FORMS": 0, "cat-0-award": gov.pk, "cat-0-quota_count": 1,
            "cat-0-rounding": "floor"}
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "overrides",
    [
        {"cat-0-quota_count": 6},  # more than the 5 members
        {"cat-0-quota_count": "", "cat-0-quota_percent": "120"},  # more than 100%
        {"pass_numerator": 3, "pass_denominator": 2},  # a pass mark above 1
        {"pass_numerator": 0},  # a pass mark of 0
        {"pass_denominator": 0},
    ],
)
def test_the_rule_set_refuses_bad_quotas_and_pass_marks_on_screen(world, overrides):
    rule_sets.rule_set_ensure(actor=None, bloc_year=world.bloc_year)
    response = english(world.users["secretariat"]).post(reverse("awards:rule-set", args=[world.bloc_year.pk]),
                                                        _rule_set_post(world, **overrides))
    html = response.content.decode()
    assert response.status_code == 200
    assert "alert-danger" in html or "is-invalid" in html
    assert _rule_set(world).version == 1


# --- The board's pages with odd parameters --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "status"),
    [("?year=abc", 200), ("?year=1800", 200), ("?year=2022", 200), ("?year=2031", 200), ("?year=&province=", 200),
     ("?province=abc", 404), ("?province=999999", 404)],
)
def test_province_view_parameters_never_fail(world, proposals, query, status):
    for name in ("awards:province-view", "awards:province-export"):
        response = client_for(world.users["board"]).get(reverse(name) + query)
        assert response.status_code == status, (name, query)


def test_a_unit_page_shows_its_history_with_predecessors_marked(world):
    unit = world.member.unit
    old = world.other_year.memberships.first().unit
    HistoryEntry.objects.create(unit=unit, year=2021, award=Award.objects.get(code=PROV), reference="5/QĐ")
    HistoryEntry.objects.create(unit=unit, year=2021, rating="htxs")
    unit.renamed_from = old
    unit.save(update_fields=["renamed_from"])
    HistoryEntry.objects.create(unit=old, year=2019, rating="htt")
    html = english(world.users["board"]).get(reverse("blocs:unit-detail", args=[unit.pk])).content.decode()
    assert 'data-year="2021"' in html and 'data-year="2019"' in html
    assert f'data-award="{PROV}"' in html and "5/QĐ" in html
    assert html.count("data-predecessor=") == 1  # only the 2019 entry comes from the predecessor
    assert reverse("awards:history-import") in html  # the board may import
    member_html = english(world.users["representative"]).get(reverse("blocs:unit-detail", args=[unit.pk]))
    assert reverse("awards:history-import") not in member_html.content.decode()


def test_a_decision_that_does_not_award_leaves_the_history_alone(world, proposals):
    _accepted(world)
    today = dt.date.today().isoformat()
    data = {"number": "7/QĐ", "issuer": "UBND tỉnh", "signed_on": today, f"awarded_{proposals['gov'].pk}": "no"}
    assert english(world.users["board"]).post(url("awards:decision-record", world), data).status_code == 302
    assert not HistoryEntry.objects.exists()  # not awarded: nothing in the history
