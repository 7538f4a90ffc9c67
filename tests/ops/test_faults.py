"""Faults: a worker killed in the middle of a write, and a database that is unreachable for a while.

One gunicorn (2 sync workers) whose `DATABASE_URL` goes through tests/ops/proxy.py, started with
tests/ops/gunicorn_hooks.py so that a worker can be made to pause inside a write. The test checks in
PostgreSQL that the paused worker holds an open write transaction, kills it with SIGKILL there, and
then finds all of the write or none of it, never a part.
"""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.bench.common import PG_PORT
from tests.bench.server import Server
from tests.bench.webclient import RequestFailed, form_token
from tests.ops import pg
from tests.ops.conftest import Ops
from tests.ops.proxy import Proxy
from tests.ops.support import (
    GUNICORN_CONFIG,
    Client,
    app_server,
    ballots_of,
    cast,
    client,
    django_env,
    receipt_in,
    review_ballot,
    sign_in,
    wait_for,
    worker_pids,
)

PAUSE_WAIT = 30.0  # seconds for a worker to reach the pause (the PDF is rendered before it)
UNAVAILABLE = "Tạm thời không kết nối được cơ sở dữ liệu"  # templates/503.html
NOT_SAVED = "Thao tác vừa rồi chưa được lưu"


@dataclass
class Faults:
    server: Server
    master: int
    proxy: Proxy
    database: str
    media: Path
    pauses: Path
    world: dict[str, Any]

    def sign_in(self, who: str) -> Client:
        username = self.world["meeting"]["reps"].get(who) or self.world["meeting"][who]
        return sign_in(self.server, username, self.world["password_prefix"] + username)

    def audit_count(self, action: str, object_id: int) -> int:
        return pg.value(self.database, "SELECT count(*) FROM blocs_auditentry WHERE action = %s AND object_id = %s",
                        [action, str(object_id)])


@pytest.fixture(scope="module")
def faults(ops: Ops, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Faults]:
    database, media = ops.clone("faults")
    folder = tmp_path_factory.mktemp("faults")
    proxy = Proxy(int(PG_PORT))
    proxy.start()
    env = django_env(pg.url(database, port=proxy.port), media, extra={"OPS_PAUSE_DIR": str(folder)})
    try:
        with app_server(env, folder / "gunicorn.log", workers=2, config=GUNICORN_CONFIG) as (server, master):
            yield Faults(server=server, master=master, proxy=proxy, database=database, media=media, pauses=folder,
                         world=ops.world)
    finally:
        proxy.stop()


def kill_inside(faults: Faults, kind: str, request: Callable[[], Any]) -> list[str]:
    """Send `request` with the worker told to pause inside its write; prove the pause is inside an open
    write transaction; SIGKILL the worker there; wait until PostgreSQL has ended that transaction.
    Returns the tables that transaction had written to when it was killed."""
    (faults.pauses / f"pause-{kind}").touch()
    answer: list[Any] = []

    def send() -> None:
        try:
            answer.append(request())
        except (OSError, RequestFailed) as error:  # the worker died before it answered
            answer.append(error)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    paused = wait_for(faults.pauses / f"paused-{kind}.json", PAUSE_WAIT)
    (faults.pauses / f"paused-{kind}.json").unlink()
    assert pg.backend(faults.database, paused["backend"]) == ("idle in transaction", True), \
        "the worker should be paused inside a transaction that has written"
    written = [row[0] for row in pg.rows(
        faults.database, "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE l.pid = %s AND l.mode = 'RowExclusiveLock' AND c.relkind = 'r'", [paused["backend"]])]
    os.kill(paused["worker"], signal.SIGKILL)
    thread.join(timeout=30)
    pg.wait_backend_gone(faults.database, paused["backend"])
    assert answer and isinstance(answer[0], (OSError, RequestFailed)), f"a killed worker answered: {answer}"
    return written


def test_a_worker_killed_while_casting_a_ballot_leaves_neither_turnout_nor_ballot(faults):
    round_pk = faults.world["meeting"]["rounds"][2]
    voter = faults.sign_in("3")
    form = review_ballot(voter, round_pk)

    written = kill_inside(faults, "cast", lambda: cast(voter, round_pk, form))
    assert "awards_turnout" in written, "the kill should land after the turnout row was inserted"
    assert ballots_of(faults.database, round_pk) == (0, 0)
    assert faults.audit_count("awards.ballot.cast", round_pk) == 0

    # Nothing half-written blocks the unit: it casts again and the whole write is there.
    assert receipt_in(cast(voter, round_pk, review_ballot(voter, round_pk))) is not None
    assert ballots_of(faults.database, round_pk) == (1, 1)
    assert faults.audit_count("awards.ballot.cast", round_pk) == 1


def _version(faults: Faults, pk: int) -> dict[str, Any]:
    status, pdf, sha, number = pg.rows(faults.database, "SELECT status, pdf, pdf_sha256, doc_number FROM "
                                                        "reports_reportversion WHERE id = %s", [pk])[0]
    return {"status": status, "pdf": pdf, "sha": sha, "number": number}


def test_a_worker_killed_while_adopting_the_report_leaves_the_draft_as_it_was(faults):
    pk = faults.world["meeting"]["draft_version"]
    year = faults.world["meeting"]["bloc_year"]
    chair = faults.sign_in("chair")

    def adopt() -> Any:
        page = chair.get(f"/report-versions/{pk}/adopt/")
        return chair.post(f"/report-versions/{pk}/adopt/", {"csrfmiddlewaretoken": form_token(page.body),
                                                            "doc_date": "2022-12-01", "doc_number": "",
                                                            "adopt_reason": "Các phần còn trống bổ sung sau"},
                           expect=302)

    kill_inside(faults, "adopt", adopt)
    assert _version(faults, pk) == {"status": "draft", "pdf": "", "sha": "", "number": None}
    assert pg.value(faults.database, "SELECT count(*) FROM reports_issueddocument WHERE bloc_year_id = %s "
                                     "AND kind = 'report'", [year]) == 0
    assert faults.audit_count("reports.report.adopted", pk) == 0

    adopt()  # the chair tries again: adopted, numbered, with its PDF and fingerprint
    adopted = _version(faults, pk)
    assert adopted["status"] == "adopted" and adopted["number"] == 1 and len(adopted["sha"]) == 64
    assert hashlib.sha256((faults.media / adopted["pdf"]).read_bytes()).hexdigest() == adopted["sha"]
    served = chair.raw("GET", f"/report-versions/{pk}/report.pdf")
    assert hashlib.sha256(served.body).hexdigest() == adopted["sha"] == served.headers["X-Content-SHA256"]
    assert faults.audit_count("reports.report.adopted", pk) == 1


def _wait_for_workers(master: int, count: int, timeout: float = 20) -> list[int]:
    """gunicorn replaces a killed worker by itself; wait until it has (the earlier tests kill some)."""
    deadline = time.monotonic() + timeout
    while len(pids := worker_pids(master)) != count:
        if time.monotonic() > deadline:
            raise AssertionError(f"gunicorn has {len(pids)} workers, not {count}")
        time.sleep(0.1)
    return pids


def test_an_unreachable_database_gives_the_503_page_then_the_app_recovers_by_itself(faults):
    year = f"/years/{faults.world['meeting']['bloc_year']}/"
    member = faults.sign_in("4")
    workers = _wait_for_workers(faults.master, 2)
    pages = [(client(faults.server), "/healthz/"), (member, year)]  # each needs the database
    sign_in_page = client(faults.server)
    assert [browser.raw("GET", path, expect=None).status for browser, path in pages] == [200, 200]

    faults.proxy.stop()
    try:
        for browser, path in pages:
            answer = browser.raw("GET", path, expect=None)
            assert answer.status == 503, (path, answer.status)
            assert UNAVAILABLE in answer.text and NOT_SAVED in answer.text
            assert "Traceback" not in answer.text and "OperationalError" not in answer.text
            assert answer.headers["Retry-After"] == "10"
        assert sign_in_page.raw("GET", "/accounts/login/", expect=None).status == 200  # needs no database
    finally:
        faults.proxy.start()

    assert [browser.raw("GET", path, expect=None).status for browser, path in pages] == [200, 200]
    assert worker_pids(faults.master) == workers  # recovered without a restart, not even of a worker
