"""The seed year (domain.md §7) built through the services, and what the report says about it.

`seed_year()` is shared by the report's test modules: nine Party units, Ban Tuyên giáo the head, the
meeting of 01-12-2022, 01 unit proposed for the Government flag, 02 for the provincial flag, 3 for the
Certificate of Merit, all different, and Đảng ủy Khối elected head for 2023.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from awards.models import HistoryEntry, Round
from awards.services import ballots as ballot_services
from awards.services import rounds as round_services
from blocs.models import Award, CovenantItem, Registration
from reports.models import ReportVersion
from reports.queries.report import count_label, report_data, section_diff
from reports.services import report as services
from reports.text import score_text
from tests.awards.conftest import Meeting, seed_meeting
from tests.factories import round_closed, round_opened

pytestmark = pytest.mark.django_db

GOV, FLAG, MERIT = "co-thi-dua-chinh-phu", "co-thi-dua-ubnd-tinh", "bang-khen-chu-tich-ubnd-tinh"
PROPOSED = {GOV: ["BTG"], FLAG: ["VPTU", "DUK"], MERIT: ["BTC", "BDV", "BNC"]}
HEAD_2023 = "Đảng ủy Khối các Cơ quan và Doanh nghiệp tỉnh"
CHAIR_NAME = "Ngô Văn Liên"
NARRATIVE = {
    "situation": "Năm 2022, các Ban, cơ quan của Đảng đã xây dựng chương trình, kế hoạch công tác thi đua.\n\n"
                 "**Thuận lợi:** sự quan tâm của Tỉnh ủy.\n\n- ý thứ nhất\n- ý thứ hai",
    "political_tasks": "Các Ban, cơ quan của Đảng đều hoàn thành tốt nhiệm vụ chuyên môn.",
    "leadership": "Tổ chức phát động thi đua, đăng ký giao ước thi đua ngay từ quý đầu của năm.",
    "strengths": "Phong trào thi đua sôi nổi.",
    "shortcomings": "Một số đơn vị gửi báo cáo chậm.",
    "lessons": "Sự lãnh đạo sát sao của cấp ủy.",
    "orientation": "Tiếp tục đổi mới công tác thi đua, khen thưởng.",
    "proposals": "Đề nghị Ban Thi đua – Khen thưởng tỉnh quan tâm hướng dẫn.",
}


@dataclass
class SeedYear:
    meeting: Meeting
    rounds: dict[str, Round]

    @property
    def bloc_year(self):  # noqa: ANN201
        return self.meeting.bloc_year

    def unit(self, code: str):  # noqa: ANN201
        return self.meeting.units[code]


def _cast(meeting: Meeting, round_: Round, ballots: list[list[str]]) -> Round:
    round_opened(actor=meeting.chair, round_=round_)
    voters = list(meeting.units)
    for i, choice in enumerate(ballots):
        ballot_services.ballot_cast(actor=meeting.reps[voters[i]], round_=round_, unit=meeting.units[voters[i]],
                                    choices=[meeting.units[c].pk for c in choice])
    return round_closed(actor=meeting.chair, round_=round_, ballots_issued=9)


def seed_year() -> SeedYear:
    """The seed year through the services, as tests/awards/test_voting.py replays it."""
    meeting = seed_meeting()
    bloc_year = meeting.bloc_year
    bloc_year.place_name = "Quảng Trị"
    bloc_year.save(update_fields=["place_name"])
    meeting.chair.first_name, meeting.chair.last_name = "Ngô Văn", "Liên"
    meeting.chair.save()
    covenant = bloc_year.covenant
    covenant.signed_on, covenant.signed_place = dt.date(2022, 3, 15), "Hội trường Tỉnh ủy"
    covenant.save()
    CovenantItem.objects.create(covenant=covenant, order=1, content="Hoàn thành xuất sắc nhiệm vụ chính trị",
                                target="100% đơn vị")
    now = timezone.now()
    for code in ["VPTU", "BTC", "BTG", "BDV", "BNC", "UBKT", "DUK", "TCT"]:
        Registration.objects.create(bloc_year=bloc_year, unit=meeting.units[code], submitted_at=now,
                                    is_late=code == "TCT")
    HistoryEntry.objects.create(unit=meeting.units["BAO"], year=2022,
                                award=Award.objects.get(code="tap-the-lao-dong-xuat-sac"))
    rounds = {r.award.code if r.award else r.kind: r
              for r in round_services.rounds_generate(actor=meeting.secretariat, bloc_year=bloc_year)}
    _cast(meeting, rounds[GOV], [["BTG"]] * 7 + [["VPTU"]] * 2)
    _cast(meeting, rounds[FLAG], [["VPTU", "DUK"]] * 7 + [["VPTU", "BTC"]] + [["BTC"]])
    _cast(meeting, rounds[MERIT], [["BTC", "BDV", "BNC"]] * 6 + [["BTC", "BDV", "UBKT"]] * 2 + [["TCT"]])
    _cast(meeting, rounds["head"], [["DUK"]] * 8 + [["BAO"]])
    _cast(meeting, rounds["deputy"], [["VPTU"]] * 9)
    return SeedYear(meeting=meeting, rounds=rounds)


def seed_draft(seed: SeedYear, narrative: dict[str, str] | None = None) -> ReportVersion:
    draft = services.report_draft_create(actor=seed.meeting.secretariat, bloc_year=seed.bloc_year)
    return services.report_narrative_update(actor=seed.meeting.secretariat, version=draft,
                                            narrative=narrative or NARRATIVE)


def seed_adopted(seed: SeedYear, narrative: dict[str, str] | None = None) -> ReportVersion:
    draft = seed_draft(seed, narrative)
    return services.report_adopt(actor=seed.meeting.chair, version=draft, doc_date=dt.date(2022, 12, 1),
                                 doc_number=5)


@pytest.fixture
def seed(db) -> SeedYear:  # noqa: ANN001
    return seed_year()


# --- What the data parts say ---------------------------------------------------------------------------------


def test_the_seed_year_proposals_read_01_02_3_and_name_six_different_units(seed):
    data = report_data(seed.bloc_year)
    assert [c["phrase"] for c in data["proposals"]] == [
        "01 đơn vị được tặng Cờ thi đua của Chính phủ",
        "02 đơn vị được tặng Cờ thi đua của UBND tỉnh",
        "3 đơn vị được tặng Bằng khen của Chủ tịch UBND tỉnh",
    ]
    names = [u["name"] for c in data["proposals"] for u in c["units"]]
    expected = [seed.unit(code).name for codes in PROPOSED.values() for code in codes]
    assert sorted(names) == sorted(expected) and len(set(names)) == 6


def test_the_data_parts_of_the_seed_year(seed):
    data = report_data(seed.bloc_year)
    assert len(data["members"]) == 9 and data["members"][0] == {"name": "Ban Tuyên giáo Tỉnh ủy",
                                                                "position": "Trưởng khối"}
    assert data["head"] == "Ban Tuyên giáo Tỉnh ủy"
    assert data["registration"] == {"registered": 8, "members": 9, "late": ["Trường Chính trị tỉnh"]}
    assert data["covenant"]["signed_on"] == "15/03/2022" and len(data["covenant"]["items"]) == 1
    assert [row["unit"] for row in data["scores"][:2]] == ["Ban Tuyên giáo Tỉnh ủy", "Văn phòng Tỉnh ủy"]
    assert data["scores"][0]["rank"] == 1 and data["scores"][0]["total"] == "97"
    assert len(data["ballots"]) == 5  # three awards, the head, the deputies
    gov = data["ballots"][0]
    assert gov["counts"]["members"] == 9 and gov["base"] == "tổng số đơn vị thành viên"
    assert gov["rows"][0] == {"unit": "Ban Tuyên giáo Tỉnh ủy", "votes": 7, "percent": "77,78",
                              "note": "Được đề nghị"}
    assert data["next"] == {"head": HEAD_2023, "deputies": ["Văn phòng Tỉnh ủy"], "source": "election"}
    assert data["commendations"] == [{"award": "Tập thể lao động xuất sắc", "count": 1, "units": ["Báo Quảng Trị"]}]


def test_the_next_head_comes_from_next_year_when_no_election_was_held(db):
    meeting = seed_meeting()
    assert report_data(meeting.bloc_year)["next"]["head"] == ""
    from blocs.models import BlocYear, Membership
    from tests.factories import add_member
    following = BlocYear.objects.create(bloc=meeting.bloc_year.bloc, year=2023)
    add_member(following, meeting.units["DUK"], Membership.Position.HEAD)
    assert report_data(meeting.bloc_year)["next"] == {"head": HEAD_2023, "deputies": [], "source": "next_year"}


@pytest.mark.parametrize(("count", "code", "label"), [(1, GOV, "01"), (2, FLAG, "02"), (3, MERIT, "3"),
                                                      (12, FLAG, "12")])
def test_count_labels_follow_the_seed(db, count, code, label):
    assert count_label(count, Award.objects.get(code=code)) == label


@pytest.mark.parametrize(("value", "text"), [(None, "—"), (96, "96"), ("95.50", "95,5"), ("77.78", "77,78")])
def test_numbers_are_written_the_vietnamese_way(value, text):
    from decimal import Decimal
    assert score_text(Decimal(value) if isinstance(value, str) else value) == text


def test_section_diff_marks_paragraph_changes_and_escapes():
    rows = section_diff("Đoạn một.\n\nĐoạn hai cũ.", "Đoạn một.\n\nĐoạn hai mới <b>x</b>.\n\nĐoạn ba.")
    assert [r["op"] for r in rows] == ["equal", "replace", "insert"]
    assert ">cũ.</del>" in rows[1]["html"] and "&lt;b&gt;x&lt;/b&gt;" in rows[1]["html"]
    assert rows[2]["html"].endswith(">Đoạn ba.</ins>")
    assert "<b>" not in "".join(r["html"] for r in rows)
