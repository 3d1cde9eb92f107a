"""The artifact bucket (and the buckets copy-in reads from): the only module that talks to S3.

Copies use boto3's managed transfer (s3transfer): one CopyObject below the multipart threshold, UploadPartCopy in
parallel above it, so an object of any size (S3's 5 GB CopyObject limit included) is copied server-side.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from registry_core.store import clients

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# s3transfer's defaults are 8 MiB; a larger part means fewer requests for the multi-GB objects models have.
COPY_MULTIPART_THRESHOLD = 64 * 1024 * 1024
COPY_PART_SIZE = 64 * 1024 * 1024
HASH_CHUNK = 8 * 1024 * 1024
# S3's limits on multipart uploads.
MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PARTS = 10_000


class ObjectMissing(Exception):
    """The object (or bucket) is not there, or not readable by smr."""


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    etag: str


def _error_code(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


_MISSING_CODES = {"404", "NoSuchKey", "NoSuchBucket", "NotFound", "403", "AccessDenied", "NoSuchUpload"}


class ArtifactObjects:
    def __init__(
        self,
        client: S3Client | None = None,
        multipart_threshold: int = COPY_MULTIPART_THRESHOLD,
        part_size: int = COPY_PART_SIZE,
    ) -> None:
        self._client = client if client is not None else clients.s3_client()
        self._multipart_threshold = multipart_threshold
        self._part_size = part_size

    # -- reads ---------------------------------------------------------------------------------------------

    def head(self, bucket: str, key: str) -> ObjectInfo:
        from botocore.exceptions import ClientError

        try:
            response = self._client.head_object(Bucket=bucket, Key=key)
        except ClientError as error:
            if _error_code(error) in _MISSING_CODES:
                raise ObjectMissing(f"s3://{bucket}/{key}: {_error_code(error)}") from error
            raise
        return ObjectInfo(key=key, size=int(response["ContentLength"]), etag=response["ETag"].strip('"'))

    def read(self, bucket: str, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            return self._client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as error:
            if _error_code(error) in _MISSING_CODES:
                raise ObjectMissing(f"s3://{bucket}/{key}: {_error_code(error)}") from error
            raise

    def list_objects(self, bucket: str, prefix: str) -> list[ObjectInfo]:
        """Every object under prefix, in key order."""
        from botocore.exceptions import ClientError

        found: list[ObjectInfo] = []
        try:
            for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                found.extend(
                    ObjectInfo(key=item["Key"], size=int(item["Size"]), etag=item["ETag"].strip('"'))
                    for item in page.get("Contents", [])
                )
        except ClientError as error:
            if _error_code(error) in _MISSING_CODES:
                raise ObjectMissing(f"s3://{bucket}/{prefix}: {_error_code(error)}") from error
            raise
        return found

    def sha256(self, bucket: str, key: str) -> tuple[str, int]:
        """SHA-256 and size of an object's bytes, streamed (constant memory whatever the size)."""
        from botocore.exceptions import ClientError

        digest = hashlib.sha256()
        size = 0
        try:
            body = self._client.get_object(Bucket=bucket, Key=key)["Body"]
        except ClientError as error:
            if _error_code(error) in _MISSING_CODES:
                raise ObjectMissing(f"s3://{bucket}/{key}: {_error_code(error)}") from error
            raise
        for chunk in body.iter_chunks(HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
        return digest.hexdigest(), size

    # -- writes --------------------------------------------------------------------------------------------

    def copy(self, source_bucket: str, source_key: str, bucket: str, key: str) -> None:
        """Server-side copy to a deterministic destination; repeating it rewrites the same bytes."""
        from boto3.s3.transfer import TransferConfig
        from botocore.exceptions import ClientError

        config = TransferConfig(multipart_threshold=self._multipart_threshold, multipart_chunksize=self._part_size)
        try:
            self._client.copy({"Bucket": source_bucket, "Key": source_key}, bucket, key, Config=config)
        except ClientError as error:
            if _error_code(error) in _MISSING_CODES:
                raise ObjectMissing(f"s3://{source_bucket}/{source_key}: {_error_code(error)}") from error
            raise

    def put_json(self, bucket: str, key: str, document: dict[str, Any]) -> None:
        body = json.dumps(document, indent=1, sort_keys=True).encode("utf-8")
        self._client.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")

    # -- presigned transfers -------------------------------------------------------------------------------

    def presign_put(self, bucket: str, key: str, expires_s: int) -> str:
        return self._client.generate_presigned_url(
            "put_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_s
        )

    def presign_get(self, bucket: str, key: str, expires_s: int) -> str:
        return self._client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_s
        )

    def start_multipart(self, bucket: str, key: str) -> str:
        return self._client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]

    def presign_part(self, bucket: str, key: str, multipart_upload_id: str, part_number: int, expires_s: int) -> str:
        return self._client.generate_presigned_url(
            "upload_part",
            Params={"Bucket": bucket, "Key": key, "UploadId": multipart_upload_id, "PartNumber": part_number},
            ExpiresIn=expires_s,
        )

    def complete_multipart(self, bucket: str, key: str, multipart_upload_id: str, etags: list[str]) -> None:
        from botocore.exceptions import ClientError

        parts: Any = [
            {"PartNumber": number, "ETag": etag if etag.startswith('"') else f'"{etag}"'}
            for number, etag in enumerate(etags, start=1)
        ]
        try:
            self._client.complete_multipart_upload(
                Bucket=bucket, Key=key, UploadId=multipart_upload_id, MultipartUpload={"Parts": parts}
            )
        except ClientError as error:
            if _error_code(error) == "NoSuchUpload":
                # Completed by an earlier attempt of this request: the object is there (or the id was wrong).
                self.head(bucket, key)
                return
            raise


def part_size_for(size: int, requested: int) -> int:
    """A part size S3 accepts for an object of `size` bytes: at least 5 MiB, and at most 10,000 parts."""
    needed = -(-size // MAX_PARTS)
    return max(MIN_PART_SIZE, requested, needed)
