"""The TypeScript types a front-end team generates from /api/schema/ with openapi-typescript
type-check a small consumer with `tsc --noEmit --strict`: decimals are numbers, request bodies
are JSON only, pages carry their cursor, orderings and countries are closed sets.

The tools are pinned in tests/clients/ts/package-lock.json and installed with `npm ci` into
var/clients-ts/<digest of the lock>/ (ignored, reused while the lock is unchanged). Without npm
the test is skipped, except in CI (CI=true), where that is a failure."""

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
PINNED = Path(__file__).resolve().parent / "ts"

CONSUMER = """\
import type { components, paths } from "./havre";

type Schemas = components["schemas"];
type Search = paths["/api/v1/listings/"]["get"];
type SearchPage = Search["responses"][200]["content"]["application/json"];
type BookingBody = paths["/api/v1/bookings/"]["post"]["requestBody"]["content"]["application/json"];

const query: NonNullable<Search["parameters"]["query"]> = {
  min_price: 10_000,
  ordering: "-price_cents",
  bbox: "2.22,48.81,2.47,48.90",
};
// @ts-expect-error an ordering the API does not have
const unknownOrdering: NonNullable<Search["parameters"]["query"]>["ordering"] = "price";

// Coordinates and ratings are numbers a map or a star widget computes with.
function centre(cards: Schemas["ListingCard"][]): [number, number] {
  const placed = cards.filter((card) => card.latitude !== null && card.longitude !== null);
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  return [
    sum(placed.map((card) => card.latitude as number)) / placed.length,
    sum(placed.map((card) => card.longitude as number)) / placed.length,
  ];
}
const stars = (card: Schemas["ListingCard"]): number => Math.round(card.rating_avg ?? 0);

// A page is one of two shapes: the cursor page names its cursor.
function nextCursor(page: SearchPage): string | null {
  return "count" in page ? null : page.next_cursor;
}

const booking: BookingBody = { listing: 1, check_in: "2027-01-01", check_out: "2027-01-04" };
// @ts-expect-error bodies are JSON only: no form or multipart variant
type FormBody = paths["/api/v1/bookings/"]["post"]["requestBody"]["content"]["multipart/form-data"];

const country: Schemas["PatchedUser"]["country"] = "FR";
const noCountry: Schemas["PatchedUser"]["country"] = null;
// @ts-expect-error "" is no country (null is)
const blankCountry: Schemas["PatchedUser"]["country"] = "";

const error: Schemas["Error"] = { error: { code: "invalid", message: "No.", fields: {} } };

export { blankCountry, booking, centre, country, error, nextCursor, noCountry, query, stars };
export { unknownOrdering };
export type { FormBody };
"""

TSCONFIG = {
    "compilerOptions": {
        "strict": True,
        "noEmit": True,
        "target": "es2022",
        "module": "esnext",
        "moduleResolution": "bundler",
        "types": [],
        "noUnusedLocals": True,
    },
    "files": ["consumer.ts"],
}


def npm_tools() -> Path:
    """node_modules/.bin of the pinned tools, installed once per lock."""
    if shutil.which("npm") is None:
        if os.environ.get("CI"):
            pytest.fail("npm is missing: CI must install Node.js and npm (tests/clients/ts).")
        pytest.skip("npm is not installed: the TypeScript client check needs Node.js and npm")
    lock = (PINNED / "package-lock.json").read_bytes()
    home = Path(settings.BASE_DIR) / "var" / "clients-ts" / hashlib.sha256(lock).hexdigest()[:16]
    bin_dir = home / "node_modules" / ".bin"
    if not (home / ".installed").exists():
        home.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(PINNED / name, home / name)
        run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=home, timeout=300)
        (home / ".installed").touch()
    return bin_dir


def run(command: list[str], *, cwd: Path, timeout: int = 120) -> str:
    result = subprocess.run(  # noqa: S603 (pinned tools, fixed arguments)
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(command[:2])}:\n{output[-6000:]}"
    return output


def test_generated_typescript_types_type_check_a_consumer(tmp_path):
    tools = npm_tools()
    schema = APIClient().get("/api/schema/?format=json")
    assert schema.status_code == 200
    (tmp_path / "schema.json").write_bytes(schema.content)

    run([str(tools / "openapi-typescript"), "schema.json", "-o", "havre.d.ts"], cwd=tmp_path)
    (tmp_path / "consumer.ts").write_text(CONSUMER)
    (tmp_path / "tsconfig.json").write_text(json.dumps(TSCONFIG))

    run([str(tools / "tsc"), "-p", "tsconfig.json"], cwd=tmp_path)
    # Bodies are JSON, but for the one file upload (a listing's photo: multipart).
    documented = json.loads(schema.content)
    not_json = {
        f"{method.upper()} {path}": sorted(operation["requestBody"]["content"])
        for path, operations in documented["paths"].items()
        for method, operation in operations.items()
        if set(operation.get("requestBody", {}).get("content", {})) - {"application/json"}
    }
    assert not_json == {"POST /api/v1/listings/{id}/photos/": ["multipart/form-data"]}
    assert "x-www-form-urlencoded" not in (tmp_path / "havre.d.ts").read_text()
