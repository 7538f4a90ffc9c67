"""The permission matrix's expected statuses: every URL name × every persona, one table for every app.

The personas are the roles described once in blocs/permissions.py `ROLES` (one persona each, tests/conftest.py),
with the anonymous visitor, the outsider and the administrator; the table's columns are named after them, so a
new role is one more column here (and the table refuses to load until it has one). Rows are read by the matrix
tests, which say how each URL is requested: tests/blocs/test_permissions.py (the project, blocs and awards),
tests/awards/test_dossier_views.py (issue 4's rows again, with nominations), tests/reports/test_report_views.py
and tests/reports/test_documents_permissions.py. `name@object` is the same URL on another object, or requested
another way.

Rules of thumb the table follows (domain.md §5):
- anonymous users are sent to the login page (302) from every app page;
- an outsider (a representative of a bloc in another province) gets 404 for every object of the first bloc:
  they must not learn that it exists; a page that names no object answers 403, never 404;
- a user who may see a bloc but not do a thing gets 403; a POST-only view that did its work (or refused it with
  a message) redirects (302).
"""

from __future__ import annotations

from tests.conftest import PERSONAS

STATUSES = """
name                           anonymous  outsider  representative  secretariat  chair  board  admin

# Project pages (outside any namespace).
login                                200       302             302          302    302    302    302
logout                               302       302             302          302    302    302    302
password_change                      302       200             200          200    200    200    200
password_change_done                 302       200             200          200    200    200    200
set_language                         302       302             302          302    302    302    302
healthz                              200       200             200          200    200    200    200
password_reset_confirm               200       200             200          200    200    200    200
password_reset_complete              200       200             200          200    200    200    200
keepalive                            401       200             200          200    200    200    200

# blocs: units, blocs, years, people, covenant, registration, the catalogue, scoring.
blocs:home                           302       200             200          200    200    200    200
blocs:unit-list                      302       200             200          200    200    200    200
blocs:unit-create                    302       403             403          200    403    200    200
blocs:unit-detail                    302       404             200          200    200    200    200
blocs:unit-edit                      302       404             403          200    403    200    200
blocs:unit-merge                     302       403             403          200    403    200    200
blocs:unit-split                     302       404             403          200    403    200    200
blocs:province-merge                 302       404             403          403    403    200    200
blocs:bloc-list                      302       200             200          200    200    200    200
blocs:bloc-create                    302       403             403          403    403    200    200
blocs:bloc-detail                    302       404             200          200    200    200    200
blocs:bloc-edit                      302       404             403          200    403    403    200
blocs:year-create                    302       404             403          200    403    403    200
blocs:bloc-people                    302       404             403          200    403    200    200
blocs:officer-add                    302       404             403          403    403    200    200
blocs:representative-add             302       404             403          200    403    200    200
blocs:role-remove                    302       404             403          302    403    302    302
blocs:signin-link                    302       404             403          200    403    200    200
blocs:representative-standing        302       404             403          302    403    302    302
blocs:province-list                  302       403             403          403    403    403    200
blocs:province-create                302       403             403          403    403    403    200
blocs:board-add                      302       404             403          403    403    403    200
blocs:board-remove                   302       404             403          403    403    403    302
blocs:board-signin-link              302       404             403          403    403    403    200
blocs:year-detail                    302       404             200          200    200    200    200
blocs:year-edit                      302       404             403          200    403    403    200
blocs:year-dates                     302       404             200          200    200    200    200
blocs:my-settings                    302       200             200          200    200    200    200
blocs:my-reminders                   302       302             302          302    302    302    302
blocs:calendar-link-create           302       302             302          302    302    302    302
blocs:calendar-link-revoke           302       302             302          302    302    302    302
blocs:calendar-feed                  200       200             200          200    200    200    200
blocs:year-advance                   302       404             403          302    403    403    302
blocs:member-add                     302       404             403          200    403    403    200
blocs:member-remove                  302       404             403          302    403    403    302
blocs:member-import                  302       404             403          200    403    403    200
blocs:member-import-confirm          302       404             403          302    403    403    302
blocs:member-import-template         302       404             403          200    403    403    200
blocs:member-export                  302       404             403          200    200    200    200
blocs:year-leadership                302       404             403          200    403    403    200
blocs:year-open-next                 302       404             403          200    403    403    200
blocs:year-audit                     302       404             403          200    403    403    200
blocs:archive-export                 302       404             403          200    403    403    200
blocs:archive-import                 302       403             403          403    403    200    200
blocs:covenant-detail                302       404             200          200    200    200    200
blocs:covenant-edit                  302       404             403          200    403    403    200
blocs:covenant-scan                  302       404             200          200    200    200    200
blocs:registration-list              302       404             403          200    200    200    200
blocs:registration-edit              302       404             200          200    403    403    200
blocs:registration-submit            302       404             302          302    403    403    302
blocs:award-list                     302       200             200          200    200    200    200
blocs:award-create                   302       403             403          200    403    200    200
blocs:award-edit                     302       403             403          200    403    200    200
blocs:scoring-table                  302       404             403          200    403    403    200
blocs:scoring-item-add               302       404             403          200    403    403    200
blocs:scoring-import                 302       404             403          200    403    403    200
blocs:scoring-xlsx                   302       404             403          200    403    403    200
blocs:scoring-item-edit              302       404             403          200    403    403    200
blocs:scoring-item-delete            302       404             403          302    403    403    302
blocs:self-scores-workbook           302       404             403          200    403    403    200
blocs:self-scores-import             302       404             403          200    403    403    200
blocs:self-scores-import-confirm     302       404             403          302    403    403    302
blocs:self-scores                    302       404             200          200    403    403    200
blocs:self-scores-submit             302       404             302          302    403    403    302
blocs:evidence-add                   302       404             302          302    403    403    302
blocs:evidence-download              302       404             200          200    200    200    200
blocs:check-list                     302       404             200          200    403    403    200
blocs:check-scores                   302       404             200          403    403    403    403
blocs:verify-scores                  302       404             403          200    403    403    200
blocs:score-table                    302       404             403          200    200    200    200
blocs:score-table-xlsx               302       404             403          200    200    200    200
blocs:scores-publish                 302       404             403          302    403    403    302

# awards: the vote, nominations, the dossier, the province's screens.
awards:rule-set                      302       404             403          200    403    403    200
awards:meeting-edit                  302       404             403          200    403    403    200
awards:round-list                    302       404             200          200    200    200    200
awards:cards                         302       404             403          200    403    403    200
awards:room                          302       404             200          200    200    200    200
awards:room-live                     302       404             200          200    200    200    200
awards:rounds-generate               302       404             403          302    403    403    302
awards:next-year-open                302       404             403          302    403    403    302
awards:round-detail                  302       404             200          200    200    200    200
awards:round-settings                302       404             403          200    403    403    200
awards:candidates-edit               302       404             403          200    403    403    200
awards:candidates-generate           302       404             403          302    403    403    302
awards:round-open                    302       404             403          302    302    403    302
awards:round-close                   302       404             403          200    200    403    200
awards:round-discard-online          302       404             403          302    302    403    302
awards:vote                          302       404             200          403    403    403    403
awards:vote-cast                     302       404             200          403    403    403    403
# A voting card's pages open without an account (issue 11): with no card in hand the ballot sends to the code page.
awards:card-enter                    200       200             200          200    200    200    200
awards:card-ballot                   302       302             302          302    302    302    302
awards:card-cast                     302       302             302          302    302    302    302
awards:card-leave                    302       302             302          302    302    302    302
awards:paper-ballot                  302       404             403          200    403    403    200
awards:paper-reconcile               302       404             403          302    403    403    302
awards:paper-count                   302       404             403          200    403    403    200
awards:verification                  302       404             200          200    200    200    200
awards:ballot-paper                  302       404             403          200    403    403    200
# Issue 4. The secretariat changes the rule set's conditions (POST: a message and back to the rule set).
awards:condition-add                 302       404             403          302    403    403    302
awards:condition-remove              302       404             403          302    403    403    302
# Everyone of the bloc reads the nominations and the dossier's path.
awards:nomination-list               302       404             200          200    200    200    200
# The secretariat corrects (POST: an empty form comes back with its errors).
awards:nomination-withdraw           302       404             403          200    403    403    200
awards:nomination-add                302       404             403          200    403    403    200
# The secretariat submits (POST: nothing to send, a message and back).
awards:dossier-submit                302       404             403          302    403    403    302
# The province board of the bloc's province (and the admin) reviews, returns (an empty reason comes
# back with its error), accepts, decides.
awards:dossier-review                302       404             403          403    403    200    200
awards:dossier-return                302       404             403          403    403    200    200
awards:dossier-accept                302       404             403          403    403    302    302
awards:decision-record               302       404             403          403    403    200    200
# The board's own screens: no object named, so 403, never 404.
awards:province-view                 302       403             403          403    403    200    200
awards:province-export               302       403             403          403    403    200    200
awards:history-import                302       403             403          403    403    200    200
# Dashboards (issue 14): the board's year at a glance (no object named: 403); a bloc year's progress for its
# secretariat, chair and board (a member's representative: 403); a unit's history for whoever sees the unit.
awards:province-dashboard            302       403             403          403    403    200    200
awards:year-dashboard                302       404             403          200    200    200    200
awards:unit-timeline                 302       404             200          200    200    200    200

# reports: the year-end report (tests/reports/test_report_views.py; its pk is a version in the state named there).
reports:report-home                  302       404             200          200    200    200    200
reports:report-compare               302       404             200          200    200    200    200
reports:report-draft-create          302       404             403          302    403    403    302
reports:report-version               302       404             200          200    200    200    200
reports:report-edit                  302       404             403          200    403    403    200
reports:report-circulate             302       404             403          302    403    403    302
reports:report-adopt                 302       404             403          403    200    403    200
reports:report-correct               302       404             403          200    403    403    200
reports:report-comment-add           302       404             302          403    403    403    403
reports:report-comment-answer        302       404             403          302    403    403    302
reports:report-html                  302       404             200          200    200    200    200
reports:report-pdf                   302       404             200          200    200    200    200
reports:report-docx                  302       404             200          200    200    200    200
# The adopted report's digital signature: the chair signs (domain.md §5), on the server (POST; without a
# certificate in the environment, a message and back) or by uploading the PDF signed with the token.
reports:report-signature-upload      302       404             403          403    200    403    200
reports:report-sign                  302       404             403          403    302    403    302

# The same names on a draft not yet circulated.
reports:report-version@draft         302       404             403          200    200    200    200
reports:report-html@draft            302       404             403          200    200    200    200

# reports: the meeting's documents (tests/reports/test_documents_permissions.py); GET unless @post.
reports:documents                    302       404             200          200    200    200    200
reports:counting-minutes             302       404             200          200    200    200    200
reports:meeting-minutes              302       404             200          200    200    200    200
reports:submission                   302       404             200          200    200    200    200
reports:document-numbers             302       404             403          200    403    403    200
reports:ballot-paper                 302       404             403          200    200    403    200
# The voting-card sheet is made by a POST (an empty form: back to the cards page).
reports:card-sheet                   302       404             403          302    403    403    302
reports:document-numbers@post        302       404             403          302    403    403    302
# Documents as sent to the province (issue 12, item 5): one version, read by all who read the documents (a ballot
# paper: those who print them); a new version by the secretariat or the chair (POST).
reports:sent-document                302       404             200          200    200    200    200
reports:sent-document@ballot         302       404             403          200    200    403    200
reports:document-new-version         302       404             403          302    302    403    302
# The submission letter as sent, signed by the chair (issue 12, item 7), as the report is: the upload page, and the
# server's signature (POST; without a certificate in the environment, a message and back).
reports:letter-signature-upload      302       404             403          403    200    403    200
reports:letter-sign                  302       404             403          403    302    403    302
"""


def _read(text: str) -> dict[str, dict[str, int]]:
    lines = [line.split() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    header, rows = lines[0][1:], lines[1:]
    missing, unknown = sorted(set(PERSONAS) - set(header)), sorted(set(header) - set(PERSONAS))
    if missing or unknown:
        raise ValueError(f"The status table needs one column per persona: add {missing}, remove {unknown}.")
    table: dict[str, dict[str, int]] = {}
    for name, *codes in rows:
        if len(codes) != len(header) or name in table:
            raise ValueError(f"The status table's row {name!r} is repeated or has not one status per persona.")
        table[name] = {persona: int(code) for persona, code in zip(header, codes, strict=True)}
    return table


EXPECTED: dict[str, dict[str, int]] = _read(STATUSES)
