"""The sortable encodings behind metric history order and the latest-metric condition."""

from __future__ import annotations

import math
import random

from registry_core.store import keys


def test_sortable_int_orders_like_the_signed_64_bit_integers() -> None:
    numbers = [-(2**63), -(2**40), -1, 0, 1, 7, 10, 2**31, 2**63 - 1]
    encoded = [keys.sortable_int(number) for number in numbers]
    assert encoded == sorted(encoded)
    assert len({len(code) for code in encoded}) == 1


def test_sortable_float_orders_like_the_doubles() -> None:
    rng = random.Random(6)
    values = [-math.inf, -1e308, -2.5, -1e-300, 0.0, 1e-300, 0.1, 1.0, 3.5, 1e308, math.inf]
    values += [rng.uniform(-1e6, 1e6) for _ in range(500)]
    assert sorted(values, key=keys.sortable_float) == sorted(values)


def test_a_metric_points_key_orders_by_timestamp_then_step_then_value() -> None:
    points = [(2, 0, 1.0), (1, 5, 0.0), (1, 5, -3.0), (1, -2, 9.0), (3, -1, 0.5)]
    by_key = sorted(points, key=lambda p: keys.metric_point_key("r", "loss", p[0], p[1], p[2])["sk"])
    assert by_key == sorted(points)


def test_the_latest_metric_order_is_step_then_timestamp_then_value() -> None:
    points = [(0, 9, 1.0), (1, 0, 0.0), (1, 0, 2.0), (-1, 100, 5.0)]
    ordered = sorted(points, key=lambda p: keys.latest_metric_order(p[0], p[1], p[2]))
    assert ordered == sorted(points)


def test_one_metric_keys_prefix_never_matches_another_key() -> None:
    sk = keys.metric_point_key("r", "loss_total", 1, 0, 1.0)["sk"]
    assert not sk.startswith(keys.metric_history_prefix("loss"))
    assert sk.startswith(keys.metric_history_prefix("loss_total"))
