"""Property-based run of schemathesis over every endpoint and method of /api/schema/:
no server error, every response conforms to the schema (status, content type, body)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from apps.core.context import DbContext, db_context
from tests.factories import (
    BookingFactory,
    ListingFactory,
    MessageFactory,
    ReviewFactory,
    UserFactory,
)
from tests.helpers import token_for

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error_and_no_schema_violation(live_server):
    executable = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    with db_context(DbContext.system("tests")):
        owner = UserFactory(owner=True)
        listing = ListingFactory(owner=owner)
        BookingFactory(listing=listing)
        ReviewFactory()
        MessageFactory(recipient=owner)
        token = token_for(owner)

    result = subprocess.run(  # noqa: S603 — our own test tool
        [
            executable, "run", f"{live_server.url}/api/schema/",
            "--header", f"Authorization: Bearer {token}",
            "--max-examples", "4", "--seed", "1", "--workers", "1",
            "--checks", CHECKS, "--phases", "examples,coverage,fuzzing",
            "--request-timeout", "30",
        ],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip

    summary = result.stdout[result.stdout.find("SUMMARY") :]
    failures = result.stdout[result.stdout.find("FAILURES") : result.stdout.find("SUMMARY")]
    assert result.returncode == 0, (failures[:6000] + summary) or result.stderr[-2000:]
    assert "passed" in summary
