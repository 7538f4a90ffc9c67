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
