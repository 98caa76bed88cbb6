"""Corpus import and the Whoosh index: build, open, search, answer. Knows nothing of Flask."""
