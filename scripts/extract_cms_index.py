#!/usr/bin/env python3
"""Extract CMS's own synonym sources, the HCPCS Alpha-Numeric Index and the Table of Drugs, into CSVs.

Inputs (``--data``, default ``../shared/data``; see its SOURCES.md, section 20):

- ``raw/cms_hcpcs_releases/2019-HCPCS-Index.pdf``: term -> codes ("Walker, E0130-E0149").
- ``raw/cms_hcpcs_releases/2018-Table-of-Drugs.pdf``, ``2019-Table-of-Drugs.pdf``: drug or brand
  name -> unit, route, code; brand lines point to the generic ("Adriamycin PFS, see Doxorubicin HCl").
- ``hcpcs_2026q1_jan_codes.csv``: the January 2026 codes every extracted code is checked against.

Outputs (``--out``, default ``corpus/vocab``):

- ``cms_alpha_index.csv`` (``term,codes,source``): one row per index entry; a sub-entry is joined to
  its heading ("Wheelchair, accessories"); a cross-reference ("Corvert, see Ibutilide fumarate") takes
  the codes of the entry it names. A range is expanded when it spans at most 10 codes and every one
  exists; otherwise only the codes written that exist are kept.
- ``cms_table_of_drugs.csv`` (``drug,unit,route,code,source``): one row per (drug name, code) of the
  2019 table, plus the 2018 rows whose code the 2019 table lacks; a brand's "see" line takes the unit,
  route and code of the generic it names.

Codes absent from the January 2026 file are dropped and counted; CPT codes (five digits, or four
digits and a letter) are never copied. Output is sorted, so a re-run gives the same bytes.

Needs poppler's ``pdftotext`` (Debian: ``apt-get install -y poppler-utils``).

    python scripts/extract_cms_index.py [--data ../shared/data] [--out corpus/vocab] [--verbose]

It prints what it parsed, dropped and wrote to stderr; --verbose also lists the dropped codes and the
cross-references it could not resolve.
"""
from __future__ import annotations

import argparse
import csv
import io
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RELEASES = Path("raw") / "cms_hcpcs_releases"
INDEX_PDF = "2019-HCPCS-Index.pdf"
DRUG_PDFS = {"2019": "2019-Table-of-Drugs.pdf", "2018": "2018-Table-of-Drugs.pdf"}
CODES_CSV = "hcpcs_2026q1_jan_codes.csv"
INDEX_SOURCE = "CMS HCPCS Index 2019"
DRUG_SOURCE = "CMS Table of Drugs {}"

CODE = re.compile(r"^[A-V]\d{4}$")
CPT = re.compile(r"\b(?:\d{5}|\d{4}[A-Z])\b")
CODE_OR_RANGE = re.compile(r"([A-Z]\d{4})(?:\s*[-\u2013]\s*([A-Z]\d{4}))?")
MAX_RANGE = 10


class ExtractError(Exception):
    """A missing input or tool, with a message that says what to do."""


# ---------------------------------------------------------------- shared helpers

def pdftotext(pdf: Path, *options: str) -> str:
    """The text pdftotext writes for a PDF with the given options."""
    if not pdf.is_file():
        raise ExtractError(f"{pdf}: not found (see SOURCES.md, section 20)")
    if shutil.which("pdftotext") is None:
        raise ExtractError("pdftotext not found: install poppler (Debian: apt-get install -y poppler-utils)")
    done = subprocess.run(["pdftotext", *options, str(pdf), "-"], capture_output=True, check=False)
    if done.returncode != 0:
        raise ExtractError(f"{pdf}: pdftotext failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout.decode("utf-8")


def corpus_codes(data: Path) -> set[str]:
    """The codes of the January 2026 HCPCS file."""
    path = data / CODES_CSV
    if not path.is_file():
        raise ExtractError(f"{path}: not found")
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["HCPCS_CODE"].strip() for row in csv.DictReader(handle)}


def clean_text(text: str) -> str:
    """Text with runs of spaces collapsed and stray edge punctuation removed."""
    return re.sub(r"\s+", " ", text).strip(" ,;")


@dataclass
class Tally:
    """Counts reported at the end of a run."""

    entries: int = 0
    references: int = 0
    absent: set = field(default_factory=set)
    absent_refs: int = 0
    cpt: int = 0
    unresolved: list = field(default_factory=list)
    empty: int = 0
    lost: int = 0
    detail: list = field(default_factory=list)

    def keep(self, code: str, known: set[str]) -> bool:
        """Whether a referenced code is kept; counts the ones dropped."""
        self.references += 1
        if not CODE.match(code):
            self.cpt += 1
            return False
        if code not in known:
            self.absent.add(code)
            self.absent_refs += 1
            return False
        return True


# ---------------------------------------------------------------- alpha-numeric index

@dataclass
class IndexEntry:
    """One logical line of the index: indentation, term text and the codes text after it."""

    indent: int
    term: str
    codes_text: str = ""


# A few sub-entries sit under the wrong heading in the 2019 PDF: (heading, sub-entry) -> the heading
# they belong to ("" = a heading of their own; None = left out). Checked against the codes' descriptors.
MISPLACED = {
    ("Nandrolone", "Narrowing device, wheelchair"): "",
    ("Arch support", "Intralesional"): None,  # J3302, triamcinolone diacetate: no heading says so
    ("Preparatory prosthesis", "chemotherapy"): "Prescription drug, oral",  # J8999
    ("Preparatory prosthesis", "nonchemotherapy"): "Prescription drug, oral",  # J8499
    ("Stimulators", "stoma absorptive cover"): "",  # A5083, a continent device
    ("Shunt accessory for dialysis", "aqueous"): "Shunt",  # L8612, aqueous shunt
    ("Strip, blood glucose test", "urine reagent"): "Strip",  # A4250
}


def index_lines(text: str) -> list[tuple[int, str]]:
    """(indent, text) of the index's entry lines: page headers, letters and the preamble left out."""
    out, started = [], False
    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if re.fullmatch(r"[A-Z]", stripped):
            started = True
            continue
        if not started or not stripped or re.match(r"2019 HCPCS Alpha-Numeric Index\s+\d+$", stripped):
            continue
        if stripped.startswith("Last Updated"):
            continue
        out.append((len(line) - len(line.lstrip()), stripped))
    return out


def split_term(text: str) -> tuple[str, str]:
    """(term, codes text) of one index line: the codes start at the first code."""
    found = re.search(r"(?:^|[\s,])([A-Z]\d{4})\b", text)
    if not found:
        return text, ""
    return text[:found.start(1)], text[found.start(1):]


def index_entries(lines: list[tuple[int, str]]) -> list[IndexEntry]:
    """Logical entries: a line holding only codes continues the entry above it."""
    entries: list[IndexEntry] = []
    for indent, text in lines:
        term, codes_text = split_term(text)
        if entries and not term.strip(" ,"):
            entries[-1].codes_text += " " + codes_text
            continue
        entries.append(IndexEntry(indent, term, codes_text))
    return entries


def heading_text(term: str) -> str:
    """A term without its "see also" notes, as a heading or an output term."""
    term = re.sub(r"\s*\(see also [^)]*\)", "", term, flags=re.IGNORECASE)
    term = re.sub(r";\s*see also [^)]*(?=\))", "", term, flags=re.IGNORECASE)
    return clean_text(term)


def join_term(parents: list[str], term: str) -> str:
    """A sub-entry read with its headings: "Wheelchair, accessories"; "Droperidol and fentanyl citrate"."""
    text = ", ".join(heading_text(p) for p in parents if heading_text(p))
    term = heading_text(term)
    if not text:
        return term
    return f"{text} {term}" if term.startswith(("and ", "with ")) else f"{text}, {term}"


def nest_entries(entries: list[IndexEntry]) -> list[tuple[str, str]]:
    """(full term, codes text) per entry, sub-entries joined to their headings."""
    out: list[tuple[str, str]] = []
    top: IndexEntry | None = None
    sub: IndexEntry | None = None
    for entry in entries:
        if entry.indent == 0 or top is None:
            top, sub = entry, None
            out.append((join_term([], entry.term), entry.codes_text))
            continue
        parents = [top.term] if sub is None or entry.indent <= sub.indent else [top.term, sub.term]
        if len(parents) == 1:
            sub = entry if not entry.codes_text else None
        parents = fix_heading(parents, entry.term)
        if parents is not None:
            out.append((join_term(parents, entry.term), entry.codes_text))
    return out


def fix_heading(parents: list[str], term: str) -> list[str] | None:
    """The headings of a sub-entry, corrected where the PDF misplaces it (None: leave it out)."""
    key = (heading_text(parents[0]), heading_text(term))
    if key not in MISPLACED:
        return parents
    fixed = MISPLACED[key]
    return None if fixed is None else [fixed] if fixed else []


def code_number(code: str) -> int:
    """The numeric part of a code."""
    return int(code[1:])


def expand_codes(codes_text: str, known: set[str], tally: Tally) -> list[str]:
    """The existing codes a codes text names, small complete ranges expanded."""
    out: list[str] = []
    for start, end in CODE_OR_RANGE.findall(codes_text):
        if end and start[0] == end[0] and 0 < code_number(end) - code_number(start) < MAX_RANGE:
            span = [f"{start[0]}{n:04d}" for n in range(code_number(start), code_number(end) + 1)]
            if all(code in known for code in span):
                tally.references += 2
                out.extend(span)
                continue
        out.extend(code for code in (start, end) if code and tally.keep(code, known))
    return out


def see_target(term: str) -> tuple[str, str] | None:
    """(term, target) of a cross-reference entry "Corvert, see Ibutilide fumarate"."""
    found = re.match(r"(.+?),\s*see\s+(?!also\b)(.+)$", term, flags=re.IGNORECASE)
    return (clean_text(found.group(1)), clean_text(found.group(2))) if found else None


def resolve_index_see(term: str, rows: dict[str, set[str]]) -> tuple[str, set[str]] | None:
    """The codes of the entry a cross-reference names: exact, else the one entry its target starts with."""
    parsed = see_target(term)
    if parsed is None:
        return None
    name, target = parsed
    lowered = {key.casefold(): codes for key, codes in rows.items()}
    if target.casefold() in lowered:
        return name, lowered[target.casefold()]
    hits = [codes for key, codes in lowered.items() if target.casefold().startswith(key + " ")]
    return (name, hits[0]) if len(hits) == 1 else None


def alpha_index_rows(pdf: Path, known: set[str], tally: Tally) -> dict[str, set[str]]:
    """term -> kept codes, from the Alpha-Numeric Index PDF."""
    nested = nest_entries(index_entries(index_lines(pdftotext(pdf, "-layout"))))
    tally.entries = len(nested)
    rows: dict[str, set[str]] = {}
    see_terms = []
    for term, codes_text in nested:
        if CPT.search(codes_text):
            tally.cpt += len(CPT.findall(codes_text))
        codes = expand_codes(codes_text, known, tally)
        if codes:
            rows.setdefault(term, set()).update(codes)
        elif CODE_OR_RANGE.search(codes_text):
            tally.lost += 1
        elif see_target(term):
            see_terms.append(term)
        else:
            tally.empty += 1
    for term in see_terms:
        resolved = resolve_index_see(term, rows)
        if resolved:
            rows.setdefault(resolved[0], set()).update(resolved[1])
        else:
            tally.unresolved.append(term)
    return rows


# ---------------------------------------------------------------- table of drugs: printed lines

ROUTES = {"IA", "IV", "IM", "IT", "SC", "SQ", "INH", "VAR", "OTH", "ORAL", "Oral", "Opthalmic"}
UNIT_GAP = 12.0  # points between the name column and the unit column
ROUTE_GAP = 8.0  # points before the first route of a line
SUB_X = 56.5  # a line starting right of this is indented under the line above
UNIT_X = 250.0  # a line starting right of this has no name
UNIT_CENTRE = 342.0  # units are printed centred on this
PRINTED_FIXES = {  # misprints: J7210 is Afstyla (Kovaltry is J7211, the next line); J7308 is aminolevulinic acid
    "(Kovaltry) (Afstyla)": "(Afstyla)",
    "Aminolevalinic acid Hcl": "Aminolevulinic acid Hcl",
}


@dataclass
class Word:
    """One word of the PDF with its left edge and width in points."""

    x: float
    width: float
    text: str

    @property
    def right(self) -> float:
        """The word's right edge."""
        return self.x + self.width


@dataclass
class Line:
    """One printed line of the table, split into its columns."""

    x: float
    name: str
    unit: str = ""
    route: str = ""
    codes: list[str] = field(default_factory=list)

    @property
    def is_see(self) -> bool:
        """Whether the line holds a "see" cross-reference (or part of one)."""
        return bool(re.search(r"(^|\s)see(\s|$)", self.name))


def tsv_words(text: str) -> list[tuple[int, float, Word]]:
    """(page, top, word) of every word pdftotext -tsv reports, in reading order."""
    out = []
    for row in csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row["level"] == "5" and row["text"].strip():
            word = Word(float(row["left"]), float(row["width"]), row["text"])
            out.append((int(row["page_num"]), float(row["top"]), word))
    return sorted(out, key=lambda item: (item[0], item[1], item[2].x))


def group_lines(words: list[tuple[int, float, Word]]) -> list[list[Word]]:
    """Words grouped into printed lines (tops within 4 points), each left to right."""
    lines: list[tuple[int, float, list[Word]]] = []
    for page, top, word in words:
        if lines and lines[-1][0] == page and top - lines[-1][1] <= 4:
            lines[-1][2].append(word)
        else:
            lines.append((page, top, [word]))
    return [merge_glued(sorted(ws, key=lambda w: w.x)) for _, _, ws in lines]


def merge_glued(words: list[Word]) -> list[Word]:
    """Words the PDF splits mid-word ("B entyl") joined; a unit glued to a name ("form0.25") split off."""
    out: list[Word] = []
    for word in words:
        if out and word.x - out[-1].right < 1.0:
            out[-1] = Word(out[-1].x, word.right - out[-1].x, out[-1].text + word.text)
        else:
            out.append(word)
    return [part for word in out for part in unglue_unit(word)]


def unglue_unit(word: Word) -> list[Word]:
    """A word like "form0.25" as a name word and a unit word set a column gap apart."""
    found = re.fullmatch(r"([a-z]{3,})(\d[\d.,]*)", word.text)
    if not found:
        return [word]
    head = Word(word.x, word.width / 2, found.group(1))
    return [head, Word(head.right + UNIT_GAP + 1, word.width / 2, found.group(2))]


def table_lines(text: str) -> list[list[Word]]:
    """The table's entry lines: the legend before the first letter, letters and page numbers left out."""
    out, started = [], False
    for words in group_lines(tsv_words(text)):
        single = words[0].text if len(words) == 1 else ""
        if re.fullmatch(r"[A-Z]", single) and words[0].x < 60:
            started = True
        elif started and not (single.isdigit() and words[0].x > 300) and words[0].text != "Last":
            out.append(words)
    return out


def is_code_word(text: str) -> bool:
    """Whether a word is a code, a code range or a CPT code (maybe with a comma)."""
    return bool(re.fullmatch(r"(?:[A-Z]\d{4}|\d{5}|\d{4}[A-Z])(?:-[A-Z]\d{4})?,?", text))


def carry_strays(lines: list[list[Word]]) -> list[list[Word]]:
    """Words printed on the line above their own moved down: a unit after a code, a route on a "see" line."""
    out = [list(words) for words in lines]
    for words, below in pairwise(out):
        codes = [n for n, w in enumerate(words) if is_code_word(w.text)]
        if codes and codes[-1] + 1 < len(words):
            strays = words[codes[-1] + 1:]
            del words[codes[-1] + 1:]
            below[:0] = [Word(below[0].x - len(strays) + n, 0.5, w.text) for n, w in enumerate(strays)]
        elif not codes and any(w.text == "see" for w in words):
            strays = [w for w in words if w.x >= 410 and w.text.strip(",") in ROUTES]
            words[:] = [w for w in words if w not in strays]
            below[:] = sorted(below + strays, key=lambda w: w.x)
    return out


def split_columns(words: list[Word]) -> Line:
    """A printed line split into name, unit, route and codes."""
    rest = list(words)
    codes: list[str] = []
    while rest and is_code_word(rest[-1].text):
        codes.insert(0, rest.pop().text.strip(","))
    routes: list[Word] = []
    while rest and rest[-1].text.strip(",") in ROUTES:
        routes.insert(0, rest.pop())
    if routes and rest and routes[0].x - rest[-1].right < ROUTE_GAP:
        rest, routes = rest + routes, []
    name, unit = split_name_unit(rest, bool(codes))
    printed = " ".join(w.text for w in name).strip()
    return Line(words[0].x, PRINTED_FIXES.get(printed, printed),
                clean_text(" ".join(w.text for w in unit)), clean_text(" ".join(w.text for w in routes)), codes)


def split_name_unit(words: list[Word], has_codes: bool) -> tuple[list[Word], list[Word]]:
    """Name words and unit words: split at a column-wide gap, else before the run centred on the unit column."""
    # a narrower gap counts only where the unit column starts
    if words and words[0].x >= UNIT_X:
        return [], words
    see = next((n for n, w in enumerate(words) if w.text == "see"), None)
    if see is not None and not has_codes:
        return words, []
    first = (see or 0) + 1
    for gap, leftmost in ((UNIT_GAP, 0.0), (UNIT_GAP - 4, UNIT_X + 50)):
        for n in range(first, len(words)):
            if words[n].x - words[n - 1].right >= gap and words[n].x >= leftmost:
                return words[:n], words[n:]
    centred = [n for n in range(first, len(words))
               if words[n].x >= UNIT_X + 30 and abs((words[n].x + words[-1].right) / 2 - UNIT_CENTRE) <= 10]
    return (words[:centred[0]], words[centred[0]:]) if centred else (words, [])


# ---------------------------------------------------------------- table of drugs: reading the lines

@dataclass
class DrugRow:
    """One (drug name, code) of the table."""

    drug: str
    unit: str
    route: str
    code: str


@dataclass
class SeeBlock:
    """The printed text of consecutive "see" lines, and a drug row printed at its end, if any."""

    texts: list[str]
    row: Line | None = None


@dataclass
class TableState:
    """The rows read so far and what the next printed line is read against."""

    rows: list[DrugRow] = field(default_factory=list)
    sees: list[SeeBlock] = field(default_factory=list)
    parent: str = ""  # the name indented lines are read under ("" after a "see" line)
    name: str = ""  # the name a line without one continues
    last: str = ""  # what the previous line was: "row", "see" or "heading"
    last_rows: list[DrugRow] = field(default_factory=list)

    def add(self, name: str, line: Line) -> None:
        """Rows for a line's codes under a name."""
        self.name, self.last = name, "row"
        self.last_rows = [DrugRow(name, line.unit, line.route, code) for code in line.codes]
        self.rows.extend(self.last_rows)


def combine(parent: str, sub: str) -> str:
    """An indented name read with the one above: "Argatroban (for esrd use)", "Immune globulin, Bivigam"."""
    parent = parent.strip()
    if not parent:
        return sub
    if sub.startswith("("):
        return re.sub(r"\s*\([^()]*\)?$", "", parent) + " " + sub
    if sub[:1].islower() or sub.startswith("&") or parent.endswith(","):
        return f"{parent} {sub}"
    return f"{parent}, {sub}"


def continues_see(state: TableState, line: Line) -> bool:
    """Whether a line goes on with the "see" block above it."""
    if state.last != "see" or line.codes and not line.is_see:
        return False
    above = state.sees[-1].texts[-1]
    return line.name.startswith("see ") or line.name[:1].islower() or bool(re.search(r"(,|\bsee)$", above)) \
        or (line.x > SUB_X and not line.is_see)


def read_line(state: TableState, line: Line) -> None:
    """Fold one printed line into the table being read."""
    if continues_see(state, line):
        state.sees[-1].texts.append(line.name)
        state.sees[-1].row = line if line.codes else state.sees[-1].row
    elif line.is_see:
        state.sees.append(SeeBlock([line.name], line if line.codes else None))
        state.parent, state.name, state.last = "", "", "see"
    elif not line.name:
        read_unit_line(state, line)
    elif line.x > SUB_X or (line.name.startswith("(") and state.parent):
        read_sub_line(state, line)
    elif line.codes:
        state.parent = line.name
        state.add(clean_text(line.name), line)
    else:
        state.parent = state.name = line.name
        state.last = "heading"


def read_unit_line(state: TableState, line: Line) -> None:
    """A line without a name: more codes, another unit of the same drug, or the unit's second line."""
    if line.codes and not line.unit and not line.route and state.last == "row":
        more = [DrugRow(r.drug, r.unit, r.route, code) for r in state.last_rows[:1] for code in line.codes]
        state.last_rows += more
        state.rows.extend(more)
    elif line.codes and state.name:
        state.add(clean_text(state.name), line)
    elif state.last == "row":
        for row in state.last_rows:
            row.unit = clean_text(f"{row.unit} {line.unit}")


def read_sub_line(state: TableState, line: Line) -> None:
    """An indented line: a sub-entry of the name above, or the second line of a name."""
    if line.codes:
        state.add(clean_text(combine(state.parent, line.name)), line)
    elif state.last == "row":
        for row in state.last_rows:
            row.drug = clean_text(combine(row.drug, line.name))
        state.name = state.last_rows[0].drug if state.last_rows else state.name
    else:
        state.parent = state.name = combine(state.parent, line.name)
        state.last = "heading"


def read_table(text: str) -> TableState:
    """Rows and "see" blocks of one Table of Drugs, from pdftotext -tsv output."""
    state = TableState()
    for words in carry_strays(table_lines(text)):
        read_line(state, split_columns(words))
    return state


# ---------------------------------------------------------------- table of drugs: "see" lines

def longest_known_prefix(text: str, names: set[str]) -> str:
    """The longest word-prefix of a text that is a known drug name (case-insensitive), else ""."""
    words = text.split()
    for n in range(len(words), 0, -1):
        prefix = clean_text(" ".join(words[:n]))
        if prefix.casefold() in names:
            return prefix
    return ""


def cut_known(target: str, names: set[str]) -> tuple[str, str]:
    """A target split after its longest known drug name: (target, what follows it)."""
    known = longest_known_prefix(target, names)
    rest = clean_text(target.split(None, len(known.split()))[-1]) if known and known != clean_text(target) else ""
    return (known, rest) if known and rest else (clean_text(target), "")


def cut_brand(target: str, names: set[str]) -> tuple[str, str]:
    """A target that must hold the next brand: (target, brand), at a known name or a lower-to-capital turn."""
    target, brand = cut_known(target, names)
    if brand:
        return target, brand
    turns = [m.start(2) for m in re.finditer(r"([a-z0-9)])\s+([A-Z])", target)]
    return (clean_text(target[:turns[-1]]), clean_text(target[turns[-1]:])) if turns else (target, "")


def see_pairs(blocks: list[SeeBlock], names: set[str]) -> tuple[list[tuple[str, str]], list[tuple[str, Line]]]:
    """(brand, target) of every "see" entry, and (name, line) of drug rows printed after a target."""
    pairs, rows, carry = [], [], ""
    for block in blocks:
        parts = re.split(r",?\s+(?:also\s+)?see\s+", clean_text(f"{carry} {' '.join(block.texts)}"))
        carry, brand = "", re.sub(r"(?<=-) ", "", parts[0])
        for target in parts[1:-1]:
            target, following = cut_brand(target, names)
            pairs.append((clean_text(brand), target))
            brand = following
        target, following = cut_last(parts[-1], names, block.row is not None)
        pairs.append((clean_text(brand), target))
        if following and block.row is not None:
            rows.append((following, block.row))
        carry = following if block.row is None else ""
    return pairs, rows


def cut_last(target: str, names: set[str], row_follows: bool) -> tuple[str, str]:
    """A block's last target, and the name printed after it: a drug row's, or a brand's whose "see" is below."""
    if re.search(r"[-,]$", target):
        return cut_brand(target, names)
    known, following = cut_known(target, names)
    if row_follows or re.fullmatch(r"[A-Z][\w-]*", following):
        return known, following
    return clean_text(target), ""


def target_names(target: str) -> list[str]:
    """The drug names a "see" target lists ("A or B"; "A; B; and C")."""
    parts = re.split(r"\s*;\s*(?:and\s+)?|\s+or\s+", target)
    return [clean_text(p) for p in parts if clean_text(p)]


def name_key(name: str) -> str:
    """A drug name compared loosely: case, "injection", "HCl"/"hydrochloride", a "(J1710)" and punctuation ignored."""
    name = fix_name(name).casefold()
    name = re.sub(r"\b(hydrochloride|hci)\b", "hcl", name)
    name = re.sub(r"\b(injection|inj|etc)\b|\(j\d{4}\)", " ", name)
    return re.sub(r"[^a-z0-9]+", " ", name).strip()


def resolve_target(target: str, by_key: dict[str, list[DrugRow]]) -> list[DrugRow]:
    """The rows a target names: that name, else the shortest longer name if every longer one starts with it."""
    key = name_key(target)
    compact = {k.replace(" ", ""): k for k in by_key}
    if key.replace(" ", "") in compact:
        return by_key[compact[key.replace(" ", "")]]
    longer = sorted((k for k in by_key if k.startswith(key + " ")), key=len)
    return by_key[longer[0]] if longer and all(k.startswith(longer[0]) for k in longer) else []


def brand_rows(state: TableState, tally: Tally) -> list[DrugRow]:
    """Rows for the brands of the "see" lines, with the unit, route and code of their target."""
    names = {clean_text(r.drug).casefold() for r in state.rows}
    pairs, printed = see_pairs(state.sees, names)
    by_key: dict[str, list[DrugRow]] = {}
    for row in state.rows:
        by_key.setdefault(name_key(row.drug), []).append(row)
    out = [DrugRow(name, line.unit, line.route, code) for name, line in printed for code in line.codes]
    for brand, target in pairs:
        hits = [row for name in target_names(target) for row in resolve_target(name, by_key)]
        if not hits:
            tally.unresolved.append(f"{brand}, see {target}")
        out.extend(DrugRow(brand, r.unit, r.route, r.code) for r in hits)
    return out


def fix_name(name: str) -> str:
    """A drug name as printed, without "see also" notes, the PDF's "IVection" (a replace-all) read as "injection"."""
    return heading_text(name.replace("IVection", "injection"))


def expand_range(code: str) -> list[str]:
    """A table code, or every code a "J0287-J0289" range spans."""
    start, _, end = code.partition("-")
    if not end or start[0] != end[0] or not CODE.match(start) or not CODE.match(end):
        return [c for c in (start, end) if c]
    return [f"{start[0]}{n:04d}" for n in range(code_number(start), code_number(end) + 1)]


def table_rows(pdf: Path, year: str, tally: Tally) -> list[DrugRow]:
    """Every (name, unit, route, code or range) of one Table of Drugs, brands resolved."""
    state = read_table(pdftotext(pdf, "-tsv"))
    unresolved = len(tally.unresolved)
    brands = brand_rows(state, tally)
    sees = sum(len(re.findall(r"\bsee\s", " ".join(b.texts))) for b in state.sees)
    tally.entries += len(state.rows) + sees
    tally.detail.append(f"{year}: {len(state.rows)} (drug, code) lines, {sees} brand cross-references "
                        f"({len(tally.unresolved) - unresolved} naming a generic the table has no line for)")
    return [DrugRow(fix_name(r.drug), r.unit, r.route, r.code) for r in state.rows + brands]


def drug_table_rows(data: Path, known: set[str], tally: Tally) -> list[tuple[str, str, str, str, str]]:
    """Rows of the drug CSV: 2019, then 2018 rows whose code 2019 lacks; codes checked against the corpus."""
    editions = {year: table_rows(data / RELEASES / pdf, year, tally) for year, pdf in DRUG_PDFS.items()}
    in_2019 = {code for row in editions["2019"] for code in expand_range(row.code)}
    out: dict[tuple[str, str], tuple[str, str, str, str, str]] = {}
    for year, rows in editions.items():
        for row in rows:
            if year != "2019" and set(expand_range(row.code)) <= in_2019:
                continue
            for code in row_codes(row, known, tally):
                if (row.drug, code) not in ERRATA and (year == "2019" or code not in in_2019):
                    out.setdefault((row.drug, code), (row.drug, row.unit, row.route, code, DRUG_SOURCE.format(year)))
    return sorted(out.values(), key=lambda r: (r[0].casefold(), r[0], r[3]))


def row_codes(row: DrugRow, known: set[str], tally: Tally) -> list[str]:
    """The kept codes of a table row: CPT never, a range as the index's ranges are."""
    if CPT.fullmatch(row.code):
        tally.references += 1
        tally.cpt += 1
        return []
    return expand_codes(row.code, known, tally)


# (drug, code) pairs the PDFs print that the code's own descriptor contradicts (checked by hand).
ERRATA = {
    ("Ciprofloxacin", "J0706"),  # J0706 is caffeine citrate
    ("Factors, other hemophilia clotting", "J7196"),  # J7196 is antithrombin recombinant
    ("Hylan G-F 20", "J7322"),  # J7322 is now Hymovis; hylan G-F 20 (Synvisc) is J7325
    ("Solu-Cortef", "J1710"),  # Solu-Cortef is hydrocortisone sodium succinate (J1720); J1710 is the phosphate
    ("Xopenex", "J7620"),  # Xopenex is levalbuterol; J7620 is albuterol with ipratropium
}


# ---------------------------------------------------------------- output

def write_csv(path: Path, header: list[str], rows: list) -> None:
    """Write a UTF-8 CSV with a header row and Unix line ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def index_csv_rows(rows: dict[str, set[str]]) -> list[tuple[str, str, str]]:
    """Rows of the index CSV, sorted by term."""
    out = [(term, " ".join(sorted(codes)), INDEX_SOURCE) for term, codes in rows.items()]
    return sorted(out, key=lambda r: (r[0].casefold(), r[0]))


def report(name: str, tally: Tally, written: int) -> None:
    """Print one file's counts to stderr."""
    print(f"{name}: {tally.entries} entries parsed, {tally.references} code references, "
          f"{tally.absent_refs} dropped as absent from Jan 2026 ({len(tally.absent)} distinct codes), "
          f"{tally.cpt} CPT dropped, {tally.empty} headings without codes, {tally.lost} entries left with no code, "
          f"{len(tally.unresolved)} cross-references unresolved, {written} rows written", file=sys.stderr)
    for line in tally.detail:
        print(f"  {line}", file=sys.stderr)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data",
                        help="the shared data directory (default: ../shared/data)")
    parser.add_argument("--out", type=Path, default=ROOT / "corpus" / "vocab",
                        help="where the CSVs go (default: corpus/vocab)")
    parser.add_argument("--verbose", action="store_true", help="list dropped codes and unresolved references")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Write cms_alpha_index.csv and cms_table_of_drugs.csv."""
    args = parse_args(argv)
    try:
        known = corpus_codes(args.data)
        index_tally, drug_tally = Tally(), Tally()
        index = index_csv_rows(alpha_index_rows(args.data / RELEASES / INDEX_PDF, known, index_tally))
        drugs = drug_table_rows(args.data, known, drug_tally)
    except ExtractError as error:
        print(f"extract_cms_index: {error}", file=sys.stderr)
        return 1
    write_csv(args.out / "cms_alpha_index.csv", ["term", "codes", "source"], index)
    write_csv(args.out / "cms_table_of_drugs.csv", ["drug", "unit", "route", "code", "source"], drugs)
    for name, tally, written in (("index", index_tally, len(index)), ("drugs", drug_tally, len(drugs))):
        report(name, tally, written)
        if args.verbose:
            print(f"  absent: {' '.join(sorted(tally.absent))}\n  unresolved: {tally.unresolved}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
