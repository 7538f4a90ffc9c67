"""The voting journey in a real browser (issue 3): the chair opens a round, representatives vote on a
phone-sized screen and get receipts, the secretariat enters two paper ballots, the chair closes, and
the results and the list of counted ballots are right.

Each person has their own browser context (own cookies), as in the meeting room. Selectors are URLs,
form field names and values, ids and data- attributes, never translated text (numbers aside).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from awards.models import Ballot, Round, Turnout
from blocs.models import Award, Unit, User
from tests.awards.conftest import Meeting, seed_meeting
from tests.e2e.helpers import sign_in, url_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PASSWORD = "phieu-bau-2022"
# seed_meeting's three categories. Transactional tests empty the tables, the migration's catalogue
# included: put back the rows the seed needs.
CATALOGUE = [
    ("co-thi-dua-chinh-phu", "Cờ thi đua của Chính phủ", Award.Kind.TITLE, Award.Level.NATIONAL, False, 10),
    ("co-thi-dua-ubnd-tinh", "Cờ thi đua của UBND tỉnh", Award.Kind.TITLE, Award.Level.PROVINCIAL, False, 20),
    ("bang-khen-chu-tich-ubnd-tinh", "Bằng khen của Chủ tịch UBND tỉnh", Award.Kind.FORM, Award.Level.PROVINCIAL,
     True, 30),
]
VOTERS = ["VPTU", "BTC", "UBKT"]  # the representatives who vote online; KEYBOARD_VOTER uses only the keyboard
KEYBOARD_VOTER = "UBKT"
CHOSEN = "BDV"  # everyone ticks Ban Dân vận, the first candidate by name


def _seed() -> Meeting:
    for code, name, kind, level, individuals, order in CATALOGUE:
        Award.objects.get_or_create(code=code, defaults={
            "name": name, "kind": kind, "level": level, "for_collectives": True,
            "for_individuals": individuals, "order": order})
    meeting = seed_meeting()
    for user in [meeting.secretariat, meeting.chair, *meeting.reps.values()]:
        user.set_password(PASSWORD)
        user.save()
    return meeting



def _sign_in(page: Page, live_server: Any, user: User) -> None:
    sign_in(page, live_server, user.username, PASSWORD)


def _assert_fits_phone(page: Page, where: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"horizontal scroll on a phone ({where}): page is {width}px wide"


def _focus_with_tab(page: Page, selector: str, *, limit: int = 20) -> None:
    """Press Tab until the first element matching `selector` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with {limit} Tab presses")


def test_chair_opens_representatives_vote_secretariat_enters_paper_chair_closes(
        live_server: Any, new_context: Any, shot: Any) -> None:
    meeting = _seed()
    bloc_year = meeting.bloc_year
    chosen: Unit = meeting.units[CHOSEN]

    # 1. The secretariat creates the rounds from the rule set.
    secretariat = new_context().new_page()
    _sign_in(secretariat, live_server, meeting.secretariat)
    secretariat.goto(url_of(live_server, "awards:round-list", bloc_year.pk))
    generate = secretariat.locator(f'form[action="{reverse("awards:rounds-generate", args=[bloc_year.pk])}"]')
    shot(secretariat, "secretariat-round-list-empty")
    generate.locator("button[type=submit]").click()
    expect(generate).to_have_count(0)  # the button goes once the rounds exist
    round_ = Round.objects.get(bloc_year=bloc_year, award__code="co-thi-dua-chinh-phu")
    assert bloc_year.rounds.count() == 5  # three awards, next year's head and deputies
    expect(secretariat.locator(f'main a[href="{round_.get_absolute_url()}"]')).to_be_visible()
    shot(secretariat, "secretariat-rounds-created")

    # 2. The chair opens the Government-flag round (a confirm dialog first).
    chair = new_context().new_page()
    chair_dialogs: list[str] = []
    chair.on("dialog", lambda dialog: (chair_dialogs.append(dialog.message), dialog.accept()))
    _sign_in(chair, live_server, meeting.chair)
    chair.goto(live_server.url + round_.get_absolute_url())
    shot(chair, "chair-round-draft")
    chair.locator(f'form[action="{reverse("awards:round-open", args=[round_.pk])}"] button[type=submit]').click()
    # The meeting's first opening shows the counting committee's passphrase, once; the committee writes it down.
    passphrase = chair.locator("#passphrase")
    expect(passphrase).to_be_visible()
    written_down = passphrase.inner_text().strip()
    assert len(written_down.replace("-", "")) == 16, written_down
    shot(chair, "chair-passphrase-once")
    chair.locator(f'main a[href="{round_.get_absolute_url()}"]').click()
    turnout = chair.locator("#round-turnout")
    expect(turnout).to_have_attribute("data-turnout", "0")
    expect(turnout).to_contain_text("0")
    expect(chair.locator("#round-results")).to_have_count(0)
    expect(chair.locator("#round-counts")).to_have_count(0)
    shot(chair, "chair-round-open-turnout-only")
    round_.refresh_from_db()
    assert round_.status == Round.Status.OPEN
    assert round_.candidates.count() == 9

    # 3. Three representatives vote on phones and keep their receipts.
    vote_path = reverse("awards:vote", args=[round_.pk])
    cast_form = f'form[action="{reverse("awards:vote-cast", args=[round_.pk])}"]'
    receipts: dict[str, str] = {}
    phones: dict[str, Page] = {}
    for code in VOTERS:
        first = code == VOTERS[0]
        phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
        phones[code] = phone
        _sign_in(phone, live_server, meeting.reps[code])
        panel = phone.locator("section[aria-labelledby=open-rounds]")
        expect(panel.locator(f'a[href="{vote_path}"]')).to_be_visible()
        if first:
            shot(phone, f"rep-{code}-home-open-ballots")
        panel.locator(f'a[href="{vote_path}"]').click()
        phone.wait_for_url(live_server.url + vote_path)
        boxes = phone.locator("input[name=choices]")
        expect(boxes).to_have_count(9)  # self-voting is allowed by default: all nine are listed
        assert boxes.first.get_attribute("value") == str(chosen.pk)
        _assert_fits_phone(phone, "vote")
        if first:
            shot(phone, f"rep-{code}-ballot")

        if code == KEYBOARD_VOTER:
            _focus_with_tab(phone, "input[name=choices]")
            phone.keyboard.press("Space")
            expect(boxes.first).to_be_checked()
            phone.keyboard.press("Enter")  # submits the form: to the review
            expect(phone.locator(cast_form)).to_be_visible()
        else:
            phone.check(f'input[name=choices][value="{chosen.pk}"]')
            if first:
                shot(phone, f"rep-{code}-ticked")
            phone.locator("main form:has(input[name=choices]) button[type=submit]").click()
        expect(phone.locator(f'{cast_form} input[name=choices][value="{chosen.pk}"]')).to_have_count(1)
        expect(phone.locator("main")).to_contain_text(chosen.name)
        _assert_fits_phone(phone, "confirmation")
        if first:
            shot(phone, f"rep-{code}-review")

        if code == KEYBOARD_VOTER:
            _focus_with_tab(phone, f"{cast_form} button[type=submit]")
            phone.keyboard.press("Enter")
        else:
            phone.locator(f"{cast_form} button[type=submit]").click()
        receipt = phone.locator("#receipt")
        expect(receipt).to_be_visible()
        receipts[code] = receipt.inner_text().strip()
        assert receipts[code], "an empty receipt code"
        _assert_fits_phone(phone, "receipt")
        if first:
            shot(phone, f"rep-{code}-receipt")
        # Back home, the open ballot now says "voted" instead of offering the vote.
        phone.goto(url_of(live_server, "blocs:home"))
        expect(panel.locator(f'a[href="{vote_path}"] .btn')).to_have_count(0)
        if first:
            shot(phone, f"rep-{code}-home-voted")
    assert len(set(receipts.values())) == 3, receipts

    # 4. While the round is open, the secretariat sees the turnout and no result.
    secretariat.goto(live_server.url + round_.get_absolute_url())
    turnout = secretariat.locator("#round-turnout")
    expect(turnout).to_have_attribute("data-turnout", "3")
    expect(turnout).to_contain_text("3")
    expect(secretariat.locator("#round-results")).to_have_count(0)
    expect(secretariat.locator("#round-counts")).to_have_count(0)
    expect(secretariat.locator("main [data-votes]")).to_have_count(0)
    shot(secretariat, "secretariat-open-round-turnout-3")

    # 5. The secretariat enters two paper ballots: one for the chosen unit, one blank.
    paper_url = url_of(live_server, "awards:paper-ballot", round_.pk)
    secretariat.goto(paper_url)
    paper_form = "main form:has(input[name=choices])"
    secretariat.check(f'input[name=choices][value="{chosen.pk}"]')
    shot(secretariat, "paper-ballot-ticked")
    secretariat.locator(f"{paper_form} button[type=submit]").click()
    secretariat.wait_for_url(paper_url)
    expect(secretariat.locator("main .alert-success")).to_be_visible()
    expect(secretariat.locator("input[name=choices]:checked")).to_have_count(0)  # a fresh form
    secretariat.select_option("select[name=invalid_reason]", Ballot.Invalid.BLANK)
    shot(secretariat, "paper-ballot-invalid-blank")
    secretariat.locator(f"{paper_form} button[type=submit]").click()
    secretariat.wait_for_url(paper_url)
    shot(secretariat, "paper-ballots-entered")
    assert round_.ballots.filter(source=Ballot.Source.PAPER).count() == 2

    # 6. The chair closes the round with 9 ballots issued (a confirm dialog first) and sees the result.
    chair.goto(url_of(live_server, "awards:round-close", round_.pk))
    chair.fill("#id_ballots_issued", "9")
    chair.fill("#id_passphrase", written_down.lower().replace("-", " "))  # typed as people type it
    expect(chair.locator("#ballots-missing")).to_contain_text("5 trong 9")  # four units did not vote
    chair.fill("#id_close_reason", "Bốn đơn vị không bỏ phiếu; Ban kiểm phiếu thống nhất kết thúc vòng")
    shot(chair, "chair-close-form")
    chair.locator("main form:has(#id_ballots_issued) button[type=submit]").click()
    chair.wait_for_url(live_server.url + round_.get_absolute_url())
    results = chair.locator("#round-results")
    expect(results).to_be_visible()
    expect(results.locator(f'tr[data-unit="{chosen.pk}"] [data-votes]')).to_have_text("4")
    expect(results.locator("tbody tr")).to_have_count(9)
    for key, value in {"members": 9, "present": 9, "issued": 9, "returned": 5, "valid": 4, "invalid": 1}.items():
        expect(chair.locator(f'#round-counts [data-count="{key}"]')).to_have_text(str(value))
    shot(chair, "chair-results")
    assert len(chair_dialogs) == 2, chair_dialogs  # opening and closing both asked first

    # 7. A representative checks its receipt on the list of counted ballots.
    phone = phones[VOTERS[0]]
    verification_url = url_of(live_server, "awards:verification", round_.pk)
    phone.goto(verification_url)
    listed = phone.locator("main table tbody tr")
    expect(listed).to_have_count(5)
    for receipt in receipts.values():
        expect(phone.locator("main table tbody")).to_contain_text(receipt)
    phone.fill("input#receipt", receipts[VOTERS[0]])
    phone.locator("main form[role=search] button[type=submit]").click()
    found = phone.locator('main .alert-success[role="status"]')
    expect(found).to_contain_text(receipts[VOTERS[0]])
    expect(found).to_contain_text(chosen.name)
    _assert_fits_phone(phone, "verification")
    shot(phone, f"rep-{VOTERS[0]}-verification")

    # The database agrees: 3 online + 2 paper ballots, 4 valid, 1 invalid (blank), 3 turnout rows.
    ballots = list(round_.ballots.all())
    assert sorted(b.source for b in ballots) == ["online"] * 3 + ["paper"] * 2
    assert [b.choices for b in ballots if b.is_valid] == [[chosen.pk]] * 4
    assert [b.invalid_reason for b in ballots if not b.is_valid] == [Ballot.Invalid.BLANK]
    assert {b.receipt for b in ballots if b.source == "online"} == set(receipts.values())
    assert sorted(Turnout.objects.filter(round=round_).values_list("unit__short_code", flat=True)) == sorted(VOTERS)
    round_.refresh_from_db()
    assert round_.status == Round.Status.CLOSED and round_.ballots_issued == 9
    assert round_.result["counts"]["returned"] == 5
