"""``python -m audiokit`` runs the ``audiokit`` command."""

from ._cli import main

raise SystemExit(main())
