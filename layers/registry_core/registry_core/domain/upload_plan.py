"""How the files of a presigned upload are sent: one PUT each, or in parts; refused past the upload limits.

The answer of uploads/create lists one presigned URL per file or part. Its size and the time to make it grow with
that count, so the count is bounded (domain/limits.py) and large files get parts big enough to stay within it.
"""

from __future__ import annotations

from registry_core.domain.artifacts import FileEntry
from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.limits import (
    MAX_FILES_PER_UPLOAD,
    MAX_MULTIPART_FILES_PER_UPLOAD,
    MAX_PRESIGNED_URLS_PER_UPLOAD,
    MAX_UPLOAD_BYTES,
    S3_MAX_PART_BYTES,
    S3_MAX_PARTS,
    S3_MIN_PART_BYTES,
)


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def part_count(size: int, part_size: int) -> int:
    return max(1, _ceil_div(size, part_size))


def plan_parts(files: list[FileEntry], multipart_threshold: int, preferred_part_size: int) -> dict[str, int]:
    """Path -> part size of each file sent in parts (those above the threshold); the others get one PUT each.

    One part size serves every large file: the smallest of at least `preferred_part_size` whose parts, with the
    single PUTs, fit MAX_PRESIGNED_URLS_PER_UPLOAD (each file rounds up by at most one part).
    """
    if not files:
        raise InvalidParameterValue("An upload needs at least one file.")
    if len(files) > MAX_FILES_PER_UPLOAD:
        raise InvalidParameterValue(f"An upload may hold at most {MAX_FILES_PER_UPLOAD} files.")
    total = sum(entry.size for entry in files)
    if total > MAX_UPLOAD_BYTES:
        raise InvalidParameterValue(f"An upload may hold at most {MAX_UPLOAD_BYTES} bytes; this one declares {total}.")
    large = [entry for entry in files if entry.size > multipart_threshold]
    if len(large) > MAX_MULTIPART_FILES_PER_UPLOAD:
        raise InvalidParameterValue(
            f"An upload may send at most {MAX_MULTIPART_FILES_PER_UPLOAD} files in parts (files above"
            f" {multipart_threshold} bytes); this one has {len(large)}. Split it, or raise multipart_threshold."
        )
    if not large:
        return {}
    part_budget = MAX_PRESIGNED_URLS_PER_UPLOAD - (len(files) - len(large)) - len(large)
    large_bytes = sum(entry.size for entry in large)
    part_size = max(
        S3_MIN_PART_BYTES,
        preferred_part_size,
        _ceil_div(large_bytes, max(1, part_budget)),
        _ceil_div(max(entry.size for entry in large), S3_MAX_PARTS),
    )
    if part_size > S3_MAX_PART_BYTES:
        raise InvalidParameterValue(
            f"The files of this upload need parts above S3's {S3_MAX_PART_BYTES} bytes; send fewer or smaller files."
        )
    return {entry.path: part_size for entry in large}
