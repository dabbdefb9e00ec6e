"""The `cdv` command line: corpus, index, search, eval, ask, classify, chat, feedback."""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sqlite3
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, NoReturn

from corpus import DEFAULT_DATA_DIR, Contract, ContractError, load_contracts


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # the web stack logs every internal request at INFO: keep the console for our own messages
    for noisy in ("httpx", "httpcore", "gradio_client"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return int(args.run(args))
    except ContractError as exc:
        print("Fichier refusé, rien n'a été écrit :", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as exc:
        print(f"cdv: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        # e.g. the port is taken or the cache folder is not writable
        print(f"cdv: {exc}", file=sys.stderr)
        return 2
    except sqlite3.Error as exc:
        print(f"cdv: base de données illisible : {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # output piped into `head` and the like: stop quietly
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = _FrenchParser(
        prog="cdv",
        description="Assistant du contrat de ville : trouver l'objectif opérationnel qui couvre une action.",
        epilog=(
            'exemples :\n  cdv chat\n  cdv ask "les jeunes qui sèchent les cours"\n'
            "  cdv classify appel.csv --column résumé"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="journal détaillé (débogage)")
    commands = parser.add_subparsers(dest="command", required=True)

    corpus = commands.add_parser(
        "corpus",
        help="afficher le contrat (plan ou JSON)",
        epilog="exemples :\n  cdv corpus\n  cdv corpus --json > contrat.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _contracts_option(corpus)
    corpus.add_argument("--json", action="store_true", help="le contrat complet, validé, en JSON")
    corpus.set_defaults(run=_run_corpus)

    from assistant.commands import register

    register(commands, _contracts_option)
    for plugin in entry_points(group="cdv.commands"):  # `cdv eval`, from the evaluation package
        plugin.load()(commands, _contracts_option)
    _in_french(parser)
    return parser


class _FrenchParser(argparse.ArgumentParser):
    """argparse's error messages in French (the users are French)."""

    def error(self, message: str) -> NoReturn:
        for pattern, french in _ERRORS:
            message = re.sub(pattern, french, message)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {message}\n")


_ERRORS = (
    (r"^the following arguments are required: (.*)$", r"il manque : \1"),
    (r"^argument (.*?): invalid choice: (.*?) \(choose from (.*)\)$", r"\1 : choix \2 inconnu (au choix : \3)"),
    (r"^unrecognized arguments: (.*)$", r"arguments inconnus : \1"),
    (r"^argument (.*?): expected one argument$", r"\1 : une valeur est attendue"),
    (r"^argument (.*?): invalid int value: (.*)$", r"\1 : \2 n'est pas un nombre entier"),
    (r"^argument (.*?): invalid Path value: (.*)$", r"\1 : \2 n'est pas un chemin de fichier"),
)


class _FrenchFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, prefix="utilisation : " if prefix is None else prefix)


def _in_french(parser: argparse.ArgumentParser) -> None:
    """argparse's own words (usage, option groups, -h) in French, for the parser and every sub-command."""
    parser.formatter_class = _FrenchFormatter
    parser._positionals.title = "arguments"
    parser._optionals.title = "options"
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            action.help = "afficher cette aide"
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _in_french(sub)


def _contracts_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--contracts",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="fichier de contrat, ou dossier de contrats (par défaut : le contrat CAPH fourni)",
    )


def _run_corpus(args: argparse.Namespace) -> int:
    contracts = load_contracts(args.contracts)
    if args.json:
        payload: object = [c.model_dump(mode="json") for c in contracts]
        if len(contracts) == 1:
            payload = contracts[0].model_dump(mode="json")
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    for contract in contracts:
        print(_outline(contract))
    return 0


def _outline(contract: Contract) -> str:
    glossary = ", ".join(entry.acronym for entry in contract.glossary)
    return f"{contract.outline()}\n\nGlossaire : {glossary}" if glossary else contract.outline()


if __name__ == "__main__":
    sys.exit(main())
