"""HTML → PDF with WeasyPrint, fonts read from our static files, never from the network or the machine.

WeasyPrint 70's URL fetcher is a class (stack-notes.md §2); a `{% static %}` URL is served from disk,
hashed names included, and anything else is refused, so a document can fetch nothing from outside.
"""

from __future__ import annotations

import mimetypes
import os
from urllib.parse import urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from emulation.kernel.text import writable

BASE_URL = "http://documents.invalid/"


def static_path(url: str) -> str | None:
    path = urlparse(url).path
    prefix = "/" + settings.STATIC_URL.lstrip("/")
    if not path.startswith(prefix):
        return None
    relative = path[len(prefix):]
    found = finders.find(relative)
    if found:
        return found
    try:  # a hashed name from the manifest storage, in STATIC_ROOT
        candidate = staticfiles_storage.path(relative)
    except NotImplementedError:
        return None
    return candidate if os.path.exists(candidate) else None


class StaticFilesFetcher(URLFetcher):
    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        path = static_path(url)
        if path is None:
            raise ValueError(f"Documents may only load our static files, not {url}")
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, open(path, "rb"), {"Content-Type": content_type})  # noqa: SIM115


def html_to_pdf(html: str) -> bytes:
    # Control characters already stored are dropped: nobody meant them, and some break the HTML parser.
    document = HTML(string=writable(html), base_url=BASE_URL, url_fetcher=StaticFilesFetcher())
    return document.write_pdf(font_config=FontConfiguration())


PT_PER_PX = 0.75  # CSS px are 1/96 in, PDF points 1/72 in
STAMP_WIDTH_PT, STAMP_HEIGHT_PT = 190, 48


def signature_place(html: str) -> tuple[int, tuple[int, int, int, int]]:
    """Where a document's signature goes (Decree 30, Appendix I, cell 7b: the signature over the signer's
    block): the room left to sign between the signer's title and name (`.signature .space`), on the page where
    the layout put it, as a page index and a box in PDF points from the lower left. Laid out again from the
    stored HTML, which lays out as when its PDF was made; without that room, the lower right of the last page."""
    document = HTML(string=writable(html), base_url=BASE_URL, url_fetcher=StaticFilesFetcher()).render(
        font_config=FontConfiguration())
    for index in reversed(range(len(document.pages))):
        page = document.pages[index]
        height = page.height * PT_PER_PX
        for box in page._page_box.descendants():  # WeasyPrint's layout boxes: the only way to know where it is
            element = getattr(box, "element", None)
            if element is not None and "space" in (element.get("class") or "").split():
                centre_x = (box.content_box_x() + box.width / 2) * PT_PER_PX
                centre_y = height - (box.content_box_y() + box.height / 2) * PT_PER_PX
                return index, _box(centre_x, centre_y)
    page = document.pages[-1]
    return len(document.pages) - 1, _box(page.width * PT_PER_PX * 0.72, 170)


def _box(centre_x: float, centre_y: float) -> tuple[int, int, int, int]:
    x1, y1 = round(centre_x - STAMP_WIDTH_PT / 2), round(centre_y - STAMP_HEIGHT_PT / 2)
    return x1, y1, x1 + STAMP_WIDTH_PT, y1 + STAMP_HEIGHT_PT
