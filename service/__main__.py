"""``python -m service`` runs the ``codesearch`` command line."""

from .cli import main

raise SystemExit(main())
