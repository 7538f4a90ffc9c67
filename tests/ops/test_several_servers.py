"""Two app servers on one PostgreSQL database and one media folder, as README "Deploying" describes N of
them behind a load balancer: the same DJANGO_SECRET_KEY and database, no sticky sessions.

Server A and server B are two gunicorn instances on different ports of 127.0.0.1, driven over HTTP
like two browsers behind a load balancer that sends each request wherever it likes. A finds the shared
folder as its DJANGO_MEDIA_ROOT; B has a media root of its own that stays empty and reaches the shared
folder only through its storage backend's options (DJANGO_FILE_STORAGE, DJANGO_FILE_STORAGE_OPTIONS), the
way a server reaches an S3-compatible bucket: whatever B serves came through Django's storage API.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.bench.server import Server
from tests.bench.webclient import RequestFailed, alert_text, form_token
from tests.ops import pg
from tests.ops.conftest import Ops
from tests.ops.support import (
    GUNICORN_CONFIG,
    RECEIPT,
    Client,
    app_servers,
    ballots_of,
    cast,
    client,
    django_env,
    receipt_in,
    review_ballot,
    sign_in,
)


@dataclass
class Pair:
    a: Server
    b: Server
    database: str
    media: Path
    b_media_root: Path
    hooks: Path  # OPS_PAUSE_DIR of tests/ops/gunicorn_hooks.py
    world: dict[str, Any]

    def sign_in(self, server: Server, who: str) -> Client:
        username = self.world["meeting"]["reps"].get(who) or self.world["meeting"][who]
        return sign_in(server, username, self.world["password_prefix"] + username)


@pytest.fixture(scope="module")
def pair(ops: Ops, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    database, media = ops.clone("servers")
    folder = tmp_path_factory.mktemp("servers")
    env_a = django_env(pg.url(database), media, extra={"OPS_PAUSE_DIR": str(folder)})
    b_media_root = folder / "b-media-root"
    b_media_root.mkdir()
    env_b = {**env_a, "DJANGO_MEDIA_ROOT": str(b_media_root),  # the same secret key and database as A
             "DJANGO_FILE_STORAGE": "django.core.files.storage.FileSystemStorage",
             "DJANGO_FILE_STORAGE_OPTIONS": json.dumps({"location": str(media)})}
    with app_servers([env_a, env_b], [folder / "a.log", folder / "b.log"], config=GUNICORN_CONFIG) as (a, b):
        assert a.port != b.port
        yield Pair(a=a, b=b, database=database, media=media, b_media_root=b_media_root, hooks=folder,
                   world=ops.world)


def test_a_ballot_cast_through_one_server_is_counted_when_the_round_closes_through_the_other(pair):
    round_pk = pair.world["meeting"]["rounds"][0]
    voter = pair.sign_in(pair.a, "1")
    form = review_ballot(voter, round_pk)
    receipt = receipt_in(cast(voter, round_pk, form))  # shown once, in the cast's answer from A

    chair = pair.sign_in(pair.b, "chair")
    closing = chair.get(f"/rounds/{round_pk}/close/")
    chair.post(f"/rounds/{round_pk}/close/", {"csrfmiddlewaretoken": form_token(closing.body),
                                              "ballots_issued": "6", "passphrase": pair.world["meeting"]["passphrase"],
                                              "close_reason": "Chỉ một đơn vị bỏ phiếu trong kiểm thử"},
               expect=302)

    stored = pg.rows(pair.database, "SELECT receipt, choices FROM awards_ballot WHERE round_id = %s", [round_pk])
    status, result = pg.rows(pair.database, "SELECT status, result FROM awards_round WHERE id = %s", [round_pk])[0]
    assert receipt is not None and stored == [(receipt, [int(form["choices"][0])])]
    assert status == "closed"
    assert result["counts"]["returned"] == result["counts"]["valid"] == 1
    votes = {row["unit"]: row["votes"] for row in result["candidates"]}
    assert votes[int(form["choices"][0])] == 1 and sum(votes.values()) == 1


def _race(pair: Pair, round_pk: int) -> list[Any]:
    """Representatives 2 (on A) and 2b (on B) of the same unit press "cast" at the same instant."""
    voters = [pair.sign_in(pair.a, "2"), pair.sign_in(pair.b, "2b")]
    forms = [review_ballot(voter, round_pk) for voter in voters]
    barrier = threading.Barrier(len(voters), timeout=30)
    outcomes: list[Any] = [None] * len(voters)

    def press(i: int) -> None:
        barrier.wait()
        try:
            page = cast(voters[i], round_pk, forms[i])
            receipt = RECEIPT.search(page)
            outcomes[i] = ("receipt", receipt.group(1)) if receipt else ("refused", alert_text(page))
        except (OSError, RequestFailed) as error:
            outcomes[i] = ("error", repr(error))

    threads = [threading.Thread(target=press, args=(i,), daemon=True) for i in range(len(voters))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("both_past_the_check", [False, True], ids=["at-once", "both-past-the-check"])
def test_two_representatives_of_one_unit_casting_at_once_on_two_servers_store_one_ballot(pair, both_past_the_check):
    """At once: the two requests leave the client together. Both past the check: in addition each server
    holds its cast, after it found that the unit has not voted and before it writes, until the other one
    is there too (gunicorn_hooks.py), so only the database's unique turnout constraint can refuse one."""
    round_pk = pair.world["meeting"]["rounds"][2 if both_past_the_check else 1]
    race = pair.hooks / "pause-race"
    if both_past_the_check:
        race.touch()
    try:
        outcomes = _race(pair, round_pk)
    finally:
        race.unlink(missing_ok=True)
    arrived = list(pair.hooks.glob("arrived-*"))
    for path in arrived:
        path.unlink()
    assert len(arrived) == (2 if both_past_the_check else 0)
    assert all(outcome is not None and outcome[0] != "error" for outcome in outcomes), outcomes
    assert sorted(kind for kind, _detail in outcomes) == ["receipt", "refused"], outcomes
    refused = next(detail for kind, detail in outcomes if kind == "refused")
    assert "đã bỏ phiếu" in refused or "already voted" in refused  # the message names the reason
    assert ballots_of(pair.database, round_pk) == (1, 1)


def test_a_session_opened_on_one_server_works_on_the_other_and_closing_it_closes_it_everywhere(pair):
    year = f"/years/{pair.world['meeting']['bloc_year']}/"
    assert client(pair.b).get(year, expect=302).location.startswith("/accounts/login/")  # nobody signed in
    on_a = pair.sign_in(pair.a, "3")
    on_b = on_a.on(pair.b)
    page = on_b.get(year)
    assert "Khối vận hành thử" in page.body and "vh_dai_dien_3" in page.body
    on_b.post("/accounts/logout/", {"csrfmiddlewaretoken": form_token(page.body)}, expect=302)
    assert on_a.get(year, expect=302).location.startswith("/accounts/login/")


def _upload_scan(pair: Pair, server: Server, scan: bytes) -> Client:
    year = pair.world["meeting"]["bloc_year"]
    secretariat = pair.sign_in(server, "secretariat")
    form = secretariat.get(f"/years/{year}/covenant/edit/")
    secretariat.upload(f"/years/{year}/covenant/edit/",
                       {"csrfmiddlewaretoken": form_token(form.body), "signed_on": "2022-03-15",
                        "signed_place": "Hội trường", "items": "Hoàn thành nhiệm vụ | 100%"},
                       {"scan": ("giao-uoc-van-hanh.pdf", scan, "application/pdf")})
    return secretariat


@pytest.mark.parametrize("direction", ["A to B", "B to A"])
def test_a_file_uploaded_through_one_server_downloads_through_the_other(pair, direction):
    up, down = (pair.a, pair.b) if direction == "A to B" else (pair.b, pair.a)
    scan = f"%PDF-1.4\n% covenant of Khoi van hanh thu, uploaded {direction}\n%%EOF\n".encode()
    secretariat = _upload_scan(pair, up, scan)

    year = pair.world["meeting"]["bloc_year"]
    download = secretariat.on(down).raw("GET", f"/years/{year}/covenant/scan/")
    assert download.body == scan
    assert download.headers["Content-Type"] == "application/pdf"
    name = pg.value(pair.database, "SELECT scan FROM blocs_covenant WHERE bloc_year_id = %s", [year])
    assert (pair.media / name).read_bytes() == scan  # in the one shared media folder
    assert list(pair.b_media_root.iterdir()) == []  # B went through its storage backend, never its media root


def test_the_adopted_report_pdf_stored_earlier_is_served_byte_for_byte_by_either_server(pair):
    seed_year = pair.world["seed_year"]
    name = seed_year["chair"]
    chair = sign_in(pair.a, name, pair.world["password_prefix"] + name)
    path = f"/report-versions/{seed_year['adopted_version']}/report.pdf"
    answers = [chair.raw("GET", path), chair.on(pair.b).raw("GET", path)]
    recorded = pg.value(pair.database, "SELECT pdf_sha256 FROM reports_reportversion WHERE id = %s",
                        [seed_year["adopted_version"]])
    assert [hashlib.sha256(answer.body).hexdigest() for answer in answers] == [recorded, recorded]
