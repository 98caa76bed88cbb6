"""Which modifiers apply to a code, each with the CMS field that makes it apply, and where each
modifier is used across the code set.
"""

from __future__ import annotations

from collections import defaultdict

from .cms_terms import fact


def _pfs_modifiers(ind: dict) -> list[dict]:
    """Modifiers implied by the PFS payment policy indicators."""
    out = []
    if ind["pctc"] == "1":
        out += [
            {"modifier": "26", "reason": "PFS PC/TC indicator 1: professional component billed alone"},
            {"modifier": "TC", "reason": "PFS PC/TC indicator 1: technical component billed alone"},
        ]
    if ind["bilateral"] == "1":
        out.append({"modifier": "50", "reason": "PFS bilateral indicator 1: 150% payment when done on both sides"})
    elif ind["bilateral"] == "3":
        out += [
            {"modifier": "RT", "reason": "PFS bilateral indicator 3: each side paid at 100%"},
            {"modifier": "LT", "reason": "PFS bilateral indicator 3: each side paid at 100%"},
        ]
    if ind["assistant"] == "2":
        out += [
            {"modifier": m, "reason": "PFS assistant-at-surgery indicator 2: an assistant may be paid"}
            for m in ("80", "82", "AS")
        ]
    if ind["co_surgery"] in {"1", "2"}:
        out.append({"modifier": "62", "reason": f"PFS co-surgeon indicator {ind['co_surgery']}: co-surgeons allowed"})
    if ind["team"] in {"1", "2"}:
        out.append({"modifier": "66", "reason": f"PFS team-surgery indicator {ind['team']}: a team may be paid"})
    for mod in ind.get("modifier_rows", []):
        if not any(m["modifier"] == mod for m in out):
            out.append({"modifier": mod, "reason": f"the PFS file prices {mod} on its own row"})
    return out


DME_PRICING_NAMES = {
    "31": "frequently serviced",
    "32": "inexpensive or routinely purchased",
    "33": "oxygen",
    "36": "capped rental",
    "38": "orthotics and prosthetics",
}


def _dme_modifiers(pricing: str, record: dict) -> list[dict]:
    """Rental and purchase modifiers implied by a DMEPOS pricing indicator."""
    basis = f"DMEPOS pricing indicator {pricing} ({DME_PRICING_NAMES.get(pricing, '')})"
    if pricing == "36":
        return [
            {"modifier": "RR", "reason": f"{basis}: billed as a monthly rental"},
            {"modifier": "KH", "reason": f"{basis}: first rental month"},
            {"modifier": "KI", "reason": f"{basis}: second and third rental months"},
            {
                "modifier": "KJ",
                "reason": f"{basis}: rental months four to fifteen (descriptor); a capped rental ends after month 13",
            },
        ]
    if pricing == "32":
        return [
            {"modifier": "NU", "reason": f"{basis}: bought new"},
            {"modifier": "UE", "reason": f"{basis}: bought used"},
            {"modifier": "RR", "reason": f"{basis}: rented"},
        ]
    if pricing in {"31", "33"}:
        return [{"modifier": "RR", "reason": f"{basis}: paid as a rental"}]
    if record["code"][0] == "L" and "L1000" <= record["code"] <= "L7999":
        return [
            {
                "modifier": m,
                "reason": "a limb orthosis or prosthesis: the side fitted (the DME MACs require RT or "
                "LT, both on separate lines for a pair)",
            }
            for m in ("RT", "LT")
        ]
    return []


def modifiers(record: dict, indicators: dict | None, pairs: list[dict]) -> list[dict]:
    """Modifiers that apply to a code, each with the CMS field that makes it apply."""
    if record["kind"] == "modifier":
        return []
    pricing = (record.get("pricing_indicator") or {}).get("code", "")
    coverage = (record.get("coverage") or {}).get("code", "")
    out = _pfs_modifiers(indicators) if indicators else []
    out += _dme_modifiers(pricing, record)
    code = record["code"]
    if code.startswith("A04") or code == "A0888":
        out += [
            {"modifier": "QN", "reason": "ambulance code: furnished by a provider (hospital-based) service"},
            {"modifier": "QM", "reason": "ambulance code: furnished under arrangement by a provider"},
        ]
    if pricing == "51" and record.get("drug_billing"):
        out += [
            {
                "modifier": "JZ",
                "reason": "Part B drug (pricing indicator 51): no amount discarded from a single-dose container",
            },
            {
                "modifier": "JW",
                "reason": "Part B drug (pricing indicator 51): amount discarded from a "
                "single-dose container, on its own line",
            },
        ]
    if coverage in {"M", "S"}:
        out.append(
            {
                "modifier": "GY",
                "reason": f"coverage code {coverage}: statutorily excluded or not a Medicare "
                "benefit, billed to get a denial",
            }
        )
    if any(p["modifier_indicator"] == "1" for p in pairs):
        out += [
            {"modifier": m, "reason": "NCCI pair with modifier indicator 1: a distinct service"}
            for m in ("59", "XE", "XP", "XS", "XU")
        ]
    seen: dict[str, dict] = {}
    for m in out:
        seen.setdefault(m["modifier"], m)
    return list(seen.values())


def modifier_usage(records: list[dict]) -> dict[str, dict]:
    """Per modifier: how many active codes CMS fields attach it to, the sections they are in, and examples."""
    codes: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        if record["status"] == "active":
            for rule in record.get("modifiers", []):
                codes[rule["modifier"]].append(record)
    usage = {}
    for modifier, rows in codes.items():
        sections: dict[str, int] = defaultdict(int)
        reasons: dict[str, int] = defaultdict(int)
        for row in rows:
            sections[row["section"]] += 1
        for row in rows:
            reason = next(m["reason"] for m in row["modifiers"] if m["modifier"] == modifier)
            reasons[reason.split(":")[0]] += 1
        usage[modifier] = {
            "codes": len(rows),
            "sections": [{"section": k, "codes": v} for k, v in sorted(sections.items(), key=lambda kv: -kv[1])[:4]],
            "reasons": [k for k, _ in sorted(reasons.items(), key=lambda kv: -kv[1])[:3]],
            "examples": [r["code"] for r in rows[:6]],
        }
    return usage


def usage_facts(usage: dict | None) -> list[dict]:
    """The codes a modifier goes with, as facts for its 'when is it used' answer."""
    if not usage:
        return []
    sections = "; ".join(f"{x['section']} ({x['codes']})" for x in usage["sections"][:3])
    return [
        fact(
            f"CMS fields call for it on {usage['codes']} active codes ({', '.join(usage['reasons'])}), "
            f"for example {', '.join(usage['examples'][:4])}.",
            "hcpcs_admin",
        ),
        fact(f"Those codes are mostly in: {sections}.", "hcpcs"),
    ]
