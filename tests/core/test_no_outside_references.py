"""Code, configuration and docs explain themselves here: no pointer to a document outside the
repository (a design guide, an issue's note). Their content lives in docs/design.md."""

import re
from pathlib import Path

from django.conf import settings

OUTSIDE = re.compile(
    # "the staff guide's" is docs/staff-guide.md, in the repository.
    r"the guide|(?<!staff )guide's|design guide|issue note|see the issue|\(issue:|issue #\d",
    re.IGNORECASE,
)
WHERE = ["apps", "config", "docs", "Makefile", "pyproject.toml", "README.md"]
TEXT = {".py", ".md", ".sql", ".toml", ".cfg", ".txt", ".html", ""}


def files():
    root = Path(settings.BASE_DIR)
    for name in WHERE:
        path = root / name
        for file in [path] if path.is_file() else sorted(path.rglob("*")):
            if file.is_file() and file.suffix in TEXT and "__pycache__" not in file.parts:
                yield root, file


def test_nothing_points_outside_the_repository():
    found = [
        f"{file.relative_to(root)}:{number}: {line.strip()}"
        for root, file in files()
        for number, line in enumerate(file.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not found, "\n".join(found)


def test_the_check_would_see_one():
    assert OUTSIDE.search("# see the issue note") and OUTSIDE.search("(issue: scale)")
    assert not OUTSIDE.search("the staff guide, docs/staff-guide.md")
