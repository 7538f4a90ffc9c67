"""The screen for the room and the result bars (issue 11, items 3–4): the count while a round is open, the bars
with the pass line after the close, on the room screen and the round's result page."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
from django.urls import reverse

from awards.charts import pass_line_votes
from awards.models import Meeting, Round
from awards.services import cards
from awards.services import rounds as round_services
from tests.awards.conftest import seed_meeting
from tests.awards.test_voting import cast_all
from tests.conftest import client_for
from tests.factories import round_closed, round_opened

pytestmark = pytest.mark.django_db


def _pass_line(html: str) -> float:
    return float(re.search(r'data-pass-line="([0-9.]+)"', html).group(1))


def test_the_room_counts_ballots_against_cards_then_shows_the_bars():
    meeting = seed_meeting()
    Meeting.objects.filter(bloc_year=meeting.bloc_year).update(voting_mode=Meeting.VotingMode.CARDS)
    rounds = round_services.rounds_generate(actor=meeting.secretariat, bloc_year=meeting.bloc_year)
    printed = cards.cards_issue(actor=meeting.secretariat, bloc_year=meeting.bloc_year, spares=2)
    round_ = round_opened(actor=meeting.chair, round_=rounds[0])
    chair = client_for(meeting.chair)
    live = reverse("awards:room-live", args=[meeting.bloc_year.pk])
    page = chair.get(reverse("awards:room", args=[meeting.bloc_year.pk])).content.decode()
    assert 'src="/static/js/room.js"' in page and live in page
    assert re.search(r"data-received>0<.*data-expected>9<", chair.get(live).content.decode(), re.S)  # not the spares
    btg = meeting.units["BTG"].pk
    for card in printed[:3]:
        found = cards.card_find(code=card.code, ip=None)
        cards.card_ballot_cast(card=found, round_=round_, choices=[btg])
    state = chair.get(live).content.decode()
    assert re.search(r"data-received>3<.*data-expected>9<", state, re.S)
    assert "phiếu đã nhận / đơn vị có mặt" in state
    assert meeting.units["BTG"].name not in state  # nothing of the choices while open
    round_closed(actor=meeting.chair, round_=round_, ballots_issued=11)
    state = chair.get(live).content.decode()
    assert "<svg" in state and "Được đề nghị" in state and meeting.units["BTG"].name in state


def test_the_pass_line_is_the_rule_sets_fraction_of_the_base():
    meeting = seed_meeting()
    rounds = {r.kind if r.kind != Round.Kind.AWARD else r.award.code: r
              for r in round_services.rounds_generate(actor=meeting.secretariat, bloc_year=meeting.bloc_year)}
    round_ = rounds["co-thi-dua-ubnd-tinh"]
    Round.objects.filter(pk=round_.pk).update(pass_numerator=2, pass_denominator=3, comparator=">=")
    round_ = round_opened(actor=meeting.chair, round_=Round.objects.get(pk=round_.pk))
    cast_all(meeting, round_, [["BTG", "BTC"]] * 7 + [["BDV"]] * 2)
    round_ = round_closed(actor=meeting.chair, round_=round_, ballots_issued=9)
    html = client_for(meeting.secretariat).get(reverse("awards:round-detail", args=[round_.pk])).content.decode()
    bars = re.search(r'<figure class="my-3" id="round-bars">(.*?)</figure>', html, re.S).group(1)
    base = round_.result["base"]
    assert _pass_line(bars) == pytest.approx(float(pass_line_votes(Fraction(2, 3), base)))
    assert "&gt;= 2/3 × 9 = 6 phiếu" in bars
    # One bar per candidate, black for the proposed, outlined white for those that did not pass.
    assert bars.count('stroke="#000" stroke-width="1.5"') == len(round_.result["candidates"])
    assert bars.count('fill="#000"') == len(round_.result["elected"])
    assert meeting.units["BDV"].name in bars


def test_the_bars_escape_unit_names():
    from awards.charts import result_bars_svg
    from awards.results import Row

    svg = result_bars_svg([Row(unit=1, votes=3, share=Fraction(1, 3), passed=False)], names={1: "<script>x</script>"},
                          base=9, fraction=Fraction(1, 2), comparator=">")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert _pass_line(svg) == 4.5 and "4,50 phiếu" in svg


def test_the_chair_goes_from_a_result_to_the_next_round_in_catalogue_order():
    meeting = seed_meeting()
    rounds = round_services.rounds_generate(actor=meeting.secretariat, bloc_year=meeting.bloc_year)
    first = round_opened(actor=meeting.chair, round_=rounds[0])
    cast_all(meeting, first, [["BTG"]] * 9)
    round_closed(actor=meeting.chair, round_=first, ballots_issued=9)
    page = client_for(meeting.chair).get(reverse("awards:round-detail", args=[first.pk])).content.decode()
    assert f'id="next-round" href="{rounds[1].get_absolute_url()}"' in page
    member = client_for(meeting.reps["BTC"]).get(reverse("awards:round-detail", args=[first.pk])).content.decode()
    assert 'id="next-round"' not in member


def test_the_counting_minutes_print_the_bars_and_say_voting_cards_were_used(tmp_path):
    import subprocess

    meeting = seed_meeting()
    Meeting.objects.filter(bloc_year=meeting.bloc_year).update(voting_mode=Meeting.VotingMode.CARDS)
    rounds = round_services.rounds_generate(actor=meeting.secretariat, bloc_year=meeting.bloc_year)
    printed = cards.cards_issue(actor=meeting.secretariat, bloc_year=meeting.bloc_year, spares=0)
    round_ = round_opened(actor=meeting.chair, round_=rounds[0])
    for card in printed:
        cards.card_ballot_cast(card=cards.card_find(code=card.code, ip=None), round_=round_,
                               choices=[meeting.units["BTG"].pk])
    round_closed(actor=meeting.chair, round_=round_, ballots_issued=9)
    response = client_for(meeting.secretariat).get(
        reverse("reports:counting-minutes", args=[meeting.bloc_year.pk]), {"format": "pdf"})
    assert response.status_code == 200
    pdf = tmp_path / "minutes.pdf"
    pdf.write_bytes(b"".join(response.streaming_content) if response.streaming else response.content)
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "qua thẻ biểu quyết phát ngẫu nhiên, không ghi tên đơn vị" in text
    assert "ngưỡng đạt: > 1/2 × 9 = 4,50 phiếu" in text
    assert "Ban Tuyên giáo Tỉnh ủy — được đề nghị" in text
