"""Property-based run of schemathesis over every operation of /api/schema/, authenticated as a
seeded guest and as a seeded owner (demo data of `seed`): examples, fuzzing and the stateful
phase (sequences following the schema's links, apps.core.api.schema.add_links: create or list,
then read or act on what came back); SCHEMATHESIS_FULL=1 adds the coverage phase. Any 5xx, any
status the schema does not document, any response that does not match its schema (body,
content type) fails the test.

The run never calls what would revoke its own credentials (REVOKING, by method and path, so
endpoints added later under those paths are excluded too): after that it would only see 401s."""

import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from apps.accounts.models import ApiToken, User, api_token_digest
from apps.core.context import DbContext, db_context
from tests.helpers import token_for

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)
# The operations that end the caller's session, as "METHOD /path" patterns, so that endpoints
# added later under these paths are excluded too: logging out (DELETE /auth/token/), managing
# tokens (anything but reading under /auth/tokens/), and the password change (it revokes the
# caller's other tokens).
REVOKING = [
    r"DELETE /api/v1/auth/tokens?/",
    r"(POST|PUT|PATCH|DELETE) /api/v1/auth/tokens/",
    r"POST /api/v1/auth/password/change/",
]
EXCLUDED = "^(" + "|".join(REVOKING) + ")"
# Per role. The coverage phase (every boundary case of every parameter, ~3,400 requests, about
# 5 minutes per role on a loaded 2-core machine) is too slow for the suite: SCHEMATHESIS_FULL=1
# adds it. What runs here took 40-60 s per role on the loaded machine (see docs/setup.md).
MAX_EXAMPLES = 4
STATEFUL = {"max-steps": 10, "max-examples": 15}
PHASES = "examples,fuzzing,stateful"


def config_file(directory: Path) -> Path:
    path = directory / "schemathesis.toml"
    path.write_text(
        f"[phases.stateful]\nmax-steps = {STATEFUL['max-steps']}\n"
        f"[phases.stateful.generation]\nmax-examples = {STATEFUL['max-examples']}\n"
    )
    return path


def run_schemathesis(url: str, token: str, config: Path) -> subprocess.CompletedProcess:
    executable = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    phases = "coverage," + PHASES if os.environ.get("SCHEMATHESIS_FULL") else PHASES
    return subprocess.run(  # noqa: S603 — our own test tool
        [
            executable, "--config-file", str(config), "run", f"{url}/api/schema/",
            "--header", f"Authorization: Bearer {token}",
            "--max-examples", str(MAX_EXAMPLES), "--seed", "1", "--workers", "1",
            "--checks", CHECKS, "--phases", phases, "--exclude-name-regex", EXCLUDED,
            "--request-timeout", "30", "--no-shrink",
        ],
        capture_output=True, text=True, timeout=900, check=False, cwd=config.parent,
    )  # fmt: skip


@pytest.fixture
def seeded_tokens(transactional_db):
    with db_context(DbContext.system("tests")):
        call_command("seed", stdout=io.StringIO())
        guest = User.objects.get(email="jane@example.com")
        owner = User.objects.get(email="john@example.com")
        return {
            "guest": token_for(guest, name="schemathesis"),
            "owner": token_for(owner, name="schemathesis"),
        }


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    live_server, seeded_tokens, tmp_path
):
    config = config_file(tmp_path)
    for role, token in seeded_tokens.items():
        started = time.monotonic()
        result = run_schemathesis(live_server.url, token, config)
        seconds = time.monotonic() - started

        out = result.stdout
        summary = out[out.find("SUMMARY") :]
        failures = out[out.find("FAILURES") : out.find("SUMMARY")]
        assert result.returncode == 0, f"{role}: " + (
            (failures[:6000] + summary) or result.stderr[-2000:]
        )
        assert "passed" in summary, f"{role}: {summary}"
        # The stateful phase ran scenarios that followed the schema's links.
        scenarios = re.search(r"Scenarios:\s+(\d+)", out)
        links = re.search(r"API Links:\s+(\d+) covered", out)
        assert scenarios and int(scenarios[1]) > 0, out[-3000:]
        assert links and int(links[1]) > 0, out[-3000:]
        with db_context(DbContext.system("tests")):  # nothing revoked the run's credentials
            assert ApiToken.objects.filter(digest=api_token_digest(token)).exists(), role
        print(f"schemathesis as {role}: {seconds:.0f} s\n{summary}")  # shown with -s
