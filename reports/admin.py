"""The admin shows the report's versions, comments and numbers, and changes none of them.

Drafts, comments and adoption go through reports/services.py (one audit entry each); an adopted
version must never change, so the admin is read-only here.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from reports.models import Comment, IssuedDocument, ReportVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class CommentInline(admin.TabularInline):
    model = Comment
    fields = ["section", "unit", "author", "text", "answer", "answer_text", "answered_by", "answered_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ReportVersion)
class ReportVersionAdmin(ReadOnlyAdmin):
    list_display = ["bloc_year", "number", "status", "doc_number", "doc_date", "pdf_sha256"]
    list_filter = ["status"]
    search_fields = ["bloc_year__bloc__name"]
    exclude = ["frozen_html"]
    inlines = [CommentInline]


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["version", "section", "unit", "answer", "created_at"]
    list_filter = ["answer"]


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(ReadOnlyAdmin):
    list_display = ["bloc_year", "kind", "number", "issued_on"]
    list_filter = ["kind"]
