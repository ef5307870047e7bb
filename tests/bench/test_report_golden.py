"""The bench's figures and table for a fixed set of measurements, against golden files written
by bench/__main__.py before it was split (tests/bench/measurements.json → golden_*.*)."""

import json
from pathlib import Path

from bench.__main__ import markdown, summarise, summarise_backup, summarise_bulk

HERE = Path(__file__).parent


def test_figures_and_table_match_the_golden_files():
    result = json.loads((HERE / "measurements.json").read_text())
    bare = result.pop("seed_copy_baseline")
    seeded = result["seed"]["seed_listing_rows_per_s"]
    result["figures"]["seed_copy"] = {
        "label": "seed --scale: listing rows/s vs bare COPY of the same tuples",
        "value": seeded, "baseline": round(bare), "ratio": round(seeded / bare, 2),
        "target": ">= 0.5", "ok": seeded / bare >= 0.5,
    }  # fmt: skip
    summarise(result)
    summarise_backup(result)
    summarise_bulk(result)
    assert (
        json.dumps(result["figures"], indent=2) + "\n" == (HERE / "golden_figures.json").read_text()
    )
    assert markdown(result) + "\n" == (HERE / "golden_table.md").read_text()
