"""From measurements to figures: each a value beside its baseline, their ratio, the target and
whether it is met. The functions fill result["figures"] in the order the report lists them."""

from __future__ import annotations


def _figure(label: str, value, baseline, ratio, target: str, ok, **extra) -> dict:
    return {
        "label": label, "value": value, "baseline": baseline, "ratio": ratio,
        "target": target, "ok": ok, **extra,
    }  # fmt: skip


def _ratio(value, baseline):
    return round(value / baseline, 2) if value and baseline else None


def _ok(ratio, predicate):
    return None if ratio is None else predicate(ratio)


def _timed(label: str, value, baseline, target: str = "-", meets=None) -> dict:
    """A figure of two durations (or rates) that are always measured: the target is checked
    on the exact ratio, the rounded one is shown."""
    exact = value / baseline
    return _figure(
        label, value, baseline, round(exact, 2), target, None if meets is None else meets(exact)
    )


def summarise_seed(result: dict, bare: float) -> None:
    seeded = result["seed"]["seed_listing_rows_per_s"]
    result["figures"]["seed_copy"] = _figure(
        "seed --scale: listing rows/s vs bare COPY of the same tuples",
        seeded, round(bare), round(seeded / bare, 2), ">= 0.5", seeded / bare >= 0.5,
    )  # fmt: skip


def summarise(result: dict) -> None:
    figures = result["figures"]
    big = result["http_big"]
    for name in (
        "detail", "quote", "search_city", "search_q", "search_bbox", "search_dates",
        "search_radius",
    ):  # fmt: skip
        if name not in big:
            continue
        api, raw = big[name]["api"], big[name]["raw"]
        ratio = _ratio(api["rps"], raw["rps"])
        tail = _ratio(api["p99_ms"], api["p50_ms"])
        figures[f"api_{name}"] = _figure(
            f"API {name.replace('_', ' ')} vs raw psycopg, same SQL (req/s)",
            round(api["rps"]), round(raw["rps"]), ratio, ">= 0.4", _ok(ratio, lambda r: r >= 0.4),
            p50_ms=api["p50_ms"], p99_ms=api["p99_ms"],
            raw_p50_ms=raw["p50_ms"], raw_p99_ms=raw["p99_ms"],
            p99_over_p50=tail, tail_ok=_ok(tail, lambda r: r <= 4),
        )  # fmt: skip
    if "cursor_deep" in big and "page_1" in big:
        deep, first = big["cursor_deep"]["api"]["p50_ms"], big["page_1"]["api"]["p50_ms"]
        ratio = _ratio(deep, first)
        figures["cursor_depth"] = _figure(
            "cursor page at depth ~500k vs page 1 (p50 ms)",
            deep, first, ratio, "<= 1.2", _ok(ratio, lambda r: r <= 1.2),
        )  # fmt: skip
    if "offset_deep" in big and "page_1" in big:
        offset, first = big["offset_deep"]["api"]["p50_ms"], big["page_1"]["api"]["p50_ms"]
        figures["offset_depth"] = _figure(
            "OFFSET page at the same depth vs page 1 (contrast, p50 ms)",
            offset, first, _ratio(offset, first), "-", None,
        )  # fmt: skip
    if "page_size_100" in big and "page_size_10" in big:
        p100, p10 = big["page_size_100"]["api"]["p50_ms"], big["page_size_10"]["api"]["p50_ms"]
        ratio = _ratio(p100, p10)
        figures["page_size"] = _figure(
            "page_size 100 vs 10 (p50 ms)", p100, p10, ratio, "<= 3", _ok(ratio, lambda r: r <= 3)
        )
    small_measured = result.get("http_small", {})
    if "search_city" in big and "search_city" in small_measured:
        small = small_measured["search_city"]["api"]["p50_ms"]
        large = big["search_city"]["api"]["p50_ms"]
        ratio = _ratio(large, small)
        figures["search_scale"] = _figure(
            f"search p50 with {result['listings']:,} vs 10,000 listings (ms)",
            large, small, ratio, "<= 1.2", _ok(ratio, lambda r: r <= 1.2),
        )  # fmt: skip
    if "search_radius" in big and "search_radius" in small_measured:
        small = small_measured["search_radius"]["api"]["p50_ms"]
        large = big["search_radius"]["api"]["p50_ms"]
        ratio = _ratio(large, small)
        figures["radius_scale"] = _figure(
            f"radius search (5 km, nearest first): p50 with {result['listings']:,} vs 10,000 "
            "listings (ms)",
            large, small, ratio, "<= 1.2", _ok(ratio, lambda r: r <= 1.2),
        )  # fmt: skip
    summarise_q_shapes(result)
    if "booking" in result:
        booking = result["booking"]
        figures["booking_create"] = _figure(
            "booking creation, 16 clients: p50 / p99 ms (201s, 409s)",
            booking["p50_ms"], booking["p99_ms"], _ratio(booking["p99_ms"], booking["p50_ms"]),
            "409 on conflicts, no 5xx",
            not any(code.startswith("5") for code in booking["statuses"]),
            statuses=booking["statuses"],
        )  # fmt: skip


# The full-text search's shapes (bench.capture.Q_SHAPES × Q_ORDERS), in the report's order.
Q_SHAPE_LABELS = {"common": "a common word", "rare": "a rare word", "none": "a typo"}
Q_ORDER_LABELS = {"relevance": "relevance", "date": "date", "price": "price"}


def summarise_q_shapes(result: dict) -> None:
    """Each full-text shape measured on both databases: its API p50 on the big one against
    the small one's. The search must cost the same at any size (within 1.5×)."""
    big, small = result["http_big"], result.get("http_small", {})
    for shape, shape_label in Q_SHAPE_LABELS.items():
        for order, order_label in Q_ORDER_LABELS.items():
            name = f"q_{shape}_{order}"
            if name not in big or name not in small:
                continue
            large, base = big[name]["api"]["p50_ms"], small[name]["api"]["p50_ms"]
            ratio = _ratio(large, base)
            result["figures"][name] = _figure(
                f"q = {shape_label} by {order_label}: p50 with {result['listings']:,} vs "
                "10,000 listings (ms)",
                large, base, ratio, "<= 1.5", _ok(ratio, lambda r: r <= 1.5),
                rps=round(big[name]["api"]["rps"]), small_rps=round(small[name]["api"]["rps"]),
            )  # fmt: skip


def summarise_backup(result: dict) -> None:
    b = result["backup"]
    figures = result["figures"]
    figures["dbbackup"] = _timed(
        f"dbbackup --compress vs pg_dump -Fc | gzip ({b['size_mb']} MB, s)",
        b["dbbackup_s"], b["pg_dump_s"], "<= 1.1", lambda r: r <= 1.1,
    )  # fmt: skip
    figures["dbrestore"] = _timed(
        "dbrestore vs pg_restore --single-transaction (s)",
        b["dbrestore_s"], b["pg_restore_s"], "<= 1.1", lambda r: r <= 1.1,
    )  # fmt: skip
    if b.get("dbrestore_load_s"):
        figures["dbrestore_load"] = _timed(
            "dbrestore's load alone (no ANALYZE, no count check) vs pg_restore (s)",
            b["dbrestore_load_s"], b["pg_restore_s"],
        )  # fmt: skip


def summarise_bulk(result: dict) -> None:
    b = result["bulk_update"]
    result["figures"]["bulk_update"] = _timed(
        f"queryset.update() of {b['rows']:,} listings: audit + version triggers on vs "
        "off, search projection kept (s)",
        b["with_triggers_s"], b["projection_only_s"], "<= 2", lambda r: r <= 2,
    )  # fmt: skip
    result["figures"]["bulk_update_all"] = _timed(
        "the same update: every trigger (audit, versions, search projection) vs none (s)",
        b["with_triggers_s"], b["without_triggers_s"],
    )  # fmt: skip
