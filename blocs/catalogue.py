"""The standard Vietnamese titles and forms of award (domain.md §2) that the award catalogue ships with.

Migration 0002 writes them, and the tests put them back after a test that empties the tables
(tests/conftest.py). The migration runs this code as it is today: change neither the rows nor the function
(a new standard award is a new migration); `add_standard_awards` takes the migration's `apps` and uses no
model class of its own, so it works on the historical models too.
"""

from __future__ import annotations

from typing import Any

STANDARD_AWARDS = [
    # code, name, kind, level, collectives, individuals, order
    ("huan-chuong-lao-dong", "Huân chương Lao động", "form", "national", True, True, 5),
    ("co-thi-dua-chinh-phu", "Cờ thi đua của Chính phủ", "title", "national", True, False, 10),
    ("bang-khen-thu-tuong", "Bằng khen của Thủ tướng Chính phủ", "form", "national", True, True, 15),
    ("co-thi-dua-ubnd-tinh", "Cờ thi đua của UBND tỉnh", "title", "provincial", True, False, 20),
    ("bang-khen-chu-tich-ubnd-tinh", "Bằng khen của Chủ tịch UBND tỉnh", "form", "provincial", True, True, 30),
    ("tap-the-lao-dong-xuat-sac", "Tập thể lao động xuất sắc", "title", "provincial", True, False, 40),
    ("tap-the-lao-dong-tien-tien", "Tập thể lao động tiên tiến", "title", "unit", True, False, 50),
    ("giay-khen", "Giấy khen", "form", "unit", True, True, 60),
    ("chien-si-thi-dua-cap-tinh", "Chiến sĩ thi đua cấp tỉnh", "title", "provincial", False, True, 70),
    ("chien-si-thi-dua-co-so", "Chiến sĩ thi đua cơ sở", "title", "unit", False, True, 80),
    ("lao-dong-tien-tien", "Lao động tiên tiến", "title", "unit", False, True, 90),
]


def add_standard_awards(apps: Any) -> None:
    """Each standard award that is not yet in the catalogue, by code; what is there is left as it is."""
    Award = apps.get_model("blocs", "Award")  # noqa: N806 - a model class, from the historical registry
    for code, name, kind, level, collectives, individuals, order in STANDARD_AWARDS:
        Award.objects.get_or_create(code=code, defaults={
            "name": name, "kind": kind, "level": level, "for_collectives": collectives,
            "for_individuals": individuals, "order": order})
