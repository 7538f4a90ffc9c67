"""The demo's seed year as it ended (issue 12, item 8): khoi-dang 2022 is imported at its year-end meeting and
then walks its last steps through the same services a bloc uses, as the seed document tells it
(/work/shared/seed, "Khối thi đua các Ban, cơ quan của Đảng tổng kết năm 2022"): the secretariat drafts the
year-end report and circulates it, two member units comment, the secretariat answers and writes the accepted
changes into a second draft, the chair adopts it at the meeting (numbered, dated, frozen with its PDF), and the
year is submitted to the province, which stores every document of the year as sent (reports/services/sent.py).

The checks a chair sees before adopting and before submitting (reports.queries.report.adoption_warnings,
blocs.selectors.advance_warnings) must find nothing: the demo never overrides them.

Each step carries its day in 2022 (`TIMELINE`), not the day the demo is loaded: the draft two weeks before the
meeting of 1 December 2022, the comments and answers before it, the adoption at the meeting after the last
round closed (15:45), the submission with the dossier on 6 December. The services read the clock themselves
(`timezone.now()`, and `auto_now_add` fields), so the demo pins it for each step (`_at`); the documents print
their own dates (the report's date is the meeting's day), which no step's time changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone

from blocs.models import BlocYear, Unit, User
from blocs.selectors import advance_warnings
from blocs.services.bloc_years import bloc_year_advance
from reports.models import ReportVersion
from reports.queries.report import adoption_warnings
from reports.services import report as services

# The draft as it was circulated before the meeting; the document is always Vietnamese.
DRAFT = {
    "situation": (
        "Năm 2022, các Ban, cơ quan của Đảng thực hiện nhiệm vụ trong bối cảnh kinh tế - xã hội của tỉnh dần phục "
        "hồi sau đại dịch COVID-19; khối lượng công việc tham mưu lớn, yêu cầu ngày càng cao.\n\n"
        "**Thuận lợi:** được sự quan tâm lãnh đạo, chỉ đạo của Thường trực Tỉnh ủy và sự hướng dẫn của Ban Thi "
        "đua – Khen thưởng tỉnh; đội ngũ cán bộ đoàn kết, có tinh thần trách nhiệm.\n\n"
        "**Khó khăn:** biên chế của một số đơn vị còn thiếu; nhiều nhiệm vụ đột xuất phát sinh trong năm."),
    "political_tasks": (
        "Các Ban, cơ quan của Đảng đều hoàn thành tốt nhiệm vụ chuyên môn theo đúng chương trình công tác đề ra:\n\n"
        "- tuyên truyền, thực hiện tốt nhiệm vụ giáo dục Chủ nghĩa Mác - Lê-nin, tư tưởng Hồ Chí Minh, các Chỉ thị, "
        "Nghị quyết của Đảng, chính sách, pháp luật của Nhà nước;\n"
        "- thi đua thực hiện Kết luận số 01-KL/TW về tiếp tục thực hiện Chỉ thị số 05-CT/TW của Bộ Chính trị về "
        "“Đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh”;\n"
        "- tiếp tục đẩy mạnh cải cách hành chính; thực hiện nghiêm Luật Phòng, chống tham nhũng, Luật Thực hành "
        "tiết kiệm, chống lãng phí."),
    "leadership": (
        "Các đơn vị xây dựng chương trình, kế hoạch công tác thi đua, khen thưởng với nội dung, tiêu chí phù hợp; "
        "tổ chức phát động thi đua, đăng ký giao ước thi đua ngay từ quý I nhằm tạo không khí thi đua sôi nổi."),
    "strengths": (
        "Phong trào thi đua được triển khai đồng bộ, gắn với nhiệm vụ chính trị của từng đơn vị; việc chấm điểm, "
        "bình xét công khai, dân chủ, đúng quy định."),
    "shortcomings": (
        "Một số đơn vị gửi báo cáo, hồ sơ còn chậm; việc phát hiện, nhân rộng điển hình tiên tiến chưa thường "
        "xuyên."),
    "lessons": (
        "Phải có sự lãnh đạo, chỉ đạo sát sao của cấp ủy, người đứng đầu; nội dung thi đua cụ thể, gắn với nhiệm vụ "
        "chuyên môn; khen thưởng kịp thời, đúng người, đúng thành tích."),
    "orientation": (
        "Năm 2023, các Ban, cơ quan của Đảng tiếp tục triển khai các nội dung thi đua gắn với thực hiện nhiệm vụ "
        "chính trị của từng đơn vị; tiếp tục đổi mới công tác thi đua, khen thưởng và các phong trào thi đua yêu "
        "nước."),
    "proposals": (
        "Đề nghị Ban Thi đua – Khen thưởng tỉnh tiếp tục hướng dẫn nghiệp vụ thi đua, khen thưởng cho các đơn vị "
        "trong Khối."),
}

# (unit's short code, representative's username, section, comment, answer, the secretariat's reason)
COMMENTS = (
    ("BDVTU", "daidien", "orientation",
     "Đề nghị bổ sung nhiệm vụ tổ chức các phong trào thi đua theo chuyên đề, thi đua đột xuất và chú trọng phát "
     "hiện nhân tố điển hình.",
     "accepted", "Tiếp thu, đã bổ sung vào phương hướng nhiệm vụ năm 2023."),
    ("VPTU", "daidien2", "shortcomings",
     "Đề nghị nêu rõ nguyên nhân của việc gửi báo cáo chậm.",
     "partly", "Tiếp thu một phần: bổ sung nguyên nhân chung, không nêu tên từng đơn vị."),
)

# The second draft: the first with the accepted changes, adopted at the meeting.
CHANGES = {
    "orientation": DRAFT["orientation"] + (
        "\n\n- thường xuyên tổ chức các phong trào thi đua theo chuyên đề, thi đua đột xuất trong cơ quan, đơn vị;\n"
        "- chú trọng phát hiện nhân tố điển hình để khen thưởng và tổng kết công tác thi đua, khen thưởng theo "
        "đúng quy định."),
    "shortcomings": DRAFT["shortcomings"] + (
        "\n\n**Nguyên nhân:** khối lượng công việc chuyên môn lớn, nhiều nhiệm vụ đột xuất; cán bộ làm công tác thi "
        "đua, khen thưởng đều kiêm nhiệm."),
}


def _moment(day: str, clock: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


# When each step happened in 2022 (the meeting: 1 December, 14:00; its last round closed at 15:45; the dossier
# went to the province on 6 December at 09:30, as the seed archive's dossier says).
TIMELINE = {
    "drafted": _moment("2022-11-14", "08:30"),
    "circulated": _moment("2022-11-15", "09:00"),
    "comments": (_moment("2022-11-18", "10:15"), _moment("2022-11-21", "15:30")),
    "answers": (_moment("2022-11-24", "09:00"), _moment("2022-11-24", "09:20")),
    "redrafted": _moment("2022-11-25", "08:30"),
    "adopted": _moment("2022-12-01", "16:00"),
    "submitted": _moment("2022-12-06", "09:30"),
}


@contextmanager
def _at(moment: dt.datetime) -> Iterator[None]:
    """The services' clock pinned to a moment of 2022 while one step runs (the demo only, one thread)."""
    with mock.patch.object(timezone, "now", return_value=moment.astimezone(dt.UTC)):
        yield


def _refuse(what: str, problems: list[str]) -> None:
    if problems:
        raise ValidationError(f"{what}: {' '.join(problems)}")


def seed_year_finish(*, bloc_year: BlocYear, secretary: User, chair: User) -> ReportVersion:
    """Draft, circulate, comment, answer, redraft, adopt and submit, as the seed year did. Raises
    ValidationError when a check the chair would see before adopting or submitting finds something."""
    with _at(TIMELINE["drafted"]):
        draft = services.report_draft_create(actor=secretary, bloc_year=bloc_year)
        draft = services.report_narrative_update(actor=secretary, version=draft, narrative=DRAFT)
    with _at(TIMELINE["circulated"]):
        draft = services.report_circulate(actor=secretary, version=draft)
    comments = []
    for (code, username, section, text, _answer, _reason), moment in zip(COMMENTS, TIMELINE["comments"], strict=True):
        with _at(moment):
            comments.append(services.comment_add(actor=User.objects.get(username=username), version=draft,
                                                 unit=Unit.objects.get(short_code=code), section=section, text=text))
    for comment, (*_given, answer, reason), moment in zip(comments, COMMENTS, TIMELINE["answers"], strict=True):
        with _at(moment):
            services.comment_answer(actor=secretary, comment=comment, answer=answer, reason=reason)
    with _at(TIMELINE["redrafted"]):
        final = services.report_draft_create(actor=secretary, bloc_year=bloc_year)
        final = services.report_narrative_update(actor=secretary, version=final, narrative=CHANGES)
    _refuse("Before adoption", [*adoption_warnings(final),
                                *(c.text for c in services.unanswered_comments(final))])
    with _at(TIMELINE["adopted"]):
        adopted = services.report_adopt(actor=chair, version=final)  # dated the meeting's day, the next number
    bloc_year.refresh_from_db()
    _refuse("Before submission", advance_warnings(bloc_year))
    with _at(TIMELINE["submitted"]):
        bloc_year_advance(actor=chair, bloc_year=bloc_year, expected_status=BlocYear.Status.MEETING)
    return adopted
