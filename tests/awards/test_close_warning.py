"""Closing a round with ballots still out (issue 10, item 8): the close screen says how many came back, and
the chair goes on only with a reason, which the audit trail keeps."""

from __future__ import annotations

from django.urls import reverse

from awards.models import Round
from awards.services import ballots, rounds
from blocs.models import AuditEntry
from tests.conftest import client_for
from tests.factories import COMMITTEE_COPY, round_opened


def _open_with(meeting, codes: tuple[str, ...]) -> Round:  # noqa: ANN001
    round_ = round_opened(actor=meeting.chair, round_=rounds.rounds_generate(
        actor=meeting.secretariat, bloc_year=meeting.bloc_year)[0])
    for code in codes:
        ballots.ballot_cast(actor=meeting.reps[code], round_=round_, unit=meeting.units[code],
                            choices=[meeting.units["BTG"].pk])
    return round_


def test_three_ballots_of_nine_ask_for_a_reason_before_the_close(meeting):
    round_ = _open_with(meeting, ("BTG", "BDV", "BTC"))
    chair = client_for(meeting.chair)
    url = reverse("awards:round-close", args=[round_.pk])
    page = chair.get(url).content.decode()
    assert "Chỉ 3 trong 9 phiếu phát ra đã được thu về" in page
    passphrase = COMMITTEE_COPY[meeting.bloc_year.pk]
    refused = chair.post(url, {"ballots_issued": "9", "passphrase": passphrase})
    assert refused.status_code == 200
    assert "Mới thu về 3 trong 9 phiếu phát ra" in refused.content.decode()
    round_.refresh_from_db()
    assert round_.status == Round.Status.OPEN and round_.sealed_ballots.count() == 3  # nothing opened

    done = chair.post(url, {"ballots_issued": "9", "passphrase": passphrase,
                            "close_reason": "Ba đơn vị xin vắng giữa giờ, Ban kiểm phiếu thống nhất kết thúc"})
    assert done.status_code == 302
    round_.refresh_from_db()
    assert round_.status == Round.Status.CLOSED
    entry = AuditEntry.objects.get(action="awards.round.closed", object_id=str(round_.pk))
    assert entry.changes["reason"] == "Ba đơn vị xin vắng giữa giờ, Ban kiểm phiếu thống nhất kết thúc"


def test_every_ballot_back_closes_without_a_reason(meeting):
    round_ = _open_with(meeting, tuple(meeting.units))
    response = client_for(meeting.chair).post(reverse("awards:round-close", args=[round_.pk]), {
        "ballots_issued": "9", "passphrase": COMMITTEE_COPY[meeting.bloc_year.pk]})
    assert response.status_code == 302
    round_.refresh_from_db()
    assert round_.status == Round.Status.CLOSED
    assert "reason" not in AuditEntry.objects.get(action="awards.round.closed", object_id=str(round_.pk)).changes
