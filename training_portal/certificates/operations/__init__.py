"""Issuing certificates after passed results, rendering them, their life cycle (复审, suspension,
revocation, expiry) and the violations that count against a 复审. Every decision is audited.

One module per section (serials, issuing, rendering, life_cycle); the names
are re-exported here, so callers keep importing ``operations``."""

from __future__ import annotations

from ._base import PDF_TEMPLATE, SERIAL, CertificateError, certified, today
from .issuing import (
    completed,
    fail_batch,
    finish_batch,
    issue_batch,
    issue_for,
    render_batch_chunk,
    retry_batch,
    run_batch,
    start_batch,
)
from .life_cycle import apply_for_review, record_violation, review_checks, set_status
from .rendering import ensure_pdfs, masked_id, pdf_bytes, pdf_context, sample_context, verify_url
from .serials import check_character, clean_years, dates_for, is_valid_serial, next_serial, review_interval

__all__ = [
    "CertificateError",
    "PDF_TEMPLATE",
    "SERIAL",
    "apply_for_review",
    "certified",
    "check_character",
    "clean_years",
    "completed",
    "dates_for",
    "ensure_pdfs",
    "fail_batch",
    "finish_batch",
    "is_valid_serial",
    "issue_batch",
    "issue_for",
    "masked_id",
    "next_serial",
    "pdf_bytes",
    "pdf_context",
    "record_violation",
    "render_batch_chunk",
    "retry_batch",
    "review_checks",
    "review_interval",
    "run_batch",
    "sample_context",
    "set_status",
    "start_batch",
    "today",
    "verify_url",
]
