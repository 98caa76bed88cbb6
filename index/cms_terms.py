"""The CMS terms every fact module shares: the source files and editions, code shapes, payment-status
words, and how a fact and a dollar amount are written.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from .text import GENERIC, PHRASE_WORD, SIBLING_FILLER  # noqa: F401 (GENERIC: families)

SOURCES = {
    "hcpcs": "CMS HCPCS Level II file, January 2026",
    "hcpcs_admin": "CMS HCPCS file, administrative fields, October 2025",
    "record_2024": "CMS HCPCS quarterly record, July 2024",
    "pfs": "CMS Physician Fee Schedule relative value file RVU25D, October 2025",
    "opps": "CMS OPPS Addendum B, CY2025 final rule",
    "asp": "CMS ASP Medicare Part B drug payment limits, January 2026",
    "mue": "CMS NCCI medically unlikely edits, July 2024",
    "ptp": "CMS NCCI procedure-to-procedure edits, July 2024",
    "rbcs": "CMS Restructured BETOS Classification System (RBCS), 2024",
    "claims": "CMS Medicare Physician & Other Practitioners by Provider and Service, CY2023 (partial extract)",
    "typical": "codesearch typical-provider table: typical practice, not claims data",
    "typical_use": "codesearch typical-use table: what the codes are typically used for, not CMS text",
    "glossary": "codesearch everyday-name glossaries",
    "guide": "codesearch FAQ (corpus/faq/faq.jsonl), each entry naming the CMS source it was written from",
    "ndc": "CMS ASP NDC-HCPCS crosswalk, January 2026",
}
PTP_MODIFIERS = "59, XE, XP, XS or XU"
DMEPOS_PRICING = {"31", "32", "33", "34", "35", "36", "37", "38", "39", "45", "46"}
PFS_PAID = {"A", "R", "T"}
CPT_SHAPED = re.compile(r"^\d{4}[0-9FTU]$")
PFS_STATUS_PLAIN = {
    "A": "paid under the PFS",
    "R": "paid under the PFS with restricted coverage",
    "T": "paid under the PFS only when no other PFS service is billed that day",
    "B": "bundled: the PFS pays no separate amount; its payment is in the services it goes with",
    "C": "priced by the Medicare contractor (MAC), not nationally",
    "E": "not paid under the PFS (excluded by regulation); that does not mean Medicare never pays it: "
    "other payment systems may",
    "X": "not paid under the PFS because the law keeps it out of the physician fee schedule; Medicare may pay it "
    "under another fee schedule",
    "I": "not valid for Medicare claims: Medicare uses another code for the service",
    "M": "a measurement code: reported for quality programs, no payment",
    "N": "not covered by Medicare",
    "P": "no separate PFS payment (bundled or excluded)",
}
ADD_ON = re.compile(r"\b(add-on|each additional|list separately|in addition to)\b", re.I)
WORD, STOP = PHRASE_WORD, SIBLING_FILLER  # the words siblings are compared by (index.text)


def fact(text: str, source: str) -> dict:
    """One stated fact and the source key it comes from."""
    return {"text": text, "source": source}


def money(value: float) -> str:
    """US dollars with cents, half-up as CMS rounds, e.g. $1,234.50 (81.815 -> $81.82)."""
    cents = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"${cents:,.2f}"


def is_quality(record: dict) -> bool:
    """A quality-data (MIPS measure) code: PFS status M, or in the G8000+ or M1000+ blocks."""
    code = record["code"]
    return (record.get("pfs") or {}).get("status_code") == "M" or (
        len(code) == 5 and ((code[0] == "G" and code >= "G8000") or (code[0] == "M" and code >= "M1000"))
    )
