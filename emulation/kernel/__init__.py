"""The shared kernel: the small pieces every app uses and no app owns (docs/architecture.md).

It imports no app of ours, so every app may import it: view helpers (`view_helpers`), text checks (`text`),
Vietnamese numbers (`numbers`, `fields`), generic form pieces (`forms`), upload checks (`uploads`), the
workbook reader and writer (`xlsx`), the rules' `Issue` (`issues`), and the archive framework (`archive`:
the section registry, reading and writing values, versions). The models, `User` and `AuditEntry` included,
stay in their apps.
"""
