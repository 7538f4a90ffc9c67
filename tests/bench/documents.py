"""Documents: the counting minutes of a 9-unit and a 40-unit bloc, our render against WeasyPrint's own time
on the same saved HTML, and serving a stored PDF against rendering it (issue 5, "Speed").

"Ours" is the whole request's work: read the data, render the template, make the PDF. "WeasyPrint" is
`write_pdf` alone on the HTML we saved from that render, with the same font loader; the ratio says what
our part costs on top. "Serving" reads the same PDF's bytes back from a file storage into a response, as a
stored (adopted) document is served. Medians of a few runs; measurements only, no thresholds.

`run()` measures in this process: on a scratch SQLite database when Django is not set up yet, otherwise
inside a transaction that is rolled back, so nothing is left in the caller's database. `main()` is the
same as a section of `make bench` (tests/bench/run.py), not listed there yet.
"""

from __future__ import annotations

import argparse
import math
import re
import statistics
import subprocess
import tempfile
import time as clock
import warnings
from dataclasses import asdict
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.bench.common import Section, child_main, django_setup, migrate, ms, timed
from tests.bench.common import progress as say

KEY = "documents"
TITLE = "Documents: the year-end report and the counting minutes, render vs WeasyPrint, stored vs rendered"
KINDS = ("report", "counting minutes")
SIZES = (9, 40)
RUNS = {9: 5, 40: 3}
SERVE_RUNS = 50
AWARDS = (("co-thi-dua-chinh-phu", 1), ("co-thi-dua-ubnd-tinh", 2), ("bang-khen-chu-tich-ubnd-tinh", 3))


def build_bloc_year(n: int, *, tag: str = "") -> Any:
    """A bloc year of n Party units at its meeting, every round closed through the services: three award
    rounds, the head and the deputy. About 70% of the units vote for the same leading candidates."""
    from awards.models import CategoryRule, RuleSet
    from awards.services import ballots
    from awards.services import rounds as round_services
    from blocs.models import Award, Bloc, BlocYear, Membership, Province, RoleGrant, Scorecard, Unit, User
    from tests.factories import round_closed, round_opened

    tag = tag or str(n)
    province, _created = Province.objects.get_or_create(name="Quảng Trị")
    bloc = Bloc.objects.create(code=f"bench-docs-{tag}", name=f"Khối thi đua các cơ quan Đảng ({n} đơn vị)",
                               province=province, founded_year=2010)
    bloc_year = BlocYear.objects.create(bloc=bloc, year=2022, status=BlocYear.Status.MEETING, place_name="Quảng Trị")
    units = [Unit.objects.create(province=province, name=f"Ban Xây dựng Đảng và Dân vận huyện số {i + 1}",
                                 short_code=f"BD{tag}-{i + 1}", kind=Unit.Kind.PARTY, parent_body="Tỉnh ủy Quảng Trị")
             for i in range(n)]
    Membership.objects.bulk_create(Membership(bloc_year=bloc_year, unit=u, year=2022, position=(
        Membership.Position.HEAD if i == 0 else Membership.Position.MEMBER)) for i, u in enumerate(units))
    Scorecard.objects.bulk_create(Scorecard(bloc_year=bloc_year, unit=u, final_total=Decimal(99) - Decimal(i) / 2)
                                  for i, u in enumerate(units))
    rule_set = RuleSet.objects.create(bloc_year=bloc_year, version=1)
    for code, quota in AWARDS:
        CategoryRule.objects.create(rule_set=rule_set, award=Award.objects.get(code=code), quota_count=quota)
    secretariat = User.objects.create_user(username=f"bench_docs_{tag}", password="x")
    RoleGrant.objects.create(user=secretariat, kind=RoleGrant.Kind.SECRETARIAT, bloc=bloc)
    round_services.meeting_save(
        actor=secretariat, bloc_year=bloc_year, present=units,
        data={"held_on": date(2022, 12, 1), "starts_at": time(14, 0), "place": "Hội trường Tỉnh ủy",
              "chair_name": "Nguyễn Văn Trưởng", "secretary_name": "Lê Thị Thư"},
        committee=[("Nguyễn Văn A", units[0]), ("Trần Thị B", units[1]), ("Lê Văn C", units[2])])
    for round_ in round_services.rounds_generate(actor=secretariat, bloc_year=bloc_year):
        round_ = round_opened(actor=secretariat, round_=round_)
        candidates = list(round_.candidates.values_list("unit_id", flat=True))
        k, majority = round_.max_choices, math.ceil(n * 0.7)
        for i, unit in enumerate(units):
            choice = candidates[:k] if i < majority else candidates[k:2 * k] or candidates[-1:]
            ballots.ballot_cast(actor=secretariat, round_=round_, unit=unit, choices=choice)
        round_closed(actor=secretariat, round_=round_, ballots_issued=n)
    return bloc_year


NARRATIVE = "Năm nay các đơn vị đã **hoàn thành tốt** nhiệm vụ chính trị.\n\n- Cải cách hành chính\n- Chuyển đổi số"


def _render_html(bloc_year: Any, kind: str = "counting minutes") -> str:
    from reports.common import render_document
    from reports.models import SECTION_KEYS, ReportVersion
    from reports.queries import documents
    from reports.queries.report import report_html

    if kind == "report":
        version, _created = ReportVersion.objects.get_or_create(
            bloc_year=bloc_year, number=1, defaults={"narrative": {key: NARRATIVE for key in SECTION_KEYS}})
        return report_html(version)
    return render_document("reports/documents/counting_minutes.html", documents.counting_minutes_context(bloc_year))


def _median(samples: list[float]) -> float:
    return statistics.median(samples)


def _pages(pdf: bytes) -> int | str:
    try:
        info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "?"
    found = re.search(rb"Pages:\s+(\d+)", info)
    return int(found.group(1)) if found else "?"


def measure(section: Section) -> None:
    from django.core.files.storage import FileSystemStorage

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-documents-") as tmp:
        storage = FileSystemStorage(location=tmp)
        for n in SIZES:
            say(KEY, f"building a bloc of {n} units with five closed rounds")
            bloc_year = build_bloc_year(n)
            for kind in KINDS:
                rows.append(_measure_one(section, storage, tmp, bloc_year, n, kind))
    columns = ["Document", "Units", "Pages", "KiB", "Ours (data + template + PDF)", "WeasyPrint on saved HTML", "Ratio",
               "Word from the HTML", "Serve stored PDF (µs)", "Render / serve"]
    section.table("Median ms unless stated", columns, rows)
    section.note("Ours includes reading the rounds, units and meeting; WeasyPrint is write_pdf on the saved HTML "
                 "with the same static-files font loader. Serving reads the bytes from a FileSystemStorage.")


def _measure_one(section: Any, storage: Any, tmp: str, bloc_year: Any, n: int, kind: str) -> list[Any]:
    from django.core.files.base import ContentFile
    from django.http import HttpResponse

    from reports.docx import html_to_docx
    from reports.pdf import html_to_pdf

    html_to_pdf(_render_html(bloc_year, kind))  # warm up: fonts, templates
    saved = Path(tmp) / f"{kind[:8]}-{n}.html"
    saved.write_text(_render_html(bloc_year, kind), encoding="utf-8")
    text = saved.read_text(encoding="utf-8")
    ours, weasy, docx = [], [], []
    for _ in range(RUNS[n]):  # alternate, so that a busy machine weighs on both alike
        seconds, pdf = timed(lambda by=bloc_year: html_to_pdf(_render_html(by, kind)))
        ours.append(seconds)
        weasy.append(timed(lambda t=text: html_to_pdf(t))[0])
    for _ in range(RUNS[n]):
        docx.append(timed(lambda t=text: html_to_docx(t))[0])
    name = storage.save(f"{kind[:8]}-{n}.pdf", ContentFile(pdf))

    def serve(stored: str = name) -> HttpResponse:
        with storage.open(stored, "rb") as handle:
            return HttpResponse(handle.read(), content_type="application/pdf")

    serving = [timed(serve)[0] for _ in range(SERVE_RUNS)]
    if kind == "report":
        _measure_signed(section, storage, tmp, pdf, n, _median(ours), serve)
    pages = _pages(pdf)
    ratio = _median(ours) / _median(weasy)
    faster = _median(ours) / _median(serving)
    section.figure(f"{kind}, {n} units: ours / WeasyPrint", round(ratio, 2), "×",
                   f"{ms(_median(ours))} ms vs {ms(_median(weasy))} ms, {pages} pages")
    section.figure(f"{kind}, {n} units: rendering / serving the stored PDF", round(faster), "×",
                   f"{ms(_median(ours))} ms vs {round(_median(serving) * 1e6)} µs, {len(pdf) // 1024} KiB")
    return [kind, n, pages, len(pdf) // 1024, ms(_median(ours)), ms(_median(weasy)), round(ratio, 2),
            ms(_median(docx)), round(_median(serving) * 1e6), round(faster)]


def _measure_signed(section: Any, storage: Any, tmp: str, pdf: bytes, n: int, render: float,
                    serve: Any) -> None:
    """The adopted report signed (issue 12, item 7): signing it on the server and verifying an upload, once each
    (they happen once a year), and serving the stored signed PDF against rendering the report."""
    from django.core.files.base import ContentFile

    from reports import signatures
    from tests.signing_pki import PASSPHRASE, make_pki

    pki = make_pki(Path(tmp) / f"pki-{n}")
    signer = signatures.load_signer(str(pki.pkcs12), PASSPHRASE)
    place = signatures.StampPlace(page=0, box=(350, 100, 540, 148))
    signing, signed = timed(lambda: signatures.sign_pdf(original=pdf, signer=signer, place=place,
                                                        when="15:45, 01/12/2022", location="Quảng Trị"))
    verifying, _facts = timed(lambda: signatures.verify_signed_pdf(signed=signed, original=pdf, roots=[],
                                                                   document="báo cáo"))
    name = storage.save(f"signed-{n}.pdf", ContentFile(signed))
    serving = _median([timed(lambda: serve(name))[0] for _ in range(SERVE_RUNS)])
    section.figure(f"report, {n} units: serving a stored signed PDF ÷ rendering", float(f"{serving / render:.2g}"), "×",
                   f"{round(serving * 1e6)} µs vs {ms(render)} ms; signing on the server {ms(signing)} ms, "
                   f"verifying an upload {ms(verifying)} ms, {len(signed) // 1024} KiB signed")


def _scratch(tmp: str) -> None:
    """A scratch SQLite file, DEBUG off; static files from the source tree (no collectstatic manifest here)."""
    django_setup(f"sqlite:///{Path(tmp) / 'documents.sqlite3'}", debug=False)
    from django.conf import settings
    from django.test.utils import override_settings

    warnings.filterwarnings("ignore", "No directory at", UserWarning)  # whitenoise: no collectstatic here
    storages = {**settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    override_settings(STORAGES=storages).enable()
    migrate()


def body(section: Section, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-documents-db-") as tmp:
        _scratch(tmp)
        measure(section)


def run() -> dict[str, Any]:
    """Measure in this process and return the section as a dict (key, title, figures, tables, notes, errors)."""
    from django.apps import apps

    section = Section(key=KEY, title=TITLE)
    started = clock.perf_counter()
    if apps.ready:
        from django.db import transaction

        with transaction.atomic():
            measure(section)
            transaction.set_rollback(True)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-documents-db-") as tmp:
            _scratch(tmp)
            measure(section)
    section.seconds = round(clock.perf_counter() - started, 1)
    return asdict(section)


def main() -> None:
    child_main(KEY, TITLE, body)


if __name__ == "__main__":
    main()
