"""A bloc year at its year-end meeting: 9 members, verified scores, a meeting with everyone present."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from awards.models import CategoryRule, RuleSet
from awards.services import rounds
from blocs.models import Award, BlocYear, Membership, RoleGrant, Scorecard, Unit, User
from tests.factories import add_member, grant, make_bloc, make_bloc_year, make_province, make_unit, make_user

SEED_UNITS = [
    ("VPTU", "Văn phòng Tỉnh ủy"), ("BTC", "Ban Tổ chức Tỉnh ủy"), ("BTG", "Ban Tuyên giáo Tỉnh ủy"),
    ("BDV", "Ban Dân vận Tỉnh ủy"), ("BNC", "Ban Nội chính Tỉnh ủy"), ("UBKT", "Ủy ban Kiểm tra Tỉnh ủy"),
    ("DUK", "Đảng ủy Khối các Cơ quan và Doanh nghiệp tỉnh"), ("TCT", "Trường Chính trị tỉnh"),
    ("BAO", "Báo Quảng Trị"),
]


@dataclass
class Meeting:
    bloc_year: BlocYear
    units: dict[str, Unit]
    reps: dict[str, User]
    secretariat: User
    chair: User


def seed_meeting(*, scores: dict[str, str] | None = None, quotas: tuple[int, int, int] = (1, 2, 3)) -> Meeting:
    province = make_province()
    bloc_year = make_bloc_year(bloc=make_bloc(name="Khối thi đua các Ban, cơ quan của Đảng", province=province),
                               status=BlocYear.Status.MEETING)
    units = {code: make_unit(short_code=code, name=name, province=province) for code, name in SEED_UNITS}
    for code, unit in units.items():
        add_member(bloc_year, unit, Membership.Position.HEAD if code == "BTG" else Membership.Position.MEMBER)
    scores = scores or dict(zip(units, ["96", "94", "97", "93", "92", "91", "95", "90", "89"], strict=True))
    for code, value in scores.items():
        Scorecard.objects.create(bloc_year=bloc_year, unit=units[code], final_total=Decimal(value))
    rule_set = RuleSet.objects.create(bloc_year=bloc_year, version=1)
    for code, quota in zip(["co-thi-dua-chinh-phu", "co-thi-dua-ubnd-tinh", "bang-khen-chu-tich-ubnd-tinh"],
                           quotas, strict=True):
        CategoryRule.objects.create(rule_set=rule_set, award=Award.objects.get(code=code), quota_count=quota)
    secretariat = make_user(unit=units["BTG"])
    grant(secretariat, RoleGrant.Kind.SECRETARIAT, bloc=bloc_year.bloc)
    chair = make_user(unit=units["BTG"])
    grant(chair, RoleGrant.Kind.CHAIR, bloc_year=bloc_year)
    reps = {}
    for code, unit in units.items():
        reps[code] = make_user(f"rep_{code.lower()}_{bloc_year.pk}", unit=unit)
        grant(reps[code], RoleGrant.Kind.REPRESENTATIVE, unit=unit)
    rounds.meeting_save(actor=secretariat, bloc_year=bloc_year,
                        data={"held_on": "2022-12-01", "place": "Hội trường Tỉnh ủy"},
                        present=list(units.values()), committee=[("Nguyễn Văn A", None), ("Trần Thị B", None),
                                                                   ("Lê Văn C", None)])
    return Meeting(bloc_year=bloc_year, units=units, reps=reps, secretariat=secretariat, chair=chair)


@pytest.fixture
def meeting(db) -> Meeting:  # noqa: ANN001
    return seed_meeting()
