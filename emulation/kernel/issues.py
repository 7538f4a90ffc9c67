"""What a rule returns when something is wrong: a code and its parameters, no sentence (pure Python).

Each app's rules.py returns these; its messages.py turns each into a translated sentence."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Issue:
    code: str
    params: dict[str, object] = field(default_factory=dict)
