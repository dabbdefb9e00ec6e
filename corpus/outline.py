"""A contract's objectives pasted from its PDF as plain text, read into the same model as a table.

Headings name their level and number (`Axe 1 – …`, `Axe 1 Emploi`, `PILIER C : …`, `Enjeu 1 : …`,
`Objectif 1.2 : …`, `Objectif opérationnel 5.1.3 …`), only number it (`1.`, `1.2.`, `1.2 …`, `II.`, `II.A …`,
`A)`) or only name it (`Axe transversal : …`, `Pilier Cohésion sociale :`); each kind of heading is a level,
in the order they first appear (a level only named, beside numbered ones it never heads, is one of them),
and the deepest is the citable objective. Bullet lines (`-`, `•`, `–`, `>`, `*`) under an objective are its
measures; other lines continue the line above (a title cut by the PDF) or, after a blank line, make the
objective's description. Text before the first heading (the document's title), page numbers and running
headers or footers are skipped.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from corpus.importer import (
    _LEVEL_WORDS,
    _NUMBERING,
    _UNNUMBERED,
    Entry,
    Metadata,
    _named,
    _normal_code,
    _singular,
    _singular_key,
    build_contract,
    fold_key,
    numbering_code,
    unnumbered_title,
)
from corpus.loader import ContractError
from corpus.schema import Contract, names_theme
from corpus.sheets import MAX_BYTES

# bullets as PDFs hand them over, Word's Symbol and Wingdings ones included (U+F0A7, U+F0B7, U+F0D8)
_BULLET = re.compile(r"^[-•–—>*▪○◦·➢►→✓\uf0a7\uf0b7\uf0d8]+\s*(?=\S)")
_ROMAN = re.compile(r"^[IVXivx]{1,5}$")
_UNDER_ROMAN = re.compile(r"^([IVXivx]{1,5})[.\-]([A-Za-z]|\d{1,2})$")


def read_outline(path: Path, metadata: Metadata) -> Contract:
    """The contract written as an outline in the text file at `path`.

    Raises:
        ContractError: every problem found, each as `file: ligne N: message`.
    """
    if not path.is_file():
        raise ContractError([f"{path}: fichier introuvable"])
    if path.stat().st_size > MAX_BYTES:
        raise ContractError([f"{path}: fichier de plus de {MAX_BYTES // 1_000_000} Mo : ce n'est pas un plan"])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return outline_contract(text, path, metadata)


def outline_contract(text: str, source: Path, metadata: Metadata) -> Contract:
    """The contract written as an outline in `text` (`source` names it in messages).

    Raises:
        ContractError: every problem found.
    """
    kinds: list[str] = []  # heading kinds, broadest first
    names: list[str] = []
    lines: list[tuple[int, str, str, str]] = []  # (line number, kind or "bullet" or "text" or "", code, text)
    raw = [" ".join(line.split()) for line in text.splitlines()]
    furniture = _page_furniture(raw)
    for number, line in enumerate(raw, start=1):
        if number in furniture:
            continue  # a page number or a running header: neither a heading nor part of the text around it
        lines.append((number, *_classify(line)))
        kind = lines[-1][1]
        if kind not in ("bullet", "text", "") and kind not in kinds:
            kinds.append(kind)
            match = _NUMBERING.match(line) or _UNNUMBERED.match(line)
            word = match.group("word") if match and match.re is _NUMBERING else match.group(1) if match else None
            names.append(_singular(word) if word else "")
    lines, kinds, names = _merge_unnumbered(lines, kinds, names)
    problems: list[str] = []
    if not 2 <= len(kinds) <= 3:
        found = ", ".join(names[i] or f"« {kinds[i]} »" for i in range(len(kinds))) or "aucun"
        raise ContractError(
            [f"{source}: plan: il faut deux ou trois niveaux de titres (axe, [priorité], objectif), trouvé : {found}"]
        )
    open_titles: list[list[str] | None] = [None] * len(kinds)  # [code, title] of the heading open at each level
    entries: list[Entry] = []
    entry: Entry | None = None
    last = ""  # what a continuation line continues: "heading", "bullet", "text"
    for number, kind, code, body in lines:
        where = f"{source}: ligne {number}"
        if kind == "":
            last = ""
            continue
        if kind in kinds:
            depth = kinds.index(kind)
            missing = [k for k in range(depth) if open_titles[k] is None]
            if missing:
                problems.append(f"{where}: « {body[:60]} » n'a pas de {names[missing[0]] or 'niveau'} au-dessus")
                continue
            open_titles[depth] = [code, body]
            open_titles[depth + 1 :] = [None] * (len(kinds) - depth - 1)
            if depth == len(kinds) - 1:
                above = [(t[0], t[1]) for t in open_titles[:depth] if t is not None]
                entry = Entry(where, above, _composed(code, above), body)
                entries.append(entry)
            else:
                entry = None
            last = "heading"
        elif kind == "bullet":
            if entry is None:
                problems.append(f"{where}: « {body[:60]} » : puce sans objectif au-dessus")
                continue
            entry.measures.append({"text": body})
            last = "bullet"
        elif last == "heading":  # a title cut by the PDF's line wrapping
            depth = max(k for k, t in enumerate(open_titles) if t is not None)
            title = open_titles[depth]
            assert title is not None
            title[1] = f"{title[1]} {body}"
            if entry is not None and depth == len(kinds) - 1:
                entry.title = title[1]
            else:
                for other in entries:  # the open parent's title also reads whole in objectives already seen
                    other.above = [(c, title[1] if c == title[0] and t in title[1] else t) for c, t in other.above]
        elif last == "bullet" and entry is not None:
            entry.measures[-1]["text"] += f" {body}"
        elif entry is not None:
            if last == "text" and entry.description:
                entry.description[-1] += f" {body}"
            else:
                entry.description.append(body)
            last = "text"
        # text before the first heading (the document's title, an introduction) is skipped
    if problems:
        raise ContractError(problems)
    if not entries:
        raise ContractError([f"{source}: plan: aucun objectif lu"])
    defaults = ["axe", *["priorité"] * (len(kinds) - 2), "objectif"]
    names = [name or default for name, default in zip(names, defaults, strict=True)]
    names.append("action" if any(fold_key(n) == "action" for n in names) else "mesure")
    if metadata.levels:
        names = _named(source, metadata.levels, names, any(e.measures for e in entries))
    return build_contract(source, names, entries, metadata)


_PAGE_NUMBER = re.compile(r"^(?:page\s*)?\d{1,4}(?:\s*(?:/|sur)\s*\d{1,4})?$", re.IGNORECASE)
_TRAILING_NUMBER = re.compile(r"\s*[-–—|]?\s*\d{1,4}$")


def _page_furniture(lines: list[str]) -> set[int]:
    """The numbers (from 1) of the lines a PDF prints on every page: page numbers ("12", "Page 3 / 40") and
    running headers or footers, the same words on several lines with only the page number changing
    ("Contrat de ville – Quartiers 2030 12")."""
    found = {n for n, line in enumerate(lines, start=1) if _PAGE_NUMBER.match(line)}
    stripped: dict[str, list[int]] = {}
    for n, line in enumerate(lines, start=1):
        if _TRAILING_NUMBER.search(line) and _classify(line)[0] == "text":
            stripped.setdefault(_TRAILING_NUMBER.sub("", line), []).append(n)
    for words, numbers in stripped.items():
        if len(numbers) >= 2 and len(words.split()) >= 2:
            found.update(numbers)
    return found


def _merge_unnumbered(
    lines: list[tuple[int, str, str, str]], kinds: list[str], names: list[str]
) -> tuple[list[tuple[int, str, str, str]], list[str], list[str]]:
    """The heading kinds with a level named but never numbered ("Axe transversal : …") read as the level of
    the numbered headings it stands beside (axes `I.`, `II.`): one kind it never heads, whose headings head
    the same kind as it does. Without this, the transversal axis would be a level above the Roman axes."""
    order = [kind for _, kind, _, _ in lines if kind not in ("bullet", "text", "")]
    follows = set(itertools.pairwise(order))
    for named in list(kinds):
        if named not in _LEVEL_WORDS or any(kind == named and code for _, kind, code, _ in lines):
            continue
        beside = [
            other
            for other in kinds
            if other not in (named, *_LEVEL_WORDS)
            and (named, other) not in follows
            and any((named, child) in follows and (other, child) in follows for child in kinds)
        ]
        if not beside:
            continue
        other = beside[0]
        at = min(kinds.index(named), kinds.index(other))
        name = names[kinds.index(named)]
        keep = [i for i, kind in enumerate(kinds) if kind not in (named, other)]
        kinds = [kinds[i] for i in keep]
        names = [names[i] for i in keep]
        kinds.insert(at, other)
        names.insert(at, name)
        lines = [(n, other if kind == named else kind, code, body) for n, kind, code, body in lines]
        follows = {(other if a == named else a, other if b == named else b) for a, b in follows}
    return lines, kinds, names


def _classify(line: str) -> tuple[str, str, str]:
    """(kind, code, text) of one line: a heading's kind (its level word, or the shape of its number),
    "bullet", "text", or "" for a blank line."""
    if not line:
        return "", "", ""
    bullet = _BULLET.match(line)
    if bullet and not _NUMBERING.match(line[bullet.end() :]):
        return "bullet", "", line[bullet.end() :]
    if names_theme(line):  # "Autour de l'éducation" under an objective: a sub-item, though not bulleted
        return "bullet", "", line
    match = _NUMBERING.match(line)
    if match is None:
        named = _UNNUMBERED.match(line)  # "Axe transversal : …"
        if named and _singular_key(named.group(1)) in _LEVEL_WORDS:
            return _singular_key(named.group(1)), "", unnumbered_title(named)
        return "text", "", line
    word, code = match.group("word"), numbering_code(match)
    body = line[match.end() :]
    if word:
        key = _singular_key(word)
        if key not in _LEVEL_WORDS:
            return "text", "", line
        return key, code, body
    if len(code) == 1 and code.isalpha() and not _ROMAN.match(code):
        return "lettre", code, body
    if _ROMAN.match(code):
        return "romain", code.upper(), body
    under_roman = _UNDER_ROMAN.match(code)
    if under_roman:  # `II.C`, `II.1`: the level of `C)` or `1.` under axis `II`
        head, own = under_roman.groups()
        return "lettre" if own.isalpha() else "numéro 1", f"{head.upper()}.{own.upper()}", body
    return f"numéro {code.count('.') + code.count('-') + 1}", _normal_code(code), body


def _composed(code: str, above: list[tuple[str, str]]) -> str:
    """An objective's own code, with the codes of the levels above when it has no separator (`C` under
    axis `II`: `II.C`)."""
    if not code or re.search(r"[.\-]", code):
        return code
    return ".".join([*(c for c, _ in above if c), code])
