"""One journey per user on the demo data, in a real browser, from sign-in to result (issue 6, item 1),
with every page checked by axe-core and the Nu HTML Checker (item 2, tests/e2e/a11y.py).

The demo is loaded as `make run` loads it (`load_demo`, DEMO_MODE on, so the documented sign-ins work):
"khoi-dang" 2022 submitted to the province with its results, 2023 at registration, and "khoi-noi-chinh"
2026 at its year-end meeting with the Government-flag round open. What another person does between two
steps of a journey (the secretariat moving a year on, circulating a draft) goes through the services, as
the screens would. Keyboard-only voting is covered by test_voting_journey.py.

Screenshots: artifacts/screenshots/<test>/; the HTML given to vnu: artifacts/pages/<test>/.
Selectors are URLs, ids, form field names and data- attributes, never translated text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page, expect

from awards.models import Ballot, Dossier, HistoryEntry, Meeting, Nomination, Round
from awards.services import ballots as ballot_services
from awards.services import rounds as round_services
from blocs.models import Award, BlocYear, Evidence, Registration, Scorecard, ScoringItem, Unit, User
from blocs.services.bloc_years import bloc_year_advance
from reports.management.commands.load_demo import DEMO_PASSPHRASE
from reports.models import Comment, ReportVersion
from reports.services import report as report_services
from tests.e2e.a11y import PAGES, PageAudit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PASSWORD = "demo-{}-2022"  # the sign-ins load_demo prints in demo mode
GOV_FLAG, PROVINCE_FLAG = "co-thi-dua-chinh-phu", "co-thi-dua-ubnd-tinh"
NARRATIVE = {
    "situation": "Năm 2026, các cơ quan Nội chính triển khai phong trào thi đua gắn với nhiệm vụ chính trị.",
    "strengths": "Phong trào thi đua được phát động sớm, có trọng tâm.",
    "shortcomings": "Một số đơn vị gửi báo cáo chậm.",
}
PDF_EVIDENCE = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass
class Demo:
    party_2022: BlocYear
    party_2023: BlocYear
    state_2026: BlocYear
    gov_round: Round  # khoi-noi-chinh 2026, open

    @staticmethod
    def user(username: str) -> User:
        return User.objects.get(username=username)

    @staticmethod
    def unit(short_code: str) -> Unit:
        return Unit.objects.get(short_code=short_code)


@pytest.fixture
def demo(settings: Any) -> Demo:
    """The demo as `make run` loads it, with the sign-ins it prints (DEMO_MODE). Transactional tests start
    from empty tables; the demo archives bring their own award catalogue."""
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=StringIO())
    state_2026 = BlocYear.objects.get(bloc__code="khoi-noi-chinh", year=2026)
    return Demo(party_2022=BlocYear.objects.get(bloc__code="khoi-dang", year=2022),
                party_2023=BlocYear.objects.get(bloc__code="khoi-dang", year=2023),
                state_2026=state_2026,
                gov_round=Round.objects.get(bloc_year=state_2026, award__code=GOV_FLAG, status=Round.Status.OPEN))


@pytest.fixture
def audit(request: pytest.FixtureRequest, live_server: Any) -> PageAudit:
    return PageAudit(PAGES / re.sub(r"[^\w.-]+", "_", request.node.name).strip("_"), live_server.url)


Step = Callable[[Page, str], None]


@pytest.fixture
def step(shot: Any, audit: PageAudit) -> Step:
    """A screenshot of the step, then the page's accessibility and HTML checks."""
    def take(page: Page, name: str) -> None:
        shot(page, name)
        audit.check(page, name)

    return take


class People:
    """Signs demo users in, each in their own browser context (own cookies), as in the meeting room.

    Every confirm dialog is accepted and its message kept in `dialogs[username]`."""

    def __init__(self, browser: Browser, context_args: dict[str, Any], base_url: str, audit: PageAudit,
                 step: Step) -> None:
        self.browser, self.context_args, self.base_url = browser, context_args, base_url
        self.audit, self.step = audit, step
        self.contexts: list[BrowserContext] = []
        self.dialogs: dict[str, list[str]] = {}

    def sign_in(self, username: str, **context_args: Any) -> Page:
        """`context_args` go to the browser context (a phone's viewport, say)."""
        context = self.browser.new_context(**{**self.context_args, **context_args})
        self.contexts.append(context)
        self.audit.watch(context)
        page = context.new_page()
        dialogs = self.dialogs.setdefault(username, [])
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
        page.goto(self.base_url + reverse("login"))
        if reverse("login") not in self.audit.checked:
            self.step(page, "sign-in")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD.format(username))
        page.click("main form:has(#id_username) button[type=submit]")
        page.wait_for_url(self.base_url + reverse("blocs:home"))
        self.step(page, f"{username}-home")
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def people(browser: Browser, browser_context_args: dict[str, Any], live_server: Any, audit: PageAudit,
           step: Step) -> Iterator[People]:
    people = People(browser, browser_context_args, live_server.url, audit, step)
    yield people
    people.close()


def _link(page: Page, url: str) -> None:
    """Follows the first link to `url` in the page's main content, as a user clicks it."""
    page.locator(f'main a[href="{url}"]').first.click()
    page.wait_for_url(re.compile(re.escape(url) + r"$"))


def _fits_phone(page: Page, where: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"horizontal scroll on a phone ({where}): page is {width}px wide"


def test_secretariat_opens_a_year_sets_its_scoring_table_and_records_the_meeting(
        live_server: Any, demo: Demo, people: People, step: Step, audit: PageAudit) -> None:
    state = demo.state_2026
    page = people.sign_in("thuky")

    # 1. From the home page to khoi-noi-chinh 2026, then opening 2027 with its head and deputy.
    _link(page, state.get_absolute_url())
    step(page, "year-2026")
    _link(page, reverse("blocs:year-open-next", args=[state.pk]))
    head, deputy = demo.unit("VKSNDT"), demo.unit("CAT")
    page.select_option("#id_head", str(head.pk))
    page.check(f'input[name=deputies][value="{deputy.pk}"]')
    step(page, "open-2027-form")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/years/\d+/$"))  # the new year's page
    year = BlocYear.objects.get(bloc=state.bloc, year=2027)
    assert page.url == live_server.url + year.get_absolute_url()
    expect(page.locator("#members tbody tr")).to_have_count(6)  # the members are copied forward
    step(page, "year-2027-opened")
    assert year.status == BlocYear.Status.SETUP and year.registration_deadline == dt.date(2027, 3, 15)
    assert {(m.unit.short_code, m.position) for m in year.memberships.exclude(position="member")} == {
        ("VKSNDT", "head"), ("CAT", "deputy")}

    # 2. The scoring table: a copy of 2026's, then one more criterion.
    scoring_url = reverse("blocs:scoring-table", args=[year.pk])
    _link(page, scoring_url)
    step(page, "scoring-table-none")
    page.click("main form button[type=submit]")  # create it
    copied = ScoringItem.objects.filter(table__bloc_year=state).count()
    expect(page.locator("main table tbody tr td:first-child")).to_have_count(copied)
    _link(page, reverse("blocs:scoring-item-add", args=[year.pk]))
    page.select_option("#id_kind", ScoringItem.Kind.CRITERION)
    page.fill("#id_group", "IV. Tham gia các hoạt động chung của Khối")
    page.fill("#id_code", "4.4")
    page.fill("#id_text", "Ứng dụng chuyển đổi số trong công tác thi đua, khen thưởng")
    page.fill("#id_max_points", "2")
    page.check("#id_evidence_required")
    page.fill("#id_order", "40")
    step(page, "scoring-line-form")
    page.click("main form button[type=submit]")
    page.wait_for_url(live_server.url + scoring_url)
    expect(page.locator("main table tbody")).to_contain_text("Ứng dụng chuyển đổi số")
    expect(page.locator("main table tbody tr td:first-child")).to_have_count(copied + 1)
    step(page, "scoring-table-with-new-line")
    added = ScoringItem.objects.get(table__bloc_year=year, code="4.4")
    assert added.evidence_required and added.max_points == 2

    # 3. The year moves on to its meeting (registration, scoring: other journeys), one confirm each time;
    # the scoring table locks when scoring opens.
    page.goto(live_server.url + year.get_absolute_url())
    advance = page.locator(f'form[action="{reverse("blocs:year-advance", args=[year.pk])}"]')
    for status in (BlocYear.Status.REGISTRATION, BlocYear.Status.SCORING, BlocYear.Status.MEETING):
        if advance.locator("textarea[name=reason]").count():  # what is missing is listed: a reason to go on
            expect(advance.locator("#advance-warnings")).to_be_visible()
            advance.locator("textarea[name=reason]").fill("Các đơn vị còn lại đăng ký bằng văn bản giấy")
        advance.locator("button[type=submit]").click()
        expect(advance.locator("input[name=status]")).to_have_value(status)
    year.refresh_from_db()
    assert year.status == BlocYear.Status.MEETING
    assert len(people.dialogs["thuky"]) == 3
    _link(page, scoring_url)  # scoring has opened: the table is locked, read-only
    expect(page.locator(f'main a[href="{reverse("blocs:scoring-item-add", args=[year.pk])}"]')).to_have_count(0)
    expect(page.locator("main table tbody")).to_contain_text("Ứng dụng chuyển đổi số")
    step(page, "scoring-table-locked")
    _link(page, year.get_absolute_url())  # back to the year, by the breadcrumb

    # 4. The meeting and its attendance: one unit absent with its reason, the counting committee.
    rounds_url = reverse("awards:round-list", args=[year.pk])
    _link(page, rounds_url)
    step(page, "meeting-rounds-empty")
    _link(page, reverse("awards:meeting-edit", args=[year.pk]))
    absent = demo.unit("CTHADS")
    expect(page.locator("input[name=present]:checked")).to_have_count(6)  # everyone, to start with
    page.fill("#id_held_on", "2027-11-25")
    page.fill("#id_starts_at", "08:00")
    page.fill("#id_chair_name", "Lê Quang Vinh, Chánh án Tòa án nhân dân tỉnh")
    page.fill("#id_secretary_name", "Nguyễn Thị Hạnh")
    page.uncheck(f'input[name=present][value="{absent.pk}"]')
    page.fill("#id_absence_reasons", "CTHADS: đi công tác theo kế hoạch của Cục")
    page.fill("#id_committee", "Trương Văn Dũng, Phó Chánh Thanh tra tỉnh\nHồ Thị Ngọc Ánh, Sở Tư pháp")
    step(page, "meeting-form")
    page.click("main form button[type=submit]")
    page.wait_for_url(live_server.url + rounds_url)
    generate = page.locator(f'form[action="{reverse("awards:rounds-generate", args=[year.pk])}"]')
    generate.locator("button[type=submit]").click()
    expect(generate).to_have_count(0)  # gone once the rounds exist
    for round_ in year.rounds.all():
        expect(page.locator(f'main a[href="{round_.get_absolute_url()}"]')).to_be_visible()
    step(page, "meeting-recorded-rounds-created")
    meeting = Meeting.objects.get(bloc_year=year)
    assert meeting.held_on == dt.date(2027, 11, 25) and meeting.place == state.place_name
    assert [(a.unit.short_code, a.absence_reason) for a in meeting.attendance.filter(is_present=False)] == [
        ("CTHADS", "đi công tác theo kế hoạch của Cục")]
    assert meeting.attendance.filter(is_present=True).count() == 5
    assert [c.name for c in meeting.committee.order_by("order")][0].startswith("Trương Văn Dũng")
    assert year.rounds.filter(status=Round.Status.DRAFT).count() == year.rounds.count() >= 3
    audit.validate()


def test_representative_registers_self_scores_votes_on_a_phone_and_comments(
        live_server: Any, demo: Demo, people: People, step: Step, audit: PageAudit) -> None:
    party = demo.party_2023
    unit = demo.unit("BDVTU")
    page = people.sign_in("daidien")

    # 1. Registration for 2023, from the home page's task list.
    edit_url = reverse("blocs:registration-edit", args=[party.pk, unit.pk])
    _link(page, edit_url)
    step(page, "registration-form")
    targets = "Hoàn thành 100% nhiệm vụ công tác dân vận năm 2023; 100% chi bộ trong sạch, vững mạnh"
    page.fill("#id_targets", targets)
    award = Award.objects.get(code=PROVINCE_FLAG)
    page.check(f'input[name=awards][value="{award.pk}"]')
    page.click("form:has(#id_targets) button[type=submit]")
    submit = page.locator(f'form[action="{reverse("blocs:registration-submit", args=[party.pk, unit.pk])}"]')
    expect(submit).to_be_visible()
    step(page, "registration-draft-saved")
    submit.locator("button[type=submit]").click()
    expect(page.locator("#id_targets")).to_have_count(0)
    expect(page.locator("main")).to_contain_text(award.name)
    step(page, "registration-submitted")
    registration = Registration.objects.get(bloc_year=party, unit=unit)
    assert registration.is_submitted and registration.targets == targets

    # 2. The secretariat opens scoring (last year's table is copied); the unit self-scores with evidence.
    bloc_year_advance(actor=demo.user("thuky"), bloc_year=party)
    page.goto(live_server.url + reverse("blocs:home"))
    self_url = reverse("blocs:self-scores", args=[party.pk, unit.pk])
    _link(page, self_url)
    values = page.locator("main input[name^=value_]")
    items = list(ScoringItem.objects.filter(table__bloc_year=party).exclude(kind=ScoringItem.Kind.DISQUALIFIER)
                 .order_by("order", "pk"))
    expect(values).to_have_count(len(items))
    first = items[0]
    for item in items:
        if item.kind == ScoringItem.Kind.CRITERION:
            page.fill(f"#id_value_{item.pk}", str(item.max_points))
    page.fill(f"#id_comment_{first.pk}", "Có báo cáo tổng kết kèm theo")
    page.locator("main form:has(input[name^=value_]) button[type=submit]").click()
    page.wait_for_url(live_server.url + self_url)
    expect(page.locator("main .alert-success")).to_be_visible()
    page.select_option("#evidence-item", str(first.pk))
    page.set_input_files("#evidence-file", {"name": "bao-cao-tong-ket-2023.pdf", "mimeType": "application/pdf",
                                            "buffer": PDF_EVIDENCE})
    step(page, "self-scores-saved-evidence-chosen")
    page.click(f'form[action="{reverse("blocs:evidence-add", args=[party.pk, unit.pk])}"] button[type=submit]')
    page.wait_for_url(live_server.url + self_url)
    expect(page.locator('main a[href*="/evidence/"]')).to_have_count(1)
    page.click(f'form[action="{reverse("blocs:self-scores-submit", args=[party.pk, unit.pk])}"] button[type=submit]')
    expect(page.locator(f"#id_value_{first.pk}")).to_have_count(0)  # locked, read-only
    expect(page.locator('main a[href*="/evidence/"]')).to_contain_text("bao-cao-tong-ket-2023.pdf")
    step(page, "self-scores-submitted")
    scorecard = Scorecard.objects.get(bloc_year=party, unit=unit)
    assert scorecard.submitted_at is not None
    assert {line.item_id: line.self_value for line in scorecard.lines.filter(item__kind="criterion")} == {
        item.pk: item.max_points for item in items if item.kind == ScoringItem.Kind.CRITERION}
    assert Evidence.objects.get(line__scorecard=scorecard).line.item == first

    # 3. The secretariat circulates a correction of the adopted 2022 report; the representative comments on it.
    secretariat = demo.user("thuky")
    adopted = ReportVersion.objects.get(bloc_year=demo.party_2022, status=ReportVersion.Status.ADOPTED)
    draft = report_services.report_correct(actor=secretariat, version=adopted, note="Bổ sung phần ưu điểm.")
    draft = report_services.report_narrative_update(actor=secretariat, version=draft, narrative=NARRATIVE)
    draft = report_services.report_circulate(actor=secretariat, version=draft)
    page.goto(live_server.url + demo.party_2022.get_absolute_url())
    step(page, "year-2022")
    _link(page, reverse("reports:report-home", args=[demo.party_2022.pk]))
    step(page, "report-home")
    _link(page, draft.get_absolute_url())
    comment = "Đề nghị bổ sung kết quả công tác dân vận của các đơn vị vào phần ưu điểm."
    page.select_option("#comment-form select[name=section]", "strengths")
    page.fill("#comment-form textarea[name=text]", comment)
    step(page, "report-comment-typed")
    page.locator("#comment-form button[type=submit]").click()
    expect(page.locator("article[data-comment]")).to_contain_text(comment)
    step(page, "report-comment-recorded")
    made = Comment.objects.get(version=draft)
    assert (made.unit, made.section, made.author.username) == (unit, "strengths", "daidien")

    # 4. Sở Tư pháp's representative votes on a phone in the open Government-flag round.
    round_ = demo.gov_round
    phone = people.sign_in("daidien_nc", viewport=PHONE, is_mobile=True, has_touch=True)
    vote_url = reverse("awards:vote", args=[round_.pk])
    expect(phone.locator(f'section[aria-labelledby=open-rounds] a[href="{vote_url}"]')).to_be_visible()
    _link(phone, vote_url)
    chosen = demo.unit("TANDT")
    _fits_phone(phone, "ballot")
    step(phone, "phone-ballot")
    phone.check(f'input[name=choices][value="{chosen.pk}"]')
    phone.locator("main form:has(input[name=choices]) button[type=submit]").click()
    cast = phone.locator(f'form[action="{reverse("awards:vote-cast", args=[round_.pk])}"]')
    expect(cast.locator(f'input[name=choices][value="{chosen.pk}"]')).to_have_count(1)
    _fits_phone(phone, "review")
    step(phone, "phone-review")
    cast.locator("button[type=submit]").click()
    receipt = phone.locator("#receipt")
    expect(receipt).to_be_visible()
    code = receipt.inner_text().strip()
    _fits_phone(phone, "receipt")
    step(phone, "phone-receipt")

    # 5. After the chair closes the round, the receipt is on the list of counted ballots.
    round_services.round_close(actor=demo.user("truongkhoi_nc"), round_=round_, passphrase=DEMO_PASSPHRASE)
    phone.goto(live_server.url + round_.get_absolute_url())
    expect(phone.locator("#round-results")).to_be_visible()
    step(phone, "phone-round-results")
    _link(phone, reverse("awards:verification", args=[round_.pk]))
    phone.fill("input#receipt", code)
    phone.locator("main form[role=search] button[type=submit]").click()
    found = phone.locator('main .alert-success[role="status"]')
    expect(found).to_contain_text(code)
    expect(found).to_contain_text(chosen.name)
    _fits_phone(phone, "verification")
    step(phone, "phone-receipt-verified")
    ballot = Ballot.objects.get(round=round_, receipt=code)
    assert ballot.choices == [chosen.pk] and ballot.source == Ballot.Source.ONLINE
    assert len(people.dialogs["daidien"]) == 2  # submitting the registration and the scores asked first
    audit.validate()


def test_chair_closes_and_opens_rounds_adopts_the_report_and_downloads_its_pdf(
        live_server: Any, demo: Demo, people: People, step: Step, audit: PageAudit) -> None:
    state = demo.state_2026
    secretariat = demo.user("thuky")
    draft = report_services.report_draft_create(actor=secretariat, bloc_year=state)
    draft = report_services.report_narrative_update(actor=secretariat, version=draft, narrative=NARRATIVE)
    report_services.report_circulate(actor=secretariat, version=draft)
    page = people.sign_in("truongkhoi_nc")

    # 1. To the open Government-flag round (2 of 6 units have voted), then close and count it.
    gov = demo.gov_round
    _link(page, state.get_absolute_url())
    step(page, "year-2026")
    _link(page, reverse("awards:round-list", args=[state.pk]))
    step(page, "rounds")
    _link(page, gov.get_absolute_url())
    expect(page.locator("#round-turnout")).to_have_attribute("data-turnout", "2")
    step(page, "gov-round-open")
    _link(page, reverse("awards:round-close", args=[gov.pk]))
    page.fill("#id_ballots_issued", "6")
    page.fill("#id_passphrase", DEMO_PASSPHRASE)  # the committee's, which the demo publishes
    expect(page.locator("#ballots-missing")).to_contain_text("2 trong 6")
    page.fill("#id_close_reason", "Bốn đơn vị vắng mặt khi bỏ phiếu")
    step(page, "gov-round-close-form")
    page.locator("main form:has(#id_ballots_issued) button[type=submit]").click()
    page.wait_for_url(live_server.url + gov.get_absolute_url())
    expect(page.locator('#round-counts [data-count="returned"]')).to_have_text("2")
    expect(page.locator("#round-results tbody tr")).to_have_count(gov.candidates.count())
    step(page, "gov-round-results")
    gov.refresh_from_db()
    assert gov.status == Round.Status.CLOSED and gov.ballots_issued == 6

    # 2. The next round, the provincial flag: the chair opens it, units vote, the chair closes it.
    flag = Round.objects.get(bloc_year=state, award__code=PROVINCE_FLAG)
    page.goto(live_server.url + reverse("awards:round-list", args=[state.pk]))
    _link(page, flag.get_absolute_url())
    step(page, "province-flag-round-draft")
    page.click(f'form[action="{reverse("awards:round-open", args=[flag.pk])}"] button[type=submit]')
    expect(page.locator("#round-turnout")).to_have_attribute("data-turnout", "0")
    step(page, "province-flag-round-open")
    flag.refresh_from_db()
    assert flag.status == Round.Status.OPEN
    candidates = list(flag.candidates.order_by("unit__name").values_list("unit_id", flat=True))
    chosen = candidates[0]
    ballot_services.ballot_cast(actor=demo.user("daidien_nc"), round_=flag, unit=demo.unit("STP"), choices=[chosen])
    for _n in range(4):  # the paper ballots of the units that voted in the room
        ballot_services.paper_ballot_enter(actor=secretariat, round_=flag, choices=[chosen])
    page.reload()
    expect(page.locator("#round-turnout")).to_have_attribute("data-turnout", "1")
    _link(page, reverse("awards:round-close", args=[flag.pk]))
    page.fill("#id_ballots_issued", "6")
    page.fill("#id_passphrase", DEMO_PASSPHRASE)
    page.fill("#id_close_reason", "Một đơn vị không nộp phiếu")
    step(page, "province-flag-round-close-form")
    page.locator("main form:has(#id_ballots_issued) button[type=submit]").click()
    page.wait_for_url(live_server.url + flag.get_absolute_url())
    expect(page.locator(f'#round-results tr[data-unit="{chosen}"] [data-votes]')).to_have_text("5")
    expect(page.locator(f'#round-results tr[data-unit="{chosen}"].table-success')).to_have_count(1)
    step(page, "province-flag-round-results")
    flag.refresh_from_db()
    assert flag.status == Round.Status.CLOSED and flag.result["elected"] == [chosen]
    assert Nomination.objects.filter(bloc_year=state, award__code=PROVINCE_FLAG, unit_id=chosen).exists()

    # 3. The circulated report: adopt it, then download the PDF whose fingerprint the page shows.
    page.goto(live_server.url + state.get_absolute_url())
    _link(page, reverse("reports:report-home", args=[state.pk]))
    step(page, "report-home")
    _link(page, draft.get_absolute_url())
    step(page, "report-circulated")
    _link(page, reverse("reports:report-adopt", args=[draft.pk]))
    page.fill("#id_doc_date", "2026-11-26")
    page.fill("#id_doc_number", "12")
    expect(page.locator("#adoption-warnings")).to_be_visible()  # the demo's draft leaves sections empty
    page.fill("#id_adopt_reason", "Hội nghị thống nhất thông qua; các phần còn trống bổ sung ở bản đính chính")
    step(page, "report-adopt-form")
    page.locator("#adopt-form button[type=submit]").click()
    page.wait_for_url(live_server.url + draft.get_absolute_url())
    expect(page.locator("#version-status")).to_have_attribute("data-status", "adopted")
    fingerprint = page.locator("#pdf-sha256").inner_text().strip()
    step(page, "report-adopted")
    pdf = page.request.get(live_server.url + page.locator("#download-pdf").get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    body = pdf.body()
    assert body[:4] == b"%PDF"
    assert hashlib.sha256(body).hexdigest() == fingerprint
    adopted = ReportVersion.objects.get(pk=draft.pk)
    assert (adopted.status, adopted.doc_number, adopted.doc_date) == ("adopted", 12, dt.date(2026, 11, 26))
    assert adopted.pdf_sha256 == fingerprint and adopted.adopted_by.username == "truongkhoi_nc"
    assert len(people.dialogs["truongkhoi_nc"]) == 3  # closing twice and opening asked first
    audit.validate()


def test_province_board_accepts_the_dossier_records_a_decision_and_sees_the_award(
        live_server: Any, demo: Demo, people: People, step: Step, audit: PageAudit) -> None:
    party = demo.party_2022
    gov = Nomination.objects.get(bloc_year=party, award__code=GOV_FLAG)
    page = people.sign_in("bantdkt")

    # 1. The province view of 2022 lists the bloc's proposals and leads to its dossier.
    view_url = reverse("awards:province-view")
    page.locator(f'header a[href="{view_url}"]').click()
    page.wait_for_url(re.compile(re.escape(view_url)))
    page.fill("#year", "2022")
    page.locator("main form[role=search] button[type=submit]").click()
    rows = page.locator(f'#province-rows tr[data-bloc-year="{party.pk}"]')
    expect(rows).to_have_count(Nomination.objects.filter(bloc_year=party).count())
    expect(page.locator("#gov-flag-cap")).to_have_attribute("data-count", "1")
    step(page, "province-view-2022")
    review_url = reverse("awards:dossier-review", args=[party.pk])
    _link(page, review_url)
    expect(page.locator("#dossier-status")).to_have_attribute("data-status", "submitted")
    step(page, "dossier-submitted")

    # 2. Accept it, then record the Prime Minister's decision on the Government flag.
    page.locator("#dossier-accept button[type=submit]").click()
    expect(page.locator("#dossier-status")).to_have_attribute("data-status", "accepted")
    form = page.locator("#decision-form")
    form.locator("input[name=number]").fill("231/QĐ-TTg")
    form.locator("input[name=issuer]").fill("Thủ tướng Chính phủ")
    form.locator("input[name=signed_on]").fill("2023-03-14")
    form.locator(f"select[name=awarded_{gov.pk}]").select_option("yes")
    step(page, "decision-form")
    form.locator("button[type=submit]").click()
    expect(page.locator(f'tr[data-nomination="{gov.pk}"] [data-decided="yes"]')).to_have_count(1)
    expect(page.locator("#decisions [data-decision]")).to_have_count(1)
    step(page, "decision-recorded")

    # 3. The unit's page shows the award in its history, with the decision.
    page.goto(live_server.url + gov.unit.get_absolute_url())
    history = page.locator("#unit-history")
    expect(history.locator(f'tr[data-year="2022"] [data-award="{GOV_FLAG}"]')).to_have_count(1)
    expect(history).to_contain_text("231/QĐ-TTg")
    step(page, "unit-history-with-award")
    assert Dossier.objects.get(bloc_year=party).status == Dossier.Status.ACCEPTED
    entry = HistoryEntry.objects.get(unit=gov.unit, year=2022, award__code=GOV_FLAG)
    assert entry.source == HistoryEntry.Source.DECISION and "231/QĐ-TTg" in entry.reference
    assert len(people.dialogs["bantdkt"]) == 1  # accepting the dossier asked first
    audit.validate()


def test_dashboards_at_desktop_and_phone_width(live_server: Any, demo: Demo, people: People, step: Step,
                                                audit: PageAudit) -> None:
    """Issue 14: the board's year at a glance, a bloc year's progress and a unit's years, reached from the home
    page, each looked at on a desktop and on a phone, axe-checked."""
    party = demo.party_2022
    board = people.sign_in("bantdkt")
    dashboard = reverse("awards:province-dashboard")
    _link(board, dashboard)
    board.fill("#year", "2022")
    board.locator("main form[role=search] button[type=submit]").click()
    expect(board.locator(f'#dashboard-rows tr[data-bloc-year="{party.pk}"]')).to_have_count(1)
    expect(board.locator("#proposals-per-year svg[role=img]")).to_have_count(1)
    step(board, "province-dashboard-2022")
    board.locator("#kind-filter a").nth(2).click()  # the clusters: the demo has none
    expect(board.locator("#dashboard-rows")).to_have_count(0)
    board.locator("#kind-filter a").nth(0).click()  # all again
    _link(board, reverse("awards:year-dashboard", args=[party.pk]))
    expect(board.locator("#final-scores svg rect[data-value]")).to_have_count(party.memberships.count())
    step(board, "year-dashboard-2022")

    chair = people.sign_in("truongkhoi_nc", viewport=PHONE, is_mobile=True, has_touch=True)
    _link(chair, reverse("awards:year-dashboard", args=[demo.state_2026.pk]))
    expect(chair.locator("#steps tr[data-step]")).to_have_count(4)
    _fits_phone(chair, "year dashboard")
    step(chair, "year-dashboard-phone")
    unit = demo.state_2026.memberships.order_by("unit__name").first().unit
    chair.goto(live_server.url + reverse("awards:unit-timeline", args=[unit.pk]))
    expect(chair.locator("#timeline tr[data-year]")).not_to_have_count(0)
    _fits_phone(chair, "unit timeline")
    step(chair, "unit-timeline-phone")

    phone_board = people.sign_in("bantdkt", viewport=PHONE, is_mobile=True, has_touch=True)
    phone_board.goto(live_server.url + dashboard + "?year=2022")
    _fits_phone(phone_board, "province dashboard")
    step(phone_board, "province-dashboard-phone")
    audit.validate()
