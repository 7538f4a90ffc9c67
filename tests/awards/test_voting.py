"""The year-end vote through the services: rounds, casting, paper ballots, closing, the seed replay."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from awards import selectors
from awards.models import Ballot, Round, Turnout
from awards.services import ballots as ballot_services
from awards.services import rounds as round_services
from blocs.models import AuditEntry
from tests.awards.conftest import Meeting
from tests.factories import round_closed, round_opened

pytestmark = pytest.mark.django_db


def rounds_by_kind(meeting: Meeting) -> dict[str, Round]:
    rounds = round_services.rounds_generate(actor=meeting.secretariat, bloc_year=meeting.bloc_year)
    named = {r.award.code if r.award else r.kind: r for r in rounds}
    return named


def cast_all(meeting: Meeting, round_: Round, ballots: list[list[str]]) -> list[Ballot]:
    """The i-th ballot is cast by the i-th member unit (in SEED_UNITS order)."""
    voters = list(meeting.units)
    return [ballot_services.ballot_cast(actor=meeting.reps[voters[i]], round_=round_, unit=meeting.units[voters[i]],
                                        choices=[meeting.units[c].pk for c in choice])
            for i, choice in enumerate(ballots)]


def open_round(meeting: Meeting, round_: Round) -> Round:
    return round_opened(actor=meeting.chair, round_=round_)


def close(meeting: Meeting, round_: Round, issued: int = 9) -> Round:
    return round_closed(actor=meeting.chair, round_=round_, ballots_issued=issued)


def elected_codes(meeting: Meeting, round_: Round) -> list[str]:
    by_pk = {u.pk: code for code, u in meeting.units.items()}
    return [by_pk[pk] for pk in round_.result["elected"]]


def test_rounds_follow_the_catalogue_order_then_the_election(meeting):
    rounds = round_services.rounds_generate(actor=meeting.secretariat, bloc_year=meeting.bloc_year)
    assert [r.award.code if r.award else r.kind for r in rounds] == [
        "co-thi-dua-chinh-phu", "co-thi-dua-ubnd-tinh", "bang-khen-chu-tich-ubnd-tinh", "head", "deputy"]
    assert [r.max_choices for r in rounds[:3]] == [1, 2, 3]


def test_seed_year_replayed_end_to_end(meeting):
    """01 Government flag, 02 provincial flags, 3 certificates, all different units, and the 2023 head."""
    rounds = rounds_by_kind(meeting)
    gov = open_round(meeting, rounds["co-thi-dua-chinh-phu"])
    cast_all(meeting, gov, [["BTG"]] * 7 + [["VPTU"]] * 2)
    assert elected_codes(meeting, close(meeting, gov)) == ["BTG"]

    flag = open_round(meeting, rounds["co-thi-dua-ubnd-tinh"])
    assert "BTG" not in {c.unit.short_code for c in flag.candidates.select_related("unit")}  # one award per unit
    cast_all(meeting, flag, [["VPTU", "DUK"]] * 7 + [["VPTU", "BTC"]] * 1 + [["BTC"]])
    assert elected_codes(meeting, close(meeting, flag)) == ["VPTU", "DUK"]

    merit = open_round(meeting, rounds["bang-khen-chu-tich-ubnd-tinh"])
    cast_all(meeting, merit, [["BTC", "BDV", "BNC"]] * 6 + [["BTC", "BDV", "UBKT"]] * 2 + [["TCT"]])
    assert elected_codes(meeting, close(meeting, merit)) == ["BTC", "BDV", "BNC"]

    head = open_round(meeting, rounds["head"])
    cast_all(meeting, head, [["DUK"]] * 8 + [["BAO"]])
    assert elected_codes(meeting, close(meeting, head)) == ["DUK"]

    proposed = selectors.proposed_units(meeting.bloc_year)
    assert len(proposed) == 6  # all different units


def test_a_unit_votes_once_per_round(meeting):
    round_ = open_round(meeting, rounds_by_kind(meeting)["co-thi-dua-chinh-phu"])
    cast_all(meeting, round_, [["BTG"]])
    with pytest.raises(ValidationError, match="đã bỏ phiếu|already voted"):
        ballot_services.ballot_cast(actor=meeting.reps["VPTU"], round_=round_, unit=meeting.units["VPTU"],
                                    choices=[meeting.units["BTC"].pk])
    assert round_.sealed_ballots.count() == 1 and not round_.ballots.exists()
    assert Turnout.objects.filter(round=round_).count() == 1


def test_the_database_refuses_a_second_turnout(meeting):
    round_ = open_round(meeting, rounds_by_kind(meeting)["co-thi-dua-chinh-phu"])
    Turnout.objects.create(round=round_, unit=meeting.units["BTC"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Turnout.objects.create(round=round_, unit=meeting.units["BTC"])


@pytest.mark.parametrize(
    ("choices", "message"),
    [(["BTG", "VPTU"], "at most|không quá"), (["XYZ"], None)],
)
def test_bad_ballots_are_refused_and_nothing_is_stored(meeting, choices, message):
    round_ = open_round(meeting, rounds_by_kind(meeting)["co-thi-dua-chinh-phu"])
    pks = [meeting.units[c].pk if c in meeting.units else 999999 for c in choices]
    with pytest.raises(ValidationError):
        ballot_services.ballot_cast(actor=meeting.reps["BTC"], round_=round_, unit=meeting.units["BTC"], choices=pks)
    assert not round_.ballots.exists() and not round_.sealed_ballots.exists()
    assert not Turnout.objects.filter(round=round_).exists()


def test_voting_in_a_draft_or_closed_round_is_refused(meeting):
    round_ = rounds_by_kind(meeting)["co-thi-dua-chinh-phu"]
    with pytest.raises(ValidationError, match="not open|chưa mở|không mở"):
        cast_all(meeting, round_, [["BTG"]])
    open_round(meeting, round_)
    close(meeting, round_)
    with pytest.raises(ValidationError):
        cast_all(meeting, round_, [["BTG"]])
    assert not round_.ballots.exists() and not round_.sealed_ballots.exists()


def test_self_choice_refused_when_the_round_excludes_it(meeting):
    round_ = rounds_by_kind(meeting)["co-thi-dua-chinh-phu"]
    round_.allow_self = False
    round_.save()
    open_round(meeting, round_)
    with pytest.raises(ValidationError):
        ballot_services.ballot_cast(actor=meeting.reps["BTG"], round_=round_, unit=meeting.units["BTG"],
                                    choices=[meeting.units["BTG"].pk])


def test_paper_and_online_ballots_mix_and_invalid_papers_count_as_returned(meeting):
    round_ = open_round(meeting, rounds_by_kind(meeting)["co-thi-dua-chinh-phu"])
    cast_all(meeting, round_, [["BTG"]] * 4)
    ballot_services.paper_ballot_enter(actor=meeting.secretariat, round_=round_, choices=[meeting.units["BTG"].pk])
    ballot_services.paper_ballot_enter(actor=meeting.secretariat, round_=round_,
                                       choices=[meeting.units["BTG"].pk, meeting.units["BTC"].pk])  # too many
    ballot_services.paper_ballot_enter(actor=meeting.secretariat, round_=round_, choices=[], invalid_reason="blank")
    closed = close(meeting, round_)
    assert closed.result["counts"] == {"members": 9, "present": 9, "issued": 9, "returned": 7, "valid": 5,
                                       "invalid": 2}
    assert sorted(round_.ballots.values_list("invalid_reason", flat=True)) == ["", "", "", "", "", "blank",
                                                                                "too_many"]
    assert elected_codes(meeting, closed) == ["BTG"]  # 4 online + 1 paper = 5 of 9 members, more than half


def test_five_of_nine_members_passes(meeting):
    round_ = open_round(meeting, rounds_by_kind(meeting)["co-thi-dua-chinh-phu"])
    cast_all(meeting, round_, [["BTG"]] * 5 + [["VPTU"]] * 4)
    assert elected_codes(meeting, close(meeting, round_)) == ["BTG"]


def test_two_person_entry_must_reconcile_before_close(meeting):
    round_ = rounds_by_kind(meeting)["co-thi-dua-chinh-phu"]
    round_.two_person_entry = True
    round_.save()
    open_round(meeting, round_)
    btg = meeting.units["BTG"].pk
    ballot_services.paper_ballot_enter(actor=meeting.secretariat, round_=round_, choices=[btg], clerk="A")
    ballot_services.paper_ballot_enter(actor=meeting.secretariat, round_=round_, choices=[meeting.units["BTC"].pk],
                                       clerk="B")
    with pytest.raises(ValidationError):
        ballot_services.paper_entries_reconcile(actor=meeting.secretariat, round_=round_)
    with pytest.raises(ValidationError):
        close(meeting, round_)
    round_.paper_entries.filter(clerk="B").update(choices=[btg])
    assert len(ballot_services.paper_entries_reconcile(actor=meeting.secretariat, round_=round_)) == 1
    assert close(meeting, round_).result["counts"]["returned"] == 1


def test_paper_counts_only(meeting):
    round_ = open_round(meeting, rounds_by_kind(meeting)["co-thi-dua-chinh-phu"])
    ballot_services.paper_count_set(actor=meeting.secretariat, round_=round_, returned=9, valid=8,
                                    votes={meeting.units["BTG"].pk: 6, meeting.units["VPTU"].pk: 2})
    closed = close(meeting, round_)
    assert closed.result["counts"]["returned"] == 9 and closed.result["counts"]["invalid"] == 1
    assert elected_codes(meeting, closed) == ["BTG"]
    with pytest.raises(ValidationError):
        ballot_services.paper_count_set(actor=meeting.secretariat, round_=round_, returned=1, valid=2, votes={})


def _one_seat_low_bar_round(meeting: Meeting) -> Round:
    round_ = rounds_by_kind(meeting)["co-thi-dua-chinh-phu"]
    round_.pass_numerator, round_.pass_denominator = 1, 3  # > 1/3 of members
    round_.save()
    return open_round(meeting, round_)


def test_tie_at_the_cut_off_is_broken_by_final_score(db):
    from tests.awards.conftest import seed_meeting

    meeting = seed_meeting(scores={"VPTU": "95", "BTC": "96"})
    round_ = _one_seat_low_bar_round(meeting)
    cast_all(meeting, round_, [["VPTU"]] * 4 + [["BTC"]] * 4 + [["BTG"]])
    closed = close(meeting, round_)
    assert elected_codes(meeting, closed) == ["BTC"]
    assert closed.result["tie_breaks"][0]["reason"] == "final_score"
    assert closed.runoffs.count() == 0


def test_tie_still_level_after_scores_creates_a_runoff(db):
    from tests.awards.conftest import seed_meeting

    meeting = seed_meeting(scores={"VPTU": "95", "BTC": "95"})
    round_ = _one_seat_low_bar_round(meeting)
    cast_all(meeting, round_, [["VPTU"]] * 4 + [["BTC"]] * 4 + [["BTG"]])
    closed = close(meeting, round_)
    assert closed.result["elected"] == []
    assert closed.result["tie_breaks"][-1]["reason"] == "runoff"
    (runoff,) = closed.runoffs.all()
    assert runoff.status == Round.Status.DRAFT and runoff.quota == 1
    assert {c.unit.short_code for c in runoff.candidates.select_related("unit")} == {"VPTU", "BTC"}


def test_audit_says_a_unit_voted_never_what(meeting):
    round_ = open_round(meeting, rounds_by_kind(meeting)["co-thi-dua-chinh-phu"])
    (ballot,) = cast_all(meeting, round_, [["VPTU"]])
    entry = AuditEntry.objects.get(action="awards.ballot.cast")
    assert entry.changes == {"unit": "Văn phòng Tỉnh ủy"}
    text = str(entry.changes) + entry.object_repr
    assert ballot.receipt not in text and str(meeting.units["VPTU"].pk) not in str(entry.changes)


def test_secrecy_no_column_joins_turnout_and_ballot(meeting):
    """Turnout (unit, round) and Ballot (round, receipt, choices) share no key, no time, no sequential id."""
    turnout_cols = {f.column for f in Turnout._meta.concrete_fields}
    ballot_cols = {f.column for f in Ballot._meta.concrete_fields}
    assert turnout_cols & ballot_cols == {"id", "round_id"}
    assert Turnout._meta.pk.get_internal_type() == Ballot._meta.pk.get_internal_type() == "UUIDField"
    for model in (Turnout, Ballot):
        assert not [f for f in model._meta.concrete_fields
                    if f.get_internal_type() in ("DateTimeField", "DateField", "TimeField", "AutoField",
                                                 "BigAutoField")]
    assert "unit_id" not in ballot_cols and "voter_id" not in ballot_cols
    round_ = open_round(meeting, rounds_by_kind(meeting)["co-thi-dua-chinh-phu"])
    cast_all(meeting, round_, [["BTG"], ["VPTU"]])
    round_ = close(meeting, round_)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Ballot._meta.db_table}")
        ballot_values = {str(v) for row in cursor.fetchall() for v in row}
        cursor.execute(f"SELECT * FROM {Turnout._meta.db_table}")
        turnout_rows = cursor.fetchall()
    turnout_ids = {str(row[0]) for row in turnout_rows}
    assert len(turnout_rows) == 2 and not turnout_ids & ballot_values  # no turnout id appears in a ballot
    assert set(Turnout.objects.filter(round=round_).values_list("unit__short_code", flat=True)) == {"VPTU", "BTC"}
    # Ballots list in receipt order only, never in the order they were cast.
    assert list(Ballot.objects.filter(round=round_).values_list("receipt", flat=True)) == sorted(
        Ballot.objects.filter(round=round_).values_list("receipt", flat=True))


def test_a_runoff_ballot_lists_exactly_the_tied_units_when_it_opens(db):
    """Opening the runoff never regenerates its list: only the tied units can win it (issue 9)."""
    from tests.awards.conftest import seed_meeting

    meeting = seed_meeting(scores={"VPTU": "95", "BTC": "95"})
    closed = close(meeting, _runoff_parent(meeting))
    runoff = open_round(meeting, closed.runoffs.get())
    assert {c.unit.short_code for c in runoff.candidates.select_related("unit")} == {"VPTU", "BTC"}
    with pytest.raises(ValidationError):  # a unit that was not tied is not on the ballot
        ballot_services.ballot_cast(actor=meeting.reps["BTG"], round_=runoff, unit=meeting.units["BTG"],
                                    choices=[meeting.units["BTG"].pk])


def _runoff_parent(meeting: Meeting) -> Round:
    round_ = _one_seat_low_bar_round(meeting)
    cast_all(meeting, round_, [["VPTU"]] * 4 + [["BTC"]] * 4 + [["BTG"]])
    return round_


def test_opening_a_round_when_the_quorum_is_already_missed_is_refused_with_the_reason(meeting):
    present = list(meeting.units.values())[:5]  # 5 of 9: the default quorum asks for 2/3, that is 6
    round_services.meeting_save(actor=meeting.secretariat, bloc_year=meeting.bloc_year,
                                data={"held_on": "2022-12-01", "place": "Hội trường Tỉnh ủy"}, present=present)
    round_ = rounds_by_kind(meeting)["co-thi-dua-chinh-phu"]
    with pytest.raises(ValidationError) as refused:
        open_round(meeting, round_)
    assert "5/9" in " ".join(refused.value.messages) and "6" in " ".join(refused.value.messages)
    assert Round.objects.get(pk=round_.pk).status == Round.Status.DRAFT


def test_a_cast_is_sealed_until_the_close_and_its_receipt_is_found_after(meeting):
    round_ = open_round(meeting, rounds_by_kind(meeting)["co-thi-dua-chinh-phu"])
    (cast,) = cast_all(meeting, round_, [["VPTU"]])
    assert not Ballot.objects.filter(round=round_).exists() and round_.sealed_ballots.count() == 1
    with pytest.raises(ValidationError):  # sealed ballots wait: no close without the passphrase
        round_services.round_close(actor=meeting.chair, round_=round_)
    closed = close(meeting, round_)
    assert Ballot.objects.get(round=closed, receipt=cast.receipt).choices == [meeting.units["VPTU"].pk]


@pytest.mark.parametrize("first", ["co-thi-dua-chinh-phu", "co-thi-dua-ubnd-tinh"])
def test_one_award_per_unit_holds_at_the_close_with_rounds_open_side_by_side(meeting, first):
    """Both flag rounds open at once and BTG tops both: whichever closes first proposes it; the other gives
    its seat to the next unit and says why (issue 9)."""
    from awards.models import Nomination

    rounds = rounds_by_kind(meeting)
    gov, flag = (open_round(meeting, rounds[code]) for code in ("co-thi-dua-chinh-phu", "co-thi-dua-ubnd-tinh"))
    cast_all(meeting, gov, [["BTG"]] * 9)
    cast_all(meeting, flag, [["BTG", "VPTU"]] * 7 + [["DUK", "VPTU"]] * 2)
    second = "co-thi-dua-ubnd-tinh" if first == "co-thi-dua-chinh-phu" else "co-thi-dua-chinh-phu"
    close(meeting, {"co-thi-dua-chinh-phu": gov, "co-thi-dua-ubnd-tinh": flag}[first])
    later = close(meeting, {"co-thi-dua-chinh-phu": gov, "co-thi-dua-ubnd-tinh": flag}[second])

    proposed = Nomination.objects.filter(bloc_year=meeting.bloc_year, status=Nomination.Status.PROPOSED,
                                         unit=meeting.units["BTG"])
    assert [n.award.code for n in proposed] == [first]  # never two awards for one unit
    assert "BTG" not in elected_codes(meeting, later)
    row = next(r for r in later.result["candidates"] if r["unit"] == meeting.units["BTG"].pk)
    assert row["not_eligible"][0]["code"] == "already_proposed"
