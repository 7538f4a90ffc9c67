"""The year-end report in a real browser (issue 5): a representative comments on a section of the
circulated draft, the secretariat answers and issues a new draft, the chair adopts it and downloads the
PDF, whose bytes match the fingerprint the page shows.

Each person has their own browser context. Selectors are URLs, form field names, ids and data-
attributes, never translated text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page, expect

from blocs.models import Award, User
from reports.models import Comment, ReportVersion
from reports.services import report as services
from tests.e2e.helpers import sign_in, url_of
from tests.reports.test_report_seed import NARRATIVE, SeedYear, seed_year

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Transactional tests empty the tables, the migration's catalogue included: put back what the seed uses.
CATALOGUE = [
    ("co-thi-dua-chinh-phu", "Cờ thi đua của Chính phủ", Award.Kind.TITLE, Award.Level.NATIONAL, False, 10),
    ("co-thi-dua-ubnd-tinh", "Cờ thi đua của UBND tỉnh", Award.Kind.TITLE, Award.Level.PROVINCIAL, False, 20),
    ("bang-khen-chu-tich-ubnd-tinh", "Bằng khen của Chủ tịch UBND tỉnh", Award.Kind.FORM, Award.Level.PROVINCIAL,
     True, 30),
    ("tap-the-lao-dong-xuat-sac", "Tập thể lao động xuất sắc", Award.Kind.TITLE, Award.Level.PROVINCIAL, False, 40),
]
PASSWORD = "bao-cao-2022"
COMMENT = "Đề nghị bổ sung kết quả công tác dân vận vào phần ưu điểm <b>x</b>."
NEW_STRENGTHS = "Phong trào thi đua sôi nổi.\n\n**Công tác dân vận** được các đơn vị chú trọng."


def _seed() -> tuple[SeedYear, ReportVersion]:
    for code, name, kind, level, individuals, order in CATALOGUE:
        Award.objects.get_or_create(code=code, defaults={
            "name": name, "kind": kind, "level": level, "for_collectives": True,
            "for_individuals": individuals, "order": order})
    seed = seed_year()
    for user in [seed.meeting.secretariat, seed.meeting.chair, seed.meeting.reps["BDV"]]:
        user.set_password(PASSWORD)
        user.save()
    draft = services.report_draft_create(actor=seed.meeting.secretariat, bloc_year=seed.bloc_year)
    draft = services.report_narrative_update(actor=seed.meeting.secretariat, version=draft, narrative=NARRATIVE)
    return seed, services.report_circulate(actor=seed.meeting.secretariat, version=draft)



def _sign_in(page: Page, live_server: Any, user: User) -> None:
    sign_in(page, live_server, user.username, PASSWORD)


@pytest.fixture
def new_page(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[Any]:
    """Opens a page in one more browser context (one more person); all are closed at the end."""
    contexts: list[BrowserContext] = []

    def open_page() -> Page:
        context = browser.new_context(**browser_context_args)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # the confirm before circulating
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_comment_answer_new_draft_adopt_and_download(live_server: Any, new_page: Any, shot: Any) -> None:
    seed, circulated = _seed()
    bloc_year = seed.bloc_year
    home_url = url_of(live_server, "reports:report-home", bloc_year.pk)

    # 1. A representative finds the report from the year's page and comments on a section.
    rep = new_page()
    _sign_in(rep, live_server, seed.meeting.reps["BDV"])
    rep.goto(live_server.url + bloc_year.get_absolute_url())
    rep.locator(f'main a[href="{reverse("reports:report-home", args=[bloc_year.pk])}"]').first.click()
    rep.wait_for_url(home_url)
    expect(rep.locator("#report-versions tr[data-version]")).to_have_count(1)
    shot(rep, "rep-report-home")
    rep.locator(f'main a[href="{circulated.get_absolute_url()}"]').first.click()
    form = rep.locator("#comment-form")
    expect(form).to_be_visible()
    expect(rep.frame_locator("#document-frame").locator("#draft-mark")).to_be_visible()
    rep.select_option("#comment-form select[name=section]", "strengths")
    rep.fill("#comment-form textarea[name=text]", COMMENT)
    shot(rep, "rep-comment-typed")
    form.locator("button[type=submit]").click()
    comment = rep.locator("article[data-comment]")
    expect(comment).to_have_count(1)
    expect(comment).to_contain_text(COMMENT)  # typed HTML shows as text
    expect(comment).to_have_attribute("data-answer", "")
    shot(rep, "rep-comment-recorded")
    made = Comment.objects.get()
    assert (made.unit, made.section, made.version) == (seed.unit("BDV"), "strengths", circulated)

    # 2. The secretariat answers it, then issues a new draft with the change and circulates it.
    secretariat = new_page()
    _sign_in(secretariat, live_server, seed.meeting.secretariat)
    secretariat.goto(live_server.url + circulated.get_absolute_url())
    answer = secretariat.locator(f"#comment-{made.pk} form.answer-form")
    answer.locator('input[name=answer][value="accepted"]').check()
    answer.locator("textarea[name=answer_text]").fill("Đã bổ sung vào mục 6a.")
    shot(secretariat, "secretariat-answer")
    answer.locator("button[type=submit]").click()
    expect(secretariat.locator(f"#comment-{made.pk}")).to_have_attribute("data-answer", "accepted")
    shot(secretariat, "secretariat-answered")
    secretariat.goto(home_url)
    secretariat.locator("#draft-create").click()
    second = ReportVersion.objects.get(bloc_year=bloc_year, number=2)
    secretariat.wait_for_url(url_of(live_server, "reports:report-edit", second.pk))
    secretariat.fill("textarea[name=strengths]", NEW_STRENGTHS)
    shot(secretariat, "secretariat-editor")
    secretariat.locator("#narrative-form button[type=submit]:not([name=preview])").click()
    secretariat.wait_for_url(live_server.url + second.get_absolute_url())
    secretariat.locator("#circulate").click()
    expect(secretariat.locator("#version-status")).to_have_attribute("data-status", "circulated")
    shot(secretariat, "secretariat-new-draft-circulated")
    circulated.refresh_from_db()
    second.refresh_from_db()
    assert circulated.status == "superseded" and second.status == "circulated"
    assert second.narrative["strengths"] == NEW_STRENGTHS
    secretariat.goto(f'{url_of(live_server, "reports:report-compare", bloc_year.pk)}?a=1&b=2')
    expect(secretariat.locator('section[data-section="strengths"]')).to_have_attribute("data-changed", "1")
    expect(secretariat.locator('section[data-section="lessons"]')).to_have_attribute("data-changed", "0")
    expect(secretariat.locator('section[data-section="strengths"] ins')).to_contain_text("Công tác dân vận")
    shot(secretariat, "secretariat-compare-1-2")

    # 3. The chair adopts the new draft: numbered, dated, frozen; then downloads the PDF and the Word file.
    chair = new_page()
    _sign_in(chair, live_server, seed.meeting.chair)
    chair.goto(live_server.url + second.get_absolute_url())
    chair.locator("#adopt").click()
    chair.wait_for_url(url_of(live_server, "reports:report-adopt", second.pk))
    expect(chair.locator("#unanswered")).to_have_count(0)  # the only comment was answered
    chair.fill("#id_doc_date", "2022-12-01")
    chair.fill("#id_doc_number", "5")
    shot(chair, "chair-adopt-form")
    chair.locator("#adopt-form button[type=submit]").click()
    chair.wait_for_url(live_server.url + second.get_absolute_url())
    expect(chair.locator("#version-status")).to_have_attribute("data-status", "adopted")
    fingerprint = chair.locator("#pdf-sha256").inner_text().strip()
    expect(chair.frame_locator("#document-frame").locator("#draft-mark")).to_have_count(0)
    shot(chair, "chair-adopted")

    pdf_href = chair.locator("#download-pdf").get_attribute("href")
    downloaded = chair.request.get(live_server.url + pdf_href)
    assert downloaded.ok and downloaded.headers["content-type"] == "application/pdf"
    body = downloaded.body()
    assert body[:4] == b"%PDF"
    second.refresh_from_db()
    assert hashlib.sha256(body).hexdigest() == fingerprint == second.pdf_sha256
    assert chair.request.get(live_server.url + pdf_href).body() == body  # served as stored, every time

    with chair.expect_download() as word:
        chair.locator("#download-docx").click()
        expect(chair.locator("#download-docx .spinner-border")).to_be_visible()
    assert word.value.suggested_filename.endswith(".docx")
    shot(chair, "chair-downloading-word")
    assert (second.doc_number, str(second.doc_date)) == (5, "2022-12-01")
