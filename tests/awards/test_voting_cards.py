"""Voting cards (issue 11): printed for the units present plus spares, handed out at random, each opens the
ballot on a phone without an account and casts at most one ballot per round into the sealed box."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse

from awards.models import Attendance, Ballot, CardVote, Meeting, Round, SealedBallot, Turnout, VotingCard
from awards.services import ballots as ballot_services
from awards.services import cards
from awards.services import rounds as round_services
from blocs.models import AuditEntry, BlocYear, Membership, SignInFailure
from tests.awards.conftest import seed_meeting
from tests.conftest import client_for
from tests.factories import (
    add_member,
    make_bloc,
    make_bloc_year,
    make_province,
    make_unit,
    round_closed,
    round_opened,
)

pytestmark = pytest.mark.django_db


def _card_meeting(mode: str = Meeting.VotingMode.CARDS):
    meeting = seed_meeting()
    Meeting.objects.filter(bloc_year=meeting.bloc_year).update(voting_mode=mode)
    rounds = round_services.rounds_generate(actor=meeting.secretariat, bloc_year=meeting.bloc_year)
    return meeting, rounds


def _other_meetings_card() -> cards.PrintedCard:
    """A card of another bloc's meeting (two units, both present)."""
    province = make_province("Tỉnh khác")
    bloc_year = make_bloc_year(bloc=make_bloc(name="Khối thi đua khác", province=province),
                               status=BlocYear.Status.MEETING)
    units = [make_unit(short_code=f"KH{i}", name=f"Sở Khác {i}", province=province) for i in (1, 2)]
    for unit in units:
        add_member(bloc_year, unit, Membership.Position.MEMBER)
    round_services.meeting_save(actor=None, bloc_year=bloc_year, data={"held_on": "2022-12-02", "place": "Hội trường",
                                                                       "voting_mode": Meeting.VotingMode.CARDS},
                                present=units)
    return cards.cards_issue(actor=None, bloc_year=bloc_year, spares=0)[0]


def _issue(meeting, spares: int = 2) -> list[cards.PrintedCard]:
    return cards.cards_issue(actor=meeting.secretariat, bloc_year=meeting.bloc_year, spares=spares)


def _enter(client: Client, code: str):  # noqa: ANN202
    return client.post(reverse("awards:card-enter"), {"code": code})


def _vote_with_card(code: str, round_: Round, choices: list[int]) -> str:
    """A phone with no account: type the code, review, cast; the receipt shown once."""
    phone = Client()
    assert _enter(phone, code).status_code == 302
    page = phone.post(reverse("awards:card-ballot"), {"round": round_.pk, "choices": choices})
    assert page.status_code == 200 and "Xác nhận phiếu bầu" in page.content.decode()
    cast = phone.post(reverse("awards:card-cast"), {"round": round_.pk, "choices": choices})
    assert cast.status_code == 200, cast.content.decode()[:500]
    return re.search(r'id="receipt">([A-Z0-9]+)<', cast.content.decode()).group(1)


def test_a_sheet_has_one_card_per_present_unit_plus_spares_and_stores_only_hashes():
    meeting, _rounds = _card_meeting()
    printed = _issue(meeting, spares=3)
    assert [card.number for card in printed] == list(range(1, 13))  # 9 present + 3 spares
    stored = list(VotingCard.objects.filter(meeting__bloc_year=meeting.bloc_year))
    assert len(stored) == 12
    codes = {card.code for card in printed}
    assert len(codes) == 12 and all(len(code) == 10 and not set(code) & set("01OI") for code in codes)
    for card in stored:  # the code is nowhere in the row: only its keyed hash
        values = " ".join(str(getattr(card, field.attname)) for field in VotingCard._meta.fields)
        assert not any(code in values for code in codes)
    # No column of a card, or of its turnout, names a unit.
    for model in (VotingCard, CardVote):
        assert not [f.name for f in model._meta.fields if f.related_model and f.related_model.__name__ == "Unit"]
    # A second sheet continues the numbers; the trail says how many were printed, never a code.
    assert [card.number for card in _issue(meeting, spares=0)] == list(range(13, 22))
    entries = AuditEntry.objects.filter(action="awards.cards.issued")
    assert entries.count() == 2 and not any(code in str(e.changes) for e in entries for code in codes)


def test_no_cards_for_a_meeting_that_votes_with_accounts_or_before_attendance():
    meeting, _rounds = _card_meeting(Meeting.VotingMode.ACCOUNTS)
    with pytest.raises(ValidationError, match="tài khoản"):
        _issue(meeting)
    Meeting.objects.filter(bloc_year=meeting.bloc_year).update(voting_mode=Meeting.VotingMode.CARDS)
    meeting.bloc_year.meeting.attendance.update(is_present=False)
    with pytest.raises(ValidationError, match="điểm danh"):
        _issue(meeting)
    assert not VotingCard.objects.exists()


def test_cards_vote_once_per_round_and_are_counted_at_the_close():
    meeting, rounds = _card_meeting()
    printed = _issue(meeting, spares=0)
    round_ = round_opened(actor=meeting.chair, round_=rounds[0])
    btg, btc = meeting.units["BTG"].pk, meeting.units["BTC"].pk
    receipts = [_vote_with_card(card.code, round_, [btg] if i < 7 else [btc]) for i, card in enumerate(printed)]
    assert SealedBallot.objects.filter(round=round_).count() == 9
    assert not Turnout.objects.filter(round=round_).exists()  # no unit is recorded as having voted
    # The same card again: refused with a message, nothing stored.
    phone = Client()
    _enter(phone, printed[0].code)
    again = phone.post(reverse("awards:card-cast"), {"round": round_.pk, "choices": [btc]}, follow=True)
    assert "đã bỏ phiếu" in again.content.decode()
    assert SealedBallot.objects.filter(round=round_).count() == 9
    closed = round_closed(actor=meeting.chair, round_=round_, ballots_issued=9)
    assert closed.result["elected"] == [btg]
    assert sorted(Ballot.objects.filter(round=round_).values_list("receipt", flat=True)) == sorted(receipts)
    # The chair's screen counted them while open; the trail says a card voted, never which.
    trail = AuditEntry.objects.filter(action="awards.ballot.cast_by_card")
    assert trail.count() == 9 and all(entry.changes == {} for entry in trail)


def test_a_voided_card_a_card_of_another_meeting_and_a_guessed_code_are_refused():
    meeting, rounds = _card_meeting()
    printed = _issue(meeting, spares=1)
    other_card = _other_meetings_card()
    round_ = round_opened(actor=meeting.chair, round_=rounds[0])
    cards.card_void(actor=meeting.secretariat, bloc_year=meeting.bloc_year, number=printed[0].number,
                    reason="Thẻ bị rách")
    with pytest.raises(ValidationError, match="vô hiệu"):
        cards.card_find(code=printed[0].code, ip="10.0.0.1")
    page = _enter(Client(), printed[0].code)
    assert page.status_code == 200 and "vô hiệu" in page.content.decode()
    # A card of another meeting finds its own meeting, never this one's round.
    card = cards.card_find(code=other_card.code, ip="10.0.0.1")
    with pytest.raises(ValidationError, match="hội nghị khác"):
        cards.card_ballot_cast(card=card, round_=round_, choices=[meeting.units["BTG"].pk])
    phone = Client()
    _enter(phone, other_card.code)
    assert phone.post(reverse("awards:card-cast"), {"round": round_.pk, "choices": []}).status_code == 404
    page = _enter(Client(), "ABCDE-FGHJK")
    assert page.status_code == 200 and "không phải mã của thẻ biểu quyết" in page.content.decode()
    assert not SealedBallot.objects.filter(round=round_).exists()
    assert AuditEntry.objects.filter(action="awards.card.voided", changes__card=printed[0].number).exists()


def test_a_cast_off_the_list_or_over_the_limit_is_refused_with_a_message_and_stores_nothing():
    meeting, rounds = _card_meeting()
    printed = _issue(meeting, spares=0)
    round_ = round_opened(actor=meeting.chair, round_=rounds[0])
    outsider = make_unit(short_code="NGOAI", name="Sở Ngoài Khối", province=meeting.bloc_year.bloc.province)
    every = [unit.pk for unit in meeting.units.values()]
    phone = Client()
    _enter(phone, printed[0].code)
    for choices, message in (([outsider.pk], "không có trong danh sách đề cử"), (["BTG"], "không có trong danh sách"),
                             (every, f"Chọn tối đa {round_.max_choices}")):
        page = phone.post(reverse("awards:card-cast"), {"round": round_.pk, "choices": choices}, follow=True)
        assert page.status_code == 200 and message in page.content.decode(), choices
    assert phone.post(reverse("awards:card-cast"), {"round": "x", "choices": []}).status_code == 404
    assert not SealedBallot.objects.filter(round=round_).exists() and not CardVote.objects.exists()
    # The same card then casts normally: a refused attempt used nothing up.
    btg = meeting.units["BTG"].pk
    cast = phone.post(reverse("awards:card-cast"), {"round": round_.pk, "choices": [btg, btg]})
    assert 'id="receipt"' in cast.content.decode() and SealedBallot.objects.filter(round=round_).count() == 1


def test_codes_are_read_as_typed_on_a_phone():
    meeting, _rounds = _card_meeting()
    code = _issue(meeting, spares=0)[0].code
    typed = f" {code[:5].lower()} - {code[5:]} "
    assert cards.card_find(code=typed, ip=None).number == 1


def test_guessing_codes_from_one_address_is_slowed_with_a_clear_message(settings):
    settings.VOTING_CARD_MAX_FAILURES = 3
    meeting, _rounds = _card_meeting()
    code = _issue(meeting, spares=0)[0].code
    for guess in ("AAAAABBBBB", "CCCCCDDDDD", "EEEEEFFFFF"):
        with pytest.raises(ValidationError, match="không phải mã"):
            cards.card_find(code=guess, ip="10.0.0.9")
    with pytest.raises(ValidationError, match="Quá nhiều mã thẻ sai"):
        cards.card_find(code=code, ip="10.0.0.9")  # even the right code waits
    assert cards.card_find(code=code, ip="10.0.0.10").number == 1  # another address is not held up
    assert SignInFailure.objects.filter(username=cards.THROTTLE_NAME).count() == 3


def test_a_card_is_dead_once_the_meeting_is_over():
    meeting, _rounds = _card_meeting()
    code = _issue(meeting, spares=0)[0].code
    meeting.bloc_year.status = "submitted"
    meeting.bloc_year.save(update_fields=["status"])
    with pytest.raises(ValidationError, match="đã kết thúc"):
        cards.card_find(code=code, ip=None)


def test_both_ways_in_one_meeting_and_the_chair_sees_the_count_not_who():
    meeting, rounds = _card_meeting(Meeting.VotingMode.BOTH)
    Attendance.objects.filter(meeting__bloc_year=meeting.bloc_year, unit=meeting.units["BTC"]).update(online=True)
    printed = _issue(meeting, spares=0)
    assert len(printed) == 8  # a card for each unit in the room; BTC follows online
    round_ = round_opened(actor=meeting.chair, round_=rounds[0])
    btg = meeting.units["BTG"].pk
    _vote_with_card(printed[0].code, round_, [btg])
    client_for(meeting.reps["BTC"]).post(reverse("awards:vote-cast", args=[round_.pk]),
                                         {"unit": meeting.units["BTC"].pk, "choices": [btg]})
    home = client_for(meeting.chair).get(reverse("blocs:home")).content.decode()
    assert "Đã nhận 2 phiếu" in home
    assert "Thẻ biểu quyết không ghi tên đơn vị" in home
    detail = client_for(meeting.chair).get(reverse("awards:round-detail", args=[round_.pk])).content.decode()
    assert re.search(r"\b2\b", detail)


def test_the_card_sheet_pdf_names_no_unit_and_its_qr_codes_open_the_cards(tmp_path):
    meeting, _rounds = _card_meeting()
    secretariat = client_for(meeting.secretariat)
    page = secretariat.get(reverse("awards:cards", args=[meeting.bloc_year.pk])).content.decode()
    assert reverse("reports:card-sheet", args=[meeting.bloc_year.pk]) in page
    response = secretariat.post(reverse("reports:card-sheet", args=[meeting.bloc_year.pk]), {"spares": "1"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response.get("Cache-Control", "") or "max-age=0" in response.get("Cache-Control", "")
    pdf = tmp_path / "cards.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert text.count("THẺ BIỂU QUYẾT") == 10  # 9 present + 1 spare, on two pages
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+2$", info, re.MULTILINE) and "A4" in info
    for unit in meeting.units.values():
        assert unit.name not in text and unit.short_code not in text.split()
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    font_lines = fonts.strip().splitlines()[2:]
    assert font_lines and all("DocSerif" in line and " yes yes yes " in line for line in font_lines)  # embedded
    decoder = shutil.which("zbarimg")
    assert decoder, "zbarimg (Debian's zbar-tools) decodes the cards' QR codes; .ci/run installs it"
    subprocess.run(["pdftoppm", "-png", "-r", "200", str(pdf), str(tmp_path / "page")], check=True)
    urls = []
    for image in sorted(tmp_path.glob("page*.png")):
        out = subprocess.run([decoder, "--quiet", "--raw", str(image)], capture_output=True, text=True).stdout
        urls += [line for line in out.splitlines() if line]
    assert len(urls) == 10
    card_url = "http://testserver" + reverse("awards:card-enter") + "#"
    assert all(url.startswith(card_url) for url in urls)
    # Every QR code opens a card of this meeting (the code after "#" as the page's script sends it).
    for url in urls:
        assert cards.card_find(code=url.split("#", 1)[1], ip=None).meeting.bloc_year_id == meeting.bloc_year.pk
    typed_codes = re.findall(r"\b[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}\b", text)
    assert sorted(code.replace("-", "") for code in typed_codes) == sorted(url.split("#", 1)[1] for url in urls)


def test_the_sheet_is_refused_with_a_message_for_a_meeting_by_accounts():
    meeting, _rounds = _card_meeting(Meeting.VotingMode.ACCOUNTS)
    response = client_for(meeting.secretariat).post(reverse("reports:card-sheet", args=[meeting.bloc_year.pk]),
                                                    {"spares": "1"}, follow=True)
    assert "tài khoản" in response.content.decode()
    assert not VotingCard.objects.exists()


def test_the_server_keeps_nothing_of_a_card_holder_and_the_phone_only_a_signed_card_number():
    """No database session for a card holder: the phone holds the card's id in a signed cookie (never its code,
    never a choice), a forged cookie holds nothing, and putting the card down forgets it."""
    meeting, rounds = _card_meeting()
    code = _issue(meeting, spares=0)[0].code
    round_ = round_opened(actor=meeting.chair, round_=rounds[0])
    phone = Client()
    _enter(phone, code)
    btg = meeting.units["BTG"].pk
    phone.post(reverse("awards:card-ballot"), {"round": round_.pk, "choices": [btg]})
    cast = phone.post(reverse("awards:card-cast"), {"round": round_.pk, "choices": [btg]})
    assert 'id="receipt"' in cast.content.decode()
    assert not Session.objects.exists()
    cookie = phone.cookies["voting_card"]
    card = CardVote.objects.get().card
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    value, timestamp, signature = cookie.value.split(":")  # the card's id, signed: nothing else
    assert value == str(card.pk) and timestamp and len(signature) > 40
    forged = Client()
    forged.cookies["voting_card"] = f"{card.pk}:forged:signature"
    assert forged.get(reverse("awards:card-ballot"))["Location"] == reverse("awards:card-enter")
    leave = phone.post(reverse("awards:card-leave"))
    assert leave.status_code == 302 and phone.cookies["voting_card"].value == ""
    assert phone.get(reverse("awards:card-ballot"))["Location"] == reverse("awards:card-enter")


def test_a_card_voided_between_its_ballot_page_and_its_cast_stores_nothing_and_is_put_down():
    meeting, rounds = _card_meeting()
    printed = _issue(meeting, spares=0)
    round_ = round_opened(actor=meeting.chair, round_=rounds[0])
    phone = Client()
    _enter(phone, printed[0].code)
    btg = meeting.units["BTG"].pk
    assert phone.post(reverse("awards:card-ballot"), {"round": round_.pk, "choices": [btg]}).status_code == 200
    cards.card_void(actor=meeting.secretariat, bloc_year=meeting.bloc_year, number=printed[0].number,
                    reason="Thẻ bị mất")
    page = phone.post(reverse("awards:card-cast"), {"round": round_.pk, "choices": [btg]}, follow=True)
    assert page.redirect_chain[-1][0] == reverse("awards:card-enter")
    assert page.content.decode().count("vô hiệu") == 1  # told once, on the page to type a code
    assert not SealedBallot.objects.filter(round=round_).exists() and not CardVote.objects.exists()
    assert phone.cookies["voting_card"].value == ""


@pytest.mark.django_db(transaction=True)
def test_one_card_on_two_phones_at_the_same_instant_casts_exactly_once():
    meeting, rounds = _card_meeting()
    code = _issue(meeting, spares=0)[0].code
    round_ = round_opened(actor=meeting.chair, round_=rounds[0])
    card = cards.card_find(code=code, ip=None)
    presses = 8
    barrier = threading.Barrier(presses)
    outcomes: list[str] = []

    def cast() -> None:
        close_old_connections()
        barrier.wait()
        try:
            for _press in range(100):
                try:
                    cards.card_ballot_cast(card=card, round_=round_, choices=[meeting.units["BTG"].pk])
                    outcomes.append("stored")
                    return
                except ValidationError as error:
                    if "đã bỏ phiếu" in " ".join(error.messages):
                        outcomes.append("refused")
                        return
                    time.sleep(0.05)
            outcomes.append("busy for ever")
        finally:
            connection.close()

    threads = [threading.Thread(target=cast) for _ in range(presses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * (presses - 1) + ["stored"]
    assert SealedBallot.objects.filter(round=round_).count() == 1
    assert CardVote.objects.filter(round=round_).count() == 1


def test_the_code_never_travels_in_a_url():
    source = (settings.BASE_DIR / "static" / "js" / "app.js").read_text(encoding="utf-8")
    assert "history.replaceState" in source and "location.hash" in source
    meeting, _rounds = _card_meeting()
    code = _issue(meeting, spares=0)[0].code
    response = _enter(Client(), code)
    assert response.status_code == 302 and code not in response["Location"]


def test_a_unit_in_the_room_never_also_votes_with_its_account():
    meeting, rounds = _card_meeting(Meeting.VotingMode.BOTH)
    Attendance.objects.filter(meeting__bloc_year=meeting.bloc_year, unit=meeting.units["BTC"]).update(online=True)
    round_ = round_opened(actor=meeting.chair, round_=rounds[0])
    btg = meeting.units["BTG"].pk
    with pytest.raises(ValidationError, match="tại hội trường"):
        ballot_services.ballot_cast(actor=meeting.reps["VPTU"], round_=round_, unit=meeting.units["VPTU"],
                                    choices=[btg])
    page = client_for(meeting.reps["VPTU"]).get(reverse("awards:vote", args=[round_.pk])).content.decode()
    assert "tại hội trường" in page and 'name="choices"' not in page
    ballot_services.ballot_cast(actor=meeting.reps["BTC"], round_=round_, unit=meeting.units["BTC"], choices=[btg])
    Meeting.objects.filter(bloc_year=meeting.bloc_year).update(voting_mode=Meeting.VotingMode.CARDS)
    with pytest.raises(ValidationError, match="bằng thẻ biểu quyết"):
        ballot_services.ballot_cast(actor=meeting.reps["BDV"], round_=round_, unit=meeting.units["BDV"], choices=[btg])
    assert SealedBallot.objects.filter(round=round_).count() == 1


def test_attendance_online_must_be_present():
    meeting, _rounds = _card_meeting(Meeting.VotingMode.BOTH)
    units = list(meeting.units.values())
    with pytest.raises(ValidationError, match="trực tuyến"):
        round_services.meeting_save(actor=meeting.secretariat, bloc_year=meeting.bloc_year,
                                    data={"held_on": "2022-12-01", "place": "Hội trường"}, present=units[:5],
                                    online=units[5:6])
