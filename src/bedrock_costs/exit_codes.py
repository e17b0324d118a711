"""The exit codes of every ``bedrock-costs`` sub-command, in one place.

0 done; 1 the work failed (an AWS call, a missing database, a check that found a problem); 2 bad
arguments (argparse's own code); 3 `logs fetch` fetched everything else but refused some keys.
"""

from __future__ import annotations

from typing import Final

EXIT_OK: Final = 0
EXIT_FAILURE: Final = 1
EXIT_USAGE: Final = 2
#: `pricing sync --check`: the seed differs from the Price List (a failed check, hence 1).
EXIT_STALE: Final = EXIT_FAILURE
#: `logs fetch`: everything else was fetched, but some keys were refused (they do not map
#: one-to-one onto files).
EXIT_SKIPPED_KEYS: Final = 3
