"""A closed round's result: one typed home for what the close stored and every screen and document reads.

The result is frozen when the round closes and never recounted for display (domain.md §3). It is stored as
JSON in `Round.result` (`Result.to_json`) and read back with `Result.from_json`; every reader goes through
here, so the shape is known in one place. Percentages have one formatter, `percent`: two decimals rounded
half up from the exact fraction (the pass mark itself always used the fraction). Eligibility reasons are
kept as codes with their values (`Reason`) and put into words when shown, in the reader's language; a
result stored before reasons were codes holds them as text, shown as it is.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from awards import rules
from awards.messages import issue_text
from emulation.kernel.issues import Issue

Scalar = str | int | None


class ResultShapeError(ValueError):
    """A stored or archived result that is not in the shape `to_json` writes."""


# --- Percentages ----------------------------------------------------------------------------------------------


def percent(share: Fraction) -> Decimal:
    """A share as a percentage with two decimals, half up from the exact fraction: 7/9 → 77.78, 1/32 → 3.13
    (where a float or half-even rounding gives 3.12)."""
    hundredths = math.floor(Fraction(share) * 10000 + Fraction(1, 2))
    return Decimal(hundredths).scaleb(-2)


def percent_of(numerator: int | None, denominator: int | None) -> Decimal | None:
    """The percentage of a stored numerator and denominator; None without a base (a nomination outside the
    vote)."""
    if not denominator:
        return None
    return percent(Fraction(numerator or 0, denominator))


def percent_text(share: Fraction) -> str:
    """The percentage as Vietnamese documents write it, with a decimal comma: "77,78"."""
    return str(percent(share)).replace(".", ",")


# --- Reasons ----------------------------------------------------------------------------------------------------


def _plain(value: object) -> Scalar:
    """A reason's value as JSON keeps it exactly: a score as text ("94.50"), a count as a number."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    return str(value)


@dataclass(frozen=True)
class Reason:
    """Why a unit is not eligible: a code of awards/messages.py and its values, put into words when shown.
    `text` holds a reason stored as already translated text (results closed before issue 9)."""

    code: str = ""
    params: tuple[tuple[str, Scalar], ...] = ()
    text: str = ""

    @classmethod
    def of(cls, issue: Issue) -> Reason:
        return cls(code=issue.code, params=tuple(sorted((k, _plain(v)) for k, v in issue.params.items())))

    def __str__(self) -> str:
        return issue_text(self.code, dict(self.params)) if self.code else self.text

    def to_json(self) -> str | dict[str, Any]:
        return self.text if not self.code else {"code": self.code, "params": dict(self.params)}

    @classmethod
    def from_json(cls, raw: Any) -> Reason:
        if isinstance(raw, str):
            return cls(text=raw)
        if not isinstance(raw, dict) or not isinstance(raw.get("code"), str) or not raw["code"]:
            raise ResultShapeError("a reason is a text or an object with its “code”")
        params = raw.get("params", {})
        if not isinstance(params, dict) or not all(
                isinstance(k, str) and (v is None or isinstance(v, str | int) and not isinstance(v, bool))
                for k, v in params.items()):
            raise ResultShapeError("a reason's “params” map names to texts or numbers")
        return cls(code=raw["code"], params=tuple(sorted(params.items())))


def reasons_from_json(raw: Any) -> tuple[Reason, ...]:
    """A stored list of reasons (codes, or texts from before issue 9); a malformed one raises."""
    if not isinstance(raw, list):
        raise ResultShapeError("reasons are a list")
    return tuple(Reason.from_json(item) for item in raw)


def reasons_json(reasons: Iterable[Reason]) -> list[str | dict[str, Any]]:
    return [reason.to_json() for reason in reasons]


def shown_reasons(raw: Any) -> list[str]:
    """Stored reasons in the reader's words; anything unreadable is shown as it was stored."""
    try:
        return [str(reason) for reason in reasons_from_json(raw or [])]
    except ResultShapeError:
        return [str(item) for item in raw] if isinstance(raw, list) else [str(raw)]


# --- The result ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One candidate's line: votes, exact share of the base, passed, rank among those who passed, elected,
    and the reasons it is not eligible (empty: eligible)."""

    unit: Hashable
    votes: int
    share: Fraction
    passed: bool
    rank: int | None = None
    elected: bool = False
    not_eligible: tuple[Reason, ...] = ()

    @property
    def percent(self) -> Decimal:
        return percent(self.share)

    @property
    def percent_text(self) -> str:
        return percent_text(self.share)


@dataclass(frozen=True)
class Result:
    rule_set_version: int | None
    counts: rules.Counts
    base: int
    quorum_met: bool
    candidates: tuple[Row, ...]
    elected: tuple[Hashable, ...]
    runoff: tuple[Hashable, ...] = ()
    runoff_seats: int = 0
    tie_breaks: tuple[rules.TieBreak, ...] = ()

    @classmethod
    def from_tally(cls, tally: rules.Tally, *, rule_set_version: int | None,
                   reasons: Mapping[Hashable, Sequence[Reason]] | None = None) -> Result:
        reasons = reasons or {}
        rows = tuple(Row(unit=r.unit, votes=r.votes, share=r.share, passed=r.passed, rank=r.rank, elected=r.elected,
                         not_eligible=tuple(reasons.get(r.unit, ()))) for r in tally.results)
        return cls(rule_set_version=rule_set_version, counts=tally.counts, base=tally.base,
                   quorum_met=tally.quorum_met, candidates=rows, elected=tuple(tally.elected),
                   runoff=tuple(tally.runoff), runoff_seats=tally.runoff_seats, tie_breaks=tuple(tally.tie_breaks))

    def row(self, unit: Hashable) -> Row | None:
        return next((row for row in self.candidates if row.unit == unit), None)

    @property
    def ineligible(self) -> set[Hashable]:
        return {row.unit for row in self.candidates if row.not_eligible}

    @property
    def reasons(self) -> dict[Hashable, tuple[Reason, ...]]:
        return {row.unit: row.not_eligible for row in self.candidates}

    def units(self) -> set[Hashable]:
        """Every unit the result names."""
        return ({row.unit for row in self.candidates} | set(self.elected) | set(self.runoff)
                | {unit for tie in self.tie_breaks for unit in tie.units})

    def with_units(self, convert: Callable[[Hashable], Hashable]) -> Result:
        """The same result with every unit passed through `convert` (ids ↔ an archive's short codes)."""
        return Result(
            rule_set_version=self.rule_set_version, counts=self.counts, base=self.base, quorum_met=self.quorum_met,
            candidates=tuple(Row(unit=convert(r.unit), votes=r.votes, share=r.share, passed=r.passed, rank=r.rank,
                                 elected=r.elected, not_eligible=r.not_eligible) for r in self.candidates),
            elected=tuple(convert(u) for u in self.elected), runoff=tuple(convert(u) for u in self.runoff),
            runoff_seats=self.runoff_seats,
            tie_breaks=tuple(rules.TieBreak(tuple(convert(u) for u in t.units), t.reason, t.detail)
                             for t in self.tie_breaks))

    def to_json(self) -> dict[str, Any]:
        c = self.counts
        return {
            "rule_set_version": self.rule_set_version,
            "counts": {"members": c.members, "present": c.present, "issued": c.issued, "returned": c.returned,
                       "valid": c.valid, "invalid": c.invalid},
            "base": self.base,
            "quorum_met": self.quorum_met,
            "candidates": [{"unit": r.unit, "votes": r.votes, "share": [r.share.numerator, r.share.denominator],
                            "passed": r.passed, "rank": r.rank, "elected": r.elected,
                            "not_eligible": reasons_json(r.not_eligible)} for r in self.candidates],
            "elected": list(self.elected),
            "runoff": list(self.runoff),
            "runoff_seats": self.runoff_seats,
            "tie_breaks": [{"units": list(t.units), "reason": t.reason, "detail": t.detail} for t in self.tie_breaks],
        }

    @classmethod
    def from_json(cls, raw: Any) -> Result:
        """Read a stored result; reasons may be codes or (before issue 9) texts. Raises ResultShapeError."""
        obj = _object(raw, "result")
        counts = _object(_key(obj, "counts"), "counts")
        return cls(
            rule_set_version=_int(obj.get("rule_set_version"), "rule_set_version", optional=True),
            counts=rules.Counts(**{name: _int(_key(counts, name), f"counts.{name}")
                                   for name in ("members", "present", "issued", "returned", "valid")}),
            base=_int(_key(obj, "base"), "base"),
            quorum_met=_bool(_key(obj, "quorum_met"), "quorum_met"),
            candidates=tuple(_row(item, f"candidates[{i}]") for i, item in enumerate(_list(obj, "candidates"))),
            elected=tuple(_unit(u, "elected") for u in _list(obj, "elected")),
            runoff=tuple(_unit(u, "runoff") for u in _list(obj, "runoff")),
            runoff_seats=_int(obj.get("runoff_seats", 0), "runoff_seats"),
            tie_breaks=tuple(_tie(item, f"tie_breaks[{i}]") for i, item in enumerate(_list(obj, "tie_breaks"))),
        )


def result_of(round_: Any) -> Result | None:
    """A round's stored result, or None while it is not closed."""
    return None if not round_.result else Result.from_json(round_.result)


def elected_of(round_: Any) -> tuple[Hashable, ...]:
    stored = result_of(round_)
    return stored.elected if stored is not None else ()


# --- Reading the stored shape ------------------------------------------------------------------------------------


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ResultShapeError(f"“{where}” is an object")
    return value


def _key(obj: Mapping[str, Any], key: str) -> Any:
    if key not in obj:
        raise ResultShapeError(f"“{key}” is missing")
    return obj[key]


def _list(obj: Mapping[str, Any], key: str) -> list[Any]:
    value = _key(obj, key)
    if not isinstance(value, list):
        raise ResultShapeError(f"“{key}” is a list")
    return value


def _int(value: Any, where: str, *, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if type(value) is not int or value < 0:
        raise ResultShapeError(f"“{where}” is a whole number")
    return value


def _bool(value: Any, where: str) -> bool:
    if type(value) is not bool:
        raise ResultShapeError(f"“{where}” is true or false")
    return value


def _unit(value: Any, where: str) -> Hashable:
    if not isinstance(value, int | str) or isinstance(value, bool):
        raise ResultShapeError(f"“{where}” names units")
    return value


def _row(raw: Any, where: str) -> Row:
    obj = _object(raw, where)
    share = _key(obj, "share")
    if not (isinstance(share, list) and len(share) == 2 and all(type(n) is int for n in share) and share[1] > 0
            and share[0] >= 0):
        raise ResultShapeError(f"“{where}.share” is [numerator, denominator]")
    return Row(unit=_unit(_key(obj, "unit"), f"{where}.unit"), votes=_int(_key(obj, "votes"), f"{where}.votes"),
               share=Fraction(share[0], share[1]), passed=_bool(_key(obj, "passed"), f"{where}.passed"),
               rank=_int(obj.get("rank"), f"{where}.rank", optional=True),
               elected=_bool(_key(obj, "elected"), f"{where}.elected"),
               not_eligible=reasons_from_json(obj.get("not_eligible", [])))


def _tie(raw: Any, where: str) -> rules.TieBreak:
    obj = _object(raw, where)
    units = _list(obj, "units")
    reason, detail = _key(obj, "reason"), obj.get("detail", "")
    if not isinstance(reason, str) or not isinstance(detail, str):
        raise ResultShapeError(f"“{where}” has a reason and a detail as text")
    return rules.TieBreak(tuple(_unit(u, f"{where}.units") for u in units), reason, detail)
