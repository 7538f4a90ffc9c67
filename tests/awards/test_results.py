"""Issue 9: the closed round's result has one typed home; runoffs, the archive's candidates and the number of
deputies to elect are counted right."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from awards import results, selectors
from awards.archive import SECTION
from awards.models import Candidate, Nomination, Round, RuleSet
from awards.services import ballots as ballot_services
from awards.services import leadership
from awards.services import rounds as round_services
from awards.services import rule_sets as rule_set_services
from blocs.archive import archive_export, archive_import
from blocs.models import Membership
from reports import text
from reports.queries import documents
from tests.awards.conftest import Meeting, seed_meeting
from tests.awards.test_archive import demo, refusal
from tests.factories import round_closed, round_opened

pytestmark = pytest.mark.django_db

PROV = "co-thi-dua-ubnd-tinh"
SCORES = {"VPTU": "96", "BTC": "93", "BTG": "97", "BDV": "93", "BNC": "92", "UBKT": "91", "DUK": "95", "TCT": "90",
          "BAO": "89"}


def pks(meeting: Meeting, *codes: str) -> list[int]:
    return [meeting.units[code].pk for code in codes]


def counted(meeting: Meeting, round_: Round, votes: dict[str, int]) -> Round:
    """Open, enter the paper counts (9 ballots, all valid) and close."""
    round_ = round_opened(actor=meeting.chair, round_=round_)
    ballot_services.paper_count_set(actor=meeting.secretariat, round_=round_, returned=9, valid=9,
                                    votes={meeting.units[code].pk: n for code, n in votes.items()})
    return round_closed(actor=meeting.chair, round_=round_, ballots_issued=9)


def proposed(meeting: Meeting) -> dict[str, Nomination]:
    return {n.unit.short_code: n for n in Nomination.objects.filter(
        bloc_year=meeting.bloc_year, award__code=PROV, status=Nomination.Status.PROPOSED).select_related("unit")}


# --- One percentage -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("share", "shown", "printed"), [
    (Fraction(7, 9), Decimal("77.78"), "77,78"),
    (Fraction(1, 32), Decimal("3.13"), "3,13"),  # 3.125 rounds half up, where half-even gave 3.12 on screen
    (Fraction(1, 8), Decimal("12.50"), "12,50"),
    (Fraction(1), Decimal("100.00"), "100,00"),
    (Fraction(0), Decimal("0.00"), "0,00"),
])
def test_screens_and_documents_print_the_same_percentage(share, shown, printed):
    assert results.percent(share) == shown and str(results.percent(share)) == str(shown)
    assert results.percent_text(share) == printed == text.percent_text(share.numerator, share.denominator)


def test_a_nomination_outside_the_vote_has_no_percentage():
    assert results.percent_of(None, None) is None and results.percent_of(3, 0) is None
    assert results.percent_of(1, 32) == Decimal("3.13")


# --- The stored result ------------------------------------------------------------------------------------------


def closed_round(meeting: Meeting, not_eligible: list) -> Round:
    """A closed round as stored in the database, e.g. by a version of the application before issue 9."""
    rounds = {r.award.code if r.award else r.kind: r for r in round_services.rounds_generate(
        actor=None, bloc_year=meeting.bloc_year)}
    btc, vptu = pks(meeting, "BTC", "VPTU")
    stored = {"rule_set_version": 1, "base": 9, "quorum_met": True, "runoff": [], "runoff_seats": 0,
              "tie_breaks": [], "elected": [vptu],
              "counts": {"members": 9, "present": 9, "issued": 9, "returned": 9, "valid": 9, "invalid": 0},
              "candidates": [
                  {"unit": vptu, "votes": 7, "share": [7, 9], "passed": True, "rank": 1, "elected": True,
                   "not_eligible": []},
                  {"unit": btc, "votes": 6, "share": [2, 3], "passed": True, "rank": 2, "elected": False,
                   "not_eligible": not_eligible}]}
    Round.objects.filter(pk=rounds[PROV].pk).update(status=Round.Status.CLOSED, closed_at=timezone.now(),
                                                    result=stored)
    return Round.objects.get(pk=rounds[PROV].pk)


def page_text(meeting: Meeting, round_: Round, language: str) -> str:
    client = Client(headers={"accept-language": language})
    client.force_login(meeting.secretariat)
    return client.get(reverse("awards:round-detail", args=[round_.pk])).content.decode()


def test_a_reason_is_stored_as_a_code_and_shown_in_the_readers_language(meeting):
    reason = {"code": "score_below", "params": {"min": "95.00", "score": "94.00"}}
    round_ = closed_round(meeting, [reason])

    assert "Final score 94.00 is below the required 95.00." in page_text(meeting, round_, "en")
    assert "Điểm chính thức 94.00 thấp hơn mức yêu cầu 95.00." in page_text(meeting, round_, "vi")
    (row,) = [r for r in results.result_of(round_).candidates if r.not_eligible]
    assert row.not_eligible == (results.Reason(code="score_below", params=(("min", "95.00"), ("score", "94.00"))),)


def test_a_result_stored_with_translated_reasons_still_shows_them(meeting):
    round_ = closed_round(meeting, ["Điểm chấm dưới 95 điểm."])

    assert "Điểm chấm dưới 95 điểm." in page_text(meeting, round_, "en")
    assert results.result_of(round_).to_json() == round_.result  # read and written back unchanged
    minutes = documents.round_section(round_, {meeting.units["BTC"].pk: "Ban Tổ chức Tỉnh ủy"}, 2022)
    assert "Đạt, không đủ điều kiện: Điểm chấm dưới 95 điểm." in [row["note"] for row in minutes["rows"]]


def test_the_counting_minutes_put_coded_reasons_in_vietnamese_whatever_the_screen_language(meeting):
    round_ = closed_round(meeting, [{"code": "too_few_years", "params": {"n": 2, "what": "rating:htxs", "held": 1}}])

    with translation.override("en"):
        minutes = documents.round_section(round_, {}, 2022)

    notes = [row["note"] for row in minutes["rows"]]
    assert any("Hoàn thành xuất sắc nhiệm vụ" in note and "2" in note for note in notes), notes


# --- A runoff fills only its own seats --------------------------------------------------------------------------


@pytest.fixture
def tied() -> tuple[Meeting, Round]:
    """The provincial flag (2 seats): VPTU 7 votes takes one; BTC and BDV 5 each, 93 points each: a runoff."""
    meeting = seed_meeting(scores=SCORES)
    rounds = {r.award.code if r.award else r.kind: r for r in round_services.rounds_generate(
        actor=None, bloc_year=meeting.bloc_year)}
    flag = counted(meeting, rounds[PROV], {"VPTU": 7, "BTC": 5, "BDV": 5})
    assert results.elected_of(flag) == tuple(pks(meeting, "VPTU"))
    return meeting, flag


def test_a_runoff_proposes_one_unit_for_the_one_seat_left(tied):
    meeting, flag = tied
    runoff = flag.runoffs.get()
    assert {c.unit.short_code for c in runoff.candidates.select_related("unit")} == {"BTC", "BDV"}

    counted(meeting, runoff, {"BTC": 6, "BDV": 3})

    assert set(proposed(meeting)) == {"VPTU", "BTC"}
    vptu = proposed(meeting)["VPTU"]
    assert (vptu.round_id, vptu.votes, vptu.rank) == (flag.pk, 7, 1)


def test_the_secretariat_cannot_add_to_a_runoff_a_unit_that_was_not_tied_nor_give_it_more_seats(tied):
    meeting, flag = tied
    runoff = flag.runoffs.get()

    with pytest.raises(ValidationError, match="tied|hòa|bằng"):
        round_services.candidate_adjust(actor=meeting.secretariat, round_=runoff, unit=meeting.units["VPTU"], add=True,
                                        reason="Thêm cho đủ")
    with pytest.raises(ValidationError):
        round_services.round_settings_update(actor=meeting.secretariat, round_=runoff, data={
            "quota": 2, "max_choices": 2, "pass_numerator": 1, "pass_denominator": 2, "comparator": ">",
            "base": "members"})
    runoff.refresh_from_db()
    assert runoff.quota == 1 and runoff.candidates.count() == 2


def test_a_runoff_never_overwrites_the_nomination_of_a_seat_its_round_filled(tied):
    """A runoff whose list holds a unit already proposed (as runoffs opened before issue 9 listed every
    member): that unit keeps its nomination from the first round, and the tied unit takes the seat left."""
    meeting, flag = tied
    runoff = flag.runoffs.get()
    Candidate.objects.create(round=runoff, unit=meeting.units["VPTU"], order=2)
    Round.objects.filter(pk=runoff.pk).update(pass_numerator=1, pass_denominator=3)

    closed = counted(meeting, runoff, {"VPTU": 5, "BTC": 4})

    assert set(proposed(meeting)) == {"VPTU", "BTC"}  # two seats, two units
    vptu = proposed(meeting)["VPTU"]
    assert (vptu.round_id, vptu.votes, vptu.rank) == (flag.pk, 7, 1)  # untouched
    assert proposed(meeting)["BTC"].round_id == closed.pk
    row = results.result_of(closed).row(meeting.units["VPTU"].pk)
    assert [reason.code for reason in row.not_eligible] == ["not_in_runoff"] and not row.elected


# --- The archive refuses ballots for units that were not on the ballot paper -------------------------------------


def _off_the_paper(data: dict) -> tuple[dict, str]:
    """A closed round of the demo with one of its chosen units taken off its candidate list."""
    round_ = next(r for r in data[SECTION]["rounds"] if r["status"] == "closed" and r["ballots"]
                  and r["ballots"][0]["choices"])
    outsider = round_["ballots"][0]["choices"][0]
    round_["candidates"].remove(outsider)
    return round_, outsider


def test_the_archive_refuses_a_ballot_naming_a_unit_that_is_not_a_candidate():
    data = demo("khoi-dang-2022.json")
    _round, outsider = _off_the_paper(data)

    message = refusal(data)

    assert f"{outsider} is not a candidate of this round" in message and "ballots[" in message


def test_the_archive_refuses_a_paper_count_naming_a_unit_that_is_not_a_candidate():
    data = demo("khoi-dang-2022.json")
    round_, outsider = _off_the_paper(data)
    round_["ballots"] = [b for b in round_["ballots"] if outsider not in b["choices"]]
    round_["paper_count"] = {"returned": 1, "valid": 1, "votes": {outsider: 1}}

    message = refusal(data)

    assert f"{outsider} is not a candidate of this round" in message and "paper_count" in message


def test_an_archive_of_version_2_with_reasons_in_words_still_imports_and_shows_them():
    data = demo("khoi-dang-2022.json") | {"version": 2}
    for rule_set in data[SECTION]["rule_sets"]:
        del rule_set["deputies"]
    nomination = data[SECTION]["nominations"][0]
    nomination["eligibility"] = ["Chưa đăng ký danh hiệu."]

    bloc_year = archive_import(actor=None, data=data)

    assert results.shown_reasons(bloc_year.nominations.get(unit__short_code=nomination["unit"],
                                                           award__code=nomination["award"]).eligibility) == [
        "Chưa đăng ký danh hiệu."]
    assert {r.deputies for r in bloc_year.rule_sets.all()} == {1}  # absent before version 3: one deputy
    exported = archive_export(bloc_year)
    assert exported["version"] == 3 and all(r["deputies"] == 1 for r in exported[SECTION]["rule_sets"])


# --- How many deputies the meeting elects is a rule ---------------------------------------------------------------


def revise_deputies(meeting: Meeting, deputies: int) -> RuleSet:
    rule_set_services.rule_set_ensure(actor=None, bloc_year=meeting.bloc_year)
    return rule_set_services.rule_set_revise(actor=meeting.secretariat, bloc_year=meeting.bloc_year,
                                             changes={"deputies": deputies}, note="Số Phó khối")


def test_a_bloc_that_elects_no_deputy_gets_no_deputy_round_and_opens_next_year_with_its_head(meeting):
    revise_deputies(meeting, 0)
    rounds = round_services.rounds_generate(actor=None, bloc_year=meeting.bloc_year)
    assert Round.Kind.DEPUTY not in {r.kind for r in rounds}
    head = next(r for r in rounds if r.kind == Round.Kind.HEAD)

    counted(meeting, head, {"DUK": 8, "BAO": 1})

    assert selectors.elected_leadership(meeting.bloc_year) == (meeting.units["DUK"], [])
    following = leadership.next_year_open_from_election(actor=meeting.chair, bloc_year=meeting.bloc_year)
    seats = dict(following.memberships.exclude(position=Membership.Position.MEMBER)
                 .values_list("unit__short_code", "position"))
    assert seats == {"DUK": Membership.Position.HEAD}


def test_two_deputies_are_elected_in_one_round_with_two_seats(meeting):
    revise_deputies(meeting, 2)
    rounds = {r.kind: r for r in round_services.rounds_generate(actor=None, bloc_year=meeting.bloc_year)
              if r.kind != Round.Kind.AWARD}
    assert (rounds[Round.Kind.DEPUTY].quota, rounds[Round.Kind.DEPUTY].max_choices) == (2, 2)
    counted(meeting, rounds[Round.Kind.HEAD], {"DUK": 9})
    counted(meeting, rounds[Round.Kind.DEPUTY], {"VPTU": 8, "BTC": 6, "BDV": 2})

    head, deputies = selectors.elected_leadership(meeting.bloc_year)
    assert head == meeting.units["DUK"] and {u.short_code for u in deputies} == {"VPTU", "BTC"}


def test_the_number_of_deputies_is_kept_by_later_versions_and_bounded(meeting):
    revise_deputies(meeting, 0)
    later = rule_set_services.rule_set_revise(actor=meeting.secretariat, bloc_year=meeting.bloc_year,
                                              changes={"allow_self": False}, note="Không tự bầu")
    assert (later.version, later.deputies) == (3, 0)  # a new version copies the setting
    with pytest.raises(ValidationError, match="0 .*2"):
        revise_deputies(meeting, 3)
    assert selectors.current_rule_set(meeting.bloc_year).version == 3


def test_the_rule_set_page_lets_the_secretariat_set_the_number_of_deputies(meeting):
    client = Client(headers={"accept-language": "en"})
    client.force_login(meeting.secretariat)
    url = reverse("awards:rule-set", args=[meeting.bloc_year.pk])
    page = client.get(url)
    form = page.context["form"]
    data = {name: ("on" if value is True else "" if value is False else value)
            for name, value in ((n, form[n].value()) for n in form.fields) if value not in (None, False)}
    data |= {"deputies": "0", "note": "Khối không bầu Phó khối",
             "cat-TOTAL_FORMS": "0", "cat-INITIAL_FORMS": "0"}

    assert 'name="deputies"' in page.content.decode()
    response = client.post(url, data)

    assert response.status_code == 302
    assert selectors.current_rule_set(meeting.bloc_year).deputies == 0
