"""Layout helpers of ui.render: metric cards wrap before their values truncate."""

from __future__ import annotations

import pytest

from ui import render


@pytest.mark.parametrize(
    ("count", "sizes"),
    [(0, []), (1, [1]), (5, [5]), (6, [3, 3]), (7, [4, 3]), (10, [5, 5]), (11, [4, 4, 3])],
)
def test_cards_wrap_into_balanced_rows_of_at_most_five(count, sizes):
    assert render.row_sizes(count) == sizes
    assert sum(sizes) == count
    assert all(size <= render.MAX_CARDS_PER_ROW for size in sizes)
