"""The world of the permission matrix (tests/blocs/test_permissions.py `objects`) plus the report's versions
(tests/reports/test_report_views.py): one object behind every URL name of the three matrices."""

from __future__ import annotations

from typing import Any

import pytest

from reports.models import Comment, ReportVersion
from tests.blocs.test_permissions import objects  # noqa: F401 - the matrix's fixture, used below
from tests.reports.test_report_views import _objects as report_objects

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def fast_pdf(monkeypatch):  # noqa: ANN001, ANN201
    """Adoption stores a PDF; where the PDF's content is not what is tested, skip WeasyPrint's seconds."""
    monkeypatch.setattr("reports.services.report.html_to_pdf", lambda html: MINIMAL_PDF)


@pytest.fixture
def everything(world, objects, fast_pdf) -> dict[str, Any]:  # noqa: ANN001, F811
    """The matrix's objects by the names its rows use, report versions and the comment included."""
    pks = report_objects(world)
    return {**objects, "adopted": ReportVersion.objects.get(pk=pks["adopted"]),
            "circulated": ReportVersion.objects.get(pk=pks["circulated"]),
            "draft": ReportVersion.objects.get(pk=pks["draft"]), "comment": Comment.objects.get(pk=pks["comment"])}
