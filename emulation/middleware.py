from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class SecurityHeadersMiddleware:
    """Adds the content-security-policy header; Django 5.2 has no built-in one. The admin gets its own,
    as strict for scripts, allowing the inline style attributes its templates use."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = (settings.ADMIN_CONTENT_SECURITY_POLICY if request.path.startswith("/admin/")
                  else settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Content-Security-Policy", policy)
        return response


class DatabaseUnavailableMiddleware:
    """When the database cannot be reached, answer 503 with a plain Vietnamese page, never a stack
    trace. Nothing needs restarting: the next request opens a new connection (CONN_MAX_AGE)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.db import InterfaceError, OperationalError, connections
        from django.template import loader

        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        for connection in connections.all():
            connection.close_if_unusable_or_obsolete()
        response = HttpResponse(loader.get_template("503.html").render({}), status=503)
        response["Retry-After"] = "10"
        return response
