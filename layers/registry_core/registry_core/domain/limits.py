"""Named limits of what the registry accepts. Each is enforced where requests are parsed, so a value the store or
AWS could not keep is refused with 400 up front instead of failing (or being retried) deep inside a write."""

from __future__ import annotations

from decimal import Decimal

# -- numbers ------------------------------------------------------------------------------------------------------
# DynamoDB numbers: at most 38 significant digits, magnitude 1E-130 .. 9.9999999999999999999999999999999999999E+125.
DYNAMODB_NUMBER_MAX_DIGITS = 38
DYNAMODB_NUMBER_MAX_MAGNITUDE = Decimal("9.9999999999999999999999999999999999999E+125")
DYNAMODB_NUMBER_MIN_MAGNITUDE = Decimal("1E-130")
# MLflow's steps, timestamps and counts are protobuf int64s; 19 digits also fit DynamoDB's 38.
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# Versions are zero-padded to 10 digits in keys (store/keys.py VERSION_DIGITS), so a version has at most 10 digits.
MAX_VERSION_DIGITS = 10

# -- request bodies -----------------------------------------------------------------------------------------------
# Lambda takes at most 6 MB of request payload, the event's envelope included; every handler refuses a body above
# this (400) before parsing it, in AWS and under `make run` alike.
MAX_REQUEST_BODY_BYTES = 5 * 1024 * 1024
# Every request of MLflow's API and smr's nests at most a few levels (a policy: body → rules → target → rule).
MAX_JSON_DEPTH = 32

# -- uploads ------------------------------------------------------------------------------------------------------
# S3's limits: one object at most 5 TiB, sent in at most 10,000 parts of 5 MiB to 5 GiB.
S3_MAX_OBJECT_BYTES = 5 * 1024**4
S3_MAX_PARTS = 10_000
S3_MIN_PART_BYTES = 5 * 1024**2
S3_MAX_PART_BYTES = 5 * 1024**3
S3_MAX_KEY_BYTES = 1024
# One upload (uploads/create) must answer within API Gateway's 30 s and Lambda's 6 MB response: it presigns at most
# MAX_PRESIGNED_URLS_PER_UPLOAD URLs (files and parts; each up to ~3 KB with a long key and a session token), starts
# at most MAX_MULTIPART_FILES_PER_UPLOAD multipart uploads (one S3 call each), and its answer is refused above
# MAX_RESPONSE_BYTES rather than cut short by Lambda. An upload holds at most MAX_UPLOAD_BYTES in all.
MAX_PRESIGNED_URLS_PER_UPLOAD = 1500
MAX_MULTIPART_FILES_PER_UPLOAD = 100
MAX_UPLOAD_BYTES = S3_MAX_OBJECT_BYTES
LAMBDA_MAX_RESPONSE_BYTES = 6 * 1024 * 1024
MAX_RESPONSE_BYTES = 5 * 1024 * 1024
# smr.json: instructions for the version (description, tags, aliases, metrics); kept in the upload's record, which
# DynamoDB holds to 400 KB.
MAX_UPLOAD_MANIFEST_BYTES = 256 * 1024
# An upload's record is one DynamoDB item (at most 400 KB): its file list is refused above this, before any S3 call,
# and a failure's reason is cut to MAX_FAILURE_REASON_LENGTH characters so that the failure can always be recorded.
MAX_UPLOAD_RECORD_BYTES = 350 * 1024
MAX_FAILURE_REASON_LENGTH = 2000
