"""What the year-end meeting's other documents say, read from the data already entered (issue 5, item 3):
the counting minutes, the meeting minutes, the submission letter and the ballot papers.

Each `*_context` function reads the database and returns what one template needs; the template serves
the screen, print, PDF and Word alike (reports.common). Results come from each closed round's stored
`result` (awards/services/rounds.py `round_close`), never recounted; percentages are printed from its exact
fraction. Reads only: the documents' numbers are set in reports/services/documents.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.utils import timezone, translation

from awards import selectors
from awards.charts import result_bars_svg
from awards.models import Attendance, Ballot, HistoryEntry, Meeting, Nomination, PaperCount, Round
from awards.results import Result, Row, result_of
from awards.rules import BASES, TieBreak
from awards.services import rounds as round_services
from blocs.models import BlocYear, Covenant, Unit
from blocs.rules import vietnamese_key
from blocs.selectors import name_in_year, names_in_year, score_table_rows, units_as_then
from reports import rules
from reports.common import NOMINATION_ORDER, DocumentFrame, document_header, frame
from reports.models import Comment, IssuedDocument, ReportVersion, SentDocument
from reports.queries.report import count_label
from reports.text import (
    BASE_WORDS,
    clock_text,
    day_text,
    legal_bases,
    mark_text,
    number_inline,
    percent_text,
    score_text,
)

Kind = IssuedDocument.Kind
TYPE_CODES = {Kind.REPORT: "BC", Kind.COUNTING_MINUTES: "BB", Kind.MEETING_MINUTES: "BB", Kind.SUBMISSION: "TTr"}
NUMBERED = (Kind.COUNTING_MINUTES, Kind.MEETING_MINUTES, Kind.SUBMISSION)  # the report is numbered at adoption
TOP_SCORES = 5  # the meeting minutes quote the top of the score table; the full table is attached

SECTION_WORDS = {"situation": "Đặc điểm tình hình", "political_tasks": "Kết quả thực hiện nhiệm vụ chính trị",
                 "leadership": "Công tác lãnh đạo, chỉ đạo, tổ chức phong trào thi đua", "strengths": "Ưu điểm",
                 "shortcomings": "Hạn chế, nguyên nhân", "lessons": "Bài học kinh nghiệm",
                 "orientation": "Phương hướng, nhiệm vụ năm tới", "proposals": "Đề xuất, kiến nghị"}
ANSWER_WORDS = {"accepted": "Tiếp thu", "partly": "Tiếp thu một phần", "not": "Không tiếp thu", "": "Chưa trả lời"}


def issued(bloc_year: BlocYear) -> dict[str, IssuedDocument]:
    return {d.kind: d for d in IssuedDocument.objects.filter(bloc_year=bloc_year)}


def header(bloc_year: BlocYear) -> rules.Header:
    """The same header as reports.common.frame() gives every document of the year."""
    return document_header(bloc_year)


def _frame(bloc_year: BlocYear, kind: str, *, title_type: str, title_summary: str, default_day: dt.date | None,
           **extra: Any) -> DocumentFrame:
    record = issued(bloc_year).get(kind)
    return frame(bloc_year, type_code=TYPE_CODES[kind], title_type=title_type, title_summary=title_summary,
                 number=record.number if record else None,
                 day=record.issued_on if record and record.issued_on else default_day, **extra)


# --- Rounds and their results -----------------------------------------------------------------------------------


def _meeting(bloc_year: BlocYear) -> Meeting | None:
    return Meeting.objects.filter(bloc_year=bloc_year).first()


def closed_rounds(bloc_year: BlocYear) -> list[Round]:
    """Closed rounds in meeting order; a runoff follows the round it settles."""
    return list(bloc_year.rounds.filter(status=Round.Status.CLOSED).select_related("award")
                .order_by("order", F("runoff_of_id").asc(nulls_first=True), "pk"))  # NULLs first on PostgreSQL too


def subject(round_: Round, year: int, *, ballot: bool = False) -> str:
    """What a round decides, in the documents' words (a ballot paper's title already says "suy tôn" or "bầu")."""
    if round_.kind == Round.Kind.AWARD:
        text = f"{'Đơn vị' if ballot else 'Suy tôn đơn vị'} đề nghị tặng {round_.award.name} năm {year}"
    else:
        position = "Trưởng khối" if round_.kind == Round.Kind.HEAD else "Phó khối"
        text = f"{'Đơn vị' if ballot else 'Bầu đơn vị'} {position} năm {year + 1}"
    return text + (" (bỏ phiếu lại)" if round_.runoff_of_id else "")


def _note(row: Row, result: Result, round_: Round) -> str:
    """Ghi chú of a row of the results table; the reasons in Vietnamese, like the whole document."""
    if row.elected:
        return "Đề nghị" if round_.kind == Round.Kind.AWARD else "Trúng cử"
    if row.unit in result.runoff:
        return "Bằng phiếu tại vị trí cuối chỉ tiêu: bỏ phiếu lại"
    if row.passed and row.not_eligible:
        with translation.override("vi"):
            return "Đạt, không đủ điều kiện: " + "; ".join(str(reason) for reason in row.not_eligible)
    if row.passed and not result.quorum_met:
        return "Đạt, nhưng hội nghị không đủ số đơn vị có mặt"
    return "Đạt, ngoài chỉ tiêu" if row.passed else "Không đạt"


def _tie_text(tie: TieBreak, names: Mapping[int, str]) -> str:
    units = ", ".join(names.get(u, "?") for u in tie.units)
    if tie.reason == "final_score":
        try:
            cut = score_text(Decimal(tie.detail))
        except (ArithmeticError, TypeError, ValueError):  # an archive's free text: print it as it is
            cut = str(tie.detail)
        return (f"Các đơn vị {units} bằng số phiếu tại vị trí cuối của chỉ tiêu; thứ tự được xác định theo điểm "
                f"chấm cuối cùng (điểm tại vị trí cuối chỉ tiêu: {cut}).")
    return (f"Các đơn vị {units} bằng số phiếu và bằng điểm chấm tại vị trí cuối của chỉ tiêu; "
            "hội nghị bỏ phiếu lại giữa các đơn vị này.")


def round_section(round_: Round, names: Mapping[int, str], year: int) -> dict[str, Any]:
    result = result_of(round_)
    if result is None:
        return {"round": round_, "subject": subject(round_, year), "counts": {}, "base": "", "rows": [], "ties": [],
                "base_words": BASE_WORDS.get(round_.base, round_.base), "quota": round_.quota,
                "mark": mark_text(round_.pass_mark.fraction, round_.comparator, round_.base),
                "max_choices": round_.max_choices, "quorum_met": True}
    unit = "đơn vị" if round_.base in ("members", "present") else "phiếu"
    with translation.override("vi"):  # the bars' words, like the whole document
        bars = result_bars_svg(result.candidates, names=names, base=result.base, fraction=round_.pass_mark.fraction,
                               comparator=round_.comparator, runoff=result.runoff, key=round_.pk)
    rows = [{"name": names.get(c.unit, "?"), "votes": c.votes, "percent": c.percent_text,
             "note": _note(c, result, round_)} for c in result.candidates]
    return {"round": round_, "subject": subject(round_, year), "counts": result.counts,
            "base": f"{result.counts.base(round_.base)} {unit}",
            "base_words": BASE_WORDS.get(round_.base, round_.base), "rows": rows,
            "mark": mark_text(round_.pass_mark.fraction, round_.comparator, round_.base),
            "quota": round_.quota, "max_choices": round_.max_choices, "quorum_met": result.quorum_met,
            "ties": [_tie_text(t, names) for t in result.tie_breaks], "bars": bars}


def conclusions(rounds: Sequence[Round], names: Mapping[int, str], year: int) -> list[dict[str, Any]]:
    """Per category (a round and its runoffs): the units proposed or elected, in rank order."""
    out = []
    for root in (r for r in rounds if not r.runoff_of_id):
        chain, units, pending = [root], [], []
        while True:
            runoff = next((r for r in rounds if r.runoff_of_id == chain[-1].pk), None)
            if runoff is None:
                break
            chain.append(runoff)
        left: tuple[set[int], int] | None = None  # a runoff fills only the seats its round left, from the tied
        for round_ in chain:
            result = result_of(round_)
            if result is None:
                break
            base = result.counts.base(round_.base)
            elected = list(result.elected) if left is None else [pk for pk in result.elected if pk in left[0]][:left[1]]
            for pk in elected:
                row = result.row(pk)
                units.append({"pk": pk, "name": names.get(pk, "?"), "votes": row.votes if row else 0,
                              "base": base, "percent": row.percent_text if row else percent_text(0, 1),
                              "runoff": round_ is not root})
            left = (set(result.runoff), result.runoff_seats)
        last = result_of(chain[-1])
        if last is not None and last.runoff:
            pending = [names.get(pk, "?") for pk in last.runoff]
        label = (f"Đề nghị tặng {root.award.name}" if root.kind == Round.Kind.AWARD
                 else f"Trưởng khối năm {year + 1}" if root.kind == Round.Kind.HEAD else f"Phó khối năm {year + 1}")
        out.append({"round": root, "kind": root.kind, "label": label, "units": units, "pending": pending,
                    "seats": root.quota})
    return out


def _names(rounds: Sequence[Round]) -> dict[int, str]:
    """The candidates' names as they were in the rounds' year (domain.md §7a)."""
    ids = {row.unit for r in rounds for result in [result_of(r)] if result for row in result.candidates}
    then = names_in_year(rounds[0].bloc_year) if rounds else {}
    return {pk: then.get(pk) or name for pk, name in Unit.objects.filter(pk__in=ids).values_list("pk", "name")}


def _closing_time(meeting: Meeting | None, rounds: Sequence[Round]) -> dt.time | None:
    """When the last round closed, if that was on the meeting's day (else left blank to fill in by hand)."""
    moments = [timezone.localtime(r.closed_at) for r in rounds if r.closed_at]
    if meeting is None or not moments or max(moments).date() != meeting.held_on:
        return None
    return max(moments).time()


# How the online ballots were cast, by the meeting's rule (issue 11): the counting minutes say which was used.
ONLINE_WORDS = {
    Meeting.VotingMode.ACCOUNTS: "bằng phiếu điện tử trên tài khoản của người đại diện đơn vị",
    Meeting.VotingMode.CARDS: "bằng phiếu điện tử qua thẻ biểu quyết phát ngẫu nhiên, không ghi tên đơn vị",
    Meeting.VotingMode.BOTH: "bằng phiếu điện tử qua thẻ biểu quyết phát ngẫu nhiên tại hội trường và trên tài khoản "
                             "của đơn vị dự họp trực tuyến",
}


def _ballot_forms(rounds: Sequence[Round], meeting: Meeting | None) -> str:
    sources = set(Ballot.objects.filter(round__in=rounds).order_by().values_list("source", flat=True).distinct())
    if PaperCount.objects.filter(round__in=rounds).exists():
        sources.add(Ballot.Source.PAPER)
    online = ONLINE_WORDS[meeting.voting_mode if meeting else Meeting.VotingMode.ACCOUNTS]
    wording = ((Ballot.Source.PAPER, "bằng phiếu giấy"), (Ballot.Source.ONLINE, online))
    words = [w for s, w in wording if s in sources]
    return "bỏ phiếu kín" + (f" ({' và '.join(words)})" if words else "")


def _minutes_title(what: str, bloc_year: BlocYear) -> str:
    """The title breaks before the bloc's name, never inside it, and leaves no word alone on its last line."""
    return rules.no_widow(f"{what} năm {bloc_year.year} – {rules.unbroken(bloc_year.bloc.name)}")


# --- The documents -------------------------------------------------------------------------------------------


def _meeting_minutes(bloc_year: BlocYear, kind: str, *, title_type: str, title_summary: str) \
        -> tuple[Meeting | None, list[Round], dict[int, str], DocumentFrame]:
    """What both minutes start from: the meeting, its closed rounds, their names, and the frame dated by the meeting."""
    meeting = _meeting(bloc_year)
    rounds = closed_rounds(bloc_year)
    doc = _frame(bloc_year, kind, title_type=title_type, title_summary=title_summary,
                 default_day=meeting.held_on if meeting else None)
    return meeting, rounds, _names(rounds), doc


def counting_minutes_context(bloc_year: BlocYear) -> dict[str, Any]:
    """Biên bản kiểm phiếu: one per meeting, covering all its closed rounds (domain-research.md §6.2)."""
    meeting, rounds, names, doc = _meeting_minutes(
        bloc_year, Kind.COUNTING_MINUTES, title_type="Biên bản kiểm phiếu",
        title_summary=_minutes_title("Bình xét, suy tôn thi đua", bloc_year))
    committee = list(meeting.committee.select_related("unit")) if meeting else []
    then = names_in_year(bloc_year)
    for member in committee:  # the counting committee's units, under their names of the year
        member.unit_then = name_in_year(then, member.unit) if member.unit_id else ""
    return {"doc": doc, "bloc_year": bloc_year, "meeting": meeting, "committee": committee,
            "start": clock_text(meeting.starts_at if meeting else None),
            "day": day_text(meeting.held_on if meeting else None),
            "closing": clock_text(_closing_time(meeting, rounds)), "form": _ballot_forms(rounds, meeting),
            "sections": [round_section(r, names, bloc_year.year) for r in rounds],
            "conclusions": conclusions(rounds, names, bloc_year.year), "comrade": doc.header.style == rules.PARTY}


def _leadership_names(bloc_year: BlocYear) -> tuple[dict[str, str], list[dict[str, str]]] | None:
    """Next year's elected head and deputies, under their names of the meeting's year."""
    elected = selectors.elected_leadership(bloc_year)
    if elected is None:
        return None
    names = names_in_year(bloc_year)
    head, deputies = elected
    return ({"name": name_in_year(names, head)} if head else None,
            [{"name": name_in_year(names, unit)} for unit in deputies])


def _attendance(meeting: Meeting | None) -> tuple[list[Attendance], list[Attendance]]:
    """Present and absent units, each with `name_then`, its name in the meeting's year."""
    rows = list(meeting.attendance.select_related("unit")) if meeting else []
    names = names_in_year(meeting.bloc_year) if meeting else {}
    for row in rows:
        row.name_then = name_in_year(names, row.unit)
    rows.sort(key=lambda a: vietnamese_key(a.name_then))
    return [a for a in rows if a.is_present], [a for a in rows if not a.is_present]


def _comments(bloc_year: BlocYear) -> list[dict[str, Any]]:
    """The members' comments on the report's drafts, read only (the report itself is another module's)."""
    names = names_in_year(bloc_year)
    return [{"unit": name_in_year(names, c.unit), "section": SECTION_WORDS.get(c.section, c.section), "text": c.text,
             "answer": ANSWER_WORDS.get(c.answer, c.answer), "answer_text": c.answer_text, "version": c.version.number}
            for c in Comment.objects.filter(version__bloc_year=bloc_year).select_related("unit", "version")
            .order_by("version__number", "created_at", "pk")]


def _adopted(bloc_year: BlocYear) -> ReportVersion | None:
    """The version the meeting adopted (a later correction is adopted after the meeting)."""
    return (ReportVersion.objects.filter(bloc_year=bloc_year, status=ReportVersion.Status.ADOPTED)
            .order_by("adopted_at", "number").first())


def meeting_minutes_context(bloc_year: BlocYear) -> dict[str, Any]:
    """Biên bản hội nghị tổng kết (domain-research.md §6.4)."""
    meeting, rounds, names, doc = _meeting_minutes(
        bloc_year, Kind.MEETING_MINUTES, title_type="Biên bản",
        title_summary=_minutes_title("Hội nghị tổng kết công tác thi đua", bloc_year))
    present, absent = _attendance(meeting)
    adopted = _adopted(bloc_year)
    scores = score_table_rows(bloc_year)
    numbers = issued(bloc_year)
    counting = numbers.get(Kind.COUNTING_MINUTES)
    found = conclusions(rounds, names, bloc_year.year)
    return {
        "doc": doc, "bloc_year": bloc_year, "meeting": meeting, "present": present, "absent": absent,
        "members": len(present) + len(absent), "enrolled": bloc_year.memberships.count(),
        "guests": [g.strip() for g in (meeting.guests if meeting else "").splitlines() if g.strip()],
        "start": clock_text(meeting.starts_at if meeting else None),
        "closing": clock_text(_closing_time(meeting, rounds)),  # the last round's close, as the counting minutes
        "day": day_text(meeting.held_on if meeting else None), "head": _head_name(bloc_year),
        "has_report": ReportVersion.objects.filter(bloc_year=bloc_year).exists(),
        "comments": _comments(bloc_year), "adopted": adopted,
        "adopted_number": number_inline(adopted.doc_number, "BC", doc.header) if adopted else "",
        "adopted_day": day_text(adopted.doc_date) if adopted and adopted.doc_date else "",
        "scores": [{"rank": r["rank"], "name": r["name"], "score": score_text(r["total"])}
                   for r in scores if r["rank"] is not None][:TOP_SCORES],
        "scored": sum(1 for r in scores if r["total"] is not None),
        "disqualified": [r for r in scores if r["disqualified"]],
        "awards": [c for c in found if c["kind"] == Round.Kind.AWARD],
        "elections": [c for c in found if c["kind"] != Round.Kind.AWARD],
        "leadership": _leadership_names(bloc_year), "next_year": bloc_year.year + 1,
        "counting_ref": number_inline(counting.number, "BB", doc.header) if counting else "",
        "counting_day": day_text(counting.issued_on) if counting and counting.issued_on else "",
        "signer_chair": "CHỦ TRÌ HỘI NGHỊ" if doc.header.style == rules.PARTY else "CHỦ TỌA",
        "chair": rules.signer_parts(meeting.chair_name if meeting else ""),
        "secretary": rules.signer_parts(meeting.secretary_name if meeting else ""),
    }


def _head_name(bloc_year: BlocYear) -> str:
    membership = bloc_year.memberships.filter(position="head").select_related("unit").first()
    return membership.name_then if membership else ""


def _history_lines(units: Sequence[int], year: int) -> dict[int, list[str]]:
    """The last two years' ratings and awards of each unit, for the achievement summary."""
    lines: dict[int, dict[int, list[str]]] = {}
    for entry in HistoryEntry.objects.filter(unit__in=units, year__in=[year - 1, year - 2]).select_related("award"):
        text = entry.award.name if entry.award_id else str(entry.get_rating_display())
        lines.setdefault(entry.unit_id, {}).setdefault(entry.year, []).append(text)
    return {unit: [f"Năm {y}: {', '.join(texts)}" for y, texts in sorted(by_year.items(), reverse=True)]
            for unit, by_year in lines.items()}


def submission_context(bloc_year: BlocYear) -> dict[str, Any]:
    """Tờ trình đề nghị khen thưởng to the provincial chairman via the board (domain-research.md §6.5)."""
    meeting = _meeting(bloc_year)
    nominations = list(Nomination.objects.filter(bloc_year=bloc_year, status=Nomination.Status.PROPOSED)
                       .select_related("award", "unit", "round").order_by(*NOMINATION_ORDER))
    awards = list(dict.fromkeys(n.award.name for n in nominations))
    summary_awards = (", ".join(awards[:-1]) + " và " + awards[-1]) if len(awards) > 1 else "".join(awards)
    numbers = issued(bloc_year)
    record = numbers.get(Kind.SUBMISSION)
    day = record.issued_on if record and record.issued_on else None
    doc = _frame(bloc_year, Kind.SUBMISSION, title_type="Tờ trình",
                 title_summary=f"Về việc đề nghị tặng {summary_awards or 'khen thưởng'} năm {bloc_year.year}",
                 default_day=None, signer_name=meeting.chair_name if meeting else "",
                 recipients=("Như trên", "Ban Thi đua – Khen thưởng tỉnh (Sở Nội vụ)",
                             "Các đơn vị thành viên Khối", "Lưu: VT, hồ sơ khen thưởng"))
    scores = score_table_rows(bloc_year)
    ranks = {r["unit"].pk: r["rank"] for r in scores}
    history = _history_lines([n.unit_id for n in nominations], bloc_year.year)
    rows, names = [], names_in_year(bloc_year)
    for n in nominations:
        summary = [f"Xếp thứ {ranks[n.unit_id]}/{len(scores)} trong bảng chấm điểm của Khối"] \
            if ranks.get(n.unit_id) else []
        rows.append({"award": n.award.name, "unit": name_in_year(names, n.unit), "score": score_text(n.final_score),
                     "share": (f"{n.votes}/{_base_of(n)} ({percent_text(n.share_numerator or 0, n.share_denominator)}%)"
                               if n.share_denominator else ""),
                     "outside": n.is_outside_vote, "reason": n.reason, "summary": summary + history.get(n.unit_id, [])})
    present, absent = _attendance(meeting)
    counts = [(count_label(sum(1 for n in nominations if n.award_id == a.pk), a), a.name)  # as the report writes it
              for a in dict.fromkeys(n.award for n in nominations)]
    covenant = Covenant.objects.filter(bloc_year=bloc_year).first()
    minutes = numbers.get(Kind.MEETING_MINUTES)
    counting = numbers.get(Kind.COUNTING_MINUTES)
    reference_day = day or (meeting.held_on if meeting else dt.date(bloc_year.year, 12, 31))
    return {
        "doc": doc, "bloc_year": bloc_year, "meeting": meeting, "rows": rows, "counts": counts,
        "outside": [r for r in rows if r["outside"]], "laws": legal_bases(reference_day),
        "covenant_day": day_text(covenant.signed_on) if covenant and covenant.signed_on else "",
        "meeting_day": day_text(meeting.held_on) if meeting else day_text(None),
        "present": len(present), "members": len(present) + len(absent) or bloc_year.memberships.count(),
        "guests": [g.strip() for g in (meeting.guests if meeting else "").splitlines() if g.strip()],
        "minutes_ref": number_inline(minutes.number, "BB", doc.header) if minutes else "",
        "counting_ref": number_inline(counting.number, "BB", doc.header) if counting else "",
        "scored": sum(1 for s in scores if s["total"] is not None),
        "dossiers": len({r["unit"] for r in rows}), "next_year": bloc_year.year + 1,
    }


def _base_of(nomination: Nomination) -> int:
    """The vote's base, read back from the round's stored counts."""
    result = result_of(nomination.round) if nomination.round_id else None
    if result is None or nomination.base not in BASES:
        return nomination.share_denominator or 0
    return result.counts.base(nomination.base)


def ballot_context(round_: Round, copies: int = 1) -> dict[str, Any]:
    """The printable ballot paper of a round (domain-research.md §6.3)."""
    title = "Phiếu suy tôn" if round_.kind == Round.Kind.AWARD else "Phiếu bầu"
    doc = frame(round_.bloc_year, type_code="", title_type=title,
                title_summary=subject(round_, round_.bloc_year.year, ballot=True), number=None, day=None)
    return {"doc": doc, "round": round_, "candidates": ballot_candidates(round_),
            "copies": range(max(1, min(copies, 200)))}


def ballot_candidates(round_: Round) -> list[Unit]:
    """The units the paper lists. A draft round's list is made again when it opens (a higher round may have
    closed since; awards/services/rounds.py `round_open`), so the paper shows what the opening will list."""
    if round_.status == Round.Status.DRAFT and not round_services._candidates_adjusted(round_):
        units = units_as_then(round_.bloc_year, Unit.objects.filter(pk__in=selectors.candidate_units(round_)))
        return sorted(units, key=lambda u: vietnamese_key(u.name))
    return units_as_then(round_.bloc_year, selectors.candidate_units_ordered(round_))


# --- As sent to the province (issue 12, item 5) -------------------------------------------------------------------


def sent_rows(bloc_year: BlocYear, *, with_ballots: bool) -> list[dict[str, Any]]:
    """Every document stored as sent, each with all its versions, latest first; ballot papers only for those
    who may print them. Read without the stored bytes."""
    stored = (SentDocument.objects.filter(bloc_year=bloc_year).defer("html", "pdf", "docx")
              .select_related("round", "sent_by", "signature")
              .order_by("kind", "round__order", "round_id", "-version"))
    rows: dict[tuple[str, int | None], dict[str, Any]] = {}
    for document in stored:
        if document.kind == SentDocument.Kind.BALLOT and not with_ballots:
            continue
        key = (document.kind, document.round_id)
        label = str(document.get_kind_display()) + (f" – {document.round.title}" if document.round_id else "")
        rows.setdefault(key, {"key": f"{document.kind}:{document.round_id or ''}", "label": label,
                              "kind": document.kind, "round": document.round, "versions": []})
        rows[key]["versions"].append(document)
    order = list(SentDocument.Kind.values)
    return sorted(rows.values(), key=lambda r: (order.index(r["kind"]), r["round"].order if r["round"] else 0))


def sent_choices(rows: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(row["key"], row["label"]) for row in rows]
