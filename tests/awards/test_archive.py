"""The vote and the scores in the bloc-year archive (awards/archive.py, blocs/archive.py, format version 2)."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django.utils import translation

from awards import rules, selectors
from awards.archive import SECTION, recount
from awards.models import Ballot, Nomination, Round, RuleSet, Turnout
from awards.permissions import can_open_close, can_vote_for
from awards.results import result_of
from awards.services import ballots as ballot_services
from awards.services import nominations
from awards.services import rounds as round_services
from awards.services import rule_sets as rule_set_services
from blocs.archive import archive_dumps, archive_export, archive_import, register_section, registered_sections
from blocs.models import (
    Award,
    BlocYear,
    CheckAssignment,
    CheckValue,
    Evidence,
    Scorecard,
    ScoreLine,
    ScoringItem,
    ScoringTable,
    Unit,
    User,
)
from blocs.permissions import roles_of
from tests.awards.conftest import Meeting, seed_meeting
from tests.conftest import empty_the_database
from tests.factories import make_user, round_closed, round_opened

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[2] / "blocs" / "fixtures" / "demo"
PDF = b"%PDF-1.4\n% minh chung\n"
BALLOT_KEYS = {"receipt", "source", "choices", "invalid_reason"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # noqa: ANN001, ANN202
    settings.MEDIA_ROOT = tmp_path / "media"


def demo(name: str) -> dict[str, Any]:
    return json.loads((DEMO / name).read_text(encoding="utf-8"))


def canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)


def refusal(data: dict[str, Any]) -> str:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        archive_import(actor=None, data=data)
    return " ".join(caught.value.messages)


def rows() -> dict[str, int]:
    return {model.__name__: model.objects.count()
            for model in (Unit, BlocYear, Scorecard, ScoreLine, RuleSet, Round, Ballot, Turnout, Nomination)}


# --- A year built through the services, with everything the archive carries ---------------------------------


def _scores(meeting: Meeting) -> None:
    """A scoring table with one item of each kind, three values per line, a check and an evidence file."""
    table = ScoringTable.objects.create(bloc_year=meeting.bloc_year, bonus_cap=Decimal("3"))
    items = {kind: ScoringItem.objects.create(table=table, kind=kind, code=code, text=f"Tiêu chí {code}",
                                              group="I. Nhiệm vụ chính trị", max_points=Decimal(points), order=n)
             for n, (kind, code, points) in enumerate([("criterion", "1.1", "90"), ("bonus", "T1", "5"),
                                                       ("penalty", "TR1", "3"), ("disqualifier", "KX1", "0")])}
    checker = meeting.units["BTG"]
    for card in Scorecard.objects.filter(bloc_year=meeting.bloc_year).select_related("unit"):
        line = ScoreLine.objects.create(scorecard=card, item=items["criterion"], self_value=Decimal("88.50"),
                                        self_comment="Hoàn thành", checked_value=Decimal("88"),
                                        final_value=Decimal("87.75"), final_note="Thống nhất")
        if card.unit != checker:
            CheckValue.objects.create(line=line, checker=checker, value=Decimal("88"), comment="Thiếu minh chứng")
            CheckAssignment.objects.create(bloc_year=meeting.bloc_year, checker=checker, checked=card.unit)
    line = ScoreLine.objects.filter(scorecard__unit=checker).first()
    evidence = Evidence(line=line, name="Báo cáo tổng kết.pdf", uploaded_by=meeting.secretariat)
    evidence.file.save("bao-cao.pdf", ContentFile(PDF), save=True)


def _cast(meeting: Meeting, round_: Round, ballots: list[list[str]]) -> None:
    """The i-th ballot is cast by the i-th member unit."""
    voters = list(meeting.units)
    for i, choice in enumerate(ballots):
        ballot_services.ballot_cast(actor=meeting.reps[voters[i]], round_=round_, unit=meeting.units[voters[i]],
                                    choices=[meeting.units[code].pk for code in choice])


def _close(meeting: Meeting, round_: Round) -> Round:
    return round_closed(actor=meeting.chair, round_=round_, ballots_issued=9)


def build_year() -> Meeting:
    """Scores; a rule set revised with an eligibility condition; rounds closed with a blank ballot, a runoff,
    a paper count, a paper ballot and a unit that passed but is not eligible; one round left open."""
    scores = dict(zip(["VPTU", "BTC", "BTG", "BDV", "BNC", "UBKT", "DUK", "TCT", "BAO"],
                      ["95", "94", "97", "95", "92", "91", "93", "90", "89"], strict=True))
    meeting = seed_meeting(scores=scores)
    _scores(meeting)
    year = meeting.bloc_year
    merit = Award.objects.get(code="bang-khen-chu-tich-ubnd-tinh")
    rule_set_services.condition_change(actor=meeting.secretariat, bloc_year=year, award=merit,
                                       condition=rules.Condition(kind="min_score", number=Decimal("90")))
    rounds = {r.award.code if r.award else r.kind: r
              for r in round_services.rounds_generate(actor=None, bloc_year=year)}
    gov = round_opened(actor=meeting.chair, round_=rounds["co-thi-dua-chinh-phu"])
    _cast(meeting, gov, [["BTG"]] * 8 + [[]])  # a blank ballot
    _close(meeting, gov)
    flag = round_opened(actor=meeting.chair, round_=rounds["co-thi-dua-ubnd-tinh"])
    _cast(meeting, flag, [["BTC", "VPTU"]] * 3 + [["BTC", "BDV"]] * 3 + [["VPTU", "BDV"]] * 2 + [["BTC"]])
    flag = _close(meeting, flag)
    runoff = round_opened(actor=meeting.chair, round_=flag.runoffs.get())  # VPTU and BDV: 95 points each
    _cast(meeting, runoff, [["VPTU"]] * 6 + [["BDV"]] * 3)
    _close(meeting, runoff)
    merit = round_opened(actor=meeting.chair, round_=rounds["bang-khen-chu-tich-ubnd-tinh"])
    _cast(meeting, merit, [["BAO", "BNC", "DUK"]] * 5)
    ballot_services.paper_count_set(actor=meeting.secretariat, round_=merit, returned=4, valid=3,
                                    votes={meeting.units[c].pk: 3 for c in ("BAO", "UBKT", "DUK")})
    _close(meeting, merit)
    head = round_opened(actor=meeting.chair, round_=rounds["head"])
    _cast(meeting, head, [["DUK"]] * 7)
    ballot_services.paper_ballot_enter(actor=meeting.secretariat, round_=head, choices=[], invalid_reason="marked")
    _close(meeting, head)
    deputy = round_opened(actor=meeting.chair, round_=rounds["deputy"])
    _cast(meeting, deputy, [["BTG"]] * 2)  # still open
    nominations.nomination_withdraw(actor=None, nomination=Nomination.objects.get(unit=meeting.units["DUK"]),
                                    reason="Đơn vị xin rút")
    nominations.nomination_add_outside_vote(actor=None, bloc_year=year, award=Award.objects.get(
        code="tap-the-lao-dong-xuat-sac"), unit=meeting.units["TCT"], reason="Theo đề nghị của Sở Nội vụ")
    return meeting


@pytest.mark.django_db(transaction=True)  # flushes: see empty_the_database
def test_a_year_with_scores_rounds_and_ballots_round_trips_through_an_empty_database(settings, tmp_path):
    meeting = build_year()
    text = archive_dumps(meeting.bloc_year)
    data = json.loads(text)
    assert any(r["runoff_of"] for r in data[SECTION]["rounds"]) and any(r["paper_count"] for r in
                                                                        data[SECTION]["rounds"])
    empty_the_database()  # an empty database, as on another server
    assert not Unit.objects.exists() and not Round.objects.exists()
    settings.MEDIA_ROOT = tmp_path / "other-media"

    copy = archive_import(actor=make_user("nguoi_nhap"), data=json.loads(text))

    assert archive_dumps(copy) == text
    merit = copy.rounds.get(award__code="bang-khen-chu-tich-ubnd-tinh")
    not_eligible = {row["unit"] for row in merit.result["candidates"] if row["not_eligible"]}
    assert _codes(not_eligible) == {"BAO"} and _codes(merit.result["elected"]) == {"BNC", "DUK"}
    with Evidence.objects.get().file.open("rb") as evidence:
        assert evidence.read() == PDF


def test_the_archive_names_no_database_id():
    text = archive_dumps(build_year().bloc_year)

    def keys(value: Any) -> list[str]:
        if isinstance(value, dict):
            return [*value, *(k for item in value.values() for k in keys(item))]
        if isinstance(value, list):
            return [k for item in value for k in keys(item)]
        return []

    assert not [key for key in keys(json.loads(text)) if key in ("id", "pk") or key.endswith("_id")]
    pks = {str(pk) for pk in Unit.objects.values_list("pk", flat=True)}
    assert not pks & set(json.loads(text)[SECTION]["rounds"][0]["result"]["elected"])


@pytest.mark.parametrize("name", ["khoi-dang-2022.json", "khoi-noi-chinh-2026.json"])
def test_turnout_and_ballots_are_never_linked(name):
    for round_ in demo(name)[SECTION]["rounds"]:
        assert all(set(ballot) == BALLOT_KEYS for ballot in round_["ballots"])  # no unit, voter or time
        assert round_["turnout"] == sorted(round_["turnout"])
        assert [b["receipt"] for b in round_["ballots"]] == sorted(b["receipt"] for b in round_["ballots"])


# --- The recount ---------------------------------------------------------------------------------------------


def _round(data: dict[str, Any], title_part: str) -> dict[str, Any]:
    return next(r for r in data[SECTION]["rounds"] if title_part in r["title"])


def _add_vote(data: dict[str, Any]) -> None:
    _round(data, "Chính phủ")["result"]["candidates"][0]["votes"] += 1


def _drop_ballot(data: dict[str, Any]) -> None:
    _round(data, "UBND tỉnh")["ballots"].pop()


def _change_choice(data: dict[str, Any]) -> None:
    ballot = next(b for b in _round(data, "Trưởng khối")["ballots"] if b["choices"] == ["DUKCQDN"])
    ballot["choices"] = ["BAOQT"]


def _swap_elected(data: dict[str, Any]) -> None:
    result = _round(data, "Bằng khen")["result"]
    result["elected"][0] = "TCTT"


@pytest.mark.parametrize(("tamper", "round_title", "what"), [
    (_add_vote, "Đề nghị Cờ thi đua của Chính phủ năm 2022", "has 10 votes in the archive and 9 by its ballots"),
    (_drop_ballot, "Đề nghị Cờ thi đua của UBND tỉnh năm 2022", "the ballot totals differ"),
    (_change_choice, "Bầu đơn vị Trưởng khối năm 2023", "votes in the archive"),
    (_swap_elected, "Đề nghị Bằng khen của Chủ tịch UBND tỉnh năm 2022", "the units proposed differ"),
])
def test_an_archive_that_does_not_recount_is_refused_and_nothing_is_saved(tamper, round_title, what):
    data = demo("khoi-dang-2022.json")
    tamper(data)
    before = rows()

    message = refusal(data)

    assert f"The round “{round_title}” does not recount" in message and what in message
    assert "was not imported" in message
    assert rows() == before and not BlocYear.objects.exists()


def test_the_recount_of_a_closed_round_matches_what_the_close_stored():
    meeting = build_year()
    scores = selectors.final_scores(meeting.bloc_year)
    for round_ in meeting.bloc_year.rounds.filter(status=Round.Status.CLOSED):
        fresh = recount(round_, scores)
        stored = result_of(round_)
        assert fresh.candidates == stored.candidates and fresh.elected == stored.elected


def _leaves(value: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(value, dict):
        return [path] + [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    if isinstance(value, list):
        return [path] + [leaf for index, item in enumerate(value) for leaf in _leaves(item, (*path, index))]
    return [path]


def test_any_odd_value_in_the_scores_or_the_vote_is_refused_politely_or_accepted():
    """No value anywhere in the new parts makes the importer fail with anything but a ValidationError."""
    text = (DEMO.parents[2] / "docs" / "archive-format.md").read_text(encoding="utf-8")
    example = json.loads(text.split("```json", 1)[1].split("```", 1)[0])
    paths = _leaves(example["scoring"], ("scoring",)) + _leaves(example[SECTION], (SECTION,))
    firsts = [path for path in paths if all(key == 0 for key in path if isinstance(key, int))]  # one of a kind
    for path in firsts:
        for odd in (None, -1, "x", [1]):
            data = json.loads(canonical(example))
            *parents, last = path
            target = data
            for key in parents:
                target = target[key]
            target[last] = odd
            with transaction.atomic():
                try:
                    archive_import(actor=None, data=data)
                except ValidationError:
                    pass
                transaction.set_rollback(True)
    assert not BlocYear.objects.exists()


def test_open_and_draft_rounds_carry_no_result():
    data = demo("khoi-noi-chinh-2026.json")
    _round(data, "Trưởng khối")["result"] = {"elected": []}

    assert "A closed round has a result; a round not closed has none" in refusal(data)
    assert not BlocYear.objects.exists()


# --- Versions and the registry ---------------------------------------------------------------------------------


def test_a_version_1_archive_still_imports_with_no_scores_and_no_vote():
    data = demo("khoi-dang-2022.json")
    for key in ("scoring", SECTION):
        del data[key]
    data["version"] = 1

    bloc_year = archive_import(actor=None, data=data)

    assert bloc_year.memberships.count() == 9 and bloc_year.registrations.count() == 9
    assert not Scorecard.objects.exists() and not bloc_year.rounds.exists() and not bloc_year.rule_sets.exists()
    assert archive_export(bloc_year)["version"] == 3


def test_version_4_is_refused_naming_the_versions_read():
    message = refusal(demo("khoi-dang-2022.json") | {"version": 4})

    assert "version 4" in message and "reads versions 1, 2, 3 only" in message
    assert not BlocYear.objects.exists()


def test_version_2_requires_the_vote():
    data = demo("khoi-dang-2023.json")
    del data[SECTION]
    assert refusal(data) == f"The archive lacks “{SECTION}”."


def test_the_vote_is_registered_by_the_awards_app_and_core_keys_cannot_be_taken():
    assert registered_sections() == (SECTION, "dossier", "report")
    with pytest.raises(Exception, match="belongs to the core"):
        register_section("awards", lambda year, refs: None, lambda context, raw: {})


@pytest.mark.django_db(transaction=True)  # flushes: see empty_the_database
def test_evidence_needs_a_signed_in_importer():
    text = archive_dumps(build_year().bloc_year)
    empty_the_database()

    assert "import it signed in" in refusal(json.loads(text))
    assert not BlocYear.objects.exists()


# --- The demo ------------------------------------------------------------------------------------------------


def _codes(pks: Any) -> set[str]:
    return set(Unit.objects.filter(pk__in=pks).values_list("short_code", flat=True))


def test_the_seed_year_proposes_1_2_3_different_units_and_elects_the_2023_head():
    bloc_year = archive_import(actor=None, data=demo("khoi-dang-2022.json"))
    rounds = {r.award.code if r.award else r.kind: r for r in bloc_year.rounds.select_related("award")}

    assert all(r.is_closed for r in rounds.values()) and len(rounds) == 5
    proposed = {code: _codes(rounds[code].result["elected"]) for code in
                ("co-thi-dua-chinh-phu", "co-thi-dua-ubnd-tinh", "bang-khen-chu-tich-ubnd-tinh")}
    assert proposed["co-thi-dua-chinh-phu"] == {"BTGTU"}
    assert [len(units) for units in proposed.values()] == [1, 2, 3]
    assert len(set().union(*proposed.values())) == 6 == len(selectors.proposed_units(bloc_year))
    head, deputies = selectors.elected_leadership(bloc_year)
    assert head.name == "Đảng ủy Khối các Cơ quan và Doanh nghiệp tỉnh"
    assert [deputy.short_code for deputy in deputies] == ["BTGTU"]
    totals = dict(Scorecard.objects.filter(bloc_year=bloc_year, verified_at__isnull=False)
                  .values_list("unit__short_code", "final_total"))
    assert len(totals) == 9 and max(totals, key=totals.get) == "BTGTU"
    assert all(Decimal(85) <= total <= Decimal(97) for total in totals.values())
    assert Nomination.objects.filter(bloc_year=bloc_year, status=Nomination.Status.PROPOSED).count() == 6
    assert bloc_year.meeting.attendance.filter(is_present=True).count() == 9
    assert bloc_year.meeting.committee.count() == 3


def test_load_demo_opens_a_round_a_newcomer_can_vote_in_and_close(settings):
    settings.DEMO_MODE = True
    out = io.StringIO()
    call_command("load_demo", "--if-empty", stdout=out)

    assert BlocYear.objects.count() == 3 and "demo-daidien_nc-2022" in out.getvalue()
    open_round = Round.objects.get(status=Round.Status.OPEN)
    assert open_round.bloc_year.bloc.code == "khoi-noi-chinh" and open_round.award.code == "co-thi-dua-chinh-phu"
    assert open_round.sealed_ballots.count() == 2 and open_round.turnout.count() == 2
    assert not open_round.ballots.exists()  # sealed until the close, under the passphrase the demo prints
    assert "DEMQ-VNCH-KTDA-2626" in out.getvalue()
    assert not open_round.bloc_year.rounds.exclude(pk=open_round.pk).exclude(status=Round.Status.DRAFT).exists()
    representative, chair = User.objects.get(username="daidien_nc"), User.objects.get(username="truongkhoi_nc")
    members = set(open_round.bloc_year.memberships.values_list("unit_id", flat=True))
    assert not open_round.turnout.filter(unit=representative.unit).exists()
    assert can_vote_for(roles_of(representative), representative.unit, members)
    assert can_open_close(roles_of(chair), open_round.bloc_year)
    assert can_open_close(roles_of(User.objects.get(username="thuky")), open_round.bloc_year)

    police = Unit.objects.get(short_code="CAT")
    ballot_services.ballot_cast(actor=representative, round_=open_round, unit=representative.unit, choices=[police.pk])
    closed = round_services.round_close(actor=chair, round_=open_round, passphrase="demq vnch ktda 2626")

    assert _codes(closed.result["elected"]) == {"CAT"}
