"""Sub-commands of `cdv` beyond the corpus outline: index, search, eval."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from assistant import filing_commands
from corpus import Contract, load_contracts
from index import DEFAULT_EMBEDDER, RETRIEVERS, Hit, Searcher, SearchResult, open_searcher

OptionAdder = Callable[[argparse.ArgumentParser], None]


def register(commands: Any, contracts_option: OptionAdder) -> None:
    """Add the sub-commands to the `cdv` parser."""
    index = commands.add_parser("index", help="construire l'index de recherche")
    index_commands = index.add_subparsers(dest="index_command", required=True)
    build = index_commands.add_parser(
        "build",
        help="(re)construire l'index",
        epilog=_examples("cdv index build", "cdv index build --embedder use-multilingual"),
        formatter_class=_RAW,
    )
    contracts_option(build)
    build.add_argument("--embedder", default=DEFAULT_EMBEDDER, help=_EMBEDDER_HELP)
    build.set_defaults(run=_run_index_build)

    search = commands.add_parser(
        "search",
        help="classer les objectifs pour une question, ou pour un fichier de questions",
        epilog=_examples(
            'cdv search "les jeunes qui sèchent les cours"',
            'cdv search "marchands de sommeil" --k 3 --json',
            "cdv search --queries questions.jsonl --json > resultats.jsonl",
        ),
        formatter_class=_RAW,
    )
    contracts_option(search)
    search.add_argument("question", nargs="?", help="la question (ou bien --queries)")
    search.add_argument(
        "--queries", type=Path, help='fichier de questions, une ligne JSON {"id", "question"} par question'
    )
    search.add_argument("--k", type=int, default=5, help="nombre d'objectifs affichés (5 par défaut)")
    search.add_argument(
        "--retriever",
        choices=RETRIEVERS,
        default="hybrid",
        help="méthode : mots (lexical), sens (dense) ou les deux (hybrid, par défaut)",
    )
    search.add_argument("--embedder", default=DEFAULT_EMBEDDER, help=_EMBEDDER_HELP)
    search.add_argument("--axis", type=int, help="seulement les objectifs de cet axe (ex. 5)")
    search.add_argument("--contract", help="seulement les objectifs de ce contrat (son identifiant)")
    search.add_argument("--json", action="store_true", help="sortie JSON")
    search.set_defaults(run=_run_search)

    ask = commands.add_parser(
        "ask",
        help="répondre à une question en citant les objectifs",
        epilog=_examples(
            'cdv ask "aide aux devoirs pour les collégiens"', 'cdv ask "which objective covers school absenteeism?"'
        ),
        formatter_class=_RAW,
    )
    contracts_option(ask)
    ask.add_argument("question", help="la question ou le résumé du projet, entre guillemets")
    ask.add_argument("--contract", help="identifiant du contrat où chercher, quand plusieurs sont chargés")
    ask.add_argument("--embedder", default=DEFAULT_EMBEDDER, help=_EMBEDDER_HELP)
    ask.set_defaults(run=_run_ask)

    classify = commands.add_parser(
        "classify",
        help="ajouter le code d'objectif proposé à chaque ligne d'un tableau de demandes (CSV, XLSX, ODS)",
        epilog=_examples(
            "cdv classify appel.csv --column résumé", "cdv classify appel.csv --column résumé --out classe.csv"
        ),
        formatter_class=_RAW,
    )
    contracts_option(classify)
    classify.add_argument(
        "file",
        type=Path,
        help="fichier CSV (séparateur ; ou , — UTF-8 ou Windows-1252, comme Excel l'enregistre), XLSX ou ODS",
    )
    classify.add_argument("--column", required=True, help="nom de la colonne qui contient le texte du projet")
    classify.add_argument("--contract", help="identifiant du contrat où chercher, quand plusieurs sont chargés")
    classify.add_argument("--out", type=Path, help="fichier produit (par défaut : FICHIER-classe.csv)")
    classify.add_argument("--force", action="store_true", help="remplacer le fichier produit s'il existe déjà")
    classify.add_argument("--embedder", default=DEFAULT_EMBEDDER, help=_EMBEDDER_HELP)
    classify.set_defaults(run=_run_classify)

    chat = commands.add_parser(
        "chat",
        help="ouvrir la page de discussion dans le navigateur",
        epilog=_examples("cdv chat", "cdv chat --port 8000"),
        formatter_class=_RAW,
    )
    contracts_option(chat)
    chat.add_argument("--host", help="adresse d'écoute (127.0.0.1 par défaut, ou CDV_HOST)")
    chat.add_argument("--port", type=int, help="port (7860 par défaut, ou CDV_PORT)")
    chat.add_argument("--embedder", help=_EMBEDDER_HELP)
    chat.set_defaults(run=_run_chat)

    contract = commands.add_parser("contract", help="ajouter un contrat depuis un tableur, ou vérifier un fichier")
    contract_commands = contract.add_subparsers(dest="contract_command", required=True)
    importer = contract_commands.add_parser(
        "import",
        help="lire le tableau des objectifs (CSV, XLSX, ODS) ou un plan collé (TXT) et écrire un contrat validé",
        epilog=_examples(
            'cdv contract import tableau.xlsx --id lannion-2024-2030 --title "Contrat de ville Quartiers 2030" \\',
            '    --territory "Lannion-Trégor Communauté" --period 2024-2030',
            "cdv contract import plan.txt --id autre-2024-2030 --title … --territory … --period 2024-2030"
            " --levels pilier,enjeu,objectif,action",
            "",
            "tableau : l'en-tête nomme les niveaux comme la source (Axe;Objectif, Pilier;Enjeu;Objectif;Action,",
            "  Code;Axe;Priorité;Objectif opérationnel;Mesure), une ligne par mesure ou par objectif ; facultatives :",
            "  Code (5.1.3, 2.3, II.C ; sinon déduit de l'ordre), Mesure/Action, Description, Incertain, Candidats.",
            "  Une cellule fusionnée vaut pour les lignes qu'elle couvre.",
            "plan : « Axe 1 – … », « Pilier C : … », « Objectif 1.2 : … », « 1.2. … », « A) … » ; puces = mesures.",
            "Vérifier d'abord ce qui est compris : cdv contract check tableau.xlsx",
        ),
        formatter_class=_RAW,
    )
    importer.add_argument("table", type=Path, help="le tableau (.csv, .xlsx, .ods) ou le plan (.txt, .md)")
    importer.add_argument("--id", required=True, help="identifiant court du contrat (minuscules, chiffres, tirets)")
    importer.add_argument("--title", required=True, help="titre du contrat")
    importer.add_argument("--name", help="le contrat tel qu'on le nomme dans un dossier (par défaut : titre + période)")
    importer.add_argument("--territory", required=True, help="territoire (intercommunalité, département)")
    importer.add_argument("--period", required=True, help="années de validité, ex. 2024-2030")
    importer.add_argument("--source", help="d'où vient le tableau (par défaut : le nom du fichier)")
    importer.add_argument("--levels", help=_LEVELS_HELP)
    importer.add_argument("--out", type=Path, help="fichier écrit (par défaut : corpus/data/ID.yaml)")
    importer.set_defaults(run=_run_contract_import)
    check = contract_commands.add_parser(
        "check",
        help="vérifier un contrat (YAML/JSON) ou un tableau à importer, et afficher l'arbre compris",
        epilog=_examples("cdv contract check corpus/data/caph-2015-2023.yaml", "cdv contract check tableau.csv"),
        formatter_class=_RAW,
    )
    check.add_argument("file", type=Path, help="contrat (.yaml, .json), tableau (.csv, .xlsx, .ods) ou plan (.txt)")
    check.add_argument("--levels", help=_LEVELS_HELP)
    check.set_defaults(run=_run_contract_check)

    filing_commands.register(commands, contracts_option, _examples, _RAW)


_EMBEDDER_HELP = (
    f"modèle de plongement : {DEFAULT_EMBEDDER} (par défaut, multilingue, hors ligne), use-multilingual, minilm "
    "(anglais), ou le nom ou le dossier de tout modèle sentence-transformers"
)
_RAW = argparse.RawDescriptionHelpFormatter


def _examples(*lines: str) -> str:
    return "exemples :\n" + "\n".join(f"  {line}" for line in lines)


def _run_index_build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    searcher = open_searcher(load_contracts(args.contracts), args.embedder, rebuild=True)
    print(
        f"Index built: {len(searcher.passages)} passages, embedder {args.embedder}, "
        f"{time.perf_counter() - started:.1f} s"
    )
    return 0


def _run_search(args: argparse.Namespace) -> int:
    if (args.question is None) == (args.queries is None):
        raise ValueError("donnez soit une question, soit --queries FICHIER.jsonl")
    if args.k < 1:
        raise ValueError(f"--k must be at least 1, got {args.k}")
    embedder = None if args.retriever == "lexical" else args.embedder
    searcher = open_searcher(load_contracts(args.contracts), embedder)
    options = {"k": args.k, "retriever": args.retriever, "axis": args.axis, "contract": args.contract}
    if args.queries is None:
        result = searcher.search(args.question, **options)
        if args.json:
            print(json.dumps(result_json(result), ensure_ascii=False, indent=2))
        else:
            print(format_result(result))
        return 0
    return _run_batch(searcher, args.queries, options)


def _run_batch(searcher: Searcher, path: Path, options: dict[str, Any]) -> int:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such queries file")
    failures = 0
    for number, item in _read_batch(path):
        if isinstance(item, str):
            failures += 1
            print(f"{path}:{number}: ligne ignorée : {item}", file=sys.stderr)
            continue
        query_id, question = item
        try:
            result = searcher.search(question, **options)
        except ValueError as exc:
            failures += 1
            print(f"{path}:{number}: ligne ignorée : {exc}", file=sys.stderr)
            continue
        print(_json_line({"id": query_id, **result_json(result)}))
    return 1 if failures else 0


def _json_line(payload: dict[str, Any]) -> str:
    """One JSON line that any output encoding can take: a lone surrogate (`"\\ud800"` in the input) is
    written as its JSON escape instead of failing the whole batch."""
    text = json.dumps(payload, ensure_ascii=False, allow_nan=False)  # strict JSON only
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} n'est pas du JSON strict")


def _read_batch(path: Path) -> Iterator[tuple[int, tuple[Any, str] | str]]:
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line, parse_constant=_no_constant)
            except json.JSONDecodeError as exc:
                yield number, f"JSON invalide ({exc.msg})"
                continue
            except RecursionError:
                yield number, "JSON trop profondément imbriqué"
                continue
            except ValueError as exc:  # NaN, Infinity, a number of thousands of digits
                yield number, f"JSON refusé ({exc})"
                continue
            if not isinstance(item, dict) or "id" not in item or "question" not in item:
                yield number, "chaque ligne doit être un objet avec 'id' et 'question'"
            elif not isinstance(item["question"], str) or not item["question"].strip():
                yield number, "'question' doit être un texte non vide"
            else:
                # a lone surrogate cannot be encoded for the embedder: read it as the replacement character
                question = item["question"].encode("utf-8", "replace").decode("utf-8")
                yield number, (item["id"], question)


def result_json(result: SearchResult) -> dict[str, Any]:
    """The batch-mode JSON shape of a search result."""
    payload: dict[str, Any] = {
        "abstain": result.abstain,
        "results": [
            {
                "code": hit.code,
                "title": hit.title,
                "score": hit.score,
                "label": hit.label,
                "path": [{"level": name, "title": title} for name, title in hit.path],
                "contract": hit.contract_id,
                "measures": [m.text for m in hit.measures],
                "precedents": [
                    {"title": p.title, "year": p.year, "carrier": p.carrier, "origin": p.origin} for p in hit.precedents
                ],
            }
            for hit in result.hits
        ],
    }
    if result.unknown_codes:
        payload["unknown_codes"] = list(result.unknown_codes)
    if result.truncated:
        payload["truncated"] = True
    if result.corrections:
        payload["read_as"] = {typed: fixed for typed, fixed in result.corrections}
    return payload


def format_result(result: SearchResult) -> str:
    """A readable ranked list."""
    lines = []
    if result.unknown_codes:
        lines.append(f"Code inconnu : {', '.join(result.unknown_codes)} (aucun objectif ne porte ce code)")
    if result.truncated:
        lines.append("Question tronquée : seuls les premiers caractères ont été utilisés.")
    if result.corrections:
        lines.append("Lu comme : " + ", ".join(f"« {typed} » → « {fixed} »" for typed, fixed in result.corrections))
    if result.abstain:
        lines.append("Aucun objectif du contrat ne semble couvrir cette question.")
        if result.hits:
            lines.append("Objectifs les plus proches :")
    for rank, hit in enumerate(result.hits, start=1):
        lines.append(_format_hit(rank, hit))
    return "\n".join(lines)


def _format_hit(rank: int, hit: Hit) -> str:
    lines = [
        f"{rank}. {hit.code}  {hit.title}  (score {hit.score:.3f})",
        f"   {hit.where()}",
    ]
    lines.extend(f"   - {m.text}" for m in hit.measures)
    lines.extend(f"   déjà financé : {p.line()}" for p in hit.precedents)
    return "\n".join(lines)


def _run_ask(args: argparse.Namespace) -> int:
    from assistant.answer import compose_answer, plain_text

    searcher = open_searcher(load_contracts(args.contracts), args.embedder)
    answer = compose_answer(args.question, [], searcher, contract_id=args.contract)
    print(plain_text(answer.text))
    if answer.funding_block:
        print("\n--- Pour votre dossier ---")
        print(answer.funding_block)
    return 0


def _run_classify(args: argparse.Namespace) -> int:
    from assistant.classify import classify_file

    if not args.file.is_file():
        raise FileNotFoundError(f"{args.file}: fichier introuvable")
    out = args.out or args.file.with_name(f"{args.file.stem}-classe.csv")
    if out.exists() and not args.force:
        raise ValueError(f"{out} existe déjà : ajoutez --force pour le remplacer, ou choisissez --out")
    searcher = open_searcher(load_contracts(args.contracts), args.embedder)
    count = classify_file(searcher, args.file, args.column, out, contract=args.contract, progress=_Progress())
    print(f"{count} lignes classées, écrites dans {out}")
    return 0


class _Progress:
    """Rows done so far and the time left, on one line of the terminal, at most every two seconds."""

    def __init__(self) -> None:
        self.started = self.shown = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.shown < 2 and done < total:
            return
        self.shown = now
        left = (now - self.started) / done * (total - done)
        sys.stderr.write(f"\r  {done} / {total} lignes ({100 * done // total} %), reste environ {left / 60:.0f} min ")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _run_chat(args: argparse.Namespace) -> int:
    from assistant.app import build_app, launch
    from assistant.feedback import FeedbackStore
    from assistant.settings import Settings

    settings = Settings.from_env(host=args.host, port=args.port, embedder=args.embedder)
    print(f"Chargement du contrat et du modèle {settings.embedder}…", flush=True)
    started = time.perf_counter()
    searcher = open_searcher(load_contracts(args.contracts), settings.embedder)
    app = build_app(searcher, FeedbackStore(settings.feedback_db))
    launch(app, settings, block=False)
    address = f"http://{settings.host}:{settings.port}/"
    how = "index construit : premier démarrage ou contrat modifié" if searcher.built else "index chargé du cache"
    print(f"Prêt en {time.perf_counter() - started:.1f} s ({how}) : ouvrez {address} (Ctrl+C pour arrêter)", flush=True)
    app.block_thread()
    return 0


_LEVELS_HELP = "noms des niveaux de la source, du plus large aux mesures, ex. pilier,enjeu,objectif,action"


def _levels(text: str | None) -> tuple[str, ...]:
    return tuple(name.strip().lower() for name in (text or "").split(",") if name.strip())


def _run_contract_import(args: argparse.Namespace) -> int:
    import yaml

    from corpus import DEFAULT_DATA_DIR, Metadata, import_contract, load_contract

    period = re.fullmatch(r"\s*(\d{4})\s*[-–/]\s*(\d{4})\s*", args.period)
    if period is None:
        raise ValueError(f"--period {args.period!r} : attendu sous la forme 2024-2030")
    metadata = Metadata(
        id=args.id,
        title=args.title,
        name=args.name,
        territory=args.territory,
        start=int(period.group(1)),
        end=int(period.group(2)),
        source=args.source or f"Tableau des objectifs importé de {args.table.name}",
        levels=_levels(args.levels),
    )
    contract = import_contract(args.table, metadata)
    out = args.out or DEFAULT_DATA_DIR / f"{contract.id}.yaml"
    if out.exists():
        raise ValueError(f"{out} existe déjà : choisissez un autre fichier avec --out, ou supprimez-le d'abord")
    text = yaml.safe_dump(contract.model_dump(mode="json", exclude_defaults=True), allow_unicode=True, sort_keys=False)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"# Imported by `cdv contract import` from {args.table.name}.\n{text}", encoding="utf-8")
    load_contract(out)  # what was written reads back as the same valid contract
    print(f"{out} : {_counts(contract)}")
    return 0


def _counts(contract: Contract) -> str:
    """"4 axes, 13 objectifs, 0 mesure", in the source's level names ("1 pilier, 3 objectifs, 6 actions")."""
    objectives = [o for _, _, o in contract.objectives()]
    levels = contract.levels
    measures = sum(len(o.measures) for o in objectives)
    counted = ((len(contract.axes), levels.axis), (len(objectives), levels.objective), (measures, levels.measure))
    return ", ".join(f"{n} {_plural(name) if n > 1 else name}" for n, name in counted)


def _plural(name: str) -> str:
    """A level's name in the plural: "objectif opérationnel" → "objectifs opérationnels", "enjeu" →
    "enjeux", "type d'action" → "types d'action" (the complement after "de" stays as it is)."""
    words: list[str] = []
    for i, word in enumerate(name.split(" ")):
        if word in ("de", "du", "des", "et", "à") or word.startswith(("d'", "d’")):
            return " ".join([*words, *name.split(" ")[i:]])
        words.append("-".join(_plural_word(part) for part in word.split("-")))
    return " ".join(words)


def _plural_word(word: str) -> str:
    if word.endswith(("s", "x", "z")):
        return word
    return word + ("x" if word.endswith("eu") else "s")


def _run_contract_check(args: argparse.Namespace) -> int:
    from corpus import Metadata, import_contract, load_contract

    if args.file.suffix.lower() in (".yaml", ".yml", ".json"):
        contract = load_contract(args.file)
    else:
        placeholder = Metadata(
            id="a-verifier", title=args.file.name, territory="?", start=2024, end=2030, source=args.file.name,
            levels=_levels(args.levels),
        )  # fmt: skip
        contract = import_contract(args.file, placeholder)
    print(contract.outline().split("\n", 3)[-1])
    levels = contract.levels
    names = " → ".join(n for n in (levels.axis, levels.priority, levels.objective, levels.measure) if n)
    derived = " ; codes déduits de l'ordre" if any(o.code_derived for _, _, o in contract.objectives()) else ""
    print(f"\n{args.file} : valide — niveaux {names} ; {_counts(contract)}{derived}")
    return 0
