"""The part plan of a presigned upload stays within S3's part rules and the answer's URL budget."""

from __future__ import annotations

import pytest

from registry_core.domain.artifacts import FileEntry
from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.limits import (
    MAX_PRESIGNED_URLS_PER_UPLOAD,
    S3_MAX_PART_BYTES,
    S3_MAX_PARTS,
    S3_MIN_PART_BYTES,
)
from registry_core.domain.upload_plan import part_count, plan_parts

MIB = 1024**2
TIB = 1024**4
THRESHOLD = 100 * MIB


def _files(*sizes: int) -> list[FileEntry]:
    return [FileEntry(path=f"f{index}", size=size, sha256="0" * 64) for index, size in enumerate(sizes)]


@pytest.mark.parametrize(
    "sizes",
    [
        (101 * MIB,),
        (5 * TIB,),
        (5 * TIB // 2, 5 * TIB // 2),
        tuple([TIB // 20] * 100),
        (TIB, *([1] * 999)),
        (THRESHOLD + 1, 7, 9),
    ],
)
def test_parts_fit_s3_and_the_url_budget(sizes: tuple[int, ...]) -> None:
    files = _files(*sizes)
    plan = plan_parts(files, THRESHOLD, 64 * MIB)
    urls = sum(part_count(entry.size, plan[entry.path]) if entry.path in plan else 1 for entry in files)
    assert urls <= MAX_PRESIGNED_URLS_PER_UPLOAD
    for entry in files:
        if entry.path in plan:
            assert S3_MIN_PART_BYTES <= plan[entry.path] <= S3_MAX_PART_BYTES
            assert part_count(entry.size, plan[entry.path]) <= S3_MAX_PARTS
        else:
            assert entry.size <= THRESHOLD


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        ((), "at least one file"),
        (tuple([1] * 1001), "at most 1000 files"),
        ((5 * TIB, 1), "bytes"),
        (tuple([THRESHOLD + 1] * 101), "in parts"),
        ((3 * TIB, *([1] * 999)), "parts above"),
    ],
)
def test_an_upload_past_the_limits_is_refused(sizes: tuple[int, ...], message: str) -> None:
    with pytest.raises(InvalidParameterValue, match=message):
        plan_parts(_files(*sizes), THRESHOLD, 64 * MIB)
