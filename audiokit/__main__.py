"""``python -m audiokit`` runs the ``audiokit`` command."""

from .cli import main

raise SystemExit(main())
