"""Safeguarding keyword detection for every parent text and caption.

The phrase lists live in ``content/safeguarding/<lang>.yaml`` (one per family language,
reviewed by the setting's designated safeguarding lead) and are loaded once at start-up.
``Safeguarding.match`` checks a message against the phrases of *all* languages at once,
since families mix languages, and returns the phrase that matched.

Matching is on whole words, ignoring case, accents and punctuation: both the message and
each phrase are normalised the same way (Unicode NFKD, combining marks dropped, casefolded,
a few letters that do not decompose folded, Arabic alef/yeh/teh-marbuta forms unified,
tatweel dropped, everything that is not a letter or digit turned into a single space).
An apostrophe or hyphen inside a phrase matches with or without a space, so "self-harm"
also matches "self harm" and "selfharm", and "m'a frappé" also matches "ma frappe".
Arabic phrases also match with the conjunction و or ف joined to their first word.

``locate`` finds where a recorded phrase sits in the message as the parent wrote it:
it normalises the text one character at a time, keeping for every normalised
character the position of the original one, so an alert can show the lead the very
words that matched (in bold, with their context) however long the message is.

All phrases are compiled into one regular expression shaped like a trie (shared prefixes
are factored out), so a short message costs a few microseconds.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

LANGUAGES: tuple[str, ...] = ("en", "pt", "es", "so", "yo", "fr", "tw", "pl", "ar")


def default_folder() -> Path:
    from bot.content import content_dir

    return content_dir() / "safeguarding"


# Letters that NFKD leaves alone but parents commonly type without the mark, and
# Arabic forms that are written interchangeably. Applied after casefold and NFKD
# (so أ إ آ have already become ا plus a combining mark that is dropped).
_FOLDS: dict[str, str] = {
    "ł": "l",  # Polish
    "ɛ": "e",  # Twi/Akan
    "ɔ": "o",  # Twi/Akan
    "ø": "o",
    "đ": "d",
    "ı": "i",
    "æ": "ae",
    "œ": "oe",
    "ى": "ي",  # Arabic alef maksura -> yeh
    "ی": "ي",  # Farsi yeh, common on some keyboards
    "ک": "ك",  # Farsi keheh
    "ة": "ه",  # Arabic teh marbuta -> heh
    "ٱ": "ا",  # Arabic alef wasla
    "ـ": "",  # Arabic tatweel (kashida)
    "ʼ": " ",  # modifier-letter apostrophe (a "letter" to Unicode) is punctuation here
    "ʻ": " ",
}

# Inside a phrase these join two parts that may be typed with or without a space.
_JOINERS = re.compile(r"['\u2019\u2018\u02bc\u02bb`\u00b4\u2032\-\u2010\u2011\u2012\u2013]")
_JOIN = "\x00"  # trie atom for a joiner; normalised text never holds it
_ARABIC_PREFIX = "[\u0648\u0641]?"  # و / ف joined to the first word


class _FoldTable(dict[int, str]):
    """str.translate table computed per character on first sight, then cached."""

    def __missing__(self, key: int) -> str:
        ch = chr(key)
        if ch in _FOLDS:
            value = _FOLDS[ch]
        else:
            category = unicodedata.category(ch)
            if category[0] == "M" or category == "Cf":
                value = ""  # combining marks (accents, harakat), zero-width/direction marks
            elif ch.isalnum():
                value = ch
            else:
                value = " "
        self[key] = value
        return value


_FOLD_TABLE = _FoldTable()


def normalise(text: str) -> str:
    """Casefolded, accent-free words separated by single spaces."""
    folded = unicodedata.normalize("NFKD", text.casefold()).translate(_FOLD_TABLE)
    return " ".join(folded.split())


def normalise_with_positions(text: str) -> tuple[str, list[int]]:
    """``normalise(text)`` and, per normalised character, the index it came from in ``text``.

    Built one original character at a time (casefold, NFKD and the fold table act per
    character; only the order of combining marks can differ, and those are dropped), so
    it gives the same string as ``normalise`` for any text a parent can type.
    """
    out: list[str] = []
    origin: list[int] = []
    space = True  # collapse runs of spaces and drop leading ones, as " ".join(split()) does
    for index, ch in enumerate(text):
        for folded in unicodedata.normalize("NFKD", ch.casefold()).translate(_FOLD_TABLE):
            if folded.isspace():
                if not space:
                    out.append(" ")
                    origin.append(index)
                    space = True
            else:
                out.append(folded)
                origin.append(index)
                space = False
    if out and out[-1] == " ":
        out.pop()
        origin.pop()
    return "".join(out), origin


def phrase_key(phrase: str) -> str:
    """A phrase as matched: normalised parts, with a joiner mark where it had ' or -."""
    parts = (normalise(part) for part in _JOINERS.split(phrase))
    return _JOIN.join(part for part in parts if part)


class SafeguardingError(Exception):
    """The phrase lists have problems; ``problems`` lists each with its file."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Hit:
    lang: str
    phrase: str  # as written in the phrase list


def read_phrases(folder: Path) -> tuple[dict[str, list[str]], list[str]]:
    """Every language's phrases, and every problem found (missing files, bad entries)."""
    problems: list[str] = []
    phrases: dict[str, list[str]] = {}
    found_paths = {path.stem: path for path in sorted(folder.glob("*.yaml"))}
    for lang in LANGUAGES:
        if lang not in found_paths:
            problems.append(f"{folder / (lang + '.yaml')}: missing")
    # LANGUAGES order first: a phrase two languages share is reported under the first.
    order = [lang for lang in LANGUAGES if lang in found_paths]
    paths = {lang: found_paths[lang] for lang in order + sorted(set(found_paths) - set(order))}
    for lang, path in paths.items():
        try:
            data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            problems.append(f"{path}: cannot be read ({exc})")
            continue
        entries = data.get("phrases") if isinstance(data, dict) else None
        if not isinstance(entries, list) or not entries:
            problems.append(f"{path}: needs a non-empty list under 'phrases'")
            continue
        seen: dict[str, str] = {}
        found: list[str] = []
        for entry in entries:
            if not isinstance(entry, str) or not phrase_key(entry):
                problems.append(f"{path}: empty or non-text phrase {entry!r}")
                continue
            key = phrase_key(entry)
            if key in seen:
                problems.append(f"{path}: {entry!r} duplicates {seen[key]!r}")
                continue
            seen[key] = entry
            found.append(entry)
        phrases[lang] = found
    return phrases, problems


def _trie(keys: list[str]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for key in keys:
        node = root
        for atom in key:
            node = node.setdefault(atom, {})
        node[""] = {}  # end of a phrase
    return root


def _trie_pattern(node: dict[str, Any]) -> str:
    branches = [
        (" ?" if atom == _JOIN else re.escape(atom)) + _trie_pattern(child)
        for atom, child in sorted(node.items())
        if atom
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:  # a phrase may end here, or go on into a longer one (longest first)
        return "(?:" + body + ")?"
    return body


def _key_pattern(key: str) -> str:
    return "".join(" ?" if atom == _JOIN else re.escape(atom) for atom in key)


class Safeguarding:
    """Every language's phrases, compiled once into a single whole-word matcher."""

    def __init__(self, phrases: dict[str, list[str]]) -> None:
        self.phrases = {lang: tuple(found) for lang, found in phrases.items()}
        keys: dict[bool, list[str]] = {True: [], False: []}
        self._exact: dict[str, Hit] = {}
        self._patterns: list[tuple[re.Pattern[str], Hit]] = []
        for lang, found in self.phrases.items():
            arabic = lang == "ar"
            prefix = _ARABIC_PREFIX if arabic else ""
            for phrase in found:
                key = phrase_key(phrase)
                if not key:
                    continue
                hit = Hit(lang, phrase)
                keys[arabic].append(key)
                self._exact.setdefault(key.replace(_JOIN, " "), hit)
                self._patterns.append((re.compile(prefix + _key_pattern(key)), hit))
        alternatives = []
        if keys[False]:
            alternatives.append(_trie_pattern(_trie(keys[False])))
        if keys[True]:
            alternatives.append(_ARABIC_PREFIX + "(?:" + _trie_pattern(_trie(keys[True])) + ")")
        # Text is searched as " word word ... ", so a phrase starts after a space and
        # must be followed by one: whole words only. "(?!)" never matches (no phrases).
        body = "|".join(alternatives) or "(?!)"
        self._regex = re.compile(" (?:" + body + ")(?= )")

    @classmethod
    def load(cls, folder: Path | None = None) -> Safeguarding:
        """Read content/safeguarding/*.yaml; raise SafeguardingError on any problem."""
        phrases, problems = read_phrases(folder or default_folder())
        if problems:
            raise SafeguardingError(problems)
        return cls(phrases)

    def find(self, text: str) -> Hit | None:
        """The first phrase (any language) found in ``text``, with its language."""
        found = self._regex.search(f" {normalise(text)} ")
        if found is None:
            return None
        span = found.group()[1:]
        hit = self._exact.get(span)
        if hit is not None:
            return hit
        for pattern, candidate in self._patterns:  # joiner or Arabic-prefix variants
            if pattern.fullmatch(span):
                return candidate
        return Hit("", span)  # unreachable while the trie and patterns agree

    def match(self, text: str) -> str | None:
        """The matched phrase as written in its list, or None."""
        hit = self.find(text)
        return hit.phrase if hit is not None else None


def _is_arabic(ch: str) -> bool:
    return "\u0600" <= ch <= "\u06ff"


def locate(text: str, phrase: str) -> tuple[int, int] | None:
    """Where ``phrase`` (as written in its list) first matches ``text``: [start, end).

    The span is in ``text`` itself, so a caller can quote the parent's own words; it
    covers a joined Arabic و/ف and any accents written after the last letter. None
    when the phrase does not occur (a list changed since the alert was raised).
    """
    key = phrase_key(phrase)
    if not key:
        return None
    prefix = _ARABIC_PREFIX if _is_arabic(key[0]) else ""
    pattern = re.compile(" (" + prefix + _key_pattern(key) + ")(?= )")
    normalised, origin = normalise_with_positions(text)
    found = pattern.search(f" {normalised} ")
    if found is None:
        return None
    # Group 1 starts one past the padding space; normalised index = padded index - 1.
    start = origin[found.start(1) - 1]
    end = origin[found.end(1) - 2] + 1
    while end < len(text) and unicodedata.category(text[end])[0] == "M":
        end += 1
    return start, end
