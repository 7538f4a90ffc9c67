"""The meeting hall in a real browser (issue 11, "How we will know", first bullet): the secretariat records a
meeting that votes with cards and takes attendance, prints the card sheet (its QR codes decoded with zbar); the
chair opens the first round and the room screen; nine phones with no account scan a card each and vote; the room
screen counts to 9 / 9 by its own script; the chair closes; the bars appear on the room screen and the round's page,
and the counting minutes state the result.

Each person has their own browser context (own cookies), as in the meeting room. Selectors are URLs, form field
names and values, ids and data- attributes, never translated text (numbers aside). The card sheet and the
counting minutes are kept next to the screenshots, with their pages rendered as PNG.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from awards.models import Ballot, CardVote, Meeting, Round, SealedBallot, VotingCard
from tests.awards.conftest import SEED_UNITS
from tests.e2e.a11y import PAGES, PageAudit
from tests.e2e.helpers import sign_in, url_of
from tests.e2e.test_voting_journey import PASSWORD, PHONE
from tests.e2e.test_voting_journey import _seed as seed_voting

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
# Six cards choose Ban Dân vận, three Văn phòng Tỉnh ủy: one passes the line, one does not.
CHOICES = ["BDV"] * 6 + ["VPTU"] * 3
NO_RELOAD = "window.__roomNeverReloaded"
ONE_LINE = "el => el.getBoundingClientRect().height < 1.5 * parseFloat(getComputedStyle(el).lineHeight)"


def _seed() -> Any:
    """The voting journey's seed (seed_meeting with the catalogue put back and known passwords), without its
    meeting: the secretariat records it here, in the browser."""
    meeting = seed_voting()
    Meeting.objects.filter(bloc_year=meeting.bloc_year).delete()
    return meeting


def _run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=120).stdout


def _qr_urls(pdf: Path) -> list[str]:
    """Every QR code on the sheet, read by zbar from its pages rendered at 200 dpi, in page order."""
    prefix = pdf.with_suffix("")
    _run("pdftoppm", "-r", "200", "-png", str(pdf), str(prefix) + "-200dpi")
    urls: list[str] = []
    for image in sorted(pdf.parent.glob(prefix.name + "-200dpi-*.png")):
        found = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
                               capture_output=True, text=True, timeout=120, check=False)
        assert found.returncode == 0, f"zbar read no QR code on {image.name}: {found.stderr}"
        urls += found.stdout.split()
        image.unlink()  # 200 dpi pictures are large: the 60 dpi ones are kept to look at
    _run("pdftoppm", "-r", "60", "-png", str(pdf), str(prefix))
    return urls


@pytest.fixture
def audit(request: pytest.FixtureRequest, live_server: Any) -> PageAudit:
    return PageAudit(PAGES / re.sub(r"[^\w.-]+", "_", request.node.name).strip("_"), live_server.url)


def _assert_fits_phone(page: Page, where: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"horizontal scroll on a phone ({where}): page is {width}px wide"


def test_cards_printed_nine_phones_vote_the_room_counts_live_and_shows_the_bars(
        live_server: Any, new_context: Any, shot: Any, audit: PageAudit) -> None:
    seeded = _seed()
    bloc_year = seeded.bloc_year
    units = seeded.units
    rounds_url = url_of(live_server, "awards:round-list", bloc_year.pk)

    def step(page: Page, name: str) -> Path:
        path = shot(page, name)
        audit.check(page, name)
        return path

    # 1. The secretariat records the meeting: voting cards, all nine units present, the counting committee.
    secretariat_context = new_context(viewport=DESKTOP)
    audit.watch(secretariat_context)
    secretariat = secretariat_context.new_page()
    secretariat.on("dialog", lambda dialog: dialog.accept())
    secretariat.goto(url_of(live_server, "login"))
    audit.check(secretariat, "sign-in")
    sign_in(secretariat, live_server, seeded.secretariat.username, PASSWORD)
    step(secretariat, "secretariat-home")
    secretariat.goto(rounds_url)
    step(secretariat, "secretariat-rounds-no-meeting")
    secretariat.locator(f'main a[href="{reverse("awards:meeting-edit", args=[bloc_year.pk])}"]').first.click()
    expect(secretariat.locator("input[name=present]")).to_have_count(9)
    expect(secretariat.locator("input[name=present]:checked")).to_have_count(9)  # everyone, to start with
    secretariat.fill("#id_held_on", "2022-12-01")
    secretariat.fill("#id_starts_at", "08:00")
    secretariat.fill("#id_place", "Hội trường Tỉnh ủy")
    secretariat.select_option("#id_voting_mode", Meeting.VotingMode.CARDS)
    secretariat.fill("#id_committee", "Nguyễn Văn A\nTrần Thị B\nLê Văn C")
    step(secretariat, "meeting-form-cards")
    secretariat.locator("main form:has(#id_voting_mode) button[type=submit]").click()
    secretariat.wait_for_url(rounds_url)
    generate = secretariat.locator(f'form[action="{reverse("awards:rounds-generate", args=[bloc_year.pk])}"]')
    generate.locator("button[type=submit]").click()
    expect(generate).to_have_count(0)
    step(secretariat, "secretariat-rounds-created")
    meeting = Meeting.objects.get(bloc_year=bloc_year)
    assert meeting.voting_mode == Meeting.VotingMode.CARDS
    assert meeting.attendance.filter(is_present=True).count() == 9

    # 2. The card sheet: one card per unit present, no spare (the room screen counts every card printed).
    secretariat.locator(f'main a[href="{reverse("awards:cards", args=[bloc_year.pk])}"]').click()
    sheet_form = secretariat.locator(f'form[action="{reverse("reports:card-sheet", args=[bloc_year.pk])}"]')
    expect(sheet_form).to_be_visible()
    sheet_form.locator("input[name=spares]").fill("0")
    step(secretariat, "cards-page")
    with secretariat.expect_download() as download_info:
        sheet_form.locator("button[type=submit]").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    folder = shot(secretariat, "cards-page-after-print").parent
    sheet = folder / "card-sheet.pdf"
    download.save_as(sheet)
    assert sheet.read_bytes().startswith(b"%PDF")

    card_urls = _qr_urls(sheet)
    assert len(card_urls) == len(set(card_urls)) == 9, card_urls
    enter_url = url_of(live_server, "awards:card-enter")
    codes = []
    for url in card_urls:
        base, hash_, code = url.partition("#")
        assert base == enter_url and hash_ and re.fullmatch(r"[A-Z2-9]{10}", code), url
        codes.append(code)
    text = _run("pdftotext", "-layout", str(sheet), "-")
    assert text.count(enter_url) == 9, "the address to type is not whole on each card"
    for code in codes:  # the typed code under each QR code is the same code, in two groups of five
        assert f"{code[:5]}-{code[5:]}" in text, code
    for short_code, name in SEED_UNITS:
        assert name not in text, f"a unit's name on the card sheet: {name}"
        assert not re.search(rf"\b{short_code}\b", text), f"a unit's code on the card sheet: {short_code}"
    assert bloc_year.bloc.name.split()[0] in text  # the meeting's name is printed, not a unit's
    assert sorted(VotingCard.objects.filter(meeting=meeting).values_list("number", flat=True)) == list(range(1, 10))
    assert (folder / "card-sheet-1.png").is_file()

    # 3. The chair opens the first round (confirm, then the passphrase, once) and the room screen.
    round_ = Round.objects.filter(bloc_year=bloc_year).order_by("order", "pk").first()
    chair_context = new_context(viewport=DESKTOP)
    audit.watch(chair_context)
    chair = chair_context.new_page()
    chair_dialogs: list[str] = []
    chair.on("dialog", lambda dialog: (chair_dialogs.append(dialog.message), dialog.accept()))
    sign_in(chair, live_server, seeded.chair.username, PASSWORD)
    audit.check(chair, "chair-home")
    chair.goto(live_server.url + round_.get_absolute_url())
    step(chair, "chair-round-draft")
    chair.locator(f'form[action="{reverse("awards:round-open", args=[round_.pk])}"] button[type=submit]').click()
    passphrase = chair.locator("#passphrase")
    expect(passphrase).to_be_visible()
    written_down = passphrase.inner_text().strip()
    step(chair, "chair-passphrase-once")
    chair.locator(f'main a[href="{round_.get_absolute_url()}"]').click()
    expect(chair.locator("#round-turnout")).to_have_attribute("data-turnout", "0")
    step(chair, "chair-round-open")
    chair.goto(rounds_url)
    step(chair, "chair-rounds")
    room_link = chair.locator(f'main a[href="{reverse("awards:room", args=[bloc_year.pk])}"]')
    with chair_context.expect_page() as room_info:
        room_link.click()  # target=_blank: its own page, for the projector
    room = room_info.value
    room.set_viewport_size(DESKTOP)
    room.wait_for_load_state("load")
    on_screen = room.locator(f'#room-state [data-round="{round_.pk}"]')
    expect(on_screen.locator("[data-received]")).to_have_text("0")
    expect(on_screen.locator("[data-expected]")).to_have_text("9")
    expect(on_screen.locator(".room-count")).to_have_text(re.compile(r"^\s*0 / 9\s*$"))
    room.set_viewport_size(PHONE)
    step(room, "room-phone-width-0-of-9")
    _assert_fits_phone(room, "room screen")
    assert on_screen.locator(".room-count").evaluate(ONE_LINE), "the count breaks over two lines on a phone"
    room.set_viewport_size(DESKTOP)
    shot(room, "room-0-of-9")
    room.evaluate(f"() => {{ {NO_RELOAD} = true; }}")  # a reload would drop it

    # 4. Nine phones, no account: each opens the URL of its card's QR code, chooses, reviews, casts.
    receipts: list[str] = []
    cast_form = f'form[action="{reverse("awards:card-cast")}"]'
    ballot_url = url_of(live_server, "awards:card-ballot")
    for index, (url, chosen_code) in enumerate(zip(card_urls, CHOICES, strict=True)):
        first = index == 0
        phone_context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        if first:
            audit.watch(phone_context)
        phone = phone_context.new_page()
        if first:  # the page a card holder without a camera types the code on
            phone.goto(enter_url)
            step(phone, "card-enter-phone")
            _assert_fits_phone(phone, "card entry")
            phone.goto("about:blank")
        phone.goto(url)  # the QR code's script sends the code in the form's body, then the ballot opens
        phone.wait_for_url(ballot_url)
        assert "#" not in phone.url
        chosen = units[chosen_code]
        boxes = phone.locator("input[name=choices]")
        expect(boxes).to_have_count(9)
        _assert_fits_phone(phone, "card ballot")
        if first:
            step(phone, "card-ballot-phone")
        phone.check(f'input[name=choices][value="{chosen.pk}"]')
        phone.locator("main form:has(input[name=choices]) button[type=submit]").click()
        expect(phone.locator(f'{cast_form} input[name=choices][value="{chosen.pk}"]')).to_have_count(1)
        expect(phone.locator("main")).to_contain_text(chosen.name)
        _assert_fits_phone(phone, "card review")
        if first:
            step(phone, "card-review-phone")
        phone.locator(f"{cast_form} button[type=submit]").click()
        receipt = phone.locator("#receipt")
        expect(receipt).to_be_visible()
        receipts.append(receipt.inner_text().strip())
        _assert_fits_phone(phone, "card receipt")
        if first:
            step(phone, "card-receipt-phone")
            # The same card cannot vote twice in the round: the ballot page says it has voted in every open round.
            phone.goto(ballot_url)
            expect(phone.locator("input[name=choices]")).to_have_count(0)
            step(phone, "card-voted-phone")
        if index == 4:  # the room screen follows by itself
            expect(on_screen.locator("[data-received]")).to_have_text("5", timeout=15_000)
            shot(room, "room-5-of-9")
    assert len(set(receipts)) == 9 and all(receipts), receipts
    assert CardVote.objects.filter(round=round_).count() == 9
    assert SealedBallot.objects.filter(round=round_).count() == 9

    # 5. The room screen shows 9 / 9 by its own script: no reload.
    expect(on_screen.locator("[data-received]")).to_have_text("9", timeout=15_000)
    expect(on_screen.locator(".room-count")).to_have_text(re.compile(r"^\s*9 / 9\s*$"))
    assert room.evaluate(NO_RELOAD) is True, "the room screen reloaded"
    shot(room, "room-9-of-9")

    # 6. The chair closes the round with the passphrase; the bars appear on the round's page.
    chair.goto(url_of(live_server, "awards:round-close", round_.pk))
    chair.fill("#id_ballots_issued", "9")
    chair.fill("#id_passphrase", written_down.lower().replace("-", " "))
    step(chair, "chair-close-form")
    chair.locator("main form:has(#id_ballots_issued) button[type=submit]").click()
    chair.wait_for_url(live_server.url + round_.get_absolute_url())
    results = chair.locator("#round-results")
    expect(results.locator(f'tr[data-unit="{units["BDV"].pk}"] [data-votes]')).to_have_text("6")
    expect(results.locator(f'tr[data-unit="{units["VPTU"].pk}"] [data-votes]')).to_have_text("3")
    bars = chair.locator("#round-bars svg")
    expect(bars).to_be_visible()
    expect(bars).to_contain_text(units["BDV"].name)
    step(chair, "chair-result-bars")
    assert len(chair_dialogs) == 2, chair_dialogs  # opening and closing both asked first
    round_.refresh_from_db()
    assert round_.status == Round.Status.CLOSED
    assert round_.ballots.filter(source=Ballot.Source.ONLINE).count() == 9

    # 7. The room screen shows the bars and who is proposed, still without a reload.
    room_bars = room.locator(f'#room-state [data-round="{round_.pk}"] .room-bars svg')
    expect(room_bars).to_be_visible(timeout=15_000)
    expect(room_bars).to_contain_text(units["BDV"].name)
    expect(room.locator("#room-state")).to_contain_text(units["BDV"].name)
    assert room.evaluate(NO_RELOAD) is True, "the room screen reloaded"
    # On the projector, the bars and who is proposed are seen at once, without scrolling.
    expect(room.locator(f'#room-state [data-round="{round_.pk}"] .room-sentence').last).to_be_in_viewport(ratio=1)
    shot(room, "room-result-bars")
    room.set_viewport_size(PHONE)
    step(room, "room-phone-width-result")
    _assert_fits_phone(room, "room screen")

    # 8. The counting minutes (PDF) state the round's counts and result.
    minutes = folder / "counting-minutes.pdf"
    response = secretariat.request.get(url_of(live_server, "reports:counting-minutes", bloc_year.pk)
                                       + "?format=pdf")
    assert response.ok and response.headers["content-type"].startswith("application/pdf")
    minutes.write_bytes(response.body())
    _run("pdftoppm", "-r", "60", "-png", str(minutes), str(minutes.with_suffix("")))
    minutes_text = " ".join(_run("pdftotext", str(minutes), "-").split())
    assert "số phiếu phát ra: 9; số phiếu thu vào: 9; số phiếu hợp lệ: 9" in minutes_text, minutes_text
    assert re.search(rf"{re.escape(units['BDV'].name)} 6 ", minutes_text), minutes_text
    assert re.search(rf"{re.escape(units['VPTU'].name)} 3 ", minutes_text), minutes_text
    assert f"{units['BDV'].name}: 6/9 phiếu" in minutes_text, minutes_text

    audit.validate()

