"""The dossier's journey in a real browser (issue 4): the secretariat submits the bloc's nominations, the
province board returns the dossier with a reason, the secretariat corrects it (a nomination withdrawn with
a reason) and submits again, the board accepts it and records a decision, and the awarded unit's page
shows the award in its history.

The seed year's rounds are voted through the services first (the voting screens have their own journey).
Selectors are URLs, ids, form field names and data- attributes, never translated text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page, expect

from awards.models import Dossier, HistoryEntry, Nomination
from blocs.models import Award, RoleGrant, User
from tests.awards.conftest import Meeting, seed_meeting
from tests.awards.test_nominations import propose_seed
from tests.e2e.helpers import sign_in, url_of
from tests.factories import grant, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "ho-so-2022"
GOV, MERIT = "co-thi-dua-chinh-phu", "bang-khen-chu-tich-ubnd-tinh"
# Transactional tests empty the tables, the migration's catalogue included: put back what the seed needs.
CATALOGUE = [
    (GOV, "Cờ thi đua của Chính phủ", Award.Kind.TITLE, Award.Level.NATIONAL, False, 10),
    ("co-thi-dua-ubnd-tinh", "Cờ thi đua của UBND tỉnh", Award.Kind.TITLE, Award.Level.PROVINCIAL, False, 20),
    (MERIT, "Bằng khen của Chủ tịch UBND tỉnh", Award.Kind.FORM, Award.Level.PROVINCIAL, True, 30),
]
RETURN_REASON = "Thiếu báo cáo thành tích của Ban Nội chính Tỉnh ủy"
WITHDRAW_REASON = "Không đủ hồ sơ thành tích theo yêu cầu của Ban Thi đua – Khen thưởng"


def _seed() -> tuple[Meeting, User]:
    for code, name, kind, level, individuals, order in CATALOGUE:
        Award.objects.get_or_create(code=code, defaults={
            "name": name, "kind": kind, "level": level, "for_collectives": True,
            "for_individuals": individuals, "order": order})
    meeting = seed_meeting()
    propose_seed(meeting)
    board = make_user("ban_tdkt_quang_tri", first_name="Ban TĐKT", last_name="tỉnh")
    grant(board, RoleGrant.Kind.BOARD, province=meeting.bloc_year.bloc.province)
    for user in (meeting.secretariat, board):
        user.set_password(PASSWORD)
        user.save()
    return meeting, board



def _sign_in(page: Page, live_server: Any, user: User) -> None:
    sign_in(page, live_server, user.username, PASSWORD)


@pytest.fixture
def person(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[Any]:
    """A signed-in person in their own browser context, who accepts every confirm dialog."""
    contexts: list[BrowserContext] = []

    def open_page(live_server: Any, user: User) -> Page:
        context = browser.new_context(**browser_context_args)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        _sign_in(page, live_server, user)
        return page

    yield open_page
    for context in contexts:
        context.close()


def _status(page: Page, expected: str) -> None:
    expect(page.locator("#dossier-status")).to_have_attribute("data-status", expected)


def test_submit_return_correct_resubmit_accept_decide_and_the_history_shows_it(
        live_server: Any, person: Any, shot: Any) -> None:
    meeting, board_user = _seed()
    bloc_year = meeting.bloc_year
    nominations_url = url_of(live_server, "awards:nomination-list", bloc_year.pk)
    review_url = url_of(live_server, "awards:dossier-review", bloc_year.pk)
    gov = Nomination.objects.get(bloc_year=bloc_year, award__code=GOV)
    bnc = Nomination.objects.get(bloc_year=bloc_year, award__code=MERIT, unit=meeting.units["BNC"])

    # 1. The secretariat finds the nominations from the year-end vote and submits the dossier.
    secretariat = person(live_server, meeting.secretariat)
    secretariat.goto(url_of(live_server, "awards:round-list", bloc_year.pk))
    secretariat.locator("#to-nominations").click()
    secretariat.wait_for_url(nominations_url)
    _status(secretariat, "draft")
    expect(secretariat.locator('tr[data-status="proposed"]')).to_have_count(6)
    shot(secretariat, "secretariat-nominations-draft")
    secretariat.locator("#dossier-submit button[type=submit]").click()
    _status(secretariat, "submitted")
    expect(secretariat.locator("form[data-withdraw]")).to_have_count(0)  # sent: no more changes
    expect(secretariat.locator('#dossier-versions [data-version="1"]')).to_have_count(1)
    shot(secretariat, "secretariat-dossier-submitted")

    # 2. The board sees the bloc in the province view and returns the dossier with a reason.
    board = person(live_server, board_user)
    board.goto(url_of(live_server, "awards:province-view"))
    expect(board.locator(f'#province-rows tr[data-bloc-year="{bloc_year.pk}"]')).to_have_count(6)
    expect(board.locator("#gov-flag-cap")).to_have_attribute("data-count", "1")
    shot(board, "board-province-view")
    board.locator(f'#province-rows a[href="{reverse("awards:dossier-review", args=[bloc_year.pk])}"]').first.click()
    board.wait_for_url(review_url)
    _status(board, "submitted")
    board.locator("#dossier-return button[type=submit]").click()  # no reason: refused on the form
    expect(board.locator("#dossier-return .is-invalid")).to_have_count(1)
    _status(board, "submitted")
    board.fill("#dossier-return textarea[name=reason]", RETURN_REASON)
    shot(board, "board-return-with-reason")
    board.locator("#dossier-return button[type=submit]").click()
    _status(board, "returned")
    shot(board, "board-dossier-returned")

    # 3. The secretariat reads the reason, withdraws a nomination with a reason and submits again.
    secretariat.goto(nominations_url)
    _status(secretariat, "returned")
    expect(secretariat.locator("#returned-reason")).to_contain_text(RETURN_REASON)
    secretariat.fill(f"#withdraw-reason-{bnc.pk}", WITHDRAW_REASON)
    shot(secretariat, "secretariat-withdraw-with-reason")
    secretariat.locator(f'form[data-withdraw="{bnc.pk}"] button[type=submit]').click()
    row = secretariat.locator(f'tr[data-nomination="{bnc.pk}"]')
    expect(row).to_have_attribute("data-status", "withdrawn")
    expect(row.locator('[data-reason="withdrawn"]')).to_contain_text(WITHDRAW_REASON)
    secretariat.locator("#dossier-submit button[type=submit]").click()
    _status(secretariat, "submitted")
    expect(secretariat.locator("#dossier-versions details")).to_have_count(2)  # both versions kept
    shot(secretariat, "secretariat-dossier-resubmitted")

    # 4. The board sees both versions, accepts and records the decision.
    board.goto(review_url)
    expect(board.locator("#dossier-versions details")).to_have_count(2)
    expect(board.locator('#dossier-steps tr[data-step="returned"]')).to_contain_text(RETURN_REASON)
    board.locator("#dossier-accept button[type=submit]").click()
    _status(board, "accepted")
    form = board.locator("#decision-form")
    expect(form.locator("select")).to_have_count(5)  # the five nominees still proposed
    form.locator("input[name=number]").fill("231/QĐ-TTg")
    form.locator("input[name=issuer]").fill("Thủ tướng Chính phủ")
    form.locator("input[name=signed_on]").fill("2023-03-14")
    form.locator(f"select[name=awarded_{gov.pk}]").select_option("yes")
    shot(board, "board-decision-form")
    form.locator("button[type=submit]").click()
    expect(board.locator(f'tr[data-nomination="{gov.pk}"] [data-decided="yes"]')).to_have_count(1)
    expect(board.locator("#decisions [data-decision]")).to_have_count(1)
    _status(board, "accepted")  # the provincial awards are still to be decided
    shot(board, "board-decision-recorded")

    # 5. The unit's page shows the award in its history.
    board.goto(live_server.url + gov.unit.get_absolute_url())
    history = board.locator("#unit-history")
    expect(history.locator(f'tr[data-year="{bloc_year.year}"] [data-award="{GOV}"]')).to_have_count(1)
    expect(history).to_contain_text("231/QĐ-TTg")
    shot(board, "unit-history-with-award")

    # The database agrees.
    dossier = Dossier.objects.get(bloc_year=bloc_year)
    assert dossier.status == Dossier.Status.ACCEPTED
    assert [(s.status, s.version) for s in dossier.steps.order_by("at", "pk")] == [
        ("submitted", 1), ("returned", 1), ("submitted", 2), ("accepted", 2)]
    bnc.refresh_from_db()
    assert (bnc.status, bnc.withdrawal_reason) == (Nomination.Status.WITHDRAWN, WITHDRAW_REASON)
    entry = HistoryEntry.objects.get(unit=gov.unit, year=bloc_year.year)
    assert entry.award.code == GOV and entry.source == HistoryEntry.Source.DECISION
