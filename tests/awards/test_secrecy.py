"""The secret ballot against whoever holds the database (docs/secrecy.md), on SQLite and PostgreSQL.

Forty representatives cast through the web forms, as on their phones. While the round is open nothing in
the database, a data dump, the sessions or the responses' URLs holds a receipt or a plain choice; after the
close, no system column, physical order, id, audit row or session links a unit to its ballot. The order
of the stored ballots is shown independent of the order of casting over the forty casts.
"""

from __future__ import annotations

import re
import subprocess
from decimal import Decimal

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from awards.models import Ballot, Meeting, Round, RuleSet, SealedBallot, Turnout
from awards.services import ballots as ballot_services
from awards.services import rounds as round_services
from blocs.models import AuditEntry, BlocYear, Membership, RoleGrant, Scorecard
from tests.factories import (
    COMMITTEE_COPY,
    add_member,
    grant,
    make_bloc,
    make_bloc_year,
    make_province,
    make_unit,
    make_user,
    round_closed,
    round_opened,
)

pytestmark = pytest.mark.django_db(transaction=True)

VOTERS = 40
RECEIPT = re.compile(r'id="receipt">([A-Z0-9]+)<')


def big_meeting(n: int = VOTERS) -> tuple[BlocYear, list, dict, object]:
    province = make_province()
    bloc_year = make_bloc_year(bloc=make_bloc(name="Khối thi đua bí mật", province=province),
                               status=BlocYear.Status.MEETING)
    units = [make_unit(name=f"Sở số {i:02d}", short_code=f"S{i:02d}", province=province) for i in range(n)]
    reps = {}
    for i, unit in enumerate(units):
        add_member(bloc_year, unit, Membership.Position.HEAD if i == 0 else Membership.Position.MEMBER)
        Scorecard.objects.create(bloc_year=bloc_year, unit=unit, final_total=Decimal(90 + i % 7))
        reps[unit.pk] = make_user(f"rep_secret_{i}", unit=unit)
        grant(reps[unit.pk], RoleGrant.Kind.REPRESENTATIVE, unit=unit)
    chair = make_user("chu_tri_bi_mat", unit=units[0])
    grant(chair, RoleGrant.Kind.CHAIR, bloc_year=bloc_year)
    RuleSet.objects.create(bloc_year=bloc_year, version=1, deputies=0)
    round_services.meeting_save(actor=chair, bloc_year=bloc_year, data={"held_on": "2026-12-01", "place": "Hội trường"},
                                present=units)
    round_ = round_services.rounds_generate(actor=chair, bloc_year=bloc_year)[0]  # the head unit's election
    round_services.round_settings_update(actor=chair, round_=round_, data={
        "pass_numerator": 1, "pass_denominator": 2, "comparator": ">", "base": "valid", "quota": 3,
        "max_choices": 3})
    return bloc_year, units, reps, round_opened(actor=chair, round_=round_)


def cast_on_phones(units: list, reps: dict, round_: Round) -> list[tuple[int, str, list[int]]]:
    """Each unit casts through the forms, choosing 0 to 3 units; returns (unit, receipt, choices) in order."""
    cast = []
    for i, unit in enumerate(units):
        choices = [units[(i + k) % len(units)].pk for k in range(i % 4)]
        phone = Client()
        phone.force_login(reps[unit.pk])
        assert phone.get(reverse("awards:vote", args=[round_.pk])).status_code == 200
        url = reverse("awards:vote-cast", args=[round_.pk])
        response = phone.post(url, {"unit": unit.pk, "choices": choices})
        assert response.status_code == 200 and not response.has_header("Location")
        assert "?" not in url  # the unit is in the body: no access-log line names it
        assert "no-store" in response["Cache-Control"]
        receipt = RECEIPT.search(response.content.decode()).group(1)
        cast.append((unit.pk, receipt, sorted(choices)))
    return cast


def every_row_as_text() -> str:
    """The whole database as its administrator reads it: every table, every column."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            for row in cursor.fetchall():
                found.append(" ".join(bytes(v).hex() + " " + bytes(v).decode("latin-1")
                                      if isinstance(v, bytes | memoryview) else str(v) for v in row))
    return "\n".join(found)


def data_dump() -> str:
    """pg_dump --data-only on PostgreSQL; the SQLite database's own SQL dump."""
    if connection.vendor == "postgresql":
        settings = connection.settings_dict
        return subprocess.run(["pg_dump", "--data-only", "-h", settings["HOST"] or "127.0.0.1",
                               "-p", str(settings["PORT"] or 5432), "-U", settings["USER"] or "postgres",
                               settings["NAME"]], capture_output=True, text=True, check=True, timeout=120).stdout
    connection.ensure_connection()
    return "\n".join(connection.connection.iterdump())


def sessions_as_text() -> str:
    return "\n".join(f"{s.session_data} {s.get_decoded()}" for s in Session.objects.all())


def physical_order(table: str, round_: Round) -> list[str]:
    """Receipts in the order the rows lie on disk (ctid) or in the table (SQLite's rowid)."""
    column = "ctid" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT receipt FROM {table} WHERE round_id = %s ORDER BY {column}", [round_.pk])  # noqa: S608
        return [receipt for (receipt,) in cursor.fetchall()]


def kendall_tau(order: list[int]) -> float:
    """Rank correlation of a permutation of 0..n-1 with the identity: 1 same order, -1 reversed, ~0 unrelated."""
    n = len(order)
    concordant = sum(1 for i in range(n) for j in range(i + 1, n) if order[i] < order[j])
    pairs = n * (n - 1) // 2
    return (2 * concordant - pairs) / pairs


def test_while_open_no_receipt_or_choice_exists_anywhere_and_boxes_have_one_size():
    _year, units, reps, round_ = big_meeting()
    cast = cast_on_phones(units, reps, round_)

    assert not Ballot.objects.filter(round=round_).exists()
    boxes = [bytes(box) for box in SealedBallot.objects.filter(round=round_).values_list("box", flat=True)]
    assert len(boxes) == VOTERS and len({len(box) for box in boxes}) == 1  # 0 to 3 choices: one length
    everywhere = "\n".join([every_row_as_text(), data_dump(), sessions_as_text()])
    for _unit, receipt, _choices in cast:
        assert receipt not in everywhere
    # No audit row carries a choice or a receipt: only that the unit voted.
    for entry in AuditEntry.objects.filter(action="awards.ballot.cast"):
        assert set(entry.changes) == {"unit"}
    assert COMMITTEE_COPY[round_.bloc_year_id] not in everywhere  # the passphrase is stored nowhere


def test_after_the_close_nothing_links_a_unit_to_its_ballot():
    year, units, reps, round_ = big_meeting()
    cast = cast_on_phones(units, reps, round_)
    closed = round_closed(actor=None, round_=round_)

    ballots = {b.receipt: b for b in Ballot.objects.filter(round=closed)}
    assert {receipt: sorted(choices) for _u, receipt, choices in cast} == {r: b.choices for r, b in ballots.items()}
    assert closed.result["counts"]["returned"] == VOTERS == Turnout.objects.filter(round=closed).count()
    assert not SealedBallot.objects.exists() and closed.box_private_key is None and closed.box_public_key is None

    # No time on a ballot or a turnout row, so nothing to join on.
    for model in (Ballot, Turnout):
        assert not [f for f in model._meta.concrete_fields if f.get_internal_type() in ("DateTimeField", "DateField")]
    # Physical order and ids tell nothing of the order of casting (40 casts: |tau| < 0.5 is > 4 sd).
    cast_index = {receipt: i for i, (_u, receipt, _c) in enumerate(cast)}
    on_disk = [cast_index[r] for r in physical_order("awards_ballot", closed)]
    by_id = [cast_index[b.receipt] for b in sorted(ballots.values(), key=lambda b: b.pk.hex)]
    assert abs(kendall_tau(on_disk)) < 0.5 and abs(kendall_tau(by_id)) < 0.5
    assert on_disk != sorted(on_disk)
    # The sessions keep no receipt.
    sessions = sessions_as_text()
    assert not any(receipt in sessions for receipt in ballots)

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT xmin::text FROM awards_ballot WHERE round_id = %s", [closed.pk])
            ballot_xmins = {x for (x,) in cursor.fetchall()}
            cursor.execute("SELECT xmin::text FROM awards_turnout WHERE round_id = %s", [closed.pk])
            turnout_xmins = {x for (x,) in cursor.fetchall()}
            cursor.execute("SELECT xmin::text FROM blocs_auditentry WHERE action = 'awards.ballot.cast'")
            audit_xmins = {x for (x,) in cursor.fetchall()}
        assert len(ballot_xmins) == 1  # all written by the close, in one transaction
        assert len(turnout_xmins) == VOTERS and not ballot_xmins & (turnout_xmins | audit_xmins)
    assert year.rounds.get(pk=closed.pk).is_closed


def test_a_wrong_passphrase_changes_nothing_and_the_right_one_counts():
    _year, units, reps, round_ = big_meeting(6)
    cast_on_phones(units, reps, round_)
    for wrong in ("", "AAAA-AAAA-AAAA-AAAA"):
        with pytest.raises(ValidationError):
            round_services.round_close(actor=None, round_=round_, passphrase=wrong)
    assert Round.objects.get(pk=round_.pk).is_open and SealedBallot.objects.filter(round=round_).count() == 6
    typed = " ".join(COMMITTEE_COPY[round_.bloc_year_id].lower()[i:i + 4] for i in range(0, 16, 4))
    closed = round_services.round_close(actor=None, round_=round_, passphrase=typed)  # as people type it
    assert closed.result["counts"]["returned"] == 6


def test_a_lost_passphrase_sends_the_round_to_paper_and_says_so():
    year, units, reps, round_ = big_meeting(6)
    cast_on_phones(units[:3], reps, round_)
    with pytest.raises(ValidationError):
        round_services.round_sealed_discard(actor=None, round_=round_, reason=" ")
    round_services.round_sealed_discard(actor=None, round_=round_, reason="Mất bản ghi cụm mật khẩu")
    round_.refresh_from_db()
    assert round_.is_paper_only and not round_.sealed_ballots.exists() and not round_.turnout.exists()
    entry = AuditEntry.objects.get(action="awards.round.online_discarded")
    assert entry.changes["discarded"] == 3
    with pytest.raises(ValidationError, match="giấy"):
        ballot_services.ballot_cast(actor=reps[units[4].pk], round_=round_, unit=units[4], choices=[])
    for _unit in units:
        ballot_services.paper_ballot_enter(actor=None, round_=round_, choices=[units[0].pk])
    closed = round_services.round_close(actor=None, round_=round_)  # nothing sealed: no passphrase asked
    assert closed.result["counts"]["returned"] == 6 and closed.result["elected"] == [units[0].pk]
    # A new passphrase for the meeting's later rounds, once nothing is open under the old one.
    assert round_services.ballot_box_open(actor=None, bloc_year=year) != COMMITTEE_COPY[year.pk]
    assert Meeting.objects.get(bloc_year=year).box_key.public_key
