"""Sub-commands of `cdv` beyond the corpus outline (search, index, eval, chat…)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

OptionAdder = Callable[[argparse.ArgumentParser], None]


def register(commands: Any, contracts_option: OptionAdder) -> None:
    """Add the sub-commands to the `cdv` parser."""
