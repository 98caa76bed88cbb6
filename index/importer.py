"""CMS files -> ``corpus/codes.jsonl``: one record per HCPCS Level II code and modifier.

Every sentence in a record is composed from CMS fields; where the data is silent,
the text says what is known and no more.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path

from . import cms_files as cms
from . import facts, guide, vocab
from .cms_release import terminated_by
from .faq import compose_clinical_context, compose_faq, compose_plain_language

CORPUS_FILE = "codes.jsonl.gz"
RELEASE_DATE = "2026-01-01"
VOCAB_FILE = "vocabulary.json"
TYPICAL_FILE = cms.TYPICAL_PROVIDERS_NAME
# "Addition to tlso, ..." names the item it is added to: that item's everyday names ("back brace") are not
# the addition's.
PARENT_ITEM = re.compile(r"^\s*(addition|additions|replacement|accessory|accessories)\b[^,;]*[,;]", re.I)
TYPICAL_USE_FILE = "typical_use.csv"


def _short_status(text: str) -> str:
    """The first sentence of a CMS status description."""
    return re.split(r"(?<=\.)\s", text.strip(), maxsplit=1)[0].rstrip(".") if text else ""


def _section(code: str, kind: str, sections: list[tuple[str, str, str]]) -> str:
    """The HCPCS letter-range section a code falls in."""
    if kind == "modifier":
        return "Modifiers"
    for start, end, name in sections:
        if start <= code <= end:
            return name
    return f"{code[0]} codes"


def _money(value: str) -> float | None:
    """A CMS number cell as float, or None when blank."""
    value = (value or "").strip()
    return float(value) if value else None


def _release_status(row: dict) -> dict:
    """Status of a code read from a CMS release: its own record says, by TERM_DT against the release's date."""
    term, release = row["termination_date"], row["release"]
    if terminated_by(term, row["effective_date"]):
        return {"status": "terminated", "terminated_date": term, "status_basis": f"TERM_DT in the {release}"}
    ends = f"; CMS ends it on {term}" if term else ""
    return {
        "status": "active",
        "terminated_date": None,
        "status_basis": f"in the {release}, with no TERM_DT on or before its effective date{ends}",
    }


def _status(row: dict, term_2019: dict[str, str], record_2024: dict | None = None) -> dict:
    """Active or terminated, the date where known, and how that is known."""
    if "release" in row:
        return _release_status(row)
    code = row["code"]
    exact = (record_2024 or {}).get("terminated_date")
    if exact and terminated_by(exact, RELEASE_DATE):
        return {
            "status": "terminated",
            "terminated_date": exact,
            "status_basis": "TERM_DT in the July 2024 CMS HCPCS record",
        }
    if row["code_type"] == "modifier":
        if code in term_2019:
            return {
                "status": "terminated",
                "terminated_date": term_2019[code],
                "status_basis": "TERM_DT in the 2019 CMS HCPCS file",
            }
        return {
            "status": "active",
            "terminated_date": None,
            "status_basis": "listed in the January 2026 HCPCS file with no termination on record",
        }
    if row["likely_terminated_before_2025"] == "Y":
        date = term_2019.get(code)
        basis = (
            "heuristic: in the HCPCS file but absent from the October 2025 physician fee schedule "
            "and the CY2025 OPPS payment file"
        )
        if row["opps_si"] == "D":
            date = date or "2024-12-31"
            basis = "heuristic: OPPS CY2025 status indicator D (discontinued code)"
        elif date:
            basis = "TERM_DT in the 2019 CMS HCPCS file"
        return {"status": "terminated", "terminated_date": date, "status_basis": basis}
    if row["in_2025q4_file"] == "N":
        return {"status": "active", "terminated_date": None, "status_basis": "new in the January 2026 HCPCS file"}
    return {
        "status": "active",
        "terminated_date": None,
        "status_basis": "in the January 2026 HCPCS file and in current CMS payment files",
    }


def _pfs(row: dict, pfs_status: dict[str, str]) -> dict | None:
    """Physician fee schedule status and RVUs (October 2025), or None if not in that file."""
    if row["in_pfs_rvu_2025q4"] != "Y":
        return None
    return {
        "status_code": row["pfs_status_code"],
        "status_description": _short_status(pfs_status.get(row["pfs_status_code"], row["pfs_status_desc"])),
        "work_rvu": _money(row["work_rvu"]),
        "non_facility_pe_rvu": _money(row["non_fac_pe_rvu"]),
        "facility_pe_rvu": _money(row["facility_pe_rvu"]),
        "malpractice_rvu": _money(row["mp_rvu"]),
        "non_facility_total_rvu": _money(row["non_facility_total_rvu"]),
        "facility_total_rvu": _money(row["facility_total_rvu"]),
        "global_days": row["glob_days"] or None,
    }


def _opps(row: dict, meanings: dict[str, str]) -> dict | None:
    """Hospital outpatient (OPPS CY2025) status indicator, APC and rate, or None."""
    si = row["opps_si"].strip()
    if not si:
        return None
    return {
        "status_indicator": si,
        "description": meanings.get(si, ""),
        "apc": row["opps_apc"] or None,
        "payment_rate_usd": _money(row["opps_payment_rate"].replace("$", "").replace(",", "")),
    }


def _coded(code: str, description: str) -> dict | None:
    """{code, description} for a lookup-coded field, or None when blank."""
    description = description.replace("e.G.", "e.g.").replace("rvu's", "RVUs")
    return {"code": code, "description": description} if code else None


def _statute(raw: str) -> str | None:
    """A CMS statute cell ('1862A7') as a citation ('§1862(a)(7)')."""
    match = re.fullmatch(r"(\d{4})([a-z])(\d+)", raw.strip(), re.I)
    return f"§{match.group(1)}({match.group(2).lower()})({match.group(3)})" if match else (raw.strip() or None)


def _manual_references(row: dict) -> list[str]:
    """Coverage Issues Manual and Medicare Carriers Manual references."""
    refs = [f"CIM {r}" for r in row["cim_refs"].split()] + [f"MCM {r}" for r in row["mcm_refs"].split()]
    return refs


def _types_of_service(raw: str, tos: dict[str, str]) -> list[dict]:
    """Each type-of-service letter of a code with its CMS meaning."""
    return [{"code": ch, "description": tos.get(ch, "")} for ch in raw.strip()]


class Importer:
    """Holds the lookups and vocabularies read once, and composes records."""

    def __init__(
        self,
        data: Path,
        lay_terms_paths: list[Path],
        typical_path: Path | None = None,
        release: dict | None = None,
        faq_entries: list[dict] | None = None,
    ):
        """``release`` (rows and history records of a CMS release zip) replaces the January 2026 files;
        ``faq_entries`` that name modifiers explain those modifiers' use."""
        self.data = data
        self.guidance = {m: e for e in faq_entries or [] for m in e.get("modifiers", [])}
        self.index_terms = cms.read_cms_index_terms(lay_terms_paths[0].parent) if lay_terms_paths else {}
        self.rows = release["rows"] if release else cms.read_codes(data)
        self.release = release
        self.sections = cms.read_sections(data)
        self.tos = cms.read_lookup(data, cms.TOS)
        self.pfs_status = cms.read_lookup(data, "lookup_pfs_status_code.csv")
        self.opps_meanings = cms.read_opps_indicators(data)
        self.drugs = cms.read_drug_names(data)
        self.dosage = cms.read_drug_dosage(data)
        self.ndcs = cms.read_ndcs(data)
        self.specialties = cms.read_specialties(data)
        self.term_2019 = {} if release else cms.read_termination_dates_2019(data)
        self.record_2024 = release["history"] if release else cms.read_record_2024(data)
        self.rbcs = cms.read_rbcs(data)
        self.pfs_indicators = cms.read_pfs_indicators(data)
        self.mue = cms.read_mue(data)
        self.pairs = cms.read_ptp_pairs(data)
        self.typical = cms.read_typical_providers(typical_path) if typical_path else []
        self.typical_use = (
            cms.read_typical_use(typical_path.parent / TYPICAL_USE_FILE, self.typical) if typical_path else {}
        )
        self.mined = vocab.mine_descriptor_abbreviations(self.rows, english=vocab.english_words())
        self.clinical = vocab.clinical_abbreviations(cms.read_abbreviations(data))
        self.clinical_matcher = vocab.PhraseMatcher(self.clinical)
        self.lay = vocab.load_lay_terms(*lay_terms_paths)
        self.lay_matcher = vocab.PhraseMatcher(self.lay)

    def record(self, row: dict) -> dict:
        """One corpus record composed from a row of the enriched CMS file."""
        code, kind = row["code"], row["code_type"]
        abbreviations = [
            f"{abbr} = {phrase}"
            for phrase in self.clinical_matcher.find(row["long_description"])
            for abbr in self.clinical[phrase][:2]
        ]
        own_text = f"{row['short_description']} {PARENT_ITEM.sub('', row['long_description'])}"
        lay_terms = [t for phrase in self.lay_matcher.find(own_text) for t in self.lay[phrase]]
        record = {
            "code": code,
            "kind": kind,
            "short_description": row["short_description"],
            "long_description": row["long_description"],
            "section": _section(code, kind, self.sections),
            **_status(row, self.term_2019, self.record_2024.get(code)),
            "added_date": row["add_date"] or None,
            "action_effective_year": int(row["action_effective_year"]) if row["action_effective_year"] else None,
            "type_of_service": _types_of_service(row["type_of_service"], self.tos),
            "betos": _coded(row["betos"], row["betos_desc"]),
            "coverage": _coded(row["coverage_code"], row["coverage_desc"]),
            "pricing_indicator": _coded(
                row["pricing_indicators"].split(" ")[0] if row["pricing_indicators"] else "",
                row["pricing_indicator_desc"],
            ),
            "pfs": _pfs(row, self.pfs_status),
            "opps": _opps(row, self.opps_meanings),
            "cross_references": row["xref"].split() if row["xref"] else [],
            "statute": _statute(row["statute"]),
            "manual_references": _manual_references(row),
            "rbcs": self.rbcs.get(code),
            "drug_names": [d["name"] for d in self.drugs.get(code, [])],
            "drug_details": self.drugs.get(code, []),
            "drug_billing": self.dosage.get(code),
            "ndcs": self.ndcs.get(code, []),
            "specialties": self.specialties.get(code, []),
            "synonyms": list(dict.fromkeys(vocab.record_abbreviations(row, self.mined) + abbreviations)),
            "lay_terms": list(dict.fromkeys(lay_terms)),
            "index_terms": self.index_terms.get(code, []),
        }
        if "release" in row:  # only a release-read corpus says which release it is
            record["release"] = {"name": row["release_name"], "effective_date": row["effective_date"]}
        return record

    def add_facts(
        self, record: dict, families: facts.Families, active: set[str], shared: dict[str, int] | None = None
    ) -> dict:
        """The per-code facts (who, when, modifiers, payment, limits, pairs, history, similar) and the texts."""
        code = record["code"]
        indicators = self.pfs_indicators.get(code)
        pairs = self.pairs.get(code, [])
        pay = facts.payment(record, indicators)
        history = facts.history(
            code,
            record,
            record["added_date"],
            self.record_2024.get(code),
            active,
            sources=["hcpcs"] if self.release else None,
        )
        similar = families.similar(record)
        addon = facts.add_on(record, indicators, similar)
        mue = self.mue.get(code, [])
        typical = facts.typical_row(code, record.get("rbcs"), self._section_start(code), self.typical)
        used_for = self.typical_use.get((typical["match"], typical["key"])) if typical else None
        record.update(
            {
                "history": history,
                "payment": pay,
                "modifiers": facts.modifiers(record, indicators, pairs),
                "mue": mue,
                "ncci_pairs": pairs,
                "who": facts.who(record, typical),
                "add_on": addon,
                "similar": similar,
                "comparison": families.comparison(record),
            }
        )
        everyday = facts.everyday_names(record, shared) if shared is not None else None
        record["context"] = facts.context(record, pay, addon, similar, mue, history, used_for, everyday)
        return record

    @staticmethod
    def add_texts(record: dict) -> dict:
        """The sentences composed from a record's facts: plain language, clinical context, FAQ."""
        record["plain_language"] = compose_plain_language(record)
        record["clinical_context"] = compose_clinical_context(record)
        record["faq"] = compose_faq(record)
        return record

    def _section_start(self, code: str) -> str:
        """The range start of the letter section holding a code."""
        return next((start for start, end, _ in self.sections if start <= code <= end), "")

    def records(self):
        """Every record, in code order."""
        base = [self.record(row) for row in self.rows]
        families = facts.Families(base)
        active = {r["code"] for r in base if r["status"] == "active"}
        shared = Counter(t for record in base for t in set(record["lay_terms"]))
        for record in base:
            self.add_facts(record, families, active, shared)
        usage = facts.modifier_usage(base)
        for record in base:
            if record["kind"] == "modifier":
                record["modifier_usage"] = usage.get(record["code"])
                record["context"] = _guidance(self.guidance.get(record["code"])) + record["context"]
                record["context"] += facts.usage_facts(record["modifier_usage"])
            yield self.add_texts(record)

    def vocabulary(self) -> dict:
        """Query-time vocabulary: abbreviations mined from CMS and the clinical list."""
        clinical: dict[str, list[str]] = {}
        for phrase, abbrs in self.clinical.items():
            for abbr in abbrs:
                clinical.setdefault(abbr, []).append(phrase)
        lay_to_clinical: dict[str, list[str]] = {}
        for phrase, lay_terms in self.lay.items():
            for lay in lay_terms:
                key = " ".join(vocab.words(lay))
                phrases = lay_to_clinical.setdefault(key, []) if key and " " not in key else []
                if key and " " not in key and key not in phrase.split() and phrase not in phrases:
                    phrases.append(phrase)
        lay_to_clinical = {k: v for k, v in lay_to_clinical.items() if v}
        acronyms = vocab.mine_acronyms([row["long_description"] for row in self.rows if row["code_type"] != "modifier"])
        known = set(self.mined) | set(clinical) | vocab.english_words()
        acronyms = {a: phrases for a, phrases in acronyms.items() if a not in known}
        return {
            "cms_abbreviations": self.mined,
            "clinical_abbreviations": clinical,
            "acronyms": acronyms,
            "units": vocab.UNIT_ALIASES,
            "lay_to_clinical": lay_to_clinical,
        }


def importer_for(data: Path, corpus: Path, release: dict | None = None) -> Importer:
    """An Importer with the corpus folder's glossaries and typical-provider table."""
    glossaries = [corpus / "vocab" / "lay_terms.csv", *sorted((corpus / "vocab" / "lay").glob("*.csv"))]
    faq_folder = corpus / "faq"
    entries = guide.read_entries(faq_folder) if faq_folder.is_dir() else []
    return Importer(data, glossaries, corpus / "vocab" / TYPICAL_FILE, release, entries)


def _guidance(entry: dict | None) -> list[dict]:
    """How a modifier is used in practice, from the FAQ entry that names it, as a fact."""
    return [facts.fact(entry["answer"], "guide")] if entry else []


def write_corpus(importer: Importer, corpus: Path, progress=None) -> int:
    """Write ``codes.jsonl.gz`` and ``vocabulary.json`` into ``corpus``; return the record count.
    ``progress`` wraps the record iterator (a progress bar)."""
    corpus.mkdir(parents=True, exist_ok=True)
    tmp = corpus / (CORPUS_FILE + ".tmp")
    count = 0
    records = importer.records()
    # mtime=0 keeps the compressed file byte-identical when the records are.
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as packed:
        for record in progress(records) if progress else records:
            packed.write((json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"))
            count += 1
    vocabulary = corpus / (VOCAB_FILE + ".tmp")
    with open(vocabulary, "w", encoding="utf-8") as out:
        json.dump(importer.vocabulary(), out, ensure_ascii=False, indent=0, sort_keys=True)
    tmp.replace(corpus / CORPUS_FILE)
    vocabulary.replace(corpus / VOCAB_FILE)
    return count


# Written beside the records by an import from a CMS release zip (index/release_import.py).
RELEASE_FILE = "release.json.gz"
CHANGES_FILE = "changes.json"


def import_cms(data: Path, corpus: Path) -> int:
    """Write ``codes.jsonl.gz`` and ``vocabulary.json`` into ``corpus`` from the January 2026 files;
    return the record count."""
    count = write_corpus(importer_for(data, corpus), corpus)
    for name in (RELEASE_FILE, CHANGES_FILE):  # they describe a release these records no longer come from
        (corpus / name).unlink(missing_ok=True)
    return count
