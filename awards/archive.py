"""The vote in the bloc-year archive: the "voting" part (docs/archive-format.md, version 3).

Rule sets, the meeting, rounds with their candidates, turnout, anonymous ballots and paper counts, and the
nominations the rounds made. Units are named by short code, awards by code, rounds by a key local to the
archive: no database id is written. Turnout and ballots are two lists sorted on their own (unit codes;
receipts), with nothing that joins them (domain.md §3, "Secrecy and trust").

On import every closed round is counted again from its ballots; an archive whose stored result disagrees
is refused as a whole. Registered with blocs.archive by AwardsConfig.ready(): blocs never imports awards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Field
from django.utils.translation import gettext as _

from awards import conditions, rules, selectors
from awards.models import (
    Attendance,
    Ballot,
    Candidate,
    CategoryRule,
    CommitteeMember,
    Condition,
    Meeting,
    Nomination,
    PaperCount,
    Round,
    RuleSet,
    Turnout,
)
from awards.results import Result, ResultShapeError, reasons_from_json, reasons_json, result_of
from blocs.archive import ExportRefs, ImportContext, register_export_guard, register_section
from blocs.models import Award, BlocYear, Unit
from emulation.kernel.archive import (
    read_code,
    read_fields,
    read_key,
    read_keyed,
    read_list,
    read_object,
    read_refusal,
    values_of,
)

SECTION = "voting"
PASS_FIELDS = ("voters", "allow_self", "pass_numerator", "pass_denominator", "comparator", "base",
               "quorum_numerator", "quorum_denominator")
RULE_SET_FIELDS = ("version", "note", "created_at", *PASS_FIELDS, "one_award_per_unit", "gov_flag_must_top")
CATEGORY_FIELDS = ("quota_count", "quota_percent", "rounding")
CONDITION_FIELDS = ("kind", "number", "rating")
MEETING_FIELDS = ("held_on", "starts_at", "place", "chair_name", "secretary_name", "guests")
ATTENDANCE_FIELDS = ("is_present", "delegates", "absence_reason")
COMMITTEE_FIELDS = ("name", "is_head", "order")
ROUND_FIELDS = ("kind", "title", "order", "status", *PASS_FIELDS, "quota", "max_choices", "two_person_entry",
                "ballots_issued", "opened_at", "closed_at")
BALLOT_FIELDS = ("receipt", "source", "invalid_reason")
NOMINATION_FIELDS = ("status", "votes", "share_numerator", "share_denominator", "base", "rank", "final_score",
                     "is_outside_vote", "reason", "withdrawal_reason")

Convert = Callable[[Any, str], Any]


def register() -> None:
    register_section(SECTION, voting_export, voting_import, voting_verify)
    register_export_guard(open_round_guard)


def open_round_guard(bloc_year: BlocYear) -> str | None:
    """Nobody sees partial results while a round is open (domain.md §3): not even in a download."""
    if Round.objects.filter(bloc_year=bloc_year, status=Round.Status.OPEN).exists():
        return _("A ballot round is open: export the year after it closes, so that nobody sees partial results.")
    return None


# --- Export --------------------------------------------------------------------------------------------------


def _rule_set_entry(rule_set: RuleSet, refs: ExportRefs) -> dict[str, Any]:
    categories = sorted(rule_set.categories.all(), key=lambda category: category.award.code)
    return {**values_of(rule_set, RULE_SET_FIELDS), "deputies": rule_set.deputies, "categories": [
        {"award": refs.award(category.award), **values_of(category, CATEGORY_FIELDS),
         "conditions": [{**values_of(condition, CONDITION_FIELDS), "award": refs.award(condition.award)}
                        for condition in category.conditions.all()]}
        for category in categories]}


def _meeting_entry(meeting: Meeting | None, refs: ExportRefs) -> dict[str, Any] | None:
    if meeting is None:
        return None
    attendance = ({"unit": refs.unit(row.unit), **values_of(row, ATTENDANCE_FIELDS)}
                  for row in meeting.attendance.select_related("unit"))
    return {**values_of(meeting, MEETING_FIELDS), "attendance": sorted(attendance, key=itemgetter("unit")),
            "committee": [{**values_of(person, COMMITTEE_FIELDS), "unit": refs.unit(person.unit)}
                          for person in meeting.committee.select_related("unit")]}


def convert_result(result: Any, convert: Convert, where: str) -> dict[str, Any]:
    """The stored result with every unit in it passed through `convert` (ids ↔ short codes)."""
    converted = dict(read_object(result, where))
    for key in ("elected", "runoff"):
        converted[key] = [convert(unit, f"{where}.{key}") for unit in read_list(read_key(result, key, where),
                                                                                  f"{where}.{key}")]
    rows = read_list(read_key(result, "candidates", where), f"{where}.candidates")
    converted["candidates"] = [_convert_row(row, "unit", convert, f"{where}.candidates[{i}]")
                               for i, row in enumerate(rows)]
    breaks = read_list(read_key(result, "tie_breaks", where), f"{where}.tie_breaks")
    converted["tie_breaks"] = [_convert_row(row, "units", convert, f"{where}.tie_breaks[{i}]")
                               for i, row in enumerate(breaks)]
    return converted


def _convert_row(row: Any, key: str, convert: Convert, where: str) -> dict[str, Any]:
    value = read_key(read_object(row, where), key, where)
    if key == "units":
        return {**row, key: [convert(unit, where) for unit in read_list(value, f"{where}.units")]}
    return {**row, key: convert(value, where)}


def _round_units(rounds: list[Round], papers: Mapping[int, PaperCount]) -> set[int]:
    """Every unit id the rounds' ballots, results and paper counts name."""
    found: set[int] = set()
    for round_ in rounds:
        found.update(pk for ballot in round_.ballots.all() for pk in ballot.choices)
        if round_.result:
            found.update(result_of(round_).units())
        if round_.pk in papers:
            found.update(int(pk) for pk in papers[round_.pk].votes)
    return found


def _round_entry(round_: Round, keys: Mapping[int, int], codes: Mapping[int, str], refs: ExportRefs,
                 paper: PaperCount | None) -> dict[str, Any]:
    ballots = ({**values_of(ballot, BALLOT_FIELDS), "choices": sorted(codes[pk] for pk in ballot.choices)}
               for ballot in round_.ballots.all())
    return {
        "key": keys[round_.pk], **values_of(round_, ROUND_FIELDS), "award": refs.award(round_.award),
        "rule_set_version": round_.rule_set.version, "runoff_of": keys.get(round_.runoff_of_id),
        "candidates": [refs.unit(candidate.unit) for candidate in round_.candidates.all()],
        "result": (result_of(round_).with_units(codes.__getitem__).to_json() if round_.result else None),
        # Sorted by unit and by receipt, each on its own: the order says nothing about who cast what.
        "turnout": sorted(refs.unit(row.unit) for row in round_.turnout.all()),
        "ballots": sorted(ballots, key=itemgetter("receipt")),
        "paper_count": None if paper is None else {
            "returned": paper.returned, "valid": paper.valid,
            "votes": {codes[int(pk)]: votes for pk, votes in paper.votes.items()}},
    }


def _nomination_entry(nomination: Nomination, keys: Mapping[int, int], refs: ExportRefs) -> dict[str, Any]:
    return {"award": refs.award(nomination.award), "unit": refs.unit(nomination.unit),
            "round": keys.get(nomination.round_id), "rule_set_version": nomination.rule_set.version,
            **values_of(nomination, NOMINATION_FIELDS), "eligibility": _stored_reasons(nomination.eligibility)}


def _stored_reasons(stored: Any) -> Any:
    """The reasons as stored (codes; texts before issue 9), in the shape the format describes."""
    try:
        return reasons_json(reasons_from_json(stored))
    except ResultShapeError:
        return stored


def round_keys(rounds: Iterable[Round]) -> dict[int, int]:
    """The archive's key of each round (by database id): 1, 2, ... in the order of the year's rounds ("order",
    then id), the order they are listed, and so created again, in. Other sections name a round by it."""
    return {round_.pk: key for key, round_ in enumerate(rounds, start=1)}


def voting_export(bloc_year: BlocYear, refs: ExportRefs) -> dict[str, Any]:
    rounds = list(bloc_year.rounds.select_related("award", "rule_set").order_by("order", "pk")
                  .prefetch_related("candidates__unit", "turnout__unit", "ballots"))
    keys = round_keys(rounds)
    papers = {paper.round_id: paper for paper in PaperCount.objects.filter(round__bloc_year=bloc_year)}
    codes = refs.unit_codes(_round_units(rounds, papers))
    nominations = bloc_year.nominations.select_related("award", "unit", "rule_set")
    return {
        "rule_sets": [_rule_set_entry(rule_set, refs) for rule_set in bloc_year.rule_sets.order_by("version")
                      .prefetch_related("categories__award", "categories__conditions__award")],
        "meeting": _meeting_entry(Meeting.objects.filter(bloc_year=bloc_year).first(), refs),
        "rounds": [_round_entry(round_, keys, codes, refs, papers.get(round_.pk)) for round_ in rounds],
        "nominations": sorted((_nomination_entry(n, keys, refs) for n in nominations),
                              key=itemgetter("award", "unit")),
    }


# --- Import: read and write part by part; the caller's transaction undoes everything on a refusal ----------


def _required(value: Any, key: str, where: str) -> Any:
    if value is None:
        raise read_refusal(key, where, str(Field.default_error_messages["null"]))
    return value


def _fractions(fields: Mapping[str, Any], where: str) -> None:
    """The database refuses a zero denominator and a fraction above 1 (rule_set_fractions_valid)."""
    for name in ("pass", "quorum"):
        if fields[f"{name}_denominator"] == 0 or fields[f"{name}_numerator"] > fields[f"{name}_denominator"]:
            raise read_refusal(f"{name}_numerator", where, _("A fraction between 0 and 1 is expected."))


def _unit(context: ImportContext, value: Any, where: str, *, member: bool = True) -> Unit:
    code = read_code(value, context.units, where, kind="unit")
    if member and code not in context.members:
        raise ValidationError(_("“%(where)s” is for %(code)s, which is not a member in the archive's year.")
                              % {"where": where, "code": code})
    return context.units[code]


def _award_or_none(context: ImportContext, value: Any, where: str) -> Award | None:
    return None if value is None else context.awards[read_code(value, context.awards, where, kind="award")]


def _add_condition(context: ImportContext, category: CategoryRule, raw: Any, where: str) -> None:
    fields = read_fields(Condition, raw, CONDITION_FIELDS, where)
    award = _award_or_none(context, read_key(raw, "award", where), where)
    if conditions.counts(fields["kind"]) == "title_or_rating" and award is None and not fields["rating"]:
        raise read_refusal("award", where, _("Say which title, award or rating the consecutive years are "
                                             "counted for."))
    if fields["kind"] not in conditions.WITHOUT_NUMBER:
        _required(fields["number"], "number", where)
    Condition.objects.create(category=category, award=award, **fields)


def _add_category(context: ImportContext, rule_set: RuleSet, raw: Any, where: str, done: set[str]) -> None:
    fields = read_fields(CategoryRule, raw, CATEGORY_FIELDS, where)
    if (fields["quota_count"] is None) == (fields["quota_percent"] is None):
        raise read_refusal("quota_count", where, _("Give the quota either as a count or as a percentage of "
                                                   "members."))
    code = read_code(read_key(raw, "award", where), context.awards, where, kind="award")
    if code in done:
        raise ValidationError(_("“%(code)s” appears twice in “%(where)s”.")
                              % {"code": code, "where": where.rsplit("[", 1)[0]})
    done.add(code)
    category = CategoryRule.objects.create(rule_set=rule_set, award=context.awards[code], **fields)
    for i, condition in enumerate(read_list(read_key(raw, "conditions", where), f"{where}.conditions")):
        _add_condition(context, category, condition, f"{where}.conditions[{i}]")


def _add_rule_set(context: ImportContext, raw: Any, where: str, rule_sets: dict[int, RuleSet]) -> None:
    fields = read_fields(RuleSet, raw, RULE_SET_FIELDS, where)
    created_at = _required(fields.pop("created_at"), "created_at", where)
    _fractions(fields, where)
    if fields["version"] in rule_sets:
        raise read_refusal("version", where, _("Two rule sets have this version."))
    deputies = raw.get("deputies", 1)  # not in archives before version 3: one deputy was always elected
    if type(deputies) is not int or rules.deputies_issues(deputies):
        raise read_refusal("deputies", where, _("A whole number from 0 to %(max)s is expected.")
                          % {"max": rules.MAX_DEPUTIES})
    rule_set = RuleSet.objects.create(bloc_year=context.bloc_year, deputies=deputies, **fields)
    RuleSet.objects.filter(pk=rule_set.pk).update(created_at=created_at)  # a fact of the past, not "now"
    done: set[str] = set()
    for i, item in enumerate(read_list(read_key(raw, "categories", where), f"{where}.categories")):
        _add_category(context, rule_set, item, f"{where}.categories[{i}]", done)
    rule_sets[rule_set.version] = rule_set


def _add_meeting(context: ImportContext, raw: Any) -> None:
    if raw is None:
        return
    where = f"{SECTION}.meeting"
    meeting = Meeting.objects.create(bloc_year=context.bloc_year, **read_fields(Meeting, raw, MEETING_FIELDS, where))
    rows = []
    for i, item in enumerate(read_list(read_key(raw, "attendance", where), f"{where}.attendance")):
        at = f"{where}.attendance[{i}]"
        unit = _unit(context, read_key(read_object(item, at), "unit", at), at)
        rows.append((unit.short_code, Attendance(meeting=meeting, unit=unit,
                                                 **read_fields(Attendance, item, ATTENDANCE_FIELDS, at))))
    Attendance.objects.bulk_create(read_keyed(rows, f"{where}.attendance").values())
    for i, item in enumerate(read_list(read_key(raw, "committee", where), f"{where}.committee")):
        at = f"{where}.committee[{i}]"
        unit = read_key(read_object(item, at), "unit", at)
        unit = None if unit is None else _unit(context, unit, at, member=False)
        CommitteeMember.objects.create(meeting=meeting, unit=unit, **read_fields(CommitteeMember, item,
                                                                                 COMMITTEE_FIELDS, at))


def _candidate(unit: Unit, candidates: set[int], key: str, where: str) -> int:
    """A ballot or a count names only the round's candidates: nobody else was on its ballot paper."""
    if unit.pk not in candidates:
        raise read_refusal(key, where, _("%(code)s is not a candidate of this round.") % {"code": unit.short_code})
    return unit.pk


def _add_ballots(context: ImportContext, round_: Round, raw: Any, where: str, candidates: set[int]) -> int:
    ballots = []
    for i, item in enumerate(read_list(raw, f"{where}.ballots")):
        at = f"{where}.ballots[{i}]"
        fields = read_fields(Ballot, item, BALLOT_FIELDS, at)
        choices = sorted({_candidate(_unit(context, code, at, member=False), candidates, "choices", at)
                          for code in read_list(read_key(item, "choices", at), f"{at}.choices")})
        ballot = Ballot(round=round_, choices=choices, **fields)
        ballots.append((fields["receipt"], ballot))
    return len(Ballot.objects.bulk_create(read_keyed(ballots, f"{where}.ballots").values()))


def _add_turnout(context: ImportContext, round_: Round, raw: Any, where: str) -> None:
    """One row per unit: in delegate mode a unit that voted twice would need the delegates' accounts."""
    units = [(unit.short_code, unit) for i, code in enumerate(read_list(raw, f"{where}.turnout"))
             for unit in [_unit(context, code, f"{where}.turnout[{i}]")]]
    Turnout.objects.bulk_create(Turnout(round=round_, unit=unit)
                                for unit in read_keyed(units, f"{where}.turnout").values())


def _add_paper_count(context: ImportContext, round_: Round, raw: Any, where: str, candidates: set[int]) -> None:
    if raw is None:
        return
    where = f"{where}.paper_count"
    fields = read_fields(PaperCount, raw, ("returned", "valid"), where)
    if fields["valid"] > fields["returned"]:
        raise read_refusal("valid", where, _("More valid ballots than ballots returned."))
    votes = {}
    for code, count in read_object(read_key(raw, "votes", where), f"{where}.votes").items():
        if type(count) is not int or count < 0:
            raise read_refusal(code, f"{where}.votes", _("A count of votes is expected."))
        unit = _unit(context, code, f"{where}.votes", member=False)
        votes[str(_candidate(unit, candidates, code, f"{where}.votes"))] = count
    PaperCount.objects.create(round=round_, votes=votes, **fields)


def _rule_set_of(raw: Mapping[str, Any], where: str, rule_sets: Mapping[int, RuleSet]) -> RuleSet:
    version = read_key(raw, "rule_set_version", where)
    if type(version) is not int or version not in rule_sets:
        raise read_refusal("rule_set_version", where, _("No rule set of the archive has this version."))
    return rule_sets[version]


def _round_of(raw: Mapping[str, Any], key: str, where: str, rounds: Mapping[int, Round]) -> Round | None:
    """A round named by its key; it must be listed before (a runoff comes after the round it settles)."""
    value = read_key(raw, key, where)
    if value is not None and (type(value) is not int or value not in rounds):
        raise read_refusal(key, where, _("No round listed before this one has this key."))
    return None if value is None else rounds[value]


def _add_round(context: ImportContext, raw: Any, where: str, rule_sets: Mapping[int, RuleSet],
               rounds: dict[int, Round]) -> int:
    key = read_key(read_object(raw, where), "key", where)
    if type(key) is not int or key in rounds:
        raise read_refusal("key", where, _("Each round has its own whole-number key."))
    fields = read_fields(Round, raw, ROUND_FIELDS, where)
    _fractions(fields, where)
    links = {"rule_set": _rule_set_of(raw, where, rule_sets), "runoff_of": _round_of(raw, "runoff_of", where, rounds),
             "award": _award_or_none(context, read_key(raw, "award", where), where)}
    if fields["max_choices"] < 1 or (fields["kind"] == Round.Kind.AWARD and links["award"] is None):
        raise read_refusal("award", where, _("An award round names its award and allows at least one choice."))
    result = read_key(raw, "result", where)
    if (result is None) == (fields["status"] == Round.Status.CLOSED):
        raise read_refusal("result", where, _("A closed round has a result; a round not closed has none."))
    round_ = Round.objects.create(bloc_year=context.bloc_year, **fields, **links)
    if result is not None:
        converted = convert_result(result, lambda code, at: _unit(context, code, at, member=False).pk,
                                   f"{where}.result")
        try:
            round_.result = Result.from_json(converted).to_json()
        except ResultShapeError as error:
            raise read_refusal("result", where, _("The result is not in the shape the format describes (%(what)s).")
                               % {"what": error}) from error
        round_.save(update_fields=["result"])
    candidates = [(unit.short_code, unit) for code in read_list(read_key(raw, "candidates", where),
                                                                f"{where}.candidates")
                  for unit in [_unit(context, code, f"{where}.candidates")]]
    candidates_by_code = read_keyed(candidates, f"{where}.candidates")
    Candidate.objects.bulk_create(Candidate(round=round_, unit=unit, order=order) for order, unit in
                                  enumerate(candidates_by_code.values()))
    _add_turnout(context, round_, read_key(raw, "turnout", where), where)
    on_paper = {unit.pk for unit in candidates_by_code.values()}
    ballots = _add_ballots(context, round_, read_key(raw, "ballots", where), where, on_paper)
    _add_paper_count(context, round_, read_key(raw, "paper_count", where), where, on_paper)
    rounds[key] = round_
    return ballots


def _add_nomination(context: ImportContext, raw: Any, where: str, rule_sets: Mapping[int, RuleSet],
                    rounds: Mapping[int, Round]) -> tuple[str, Nomination]:
    fields = read_fields(Nomination, raw, NOMINATION_FIELDS, where)
    award = read_code(read_key(raw, "award", where), context.awards, where, kind="award")
    unit = _unit(context, read_key(raw, "unit", where), where)
    try:  # reasons as codes (version 3), or as texts (before): both are shown
        eligibility = reasons_json(reasons_from_json(read_key(raw, "eligibility", where)))
    except ResultShapeError as error:
        raise read_refusal("eligibility", where, _("A list of reasons, each a text or a code with its values, is "
                                                   "expected.")) from error
    if not fields["reason"] and fields["is_outside_vote"]:
        raise read_refusal("reason", where, _("A nomination outside the vote says why."))
    if not fields["withdrawal_reason"] and fields["status"] == Nomination.Status.WITHDRAWN:
        raise read_refusal("withdrawal_reason", where, _("A withdrawn nomination says why."))
    nomination = Nomination(bloc_year=context.bloc_year, award=context.awards[award], unit=unit,
                            round=_round_of(raw, "round", where, rounds), rule_set=_rule_set_of(raw, where, rule_sets),
                            eligibility=eligibility, **fields)
    return f"{award} {unit.short_code}", nomination


def voting_import(context: ImportContext, raw: Any) -> dict[str, int]:
    """Write the archive's "voting" part; None (a version 1 archive) writes nothing."""
    if raw is None:
        return {}
    voting = read_object(raw, SECTION)
    rule_sets: dict[int, RuleSet] = {}
    for i, item in enumerate(read_list(read_key(voting, "rule_sets", SECTION), f"{SECTION}.rule_sets")):
        _add_rule_set(context, item, f"{SECTION}.rule_sets[{i}]", rule_sets)
    _add_meeting(context, read_key(voting, "meeting", SECTION))
    rounds: dict[int, Round] = {}
    items = enumerate(read_list(read_key(voting, "rounds", SECTION), f"{SECTION}.rounds"))
    ballots = sum(_add_round(context, item, f"{SECTION}.rounds[{i}]", rule_sets, rounds) for i, item in items)
    items = enumerate(read_list(read_key(voting, "nominations", SECTION), f"{SECTION}.nominations"))
    nominations = read_keyed((_add_nomination(context, item, f"{SECTION}.nominations[{i}]", rule_sets, rounds)
                              for i, item in items), f"{SECTION}.nominations")
    Nomination.objects.bulk_create(nominations.values())
    return {"rule_sets": len(rule_sets), "rounds": len(rounds), "ballots": ballots, "nominations": len(nominations)}


# --- The recount (domain.md §3: anyone can recount from the published list of ballots) ----------------------


def recount(round_: Round, scores: Mapping[int, Decimal | None]) -> Result:
    """The closed round's result counted again from its ballots and paper count, under its own settings.

    Eligibility is taken as the result recorded it at the close (it may rest on history kept elsewhere).
    """
    stored = result_of(round_)
    counts, votes = selectors.round_counts(round_)
    tally = rules.tally(votes=votes, counts=counts, mark=round_.pass_mark, quota=round_.quota, quorum=round_.quorum,
                        scores=scores, ineligible=stored.ineligible)
    return Result.from_tally(tally, rule_set_version=round_.rule_set.version, reasons=stored.reasons)


def _differences(stored: Result, fresh: Result) -> list[str]:
    """What a person checks in the counting minutes: votes per candidate, totals, who is proposed."""
    names = dict(Unit.objects.filter(pk__in=[row.unit for row in fresh.candidates]).values_list("pk", "name"))
    stored_votes = {row.unit: row.votes for row in stored.candidates}
    found = [_("%(unit)s has %(stored)s votes in the archive and %(counted)s by its ballots")
             % {"unit": names.get(row.unit, row.unit), "stored": stored_votes.get(row.unit, "—"),
                "counted": row.votes}
             for row in fresh.candidates if stored_votes.get(row.unit) != row.votes]
    if set(stored_votes) - {row.unit for row in fresh.candidates}:
        found.append(_("the archive gives votes to units that are not candidates"))
    if stored.counts != fresh.counts or stored.quorum_met != fresh.quorum_met:
        found.append(_("the ballot totals differ from the ballots listed"))
    for label, before, after in ((_("the units proposed"), stored.elected, fresh.elected),
                                 (_("the units sent to a runoff"), stored.runoff, fresh.runoff)):
        if set(before) != set(after):
            found.append(_("%(what)s differ from the recount") % {"what": label})
    return found


def voting_verify(bloc_year: BlocYear) -> None:
    """Refuse the archive when a closed round's stored result disagrees with its ballots."""
    scores = selectors.final_scores(bloc_year)
    for round_ in bloc_year.rounds.filter(status=Round.Status.CLOSED).select_related("rule_set", "bloc_year"):
        differences = _differences(result_of(round_), recount(round_, scores))
        if differences:
            raise ValidationError(
                _("The round “%(round)s” does not recount: %(differences)s. The archive was not imported.")
                % {"round": round_.title, "differences": "; ".join(differences)})
