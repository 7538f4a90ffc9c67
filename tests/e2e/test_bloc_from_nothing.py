"""A bloc from nothing, in a real browser, with no Django admin (issue 10, "How we will know", first bullet).

From an empty database (no demo): the administrator's account comes from `manage.py create_administrator`; the
administrator creates the province and names its board member; the board sets up the bloc "Khối thi đua các Sở,
ngành Kinh tế" and names its secretariat (and, once the year exists, its chair); the secretariat opens the year,
imports the members from a workbook, creates the representatives' accounts (one unit with a deputy), enters three
registrations received on paper with their dates, imports the year's scoring table from its workbook, opens
scoring, downloads the self-score workbook, fills in every unit's paper ("27,5" typed as text, numbers elsewhere),
uploads it with the day received, checks the preview and confirms (entered on each unit's behalf), verifies
each unit (decimal commas where it settles another value), publishes the score table, sets the rules (the quota
table, a decimal comma) and the meeting; the chair opens a round.

Every page is screenshotted into artifacts/journey/, checked by axe, read for English left in it (every
translated msgid of the Vietnamese catalogue), and no address under /admin/ is ever requested.

Selectors are URLs, field ids and values, never translated text.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import re
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import openpyxl
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import Browser, BrowserContext, Page, expect

from awards.models import CategoryRule, Round
from blocs.catalogue import add_standard_awards
from blocs.models import (
    AuditEntry,
    Bloc,
    BlocYear,
    Membership,
    Province,
    Registration,
    RoleGrant,
    Scorecard,
    ScoringItem,
    ScoringTable,
    Unit,
    User,
)
from tests.e2e.a11y import PAGES, PageAudit
from tests.e2e.conftest import ARTIFACTS, REPO_ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = ARTIFACTS / "journey"
BLOC_NAME = "Khối thi đua các Sở, ngành Kinh tế"
MERIT = "bang-khen-chu-tich-ubnd-tinh"
# Nine departments of a province after the 2025 mergers (domain.md §7a), head unit first.
UNITS = [
    ("STC", "Sở Tài chính", "Trưởng khối"),
    ("SCT", "Sở Công Thương", "Phó khối"),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", ""),
    ("SXD", "Sở Xây dựng", ""),
    ("SKHCN", "Sở Khoa học và Công nghệ", ""),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", ""),
    ("CTK", "Thống kê tỉnh", ""),
    ("NNKV", "Ngân hàng Nhà nước Khu vực 4", ""),
    ("BQLKKT", "Ban Quản lý các Khu công nghiệp tỉnh", ""),
]
REPRESENTATIVES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em",
                   "Vũ Thị Giang", "Đặng Văn Hải", "Bùi Thị Khánh", "Đỗ Văn Long"]
DEPUTY = "Ngô Thị Mai"  # stands in for Sở Tài chính's representative
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The year's scoring table as the secretariat types it: kind, group, code, text, maximum, evidence, guidance.
SCORING_TABLE = [
    ("Tiêu chí", "I. Thực hiện nhiệm vụ chính trị", "1.1", "Hoàn thành các chỉ tiêu kinh tế – xã hội được giao",
     30, "Có", "Đủ 100% chỉ tiêu: 30 điểm"),
    ("Tiêu chí", "I. Thực hiện nhiệm vụ chính trị", "1.2", "Cải cách hành chính, chuyển đổi số", "30", "", ""),
    ("Tiêu chí", "II. Xây dựng tổ chức", "2.1", "Xây dựng cơ quan, đơn vị vững mạnh", 40, "", ""),
    ("Điểm thưởng", "", "T1", "Mô hình mới, cách làm hay được nhân rộng", "2,5", "", ""),
    ("Điểm trừ", "", "TR1", "Gửi báo cáo chậm so với quy định", 5, "", ""),
    ("Không xét thi đua", "", "KX1", "Có cán bộ bị truy cứu trách nhiệm hình sự", "", "", ""),
]
# Each unit's self-scores on its paper, copied down its column: text where the clerk typed "27,5", numbers
# elsewhere (a float as Excel keeps 25.5); None: the cell left empty (no bonus or penalty claimed).
SCORED_LINES = ("1.1", "1.2", "2.1", "T1", "TR1")
SELF_SCORES = {
    "STC": ("27,5", 30, "38,5", "2,5", None),
    "SCT": (28, "29,5", 39, 1, None),
    "SNNMT": ("26,5", 28, 37, None, "1"),
    "SXD": (27, "27,25", 36, "0,5", None),
    "SKHCN": (25, 26, "35,5", None, None),
    "SVHTTDL": ("24,5", 27, 34, 1, "0,5"),
    "CTK": (26, 25.5, "33,5", None, None),
    "NNKV": ("28,5", 26, 36, "1,5", 2),
    "BQLKKT": (23, "24,5", 32, None, None),
}
# What the secretariat settles otherwise on the verify page, typed with decimal commas, with its note.
VERIFIED = {
    "STC": {"1.1": ("27,5", ""), "2.1": ("37,75", "Chưa đạt chỉ tiêu thu ngân sách quý IV")},
    "SCT": {"1.2": ("28,5", "Một thủ tục hành chính trực tuyến chưa đạt mức toàn trình")},
    "SXD": {"TR1": ("0,5", "Báo cáo 6 tháng gửi chậm 2 ngày")},
}
# The published table: Σ criteria + bonus − penalties, highest first, as the page shows them (two decimals).
FINAL_TOTALS = [("STC", "97,75"), ("SCT", "96,50"), ("SNNMT", "90,50"), ("SXD", "90,25"), ("NNKV", "90,00"),
                ("SKHCN", "86,50"), ("SVHTTDL", "86,00"), ("CTK", "85,00"), ("BQLKKT", "79,50")]


# --- The catalogue, read for English left on a page ----------------------------------------------------------

PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sdf]|\{\w*\}|<[^>]+>")


def english_phrases() -> list[str]:
    """Every msgid of locale/vi that has a translation other than itself, cut at its placeholders: a piece
    of at least two words or one word of four letters or more, as it would show on a page left untranslated."""
    catalog = gettext.GNUTranslations((REPO_ROOT / "locale/vi/LC_MESSAGES/django.mo").open("rb"))._catalog
    # The language menu names each language in its own tongue ("English" for those who read it).
    with translation.override(None):  # the msgids themselves
        own_names = {str(name) for _code, name in settings.LANGUAGES}
    phrases = set()
    for key, translated in catalog.items():
        msgid = key[0] if isinstance(key, tuple) else key
        msgid = msgid.split("\x04")[-1]  # a context is not shown
        if not msgid or translated == msgid or msgid in own_names:
            continue
        for piece in PLACEHOLDER.split(msgid):
            piece = " ".join(piece.split()).strip(" .,:;()—-–“”\"'")
            if re.search(r"[A-Za-z]{4,}", piece) or len(piece.split()) >= 2 and re.search(r"[A-Za-z]{2,}", piece):
                phrases.add(piece)
    return sorted(phrases, key=len, reverse=True)


def english_on(text: str, phrases: list[str]) -> list[str]:
    found = []
    for phrase in phrases:
        if phrase in text and re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text):
            found.append(phrase)
    return found


def test_english_phrases_are_found_and_vietnamese_passes():
    phrases = english_phrases()
    assert len(phrases) > 500
    assert "People and roles" in english_on("Trang People and roles của khối", phrases)
    assert english_on("Người dùng và vai trò — Khối thi đua các Sở, ngành Kinh tế", phrases) == []


# --- The journey's pages and people ------------------------------------------------------------------------------


class Journey:
    """Everyone's browser tabs, each in its own context (own cookies); every page a step."""

    def __init__(self, browser: Browser, context_args: dict[str, Any], base_url: str) -> None:
        self.browser, self.context_args, self.base_url = browser, context_args, base_url
        self.audit = PageAudit(PAGES / "bloc_from_nothing", base_url)
        self.phrases = english_phrases()
        self.contexts: list[BrowserContext] = []
        self.requested: list[str] = []
        self.counter = 0
        shutil.rmtree(SHOTS, ignore_errors=True)
        SHOTS.mkdir(parents=True)

    def tab(self, **context_args: Any) -> Page:
        context = self.browser.new_context(**{**self.context_args, **context_args})
        self.contexts.append(context)
        self.audit.watch(context)
        context.on("request", lambda request: self.requested.append(request.url))
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # every confirm ("Submit? It cannot be undone")
        page.on("framenavigated", lambda frame: self._no_admin(frame.url))
        return page

    def _no_admin(self, url: str) -> None:
        assert not urlsplit(url).path.startswith("/admin"), f"the Django admin was visited: {url}"

    def step(self, page: Page, name: str) -> Path:
        """Screenshot, accessibility check, no English, no admin, no server error."""
        page.wait_for_load_state("load")
        self._no_admin(page.url)
        self.counter += 1
        slug = re.sub(r"[^\w.-]+", "-", name)
        path = SHOTS / f"{self.counter:03d}-{slug}.png"
        page.screenshot(path=str(path), full_page=True)
        self.audit.check(page, f"{self.counter:03d}-{name}")
        text = page.inner_text("body")
        assert english_on(text, self.phrases) == [], f"English on {name} ({page.url})"
        assert "Server Error" not in text and "Forbidden" not in text
        return path

    def url(self, name: str, *args: object) -> str:
        return self.base_url + reverse(name, args=args)

    def click_link(self, page: Page, path: str, name: str) -> None:
        """Follow a link shown on the page (the menu or the main content), as a person clicks it."""
        page.locator(f'a[href="{path}"]').first.click()
        page.wait_for_url(re.compile(re.escape(path) + r"(\?.*)?$"))
        self.step(page, name)

    def submit(self, page: Page, form: str, name: str) -> None:
        page.locator(f"{form} button[type=submit]").first.click()
        page.wait_for_load_state("load")
        self.step(page, name)

    def slip_link(self, page: Page) -> str:
        """The one-time link printed on a sign-in slip."""
        link = page.locator("main code").inner_text().strip()
        assert link.startswith(self.base_url + "/accounts/set-password/"), link
        return link

    def first_sign_in(self, link: str, username: str, password: str, who: str, **context_args: Any) -> Page:
        """A new person opens their link, chooses a password, and signs in with it."""
        page = self.tab(**context_args)
        page.goto(link)
        expect(page.locator("#id_new_password1")).to_be_visible()
        self.step(page, f"{who}-set-password")
        page.fill("#id_new_password1", password)
        page.fill("#id_new_password2", password)
        self.submit(page, "main form", f"{who}-password-set")
        self.click_link(page, reverse("login"), f"{who}-sign-in")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("main form:has(#id_username) button[type=submit]")
        page.wait_for_url(self.url("blocs:home"))
        self.step(page, f"{who}-home")
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def journey(browser: Browser, browser_context_args: dict[str, Any], live_server: Any) -> Iterator[Journey]:
    journey = Journey(browser, browser_context_args, live_server.url)
    yield journey
    journey.close()


def _members_workbook() -> bytes:
    """The secretariat's own list of the nine member units, typed in Excel."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH ĐƠN VỊ THÀNH VIÊN KHỐI THI ĐUA CÁC SỞ, NGÀNH KINH TẾ"])
    sheet.append(["Mã đơn vị", "Tên đơn vị", "Cơ quan cấp trên", "Loại", "Vị trí"])
    for code, name, position in UNITS:
        sheet.append([code, name, "UBND tỉnh Bắc Ninh", "Nhà nước", position])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _scoring_workbook() -> bytes:
    """The year's scoring table, typed by the secretariat in the import's columns."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Loại", "Nhóm tiêu chí", "Mã", "Nội dung", "Điểm tối đa", "Cần minh chứng", "Hướng dẫn chấm"])
    for row in SCORING_TABLE:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fill_self_scores(downloaded: bytes) -> bytes:
    """The downloaded workbook with each unit's column filled from its paper: rows found by the line's code in
    column A, columns by the unit's short code in row 1."""
    book = openpyxl.load_workbook(io.BytesIO(downloaded))
    sheet = book.active
    columns = {cell.value: cell.column for cell in sheet[1] if cell.value}
    rows = {sheet.cell(row, 1).value: row for row in range(3, sheet.max_row + 1)}
    assert set(SELF_SCORES) <= set(columns) and set(SCORED_LINES) == set(rows), (columns, rows)
    for code, values in SELF_SCORES.items():
        for line, value in zip(SCORED_LINES, values, strict=True):
            sheet.cell(rows[line], columns[code]).value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_new_bloc_runs_from_an_empty_database_to_an_open_round(journey: Journey, live_server: Any) -> None:
    # A fresh installation: migrations ran (they write the standard award catalogue), nothing else.
    add_standard_awards(apps)
    assert not User.objects.exists() and not Province.objects.exists() and not Bloc.objects.exists()
    today = timezone.localdate()
    year = today.year
    deadline = today - dt.timedelta(days=10)

    # 1. The administrator's account, from the command line: a one-time link, no password typed there.
    out = io.StringIO()
    call_command("create_administrator", "quantri", "--full-name", "Nguyễn Quản Trị", "--base-url",
                 live_server.url, stdout=out)
    admin_link = re.search(rf"{re.escape(live_server.url)}/accounts/set-password/\S+/", out.getvalue()).group(0)
    admin = journey.first_sign_in(admin_link, "quantri", "Quan-tri-tinh-2026!", "admin")

    # 2. The administrator creates the province and names its board member.
    journey.click_link(admin, reverse("blocs:province-list"), "admin-provinces-empty")
    journey.click_link(admin, reverse("blocs:province-create"), "admin-province-form")
    admin.fill("#id_name", "Bắc Ninh")
    journey.submit(admin, "main form", "admin-province-created")
    province = Province.objects.get(name="Bắc Ninh")
    journey.click_link(admin, reverse("blocs:board-add", args=[province.pk]), "admin-board-form")
    admin.fill("#id_full_name", "Lê Thị Thu")
    admin.fill("#id_job_title", "Chuyên viên Ban Thi đua – Khen thưởng")
    journey.submit(admin, "main form", "admin-board-named")
    board_user = User.objects.get(grants__kind=RoleGrant.Kind.BOARD, grants__province=province)
    journey.submit(admin, f'form[action="{reverse("blocs:board-signin-link", args=[province.pk, board_user.pk])}"]',
                   "admin-board-slip")
    board_link = journey.slip_link(admin)

    # 3. The board signs in with its link, creates the bloc and names its secretariat.
    board = journey.first_sign_in(board_link, board_user.username, "Ban-TDKT-Bac-Ninh-2026", "board")
    journey.click_link(board, reverse("blocs:bloc-list"), "board-blocs")
    journey.click_link(board, reverse("blocs:bloc-create"), "board-bloc-form")
    board.fill("#id_name", BLOC_NAME)
    board.fill("#id_code", "khoi-kinh-te")
    board.select_option("#id_kind", "bloc")
    board.select_option("#id_province", str(province.pk))
    board.fill("#id_founded_year", "2010")
    journey.submit(board, "main form", "board-bloc-created")
    bloc = Bloc.objects.get(name=BLOC_NAME)
    people_path = reverse("blocs:bloc-people", args=[bloc.pk])
    journey.click_link(board, people_path, "board-people-empty")
    journey.click_link(board, reverse("blocs:officer-add", args=[bloc.pk, "secretariat"]), "board-secretariat-form")
    board.fill("#id_full_name", "Trần Thị Hoa")
    board.fill("#id_job_title", "Chuyên viên Văn phòng Sở Tài chính")
    journey.submit(board, "main form", "board-secretariat-named")
    secretariat_user = User.objects.get(grants__kind=RoleGrant.Kind.SECRETARIAT, grants__bloc=bloc)
    journey.submit(board, f'form[action="{reverse("blocs:signin-link", args=[bloc.pk, secretariat_user.pk])}"]',
                   "board-secretariat-slip")
    secretariat_link = journey.slip_link(board)

    # 4. The secretariat signs in, opens the year and imports the nine members from its workbook.
    sec = journey.first_sign_in(secretariat_link, secretariat_user.username, "Thu-ky-khoi-kinh-te-2026",
                                "secretariat")
    journey.click_link(sec, reverse("blocs:bloc-list"), "secretariat-blocs")
    journey.click_link(sec, bloc.get_absolute_url(), "secretariat-bloc")
    journey.click_link(sec, reverse("blocs:year-create", args=[bloc.pk]), "secretariat-year-form")
    sec.fill("#id_year", str(year))
    sec.fill("#id_registration_deadline", deadline.isoformat())
    sec.fill("#id_place_name", "Bắc Ninh")
    journey.submit(sec, "main form", "secretariat-year-created")
    bloc_year = BlocYear.objects.get(bloc=bloc, year=year)
    journey.click_link(sec, reverse("blocs:member-import", args=[bloc_year.pk]), "secretariat-member-import")
    sec.set_input_files("main form input[type=file]", {
        "name": "don-vi-thanh-vien.xlsx", "buffer": _members_workbook(),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    journey.submit(sec, "main form:has(input[type=file])", "secretariat-member-import-preview")
    journey.submit(sec, f'form[action="{reverse("blocs:member-import-confirm", args=[bloc_year.pk])}"]',
                   "secretariat-members-imported")
    assert bloc_year.memberships.count() == 9
    head = Membership.objects.get(bloc_year=bloc_year, position=Membership.Position.HEAD).unit
    assert head.short_code == "STC"

    # 5. Nine representatives' accounts, one for each unit, and a deputy for the head unit.
    sec.goto(journey.base_url + people_path)
    journey.step(sec, "secretariat-people-no-representatives")
    units = {unit.short_code: unit for unit in Unit.objects.filter(memberships__bloc_year=bloc_year)}
    for (code, _name, _position), full_name in zip(UNITS, REPRESENTATIVES, strict=True):
        journey.click_link(sec, reverse("blocs:representative-add", args=[bloc.pk, units[code].pk]),
                           f"secretariat-representative-form-{code}")
        sec.fill("#id_full_name", full_name)
        journey.submit(sec, "main form", f"secretariat-representative-{code}")
    journey.click_link(sec, reverse("blocs:representative-add", args=[bloc.pk, head.pk]), "secretariat-deputy-form")
    sec.fill("#id_full_name", DEPUTY)
    sec.check("#id_is_deputy")
    journey.submit(sec, "main form", "secretariat-deputy-named")
    reps = RoleGrant.objects.filter(kind=RoleGrant.Kind.REPRESENTATIVE, unit__memberships__bloc_year=bloc_year)
    assert reps.count() == 10 and reps.filter(is_deputy=True).get().user.display_name == DEPUTY
    assert set(reps.values_list("unit__short_code", flat=True)) == set(units)
    assert User.objects.filter(grants__in=reps, password__startswith="!").count() == 10  # no password yet
    deputy = reps.get(is_deputy=True).user
    journey.submit(sec, f'form[action="{reverse("blocs:signin-link", args=[bloc.pk, deputy.pk])}"]',
                   "secretariat-deputy-slip")
    assert journey.slip_link(sec)

    # 6. The board names the year's chair, the head unit's leader, who signs in with the printed link.
    board.goto(journey.base_url + people_path)
    journey.step(board, "board-people-with-year")
    journey.click_link(board, reverse("blocs:officer-add", args=[bloc.pk, "chair"]), "board-chair-form")
    board.fill("#id_full_name", "Phan Văn Quang")
    board.fill("#id_job_title", "Giám đốc Sở Tài chính")
    journey.submit(board, "main form", "board-chair-named")
    chair_user = User.objects.get(grants__kind=RoleGrant.Kind.CHAIR, grants__bloc_year=bloc_year)
    assert chair_user.unit == head
    journey.submit(board, f'form[action="{reverse("blocs:signin-link", args=[bloc.pk, chair_user.pk])}"]',
                   "board-chair-slip")
    chair_link = journey.slip_link(board)

    # 7. Registration opens; three units' registrations arrived on paper and are typed in with their dates.
    year_path = bloc_year.get_absolute_url()
    advance = f'form[action="{reverse("blocs:year-advance", args=[bloc_year.pk])}"]'

    def advance_year(to: str, reason: str | None) -> None:
        """`reason`: what is missing is listed and the year goes on with it recorded; None: nothing is missing."""
        sec.goto(journey.base_url + year_path)
        journey.step(sec, f"secretariat-year-before-{to}")
        asked = sec.locator(f"{advance} textarea[name=reason]")
        if reason is None:
            expect(asked).to_have_count(0)
        else:
            sec.fill(f"{advance} textarea[name=reason]", reason)
        journey.submit(sec, advance, f"secretariat-year-{to}")
        bloc_year.refresh_from_db()
        assert bloc_year.status == to

    advance_year(BlocYear.Status.REGISTRATION, None)
    received = {"STC": today - dt.timedelta(days=20), "SCT": deadline, "SXD": today - dt.timedelta(days=3)}
    for code, received_on in received.items():
        unit = units[code]
        sec.goto(journey.url("blocs:registration-list", bloc_year.pk))
        journey.step(sec, f"secretariat-registrations-before-{code}")
        journey.click_link(sec, reverse("blocs:registration-edit", args=[bloc_year.pk, unit.pk]),
                           f"secretariat-registration-{code}")
        sec.fill("#id_targets", f"{unit.name} hoàn thành 100% nhiệm vụ chính trị được giao năm {year}.")
        journey.submit(sec, "main form:has(#id_targets)", f"secretariat-registration-{code}-saved")
        sec.fill("#received-on", received_on.isoformat())
        journey.submit(sec, f'form[action="{reverse("blocs:registration-submit", args=[bloc_year.pk, unit.pk])}"]',
                       f"secretariat-registration-{code}-received")
    papers = {r.unit.short_code: r for r in Registration.objects.filter(bloc_year=bloc_year).select_related("unit")}
    assert {code: (r.received_on, r.is_late) for code, r in papers.items()} == {
        "STC": (received["STC"], False), "SCT": (deadline, False), "SXD": (received["SXD"], True)}
    assert all(r.submitted_by == secretariat_user for r in papers.values())

    # 8. The year's scoring table, from the secretariat's own workbook, while registration is open: it is
    # locked when scoring opens. The kinds are written with the screens' words, a maximum as "2,5".
    sec.goto(journey.base_url + year_path)
    journey.step(sec, "secretariat-year-registration-open")
    journey.click_link(sec, reverse("blocs:scoring-table", args=[bloc_year.pk]), "secretariat-scoring-table-none")
    journey.submit(sec, "main form", "secretariat-scoring-table-created")
    journey.click_link(sec, reverse("blocs:scoring-import", args=[bloc_year.pk]), "secretariat-scoring-import")
    sec.set_input_files("main form input[type=file]", {
        "name": "bang-cham-diem.xlsx", "buffer": _scoring_workbook(), "mimeType": XLSX})
    journey.submit(sec, "main form:has(input[type=file])", "secretariat-scoring-table-imported")
    items = {item.code: item for item in ScoringItem.objects.filter(table__bloc_year=bloc_year)}
    assert {code: (item.kind, item.max_points) for code, item in items.items()} == {
        "1.1": ("criterion", Decimal(30)), "1.2": ("criterion", Decimal(30)), "2.1": ("criterion", Decimal(40)),
        "T1": ("bonus", Decimal("2.5")), "TR1": ("penalty", Decimal(5)), "KX1": ("disqualifier", Decimal(0))}
    expect(sec.locator("main table")).to_contain_text("2,5")

    # 9. Scoring opens (the six units whose registration is still on its way are listed: a recorded reason);
    # every unit's self-scores came on paper: one workbook downloaded from the page, filled as the clerk
    # types (text "27,5" in some cells, numbers in others), uploaded with the day the papers arrived.
    advance_year(BlocYear.Status.SCORING, "Các đơn vị còn lại gửi đăng ký bằng văn bản sau")
    sec.goto(journey.base_url + reverse("blocs:scoring-table", args=[bloc_year.pk]))
    journey.step(sec, "secretariat-scoring-table-locked")
    assert sec.locator(f'a[href="{reverse("blocs:scoring-import", args=[bloc_year.pk])}"]').count() == 0
    sec.goto(journey.base_url + year_path)
    journey.step(sec, "secretariat-year-scoring-open")
    score_table_path = reverse("blocs:score-table", args=[bloc_year.pk])
    journey.click_link(sec, score_table_path, "secretariat-score-table-nothing-submitted")
    journey.click_link(sec, reverse("blocs:self-scores-import", args=[bloc_year.pk]), "secretariat-self-score-import")
    with sec.expect_download() as download:
        sec.locator(f'main a[href="{reverse("blocs:self-scores-workbook", args=[bloc_year.pk])}"]').first.click()
    assert download.value.suggested_filename == f"tu-cham-diem-{year}.xlsx"
    filled = _fill_self_scores(Path(download.value.path()).read_bytes())
    scores_received = today - dt.timedelta(days=2)
    sec.set_input_files("main form input[type=file]", {
        "name": "tu-cham-diem-cac-don-vi.xlsx", "buffer": filled, "mimeType": XLSX})
    sec.fill("#id_received_on", scores_received.isoformat())
    journey.submit(sec, "main form:has(input[type=file])", "secretariat-self-score-preview")
    preview = sec.locator("section[aria-labelledby=preview-heading]")
    expect(preview.locator(".alert-danger")).to_have_count(0)
    expect(preview.locator(".badge.text-bg-success")).to_have_count(9)  # every column imported on its behalf
    first_row = preview.locator("table tbody tr").first  # 1.1, the units in the order of their short codes
    expect(first_row).to_contain_text("27,5")
    assert "275" not in first_row.inner_text()
    assert not Scorecard.objects.filter(bloc_year=bloc_year).exists()  # nothing saved before the confirmation
    journey.submit(sec, f'form[action="{reverse("blocs:self-scores-import-confirm", args=[bloc_year.pk])}"]',
                   "secretariat-self-scores-imported")
    assert sec.url == journey.base_url + score_table_path
    cards = {card.unit.short_code: card for card in Scorecard.objects.filter(bloc_year=bloc_year).select_related(
        "unit").prefetch_related("lines__item")}
    assert {code: {line.item.code: line.self_value for line in card.lines.all()} for code, card in cards.items()} == {
        code: {item: None if value is None else Decimal(str(value).replace(",", "."))
               for item, value in zip(SCORED_LINES, values, strict=True)} for code, values in SELF_SCORES.items()}
    assert cards["STC"].lines.get(item__code="1.1").self_value == Decimal("27.5")  # never 275
    assert all(card.is_on_behalf and card.received_on == scores_received and card.submitted_by == secretariat_user
               for card in cards.values()) and len(cards) == 9
    on_behalf = f"nhập thay đơn vị, nhận ngày {scores_received:%d/%m/%Y}"
    expect(sec.locator("main table tbody")).to_contain_text(on_behalf)
    assert sec.locator("main table tbody").inner_text().count(on_behalf) == 9

    # 10. Verification, unit by unit, with decimal commas where the secretariat settles another value; then
    # the score table is published to the members.
    for code, _name, _position in UNITS:
        unit = units[code]
        journey.click_link(sec, reverse("blocs:verify-scores", args=[bloc_year.pk, unit.pk]),
                           f"secretariat-verify-{code}")
        expect(sec.locator("main")).to_contain_text(on_behalf)
        for line, (value, note) in VERIFIED.get(code, {}).items():
            sec.fill(f"#id_value_{items[line].pk}", value)
            sec.fill(f"#id_comment_{items[line].pk}", note)
        journey.submit(sec, "main form:has(#id_disqualifier)", f"secretariat-verified-{code}")
        assert sec.url == journey.base_url + score_table_path, f"{code} not verified: {sec.url}"
    finals = dict(Scorecard.objects.filter(bloc_year=bloc_year).values_list("unit__short_code", "final_total"))
    assert finals == {code: Decimal(total.replace(",", ".")) for code, total in FINAL_TOTALS}
    assert Scorecard.objects.get(unit=units["STC"]).lines.get(item__code="2.1").final_value == Decimal("37.75")
    journey.submit(sec, f'form[action="{reverse("blocs:scores-publish", args=[bloc_year.pk])}"]',
                   "secretariat-scores-published")
    assert ScoringTable.objects.get(bloc_year=bloc_year).published_at is not None
    shown = [[cell.strip() for cell in row.locator("td").all_inner_texts()[:3]]
             for row in sec.locator("main table tbody tr").all()]
    names = {code: name for code, name, _position in UNITS}
    assert shown == [[str(rank), names[code], total] for rank, (code, total) in enumerate(FINAL_TOTALS, start=1)]

    # 11. The meeting comes next: with every score published, nothing is missing and no reason is asked.
    advance_year(BlocYear.Status.MEETING, None)

    # 12. The rules: the quota table used, the Certificate of Merit's quota typed with a decimal comma.
    rounds_path = reverse("awards:round-list", args=[bloc_year.pk])
    journey.click_link(sec, rounds_path, "secretariat-rounds-empty")
    journey.click_link(sec, reverse("awards:rule-set", args=[bloc_year.pk]), "secretariat-rules")
    merit_row = None
    for index in range(sec.locator("table.quota-table tbody tr").count()):
        award_pk = sec.input_value(f"#id_cat-{index}-award")
        if award_pk and apps.get_model("blocs", "Award").objects.get(pk=award_pk).code == MERIT:
            merit_row = index
    assert merit_row is not None, "the quota table lists the Certificate of Merit"
    sec.fill(f"#id_cat-{merit_row}-quota_count", "")
    sec.fill(f"#id_cat-{merit_row}-quota_percent", "27,5")
    sec.fill("#id_note", "Bằng khen: 27,5% số đơn vị thành viên, làm tròn theo quy chế")
    journey.submit(sec, "main form:has(#id_note)", "secretariat-rules-saved")
    merit_rule = (CategoryRule.objects.filter(rule_set__bloc_year=bloc_year, award__code=MERIT)
                  .latest("rule_set__version"))
    assert merit_rule.quota_percent == Decimal("27.5") and merit_rule.quota_count is None  # never 275

    # 13. The meeting, then the rounds.
    sec.goto(journey.base_url + rounds_path)
    journey.step(sec, "secretariat-rounds-with-rules")
    journey.click_link(sec, reverse("awards:meeting-edit", args=[bloc_year.pk]), "secretariat-meeting-form")
    sec.fill("#id_held_on", today.isoformat())
    sec.fill("#id_starts_at", "14:00")
    sec.fill("#id_chair_name", "Phan Văn Quang, Giám đốc Sở Tài chính")
    sec.fill("#id_secretary_name", "Trần Thị Hoa")
    sec.fill("#id_committee", "Nguyễn Văn An\nTrần Thị Bình\nLê Văn Cường")
    journey.submit(sec, "main form", "secretariat-meeting-saved")
    journey.submit(sec, f'form[action="{reverse("awards:rounds-generate", args=[bloc_year.pk])}"]',
                   "secretariat-rounds-created")
    head_round = Round.objects.get(bloc_year=bloc_year, kind=Round.Kind.HEAD)

    # 14. The chair signs in for the first time and opens next year's head election: an open round.
    chair = journey.first_sign_in(chair_link, chair_user.username, "Chu-tri-khoi-kinh-te-2026", "chair")
    chair.goto(journey.base_url + head_round.get_absolute_url())
    journey.step(chair, "chair-round-draft")
    journey.submit(chair, f'form[action="{reverse("awards:round-open", args=[head_round.pk])}"]',
                   "chair-round-opened-passphrase")
    expect(chair.locator("#passphrase")).to_be_visible()
    head_round.refresh_from_db()
    assert head_round.status == Round.Status.OPEN
    assert head_round.candidates.count() == 9
    chair.locator(f'main a[href="{head_round.get_absolute_url()}"]').click()
    journey.step(chair, "chair-round-open")

    # Nothing of it needed the Django admin; every step is in the change log.
    assert [url for url in journey.requested if urlsplit(url).path.startswith("/admin")] == []
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"blocs.administrator.created", "blocs.province.created", "blocs.role.granted", "blocs.account.created",
            "blocs.signin_link.issued", "blocs.bloc.created", "blocs.members.imported",
            "blocs.registration.submitted", "blocs.scoring_table.imported", "blocs.self_scores.imported",
            "blocs.scorecard.verified", "blocs.scores.published", "awards.rule_set.revised",
            "awards.round.opened"} <= actions
    moves = [entry.changes for entry in AuditEntry.objects.filter(action="blocs.bloc_year.status_changed")]
    assert {"status": ["scoring", "meeting"]} in moves  # the meeting reached with nothing missing: no reason
    assert len(list(SHOTS.glob("*.png"))) == journey.counter > 100
    journey.audit.validate()
