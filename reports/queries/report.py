"""What the year-end report says, built from the data (domain.md §4; domain-research.md §6.1).

The parts built from data (members and leadership, registration and covenant, the score table, the
ballot results, the proposals, next year's head and deputies, the commendations of the year) fill
themselves in; the narrative parts come from the version, escaped and marked up by
`reports.rules.narrative_html`. The document is always Vietnamese, so its words are written here in
Vietnamese rather than through the screen's translation catalogue. Reads only: the report's
writes are in reports/services/report.py.
"""

from __future__ import annotations

import difflib
import html
import re
from collections import defaultdict
from typing import Any

from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from awards import selectors
from awards.charts import result_bars_svg
from awards.models import HistoryEntry, Meeting, Nomination, Round
from awards.results import Row, result_of
from blocs.models import Award, BlocYear, Covenant, Membership, Registration, RoleGrant, Unit
from blocs.rules import vietnamese_key
from blocs.selectors import name_in_year, names_in_year, score_table_rows
from reports import rules
from reports.common import NOMINATION_ORDER, DocumentFrame, document_header, frame, render_document
from reports.models import NARRATIVE_SECTIONS, ReportVersion
from reports.text import BASE_WORDS, percent_text, score_text, vn_date

TEMPLATE = "reports/documents/report.html"
TYPE_CODE = "BC"
RECIPIENTS = ("Ban Thi đua – Khen thưởng tỉnh (Sở Nội vụ)", "Các đơn vị thành viên", "Lưu: VT")
POSITION_WORDS = {Membership.Position.HEAD: "Trưởng khối", Membership.Position.DEPUTY: "Phó khối",
                  Membership.Position.MEMBER: "Thành viên"}


def title_summary(year: int) -> str:
    return f"Tổng kết công tác thi đua năm {year} và phương hướng nhiệm vụ năm {year + 1}"


def count_label(count: int, award: Award) -> str:
    """How the seed writes the number of units proposed: "01" and "02" for the flags (emulation titles),
    a plain "3" for the Certificate of Merit (an award form) — domain.md §7."""
    return rules.two_digits(count) if award.kind == Award.Kind.TITLE else str(count)


# --- The data parts -----------------------------------------------------------------------------------------


def _members(bloc_year: BlocYear) -> list[Membership]:
    memberships = list(bloc_year.memberships.select_related("unit"))
    order = {Membership.Position.HEAD: 0, Membership.Position.DEPUTY: 1, Membership.Position.MEMBER: 2}
    return sorted(memberships, key=lambda m: (order[m.position], vietnamese_key(m.name_then)))


def _registration(bloc_year: BlocYear, member_ids: set[int]) -> dict[str, Any]:
    submitted = [r for r in Registration.objects.filter(bloc_year=bloc_year, submitted_at__isnull=False)
                 .select_related("unit") if r.unit_id in member_ids]
    names = names_in_year(bloc_year)
    late = sorted((name_in_year(names, r.unit) for r in submitted if r.is_late), key=vietnamese_key)
    return {"registered": len(submitted), "members": len(member_ids), "late": late}


def _covenant(bloc_year: BlocYear) -> dict[str, Any] | None:
    covenant = Covenant.objects.filter(bloc_year=bloc_year).prefetch_related("items").first()
    if covenant is None:
        return None
    return {"signed_on": vn_date(covenant.signed_on), "signed_place": covenant.signed_place,
            "items": list(covenant.items.all())}


def _scores(bloc_year: BlocYear) -> list[dict[str, Any]]:
    rows = []
    for row in score_table_rows(bloc_year):
        card = row["scorecard"]
        note = ""
        if row["disqualified"]:
            reason = card.disqualification_note or (card.disqualifier.text if card.disqualifier else "")
            note = "Không xét" + (f": {reason}" if reason else "")
        rows.append({"rank": row["rank"], "unit": row["name"], "total": score_text(row["total"]),
                     "disqualified": row["disqualified"], "note": note})
    return rows


def _round_title(round_: Round, year: int) -> str:
    if round_.kind == Round.Kind.AWARD:
        title = f"Bình xét, suy tôn đơn vị đề nghị tặng {round_.award.name}"
    elif round_.kind == Round.Kind.HEAD:
        title = f"Bầu đơn vị Trưởng khối năm {year + 1}"
    else:
        title = f"Bầu đơn vị Phó khối năm {year + 1}"
    return f"Bỏ phiếu lại: {title[0].lower()}{title[1:]}" if round_.runoff_of_id else title


def _note(row: Row, kind: str) -> str:
    if row.not_eligible and row.passed:
        return "Đạt, không đủ điều kiện"
    if row.elected:
        return "Trúng cử" if kind != Round.Kind.AWARD else "Được đề nghị"
    return "Đạt" if row.passed else ""


def _ballots(bloc_year: BlocYear) -> list[dict[str, Any]]:
    rounds = (bloc_year.rounds.filter(status=Round.Status.CLOSED).select_related("award")
              .order_by("order", "pk"))
    results = []
    for round_ in rounds:
        stored = result_of(round_)
        if stored is None:
            continue
        names = {**dict(Unit.objects.filter(pk__in=[r.unit for r in stored.candidates]).values_list("pk", "name")),
                 **names_in_year(bloc_year)}
        rows = [{"unit": names.get(r.unit, "—"), "votes": r.votes, "percent": r.percent_text,  # "100,00" as the minutes
                 "note": _note(r, round_.kind)} for r in stored.candidates]
        with translation.override("vi"):  # the bars' words, like the whole report
            bars = result_bars_svg(stored.candidates, names=names, base=stored.base,
                                   fraction=round_.pass_mark.fraction, comparator=round_.comparator,
                                   runoff=stored.runoff, key=round_.pk)
        results.append({"title": _round_title(round_, bloc_year.year), "counts": stored.to_json()["counts"],
                        "base": BASE_WORDS.get(round_.base, round_.base), "rows": rows, "bars": bars})
    return results


def _proposals(bloc_year: BlocYear) -> list[dict[str, Any]]:
    grouped: dict[int, list[Nomination]] = defaultdict(list)
    awards: dict[int, Award] = {}
    for nomination in (Nomination.objects.filter(bloc_year=bloc_year, status=Nomination.Status.PROPOSED)
                       .select_related("award", "unit").order_by(*NOMINATION_ORDER)):
        grouped[nomination.award_id].append(nomination)
        awards[nomination.award_id] = nomination.award
    categories, names = [], names_in_year(bloc_year)
    for award_id, nominations in grouped.items():
        award = awards[award_id]
        label = count_label(len(nominations), award)
        units = [{"name": name_in_year(names, n.unit), "score": score_text(n.final_score),
                  "votes": "" if n.votes is None else f"{n.votes} ({_percent(n)}%)",
                  "outside_vote": n.is_outside_vote} for n in nominations]
        categories.append({"award": award.name, "count": label,
                           "phrase": f"{label} đơn vị được tặng {award.name}", "units": units})  # after "đề nghị"
    return categories


def _percent(nomination: Nomination) -> str:
    """Two decimals with a comma, as the minutes and the letter print it: "100,00", "77,78"."""
    return percent_text(nomination.share_numerator or 0, nomination.share_denominator or 0)


def _next_leadership(bloc_year: BlocYear) -> dict[str, Any]:
    """Next year's head and deputies: from the meeting's election, else from next year's set-up."""
    elected = selectors.elected_leadership(bloc_year)
    if elected is not None and elected[0] is not None:
        head, deputies = elected
        return {"head": head.name, "deputies": [u.name for u in deputies], "source": "election"}
    following = BlocYear.objects.filter(bloc=bloc_year.bloc_id, year=bloc_year.year + 1).first()
    if following is not None:
        seats = list(following.memberships.filter(position__in=[Membership.Position.HEAD,
                                                                Membership.Position.DEPUTY]).select_related("unit"))
        head = next((m.name_then for m in seats if m.position == Membership.Position.HEAD), "")
        if head:
            return {"head": head, "source": "next_year",
                    "deputies": [m.name_then for m in seats if m.position == Membership.Position.DEPUTY]}
    return {"head": "", "deputies": [], "source": ""}


def _commendations(bloc_year: BlocYear, member_ids: set[int]) -> list[dict[str, Any]]:
    """The awards the member units received in the year, by award (decisions and recorded history)."""
    by_award: dict[int, list[str]] = defaultdict(list)
    awards: dict[int, Award] = {}
    names = names_in_year(bloc_year)
    for entry in HistoryEntry.objects.filter(year=bloc_year.year, unit__in=member_ids, award__isnull=False
                                             ).select_related("award", "unit"):
        by_award[entry.award_id].append(name_in_year(names, entry.unit))
        awards[entry.award_id] = entry.award
    ordered = sorted(by_award, key=lambda pk: (awards[pk].order, awards[pk].name))
    return [{"award": awards[pk].name, "count": len(by_award[pk]),
             "units": sorted(by_award[pk], key=vietnamese_key)} for pk in ordered]


def _next_deadline(bloc_year: BlocYear) -> str:
    following = BlocYear.objects.filter(bloc=bloc_year.bloc_id, year=bloc_year.year + 1).first()
    return vn_date(following.registration_deadline) if following and following.registration_deadline else ""


def report_data(bloc_year: BlocYear) -> dict[str, Any]:
    """Every part of the report that comes from the data, as plain values for the template."""
    members = _members(bloc_year)
    member_ids = {m.unit_id for m in members}
    head = next((m for m in members if m.position == Membership.Position.HEAD), None)
    proposals = _proposals(bloc_year)
    return {
        "year": bloc_year.year, "next_year": bloc_year.year + 1, "bloc_name": bloc_year.bloc.name,
        "members": [{"name": m.name_then, "position": POSITION_WORDS[m.position]} for m in members],
        "head": head.name_then if head else "",
        "deputies": [m.name_then for m in members if m.position == Membership.Position.DEPUTY],
        "registration": _registration(bloc_year, member_ids),
        "covenant": _covenant(bloc_year),
        "scores": _scores(bloc_year),
        "ballots": _ballots(bloc_year),
        "proposals": proposals,
        "proposed_units": sum(len(c["units"]) for c in proposals),
        "next": _next_leadership(bloc_year),
        "next_deadline": _next_deadline(bloc_year),
        "commendations": _commendations(bloc_year, member_ids),
        "meeting": Meeting.objects.filter(bloc_year=bloc_year).first(),
    }


# --- The frame and the whole context ---------------------------------------------------------------------


def chair_name(bloc_year: BlocYear) -> str:
    """The chair's full name (the year's chair user), else the name the meeting recorded; with the office the
    meeting recorded ("Ngô Văn Liên, Trưởng Ban Tuyên giáo Tỉnh ủy"), which the signature prints above the room
    to sign (rules.signer_parts)."""
    meeting = Meeting.objects.filter(bloc_year=bloc_year).first()
    recorded, office = rules.signer_parts(meeting.chair_name if meeting else "")
    name = next((grant.user.get_full_name() for grant in RoleGrant.objects.filter(
        kind=RoleGrant.Kind.CHAIR, bloc_year=bloc_year).select_related("user").order_by("pk")
        if grant.user.get_full_name()), recorded)
    return f"{name}, {office}" if office and name == recorded else name  # the office of that person only


def report_frame(version: ReportVersion) -> DocumentFrame:
    bloc_year = version.bloc_year
    return frame(bloc_year, type_code=TYPE_CODE, title_type="Báo cáo", title_summary=title_summary(bloc_year.year),
                 number=version.doc_number if version.is_adopted else None,
                 day=version.doc_date if version.is_adopted else None, recipients=RECIPIENTS,
                 signer_name=chair_name(bloc_year))


def narrative_sections(version: ReportVersion) -> dict[str, SafeString]:
    """Each narrative section as HTML: `narrative_html` escapes every character typed first."""
    narrative = version.narrative or {}
    return {key: mark_safe(rules.narrative_html(str(narrative.get(key) or "")))  # noqa: S308 - escaped above
            for key, _label in NARRATIVE_SECTIONS}


def corrected_line(version: ReportVersion) -> str:
    """"Báo cáo số 05/BC-KTĐ ngày 01/12/2022 (bản 2)": names the adopted version a correction corrects."""
    corrected = version.corrects
    if corrected is None:
        return ""
    header = document_header(version.bloc_year)
    number = rules.document_number(corrected.doc_number, TYPE_CODE, header.symbol, style=header.style)
    number = number.replace("Số: ", "số ").replace("Số ", "số ")
    return f"Báo cáo {number} ngày {vn_date(corrected.doc_date)} (bản {corrected.number})"


def report_context(version: ReportVersion) -> dict[str, Any]:
    return {"doc": report_frame(version), "version": version, "is_draft": not version.is_adopted,
            "data": report_data(version.bloc_year), "narrative": narrative_sections(version),
            "corrects": corrected_line(version)}


def render_report(version: ReportVersion) -> str:
    """The report as one HTML document: the screen, print, PDF and Word all start from it."""
    return render_document(TEMPLATE, report_context(version))


def report_html(version: ReportVersion) -> str:
    """An adopted version's stored text; a draft rendered now, from today's data."""
    return version.frozen_html if version.is_adopted and version.frozen_html else render_report(version)



# --- Comparing two versions ---------------------------------------------------------------------------------


def _paragraphs(text: str) -> list[str]:
    chunks = re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip())
    return ["\n".join(" ".join(line.split()) for line in chunk.split("\n") if line.strip())
            for chunk in chunks if chunk.strip()]


def _escaped(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")  # a list keeps its lines


def _words_diff(old: str, new: str) -> str:
    """One changed paragraph, word by word: removed words in <del>, added in <ins>, all escaped."""
    a, b = old.split(), new.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(html.escape(" ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f'<del class="bg-danger-subtle">{html.escape(" ".join(a[i1:i2]))}</del>')
        if j2 > j1:
            out.append(f'<ins class="bg-success-subtle">{html.escape(" ".join(b[j1:j2]))}</ins>')
    return " ".join(out)


def section_diff(old: str, new: str) -> list[dict[str, Any]]:
    """Paragraph by paragraph (difflib), each row's HTML escaped: what a reader compares."""
    a, b = _paragraphs(old), _paragraphs(new)
    rows: list[dict[str, Any]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            rows += [{"op": "equal", "html": _escaped(text)} for text in a[i1:i2]]
            continue
        paired = min(i2 - i1, j2 - j1)  # a changed paragraph is shown word by word against its new text
        rows += [{"op": "replace", "html": _words_diff(x, y)} for x, y in zip(a[i1:i1 + paired], b[j1:j1 + paired],
                                                                             strict=True)]
        rows += [{"op": "delete", "html": f'<del class="bg-danger-subtle">{_escaped(text)}</del>'}
                 for text in a[i1 + paired:i2]]
        rows += [{"op": "insert", "html": f'<ins class="bg-success-subtle">{_escaped(text)}</ins>'}
                 for text in b[j1 + paired:j2]]
    return [{**row, "html": mark_safe(row["html"])} for row in rows]  # noqa: S308 - escaped above


def narrative_diff(old: ReportVersion, new: ReportVersion) -> list[dict[str, Any]]:
    """Every narrative section of two versions side by side; `changed` says whether it differs."""
    sections = []
    for key, label in NARRATIVE_SECTIONS:
        before, after = (old.narrative or {}).get(key, ""), (new.narrative or {}).get(key, "")
        rows = section_diff(str(before or ""), str(after or ""))
        sections.append({"key": key, "label": label, "rows": rows,
                         "changed": any(row["op"] != "equal" for row in rows)})
    return sections


def report_not_adopted(bloc_year: BlocYear, new_status: str) -> list[str]:
    """Before the year is submitted to the province: its year-end report goes with it."""
    if new_status != BlocYear.Status.SUBMITTED:
        return []
    if ReportVersion.objects.filter(bloc_year=bloc_year, status=ReportVersion.Status.ADOPTED).exists():
        return []
    return [_("The year-end report has not been adopted.")]


def adoption_warnings(version: ReportVersion) -> list[str]:
    """What the chair should know before adopting (issue 12, item 6): narrative sections left empty and
    rounds still open. Unanswered comments have their own confirmation."""
    narrative = version.narrative or {}
    empty = [str(label) for key, label in NARRATIVE_SECTIONS if not str(narrative.get(key) or "").strip()]
    warnings = []
    if empty:
        warnings.append(_("%(n)s sections of the report are empty: %(sections)s.")
                        % {"n": len(empty), "sections": "; ".join(empty)})
    open_rounds = Round.objects.filter(bloc_year=version.bloc_year, status=Round.Status.OPEN).order_by("order", "pk")
    warnings += [_("A round is still open, not counted: %(title)s.") % {"title": title}
                 for title in open_rounds.values_list("title", flat=True)]
    return warnings
