"""Nominations from the ballots, eligibility from multi-year history, the dossier's path to a decision
(issue 4, items 3 to 5), and two real years replayed from settings alone (domain-research.md §9)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from awards import rules, selectors
from awards.models import (
    CategoryRule,
    Condition,
    Decision,
    Dossier,
    HistoryEntry,
    Nomination,
    Rating,
    Round,
    RuleSet,
)
from awards.results import shown_reasons
from awards.services import ballots as ballot_services
from awards.services import dossier as dossier_services
from awards.services import nominations, rule_sets
from awards.services import rounds as round_services
from blocs.models import AuditEntry, Award, BlocYear, Membership
from tests.awards.conftest import Meeting
from tests.awards.test_voting import cast_all, close, elected_codes, open_round, rounds_by_kind
from tests.factories import (
    add_member,
    make_bloc,
    make_bloc_year,
    make_province,
    make_unit,
    make_user,
    round_closed,
    round_opened,
)

pytestmark = pytest.mark.django_db

GOV, PROV, MERIT = "co-thi-dua-chinh-phu", "co-thi-dua-ubnd-tinh", "bang-khen-chu-tich-ubnd-tinh"


def award(code: str) -> Award:
    return Award.objects.get(code=code)


def codes_of(meeting: Meeting, status: str, code: str) -> list[str]:
    by_pk = {u.pk: c for c, u in meeting.units.items()}
    return [by_pk[n.unit_id] for n in Nomination.objects.filter(bloc_year=meeting.bloc_year, award__code=code,
                                                                status=status).order_by("rank", "unit__name")]


def propose_seed(meeting: Meeting) -> dict[str, Round]:
    """The seed year's three award rounds and the head election, voted and closed (domain.md §7)."""
    rounds = rounds_by_kind(meeting)
    gov = open_round(meeting, rounds[GOV])
    cast_all(meeting, gov, [["BTG"]] * 7 + [["VPTU"]] * 2)
    close(meeting, gov)
    flag = open_round(meeting, rounds[PROV])
    cast_all(meeting, flag, [["VPTU", "DUK"]] * 7 + [["VPTU", "BTC"]] * 1 + [["BTC"]])
    close(meeting, flag)
    merit = open_round(meeting, rounds[MERIT])
    cast_all(meeting, merit, [["BTC", "BDV", "BNC"]] * 6 + [["BTC", "BDV", "UBKT"]] * 2 + [["TCT"]])
    close(meeting, merit)
    head = open_round(meeting, rounds["head"])
    cast_all(meeting, head, [["DUK"]] * 8 + [["BAO"]])
    close(meeting, head)
    deputy = open_round(meeting, rounds["deputy"])
    cast_all(meeting, deputy, [["VPTU"]] * 6 + [["BTC"]] * 3)
    close(meeting, deputy)
    return rounds


def proposed(bloc_year: BlocYear) -> list[Nomination]:
    return list(Nomination.objects.filter(bloc_year=bloc_year, status=Nomination.Status.PROPOSED)
                .select_related("unit", "award"))


# --- Nominations come from closing a round --------------------------------------------------------------------


def test_closing_a_round_proposes_the_elected_and_records_the_ineligible_with_reasons(meeting):
    rule_sets.condition_change(actor=meeting.secretariat, bloc_year=meeting.bloc_year, award=award(PROV),
                               condition=rules.Condition(kind="min_score", number=Decimal("95")))
    rounds = rounds_by_kind(meeting)
    assert rounds[PROV].rule_set.version == 2  # the round names the rules it is held under
    gov = open_round(meeting, rounds[GOV])
    cast_all(meeting, gov, [["BTG"]] * 9)
    close(meeting, gov)
    flag = open_round(meeting, rounds[PROV])
    # VPTU 7 votes (score 96), BTC 6 (score 94, below 95), DUK 5 (score 95): all pass more than half of 9.
    cast_all(meeting, flag, [["VPTU", "BTC"]] * 4 + [["VPTU", "DUK"]] * 3 + [["BTC", "DUK"]] * 2)
    closed = close(meeting, flag)

    assert elected_codes(meeting, closed) == ["VPTU", "DUK"]  # the next eligible unit takes BTC's seat
    assert codes_of(meeting, Nomination.Status.PROPOSED, PROV) == ["VPTU", "DUK"]
    assert codes_of(meeting, Nomination.Status.NOT_ELIGIBLE, PROV) == ["BTC"]
    btc = Nomination.objects.get(bloc_year=meeting.bloc_year, unit=meeting.units["BTC"])
    assert btc.votes == 6 and btc.rank == 2 and btc.final_score == Decimal("94")
    assert (btc.share_numerator, btc.share_denominator, btc.base) == (2, 3, "members")  # 6 of 9 members
    (why,) = shown_reasons(btc.eligibility)  # stored as a code, put into words when shown
    assert "94" in why and "95" in why
    dukn = Nomination.objects.get(bloc_year=meeting.bloc_year, award__code=PROV, unit=meeting.units["DUK"])
    assert (dukn.votes, dukn.rank, dukn.eligibility, dukn.rule_set.version) == (5, 3, [], 2)
    assert not Nomination.objects.filter(unit=meeting.units["BAO"]).exists()  # did not pass: no nomination


def test_a_passing_unit_that_fails_the_consecutive_years_condition_is_not_proposed(meeting):
    rule_sets.condition_change(actor=meeting.secretariat, bloc_year=meeting.bloc_year, award=award(GOV),
                               condition=rules.Condition(kind="consecutive", number=Decimal("2"), key="rating:htxs"),
                               rating=Rating.EXCELLENT)
    for year in (2020, 2021):
        HistoryEntry.objects.create(unit=meeting.units["VPTU"], year=year, rating=Rating.EXCELLENT)
    HistoryEntry.objects.create(unit=meeting.units["BTG"], year=2021, rating=Rating.EXCELLENT)
    gov = rounds_by_kind(meeting)[GOV]
    Round.objects.filter(pk=gov.pk).update(pass_numerator=1, pass_denominator=3)  # both pass: > 1/3 of members
    gov = open_round(meeting, gov)
    cast_all(meeting, gov, [["BTG"]] * 5 + [["VPTU"]] * 4)
    close(meeting, gov)
    assert codes_of(meeting, Nomination.Status.PROPOSED, GOV) == ["VPTU"]
    (btg,) = Nomination.objects.filter(bloc_year=meeting.bloc_year, status=Nomination.Status.NOT_ELIGIBLE)
    assert btg.unit == meeting.units["BTG"] and "1" in shown_reasons(btg.eligibility)[0]


# --- Corrections by the secretariat ---------------------------------------------------------------------------


def test_withdrawing_needs_a_reason_and_is_recorded(meeting):
    propose_seed(meeting)
    nomination = Nomination.objects.get(bloc_year=meeting.bloc_year, award__code=MERIT, unit=meeting.units["BNC"])
    for reason in ("", "   "):
        with pytest.raises(ValidationError):
            nominations.nomination_withdraw(actor=meeting.secretariat, nomination=nomination, reason=reason)
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.PROPOSED
    nominations.nomination_withdraw(actor=meeting.secretariat, nomination=nomination, reason="Đang bị thanh tra")
    nomination.refresh_from_db()
    assert (nomination.status, nomination.withdrawal_reason) == (Nomination.Status.WITHDRAWN, "Đang bị thanh tra")
    assert AuditEntry.objects.filter(action="awards.nomination.withdrawn").count() == 1
    with pytest.raises(ValidationError):  # twice is refused
        nominations.nomination_withdraw(actor=meeting.secretariat, nomination=nomination, reason="lại")


def test_adding_outside_the_vote_needs_a_reason_and_is_marked(meeting):
    propose_seed(meeting)
    args = {"actor": meeting.secretariat, "bloc_year": meeting.bloc_year, "award": award(MERIT),
            "unit": meeting.units["BAO"]}
    with pytest.raises(ValidationError):
        nominations.nomination_add_outside_vote(**args, reason=" ")
    added = nominations.nomination_add_outside_vote(**args, reason="Thành tích đột xuất")
    assert added.is_outside_vote and added.status == Nomination.Status.PROPOSED and added.votes is None
    assert added.final_score == Decimal("89")
    with pytest.raises(ValidationError):  # already nominated for that award
        nominations.nomination_add_outside_vote(**args, reason="lại")
    stranger = make_unit(province=meeting.bloc_year.bloc.province)
    with pytest.raises(ValidationError):  # not a member of the bloc
        nominations.nomination_add_outside_vote(**{**args, "unit": stranger}, reason="Lý do")
    dossier = dossier_services.dossier_submit(actor=meeting.secretariat, bloc_year=meeting.bloc_year)
    line = next(line for line in dossier.steps.get().snapshot if line["unit"] == meeting.units["BAO"].name)
    assert line["outside_vote"] is True and line["reason"] == "Thành tích đột xuất"


# --- The dossier's path ---------------------------------------------------------------------------------------


def test_the_dossier_path_keeps_every_version_and_ends_decided(meeting):
    propose_seed(meeting)
    bloc_year, secretariat = meeting.bloc_year, meeting.secretariat
    board = make_user("ban_tdkt_qt")
    with pytest.raises(ValidationError):  # nothing to accept yet
        dossier_services.dossier_accept(actor=board, bloc_year=bloc_year)

    dossier_services.dossier_submit(actor=secretariat, bloc_year=bloc_year)
    with pytest.raises(ValidationError):  # sent: no change until the board returns it
        nominations.nomination_withdraw(actor=secretariat, nomination=proposed(bloc_year)[0], reason="x")
    with pytest.raises(ValidationError):
        dossier_services.dossier_return(actor=board, bloc_year=bloc_year, reason="  ")
    dossier_services.dossier_return(actor=board, bloc_year=bloc_year, reason="Thiếu báo cáo thành tích của BNC")

    bnc = Nomination.objects.get(bloc_year=bloc_year, award__code=MERIT, unit=meeting.units["BNC"])
    nominations.nomination_withdraw(actor=secretariat, nomination=bnc, reason="Không đủ hồ sơ")
    dossier = dossier_services.dossier_submit(actor=secretariat, bloc_year=bloc_year)
    dossier_services.dossier_accept(actor=board, bloc_year=bloc_year)
    with pytest.raises(ValidationError):  # accepted: the secretariat cannot change it any more
        nominations.nomination_add_outside_vote(actor=secretariat, bloc_year=bloc_year, award=award(MERIT),
                                                unit=meeting.units["BNC"], reason="x")

    gov = next(n for n in proposed(bloc_year) if n.award.code == GOV)
    dossier_services.decision_record(actor=board, bloc_year=bloc_year, number="231/QĐ-TTg",
                                     issuer="Thủ tướng Chính phủ", signed_on=dt.date(2023, 3, 14),
                                     outcomes={gov.pk: True})
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.ACCEPTED  # the provincial awards are still waiting
    rest = {n.pk: True for n in proposed(bloc_year) if n.pk != gov.pk}
    merit_bdv = Nomination.objects.get(bloc_year=bloc_year, award__code=MERIT, unit=meeting.units["BDV"])
    rest[merit_bdv.pk] = False  # not awarded by the province
    dossier_services.decision_record(actor=board, bloc_year=bloc_year, number="1234/QĐ-UBND",
                                     issuer="Chủ tịch UBND tỉnh Quảng Trị", signed_on=dt.date(2023, 2, 1),
                                     outcomes=rest)
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.DECIDED

    steps = list(dossier.steps.order_by("at", "pk"))
    assert [(s.status, s.version) for s in steps] == [("submitted", 1), ("returned", 1), ("submitted", 2),
                                                      ("accepted", 2), ("decided", 2)]
    assert steps[1].reason == "Thiếu báo cáo thành tích của BNC" and steps[1].actor == board
    first, second = steps[0].snapshot, steps[2].snapshot
    assert len(first) == 6 and len(second) == 5  # both versions kept: BNC in the first, not the second
    assert meeting.units["BNC"].name in {line["unit"] for line in first}
    assert meeting.units["BNC"].name not in {line["unit"] for line in second}
    assert set(AuditEntry.objects.filter(action__startswith="awards.dossier.").values_list("action", flat=True)) == {
        "awards.dossier.submitted", "awards.dossier.returned", "awards.dossier.accepted", "awards.dossier.decided"}

    history = HistoryEntry.objects.filter(year=2022, source=HistoryEntry.Source.DECISION)
    assert history.count() == 4  # 5 decided, 1 not awarded
    assert not history.filter(unit=meeting.units["BDV"]).exists()
    assert history.get(unit=meeting.units["BTG"]).reference == "231/QĐ-TTg (Thủ tướng Chính phủ)"


def _accepted(meeting: Meeting) -> None:
    propose_seed(meeting)
    dossier_services.dossier_submit(actor=meeting.secretariat, bloc_year=meeting.bloc_year)
    dossier_services.dossier_accept(actor=None, bloc_year=meeting.bloc_year)


def test_a_decision_number_reused_by_the_same_issuer_in_the_same_year_is_refused(meeting):
    _accepted(meeting)
    first, second, third = proposed(meeting.bloc_year)[:3]
    record = dossier_services.decision_record
    record(actor=None, bloc_year=meeting.bloc_year, number="12/QĐ-UBND", issuer="UBND tỉnh Quảng Trị",
           signed_on=dt.date(2023, 1, 5), outcomes={first.pk: True})
    with pytest.raises(ValidationError, match="12/QĐ-UBND"):
        record(actor=None, bloc_year=meeting.bloc_year, number="12/QĐ-UBND", issuer="UBND tỉnh Quảng Trị",
               signed_on=dt.date(2023, 6, 1), outcomes={second.pk: True})
    assert not HistoryEntry.objects.filter(unit=second.unit).exists()  # nothing of the refused decision stays
    record(actor=None, bloc_year=meeting.bloc_year, number="12/QĐ-UBND", issuer="Thủ tướng Chính phủ",
           signed_on=dt.date(2023, 6, 1), outcomes={second.pk: True})  # another issuer may
    record(actor=None, bloc_year=meeting.bloc_year, number="12/QĐ-UBND", issuer="UBND tỉnh Quảng Trị",
           signed_on=dt.date(2024, 1, 2), outcomes={third.pk: True})  # and the same issuer another year
    assert Decision.objects.count() == 3


def test_a_decision_for_a_unit_not_proposed_is_refused(meeting):
    _accepted(meeting)
    outside = Nomination.objects.create(bloc_year=meeting.bloc_year, award=award(MERIT), unit=meeting.units["BAO"],
                                        rule_set=RuleSet.objects.get(bloc_year=meeting.bloc_year),
                                        status=Nomination.Status.NOT_ELIGIBLE)
    with pytest.raises(ValidationError, match="đề nghị|proposed"):
        dossier_services.decision_record(actor=None, bloc_year=meeting.bloc_year, number="1/QĐ", issuer="UBND",
                                         signed_on=dt.date(2023, 1, 5), outcomes={outside.pk: True})
    other = make_bloc_year(members=4)  # another bloc's proposal
    foreign = Nomination.objects.create(bloc_year=other, award=award(MERIT), unit=other.memberships.first().unit,
                                        rule_set=RuleSet.objects.create(bloc_year=other))
    with pytest.raises(ValidationError):
        dossier_services.decision_record(actor=None, bloc_year=meeting.bloc_year, number="1/QĐ", issuer="UBND",
                                         signed_on=dt.date(2023, 1, 5), outcomes={foreign.pk: True})
    assert not Decision.objects.exists() and not HistoryEntry.objects.exists()


def test_a_decision_waits_for_the_board_to_accept(meeting):
    propose_seed(meeting)
    dossier_services.dossier_submit(actor=meeting.secretariat, bloc_year=meeting.bloc_year)
    with pytest.raises(ValidationError):
        dossier_services.decision_record(actor=None, bloc_year=meeting.bloc_year, number="1/QĐ", issuer="UBND",
                                         signed_on=dt.date(2023, 1, 5),
                                         outcomes={proposed(meeting.bloc_year)[0].pk: True})


# --- History feeds eligibility ----------------------------------------------------------------------------------


def next_year_round(meeting: Meeting, *, award_code: str, condition: dict) -> Round:
    """2023 for the same bloc: every unit a member, a rule set whose category carries `condition`."""
    year = make_bloc_year(bloc=meeting.bloc_year.bloc, year=2023, status=BlocYear.Status.MEETING)
    for unit in meeting.units.values():
        add_member(year, unit)
    rule_set = RuleSet.objects.create(bloc_year=year, version=1)
    category = CategoryRule.objects.create(rule_set=rule_set, award=award(award_code), quota_count=1)
    Condition.objects.create(category=category, **condition)
    return Round.objects.create(bloc_year=year, rule_set=rule_set, kind=Round.Kind.AWARD, award=award(award_code),
                                title="2023", quota=1, max_choices=1)


def test_a_decision_fills_the_history_that_a_later_year_reads(meeting):
    _accepted(meeting)
    vptu = Nomination.objects.get(bloc_year=meeting.bloc_year, award__code=PROV, unit=meeting.units["VPTU"])
    duk = Nomination.objects.get(bloc_year=meeting.bloc_year, award__code=PROV, unit=meeting.units["DUK"])
    HistoryEntry.objects.create(unit=meeting.units["VPTU"], year=2021, award=award(PROV),
                                source=HistoryEntry.Source.IMPORT)
    dossier_services.decision_record(actor=None, bloc_year=meeting.bloc_year, number="99/QĐ-UBND", issuer="UBND tỉnh",
                                     signed_on=dt.date(2023, 2, 1), outcomes={vptu.pk: True, duk.pk: True})
    round_ = next_year_round(meeting, award_code=GOV,
                             condition={"kind": "consecutive", "number": 2, "award": award(PROV)})
    report = selectors.eligibility_report(round_, [meeting.units[c].pk for c in ("VPTU", "DUK", "BTC")])
    assert report[meeting.units["VPTU"].pk] == []  # 2021 imported + 2022 decided: two consecutive years
    assert len(report[meeting.units["DUK"].pk]) == 1  # only 2022
    assert len(report[meeting.units["BTC"].pk]) == 1


def test_not_recent_defaults_to_the_categorys_own_award(meeting):
    """A "not given this award recently" condition without a title counts the category's award."""
    HistoryEntry.objects.create(unit=meeting.units["VPTU"], year=2022, award=award(PROV))
    round_ = next_year_round(meeting, award_code=PROV, condition={"kind": "not_recent", "number": 2})
    report = selectors.eligibility_report(round_, [meeting.units["VPTU"].pk, meeting.units["BTC"].pk])
    assert len(report[meeting.units["VPTU"].pk]) == 1 and "2022" in str(report[meeting.units["VPTU"].pk][0])
    assert report[meeting.units["BTC"].pk] == []


def test_the_history_of_a_renamed_unit_counts_for_the_new_unit(meeting):
    old = make_unit(name="Ban Tuyên giáo (cũ)", short_code="BTGC", province=meeting.bloc_year.bloc.province,
                    is_active=False)
    for year in (2021, 2022):
        HistoryEntry.objects.create(unit=old, year=year, rating=Rating.EXCELLENT)
    new = meeting.units["BTG"]
    new.renamed_from = old
    new.save(update_fields=["renamed_from"])
    merged = make_unit(short_code="SAP", province=new.province, merged_into=meeting.units["BDV"])
    HistoryEntry.objects.create(unit=merged, year=2022, rating=Rating.EXCELLENT)

    history = selectors.history_of([new, meeting.units["BDV"], old])
    assert history[new.pk] == {2021: frozenset({"rating:htxs"}), 2022: frozenset({"rating:htxs"})}
    assert history[old.pk] == history[new.pk]
    assert history[meeting.units["BDV"].pk] == {2022: frozenset({"rating:htxs"})}  # merged into it
    round_ = next_year_round(meeting, award_code=MERIT,
                             condition={"kind": "consecutive", "number": 2, "rating": Rating.EXCELLENT})
    report = selectors.eligibility_report(round_, [new.pk, meeting.units["BDV"].pk])
    assert report[new.pk] == [] and len(report[meeting.units["BDV"].pk]) == 1


# --- Real years replayed from settings alone --------------------------------------------------------------------


def test_seed_year_replayed_gives_the_seed_proposals_as_nominations(meeting):
    """01 Government flag, 02 provincial flags, 03 certificates, six different units; head 2023 DUK."""
    propose_seed(meeting)
    by_award = {code: sorted(codes_of(meeting, Nomination.Status.PROPOSED, code)) for code in (GOV, PROV, MERIT)}
    assert by_award == {GOV: ["BTG"], PROV: ["DUK", "VPTU"], MERIT: ["BDV", "BNC", "BTC"]}
    assert len({u for units in by_award.values() for u in units}) == 6
    assert Nomination.objects.filter(bloc_year=meeting.bloc_year).count() == 6
    head, deputies = selectors.elected_leadership(meeting.bloc_year)
    assert head == meeting.units["DUK"] and deputies == [meeting.units["VPTU"]]


NGHE_AN_2015 = [("VP", "Văn phòng Tỉnh ủy"), ("BTC", "Ban Tổ chức Tỉnh ủy"), ("BTG", "Ban Tuyên giáo Tỉnh ủy"),
                ("UBKT", "Ủy ban Kiểm tra Tỉnh ủy"), ("BDV", "Ban Dân vận Tỉnh ủy"), ("BNC", "Ban Nội chính Tỉnh ủy"),
                ("DUKCCQ", "Đảng ủy Khối các cơ quan tỉnh"), ("DUKDN", "Đảng ủy Khối doanh nghiệp tỉnh"),
                ("TCT", "Trường Chính trị tỉnh"), ("BBVSK", "Ban Bảo vệ chăm sóc sức khỏe cán bộ tỉnh")]


def test_nghe_an_2015_replays_from_settings_alone():
    """S4: 10 members; 1 Government flag and 3 provincial flags, configured through the services only."""
    province = make_province("Nghệ An")
    bloc_year = make_bloc_year(bloc=make_bloc(name="Khối thi đua các cơ quan Đảng", province=province), year=2015,
                               status=BlocYear.Status.MEETING)
    units = {code: make_unit(short_code=f"NA{code}", name=name, province=province) for code, name in NGHE_AN_2015}
    for code, unit in units.items():
        add_member(bloc_year, unit, Membership.Position.HEAD if code == "VP" else Membership.Position.MEMBER)
    secretariat = make_user("thu_ky_nghe_an")
    rule_sets.rule_set_revise(actor=secretariat, bloc_year=bloc_year, changes={}, note="Quy chế khối 2015",
                              categories=[{"award": award(GOV), "quota_count": 1},
                                         {"award": award(PROV), "quota_count": 3}])
    round_services.meeting_save(actor=secretariat, bloc_year=bloc_year, data={"held_on": "2015-11-13", "place": "Vinh"},
                                present=list(units.values()))
    rounds = {r.award.code if r.award else r.kind: r
              for r in round_services.rounds_generate(actor=secretariat, bloc_year=bloc_year)}
    assert set(rounds) == {GOV, PROV, "head", "deputy"} and rounds[PROV].max_choices == 3

    def vote(round_: Round, ballots: list[list[str]]) -> None:
        round_opened(actor=secretariat, round_=round_)
        for choice in ballots:  # paper ballots, entered after the count
            ballot_services.paper_ballot_enter(actor=secretariat, round_=round_, choices=[units[c].pk for c in choice])
        round_closed(actor=secretariat, round_=round_, ballots_issued=10)

    vote(rounds[GOV], [["DUKCCQ"]] * 8 + [["VP"]] * 2)
    vote(rounds[PROV], [["VP", "BTC", "BTG"]] * 7 + [["VP", "UBKT", "BDV"]] * 3)
    proposals = {(n.award.code, n.unit.short_code) for n in proposed(bloc_year)}
    assert proposals == {(GOV, "NADUKCCQ"), (PROV, "NAVP"), (PROV, "NABTC"), (PROV, "NABTG")}
    assert RuleSet.objects.filter(bloc_year=bloc_year).count() == 2  # the defaults, then the bloc's version


def test_withdrawing_an_outside_vote_nomination_keeps_why_it_was_added(meeting):
    propose_seed(meeting)
    added = nominations.nomination_add_outside_vote(
        actor=meeting.secretariat, bloc_year=meeting.bloc_year, award=Award.objects.get(code=MERIT),
        unit=meeting.units["TCT"], reason="Thành tích đột xuất năm 2022")
    nominations.nomination_withdraw(actor=meeting.secretariat, nomination=added, reason="Trùng khen thưởng")
    added.refresh_from_db()
    assert (added.reason, added.withdrawal_reason) == ("Thành tích đột xuất năm 2022", "Trùng khen thưởng")
