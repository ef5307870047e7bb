"""The staff guide's pictures: each one it shows exists, each PNG beside it is shown, and each
is taken by a browser test (so `make screenshots` retakes every one of them)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "staff-guide.md"
IMAGES = ROOT / "docs" / "staff-guide"


def shown() -> list[str]:
    return re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", GUIDE.read_text())


def test_every_picture_the_guide_shows_exists_and_every_png_is_shown():
    pictures = shown()
    assert pictures, "the guide shows no picture: the pattern no longer matches it"

    missing = [path for path in pictures if not (GUIDE.parent / path).is_file()]
    unshown = sorted(
        str(png.relative_to(GUIDE.parent))
        for png in IMAGES.glob("*.png")
        if str(png.relative_to(GUIDE.parent)) not in pictures
    )

    assert not missing, f"shown by the guide but absent: {missing}"
    assert not unshown, f"in docs/staff-guide/ but shown nowhere: {unshown}"


def test_every_picture_of_the_guide_is_taken_by_a_browser_test():
    taken = {
        name
        for test in (ROOT / "tests" / "e2e").glob("test_*.py")
        for name in re.findall(r'shoot\("([\w.-]+)"\)', test.read_text())
    }
    names = {Path(path).stem for path in shown()}

    assert names <= taken, f"no browser test takes: {sorted(names - taken)}"
    assert all(path.startswith("staff-guide/") for path in shown())
    assert "make screenshots" in GUIDE.read_text()  # the guide says how they are retaken
