"""Who acts in tests that call use cases directly.

HOST is the archive host's own account (a command naming no user: `saksi init`, `saksi audit
verify`...), as the command line makes it; users act through their Context.
"""

from __future__ import annotations

from api.cli.common import host_context

HOST = host_context()
