from django.urls import path

from reports.views import cards, documents, report, signature

app_name = "reports"

urlpatterns: list = [
    # /years/<pk>/report/ (the year-end report), /years/<pk>/documents/ (the meeting's other documents)
    path("years/<int:pk>/report/", report.report_home, name="report-home"),
    path("years/<int:pk>/report/draft/", report.report_draft_create, name="report-draft-create"),
    path("years/<int:pk>/report/compare/", report.report_compare, name="report-compare"),
    path("report-versions/<int:pk>/", report.report_version, name="report-version"),
    path("report-versions/<int:pk>/edit/", report.report_edit, name="report-edit"),
    path("report-versions/<int:pk>/circulate/", report.report_circulate, name="report-circulate"),
    path("report-versions/<int:pk>/adopt/", report.report_adopt, name="report-adopt"),
    path("report-versions/<int:pk>/correct/", report.report_correct, name="report-correct"),
    path("report-versions/<int:pk>/comments/", report.report_comment_add, name="report-comment-add"),
    path("report-comments/<int:pk>/answer/", report.report_comment_answer, name="report-comment-answer"),
    path("report-versions/<int:pk>/report.html", report.report_html_view, name="report-html"),
    path("report-versions/<int:pk>/report.pdf", report.report_pdf, name="report-pdf"),
    path("report-versions/<int:pk>/report.docx", report.report_docx, name="report-docx"),
    # The adopted report's digital signature: uploaded (signed elsewhere) or made on the server
    path("report-versions/<int:pk>/signature/upload/", signature.report_signature_upload,
         name="report-signature-upload"),
    path("report-versions/<int:pk>/signature/sign/", signature.report_sign, name="report-sign"),
    # The meeting's other documents (?format=html|pdf|docx)
    path("years/<int:pk>/documents/", documents.documents_list, name="documents"),
    path("years/<int:pk>/documents/numbers/", documents.document_numbers, name="document-numbers"),
    path("years/<int:pk>/documents/new-version/", documents.document_new_version, name="document-new-version"),
    path("years/<int:pk>/documents/counting-minutes/", documents.counting_minutes, name="counting-minutes"),
    path("years/<int:pk>/documents/meeting-minutes/", documents.meeting_minutes, name="meeting-minutes"),
    path("years/<int:pk>/documents/submission/", documents.submission, name="submission"),
    path("documents/rounds/<int:pk>/ballot-paper/", documents.ballot_paper, name="ballot-paper"),
    path("years/<int:pk>/documents/voting-cards/", cards.card_sheet, name="card-sheet"),
    path("sent-documents/<int:pk>/", documents.sent_document, name="sent-document"),
    # The submission letter as sent, signed: uploaded (signed elsewhere) or made on the server
    path("sent-documents/<int:pk>/signature/upload/", signature.letter_signature_upload,
         name="letter-signature-upload"),
    path("sent-documents/<int:pk>/signature/sign/", signature.letter_sign, name="letter-sign"),
]
