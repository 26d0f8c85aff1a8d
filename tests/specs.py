"""The reference specs beside the project (``<repo>/../shared``): Meta's node specs, Slack's schemas, the docs.

They are not part of the repository. Checks that read them carry ``@pytest.mark.specs``; without the folder
they are skipped together, under one reason (``tests/conftest.py``).
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MISSING = ("checks against the reference specs (the Graph emulator against Meta's node specs, manifest.yml "
           "against Slack's schema) need ../shared/specs beside the project; this checkout has none")


def _candidates() -> list[Path]:
    roots = [REPO.parent / "shared"]
    git = REPO / ".git"
    if git.is_file():  # a git worktree: also look beside the main checkout
        gitdir = Path(git.read_text().split(":", 1)[1].strip())
        roots.append(gitdir.parents[2].parent / "shared")
    return roots


SHARED: Path | None = next((r for r in _candidates() if (r / "specs").is_dir()), None)
