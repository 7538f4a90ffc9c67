"""What the awards services share."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from awards import rules
from awards.messages import issue_texts


def raise_issues(issues: list[rules.Issue]) -> None:
    if issues:
        raise ValidationError(issue_texts(issues))
