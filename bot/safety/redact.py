"""Personal-data redaction for what is stored or logged.

Replaces, in user text, phone numbers, e-mail addresses, social-media handles
(with "@", or without it after a platform word: "his ig is jake.x99"), links
(profile links without "https://" too: "facebook.com/jake.x99"), payment
details, names after a name phrase ("my name is ...", "tên em là ...",
"ชื่อ..."), school names ("Rizal High School", "trường THPT ...",
"โรงเรียน...") and addresses ("Brgy San Isidro", "25 Lê Lợi, Quận 1",
"Jalan Ampang", "ซอย...", "ບ້ານ...") with typed placeholders such as "[phone]".
The words that announce a name, handle, school or address are data, per
language: data/redaction.yml. The NLU still sees the original message; only
stores and logs get the redacted text. Pure: must not import Rasa.
"""

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import yaml

PLACEHOLDERS = (
    "[email]",
    "[image]",
    "[link]",
    "[card]",
    "[phone]",
    "[handle]",
    "[school]",
    "[address]",
    "[name]",
)

#: The trigger words (data/redaction.yml).
TRIGGERS_FILE = Path(__file__).resolve().parents[2] / "data" / "redaction.yml"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IMAGE_URL = re.compile(
    r"(?:https?://|www\.)\S+?\.(?:jpe?g|png|gif|webp|heic|bmp|mp4|mov)(?:\?\S*)?(?=\s|$)"
    r"|data:(?:image|video)/[\w+.-]+;base64,[A-Za-z0-9+/=]+",
    re.IGNORECASE,
)
_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# A domain with a path and no scheme: "facebook.com/jake.x99", "m.me/jake",
# "tiktok.com/@jake". A bare domain ("on tiktok.com") is a platform's name.
_BARE_LINK = re.compile(
    r"(?<![\w@./-])(?:[a-z0-9-]+\.)+[a-z]{2,12}/[^\s]*", re.IGNORECASE
)
# 13 to 19 digits, optionally grouped by spaces or dashes.
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
# Phone and e-wallet numbers: 7+ digits, optional +country code, spaces, dashes,
# dots or brackets between groups ("0917 123 4567", "+60 12-345 6789").
_PHONE = re.compile(r"(?<![\w@])\+?\(?\d[\d\s().-]{5,}\d(?!\w)")
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_.]{2,30}")
# "St. Scholastica's", "Saint Mary's": a school (or parish) by its saint.
_SAINT = re.compile(r"(?<![\w.])(?:St|Sta|Sto|Saint|Santa|Santo)\.?\s+[A-Z]\w*['’]s\b")
# A house number, a capitalised street name, then a district or ward:
# "25 Lê Lợi, Quận 1" (the capitals are checked in `_numbered_street`).
_NUMBERED_STREET = re.compile(
    r"(?<![\w/])\d{1,4}[a-z]?(?:/\d{1,4})?\s+"
    r"((?:[^\W\d_][\w'’-]*\s+){0,2}[^\W\d_][\w'’-]*)"
    r"(?=\s*,?\s*(?:quận|q\.|phường|p\.|tp\b|thành phố|district|ward))",
    re.IGNORECASE,
)
# A word of a message: ends at a space or punctuation that separates words.
_WORD = re.compile(r"\s*([^\s,;!?()\[\]{}<>\"“”]+)")
_CLOSING = ".:'’"
# Thai and Lao are written without spaces between words.
_UNSPACED = re.compile(r"[\u0e00-\u0eff]")
_LATIN_HANDLE = re.compile(r"@?[A-Za-z0-9_.]{2,30}(?![\w@])")
_HANDLE_LIKE = re.compile(r"(?=.*[A-Za-z])(?=.*[\d_.])")
_SPACE = re.compile(r"\s*")
_TOKENS = re.compile(r"[^\W_]+")
_DIGIT = re.compile(r"\d")
# Street words after a house number ("12 Jalan Ampang", "45 Rizal St",
# "số 7 đường Lê Lợi", "88/2 ถนน สุขุมวิท"); the words between may not be
# stop words, so "she is 14 and goes to St. ..." is no address.
_STREET_WORDS = (
    r"(?:st\.?|street|road|rd\.?|avenue|ave\.?|blvd|lane|drive|jalan|jln\.?|lorong|"
    r"taman|barangay|brgy\.?|purok|sitio|đường|phố|ngõ|hẻm|ถนน|ซอย|ຖະໜົນ|ບ້ານ)"
)

Replacement = Callable[[re.Match[str]], str]


@dataclass(frozen=True)
class _Gate:
    """A quick test whether any trigger can be in a text, before any regex.

    Python's regex engine tries every branch of a long alternation at every
    position (about 10 ms for a 1000-character message and all our
    triggers); a set lookup of the message's words costs a few microseconds.

    Attributes:
        words: First words of the spaced triggers, lower case.
        unspaced: The Thai and Lao triggers (found as substrings).
    """

    words: frozenset[str]
    unspaced: tuple[str, ...]

    @classmethod
    def of(cls, triggers: Iterable[str]) -> "_Gate":
        """The gate of a list of trigger words."""
        words, unspaced = set(), []
        for trigger in triggers:
            if _UNSPACED.search(trigger):
                unspaced.append(trigger.lower())
            else:
                words.update(_TOKENS.findall(trigger.lower())[:1])
        return cls(frozenset(words), tuple(unspaced))

    def opens(self, text: "_Text") -> bool:
        """Whether a trigger may be in the text."""
        if not self.words.isdisjoint(text.words):
            return True
        if text.unspaced:
            for trigger in self.unspaced:
                if trigger in text.lowered:
                    return True
        return False


@dataclass(frozen=True)
class _Text:
    """A message in lower case and its set of words, computed once."""

    lowered: str
    words: frozenset[str]
    unspaced: bool

    @classmethod
    def of(cls, text: str) -> "_Text":
        """The lowered text and its words."""
        lowered = text.lower()
        return cls(
            lowered,
            frozenset(_TOKENS.findall(lowered)),
            bool(_UNSPACED.search(lowered)),
        )


@dataclass(frozen=True)
class _Words:
    """How the words after (or before) a trigger are read.

    Attributes:
        take: "any", "capital", "capital_or_number", "number" or "name".
        words: At most this many words (a Thai or Lao run counts as one).
        stop: Words that end the run and are never taken.
        particles: Thai and Lao endings cut off a taken run.
        boundaries: Thai and Lao words that end a run without a space.
        joiners: Words taken inside a name whatever their case ("binti").
    """

    take: str
    words: int
    stop: frozenset[str]
    particles: tuple[str, ...] = ()
    boundaries: tuple[str, ...] = ()
    joiners: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Rule:
    """Trigger words and what replaces the words they announce.

    Attributes:
        trigger: The trigger words, as one pattern.
        placeholder: What replaces the announced words.
        reader: How the announced words are read.
        keep_trigger: Whether the trigger stays ("my name is [name]") or is
            replaced too ("[address]").
        skip: Words between the trigger and the value ("là", "คือ", ":").
        not_after: A word before the trigger that cancels it ("thành phố").
    """

    trigger: re.Pattern[str]
    gate: _Gate
    placeholder: str
    reader: _Words
    keep_trigger: bool
    skip: Optional[re.Pattern[str]] = None
    not_after: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _HandleRule:
    """Handles without "@" after a platform word (all languages at once).

    Attributes:
        platform: The platform words, as one pattern.
        filler: Possessive and account words between platform and handle.
        copula: "is", "si", "là", "คือ", ":" before the handle.
        owners: Words before a platform that make it someone's ("his ig").
        stop: Words that are never a handle.
    """

    platform: re.Pattern[str]
    gate: _Gate
    filler: re.Pattern[str]
    copula: re.Pattern[str]
    owners: frozenset[str]
    stop: frozenset[str]


@dataclass(frozen=True)
class _SchoolRule:
    """School keywords that follow the school's name ("Rizal High School").

    Attributes:
        keyword: The keywords, as one pattern.
        stop: Words that are never part of a school's name.
    """

    keyword: re.Pattern[str]
    gate: _Gate
    stop: frozenset[str]


@dataclass(frozen=True)
class Redactor:
    """Every rule built from data/redaction.yml (see `load_redactor`)."""

    handles: _HandleRule
    schools_after: tuple[_SchoolRule, ...]
    schools_before: tuple[_Rule, ...]
    addresses: tuple[_Rule, ...]
    names: tuple[_Rule, ...]
    street: re.Pattern[str]


def _alternation(words: Iterable[str]) -> str:
    """One pattern for a list of words, longest first, with word boundaries.

    Thai and Lao words get no boundaries (no spaces between words there).
    The boundary before a word is checked by `_starts_word` instead of a
    look-behind, which would keep the regex engine from skipping quickly to
    the possible first letters (measured: ten times slower).
    """
    parts = []
    for word in sorted(set(words), key=len, reverse=True):
        body = r"\s+".join(re.escape(part) for part in word.split())
        if not _UNSPACED.search(word) and (word[-1].isalnum() or word[-1] == ")"):
            body += r"(?![\w'’-])"
        parts.append(body)
    return "(?:" + "|".join(parts) + ")"


def _starts_word(text: str, match: re.Match[str]) -> bool:
    """Whether a trigger match starts a word ("ig" in "big" does not)."""
    start = match.start()
    if start == 0 or _UNSPACED.match(text, start):
        return True
    before = text[start - 1]
    return not (before.isalnum() or before in "_@./-[")


def _compile(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile(_alternation(words), re.IGNORECASE)


def _lower(words: Optional[Iterable[Any]]) -> frozenset[str]:
    return frozenset(str(word).lower() for word in words or ())


def _strings(value: Any) -> list[str]:
    return [str(word) for word in value or ()]


def _rule(
    triggers: list[str],
    placeholder: str,
    reader: _Words,
    keep_trigger: bool,
    skip: Optional[re.Pattern[str]] = None,
    not_after: frozenset[str] = frozenset(),
) -> _Rule:
    return _Rule(
        _compile(triggers),
        _Gate.of(triggers),
        placeholder,
        reader,
        keep_trigger,
        skip,
        not_after,
    )


def _build(table: Mapping[str, Any]) -> Redactor:
    languages: Mapping[str, Mapping[str, Any]] = table["languages"]
    stops = {lang: _lower(spec.get("stop")) for lang, spec in languages.items()}
    every_stop = frozenset().union(*stops.values())
    copulas = [c for spec in languages.values() for c in _strings(spec.get("copulas"))]
    fillers = [
        f for spec in languages.values() for f in _strings(spec.get("handle_fillers"))
    ]
    handles = _HandleRule(
        platform=_compile(_strings(table["platforms"])),
        gate=_Gate.of(_strings(table["platforms"])),
        filler=re.compile(r"\s*" + _alternation(fillers), re.IGNORECASE),
        copula=re.compile(r"\s*" + _alternation(copulas), re.IGNORECASE),
        owners=_lower(
            o for spec in languages.values() for o in _strings(spec.get("owners"))
        ),
        stop=every_stop,
    )
    schools_after, schools_before, addresses, names = [], [], [], []
    for lang, spec in languages.items():
        particles = tuple(_strings(spec.get("particles")))
        boundaries = tuple(_strings(spec.get("boundaries")))
        skip = re.compile(
            r"(?:\s*" + _alternation(_strings(spec.get("copulas"))) + r")*",
            re.IGNORECASE,
        )
        joiners = _lower(spec.get("name_joiners"))
        name_reader = _Words("name", 5, stops[lang], particles, boundaries, joiners)
        capital_reader = _Words("capital", 4, stops[lang], joiners=joiners)
        for words, reader in (
            (spec.get("names"), name_reader),
            (spec.get("names_capital"), capital_reader),
        ):
            if words:
                names.append(_rule(_strings(words), "[name]", reader, True, skip))
        school = spec.get("schools") or {}
        if school.get("after"):
            after = _strings(school["after"])
            schools_after.append(
                _SchoolRule(_compile(after), _Gate.of(after), every_stop)
            )
        for key, take in (("before", "name"), ("before_capital", "capital")):
            if school.get(key):
                reader = _Words(take, 4, stops[lang], particles, boundaries)
                schools_before.append(
                    _rule(_strings(school[key]), "[school]", reader, False)
                )
        for rule in spec.get("addresses") or ():
            reader = _Words(
                str(rule["take"]),
                int(rule["words"]),
                stops[lang],
                particles,
                boundaries,
            )
            addresses.append(
                _rule(
                    _strings(rule["triggers"]),
                    "[address]",
                    reader,
                    False,
                    not_after=_lower(rule.get("not_after")),
                )
            )
    gap_stop = "|".join(
        re.escape(word) for word in sorted(every_stop, key=len, reverse=True)
    )
    word = rf"(?!(?:{gap_stop})(?![\w'’-]))[^\s,;!?()\[\]]+"
    street = re.compile(
        r"(?:(?:no\.?|số|nhà|เลขที่|ເລກທີ)\s*)?\d{1,5}[a-z]?(?:/\d{1,4})?,?\s+"
        rf"(?:{word}\s+){{0,3}}?{_STREET_WORDS}[^\s,;!?]*(?:\s+(?![\u0e00-\u0eff]){word}){{0,3}}",
        re.IGNORECASE,
    )
    return Redactor(
        handles=handles,
        schools_after=tuple(schools_after),
        schools_before=tuple(schools_before),
        addresses=tuple(addresses),
        names=tuple(names),
        street=street,
    )


@lru_cache(maxsize=4)
def load_redactor(path: Path = TRIGGERS_FILE) -> Redactor:
    """Build (once per file) the rules from a trigger file.

    Args:
        path: A file in the format of data/redaction.yml.

    Returns:
        The compiled rules.
    """
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return _build(document["redaction"])


def _starts_with_stop(word: str, stop: frozenset[str]) -> bool:
    lowered = word.lower()
    if lowered in stop:
        return True
    if _UNSPACED.search(word):
        return any(lowered.startswith(s) for s in stop if _UNSPACED.search(s))
    return False


def _unspaced_run(word: str, reader: _Words) -> str:
    """A Thai or Lao run cut at the first boundary word, particles removed."""
    cut = len(word)
    for boundary in reader.boundaries:
        at = word.find(boundary, 2)
        if at != -1:
            cut = min(cut, at)
    word = word[:cut]
    stripped = True
    while stripped:
        stripped = False
        for particle in reader.particles:
            if len(word) > len(particle) and word.endswith(particle):
                word = word[: -len(particle)]
                stripped = True
    return word


def _fits(word: str, take: str, first: bool, capital_first: bool) -> bool:
    """Whether a (non-stop) word may be taken by a reader."""
    capital = word[0].isupper()
    number = word[0].isdigit()
    if take == "number":
        return number
    if take == "capital_or_number":
        return capital or number
    if take == "capital":
        return capital
    if take == "name" and not first and capital_first:
        return capital
    return True


def _read(text: str, position: int, reader: _Words) -> Optional[int]:
    """Where the words announced at `position` end, or None if there are none."""
    end: Optional[int] = None
    capital_first = False
    taken = 0
    while taken < reader.words:
        match = _WORD.match(text, position)
        if not match:
            break
        word = match.group(1)
        start = match.start(1)
        if _UNSPACED.search(word) and not word[0].isascii():
            if taken and not capital_first:
                break
            if _starts_with_stop(word, reader.stop):
                break
            run = _unspaced_run(word, reader)
            if run:
                end = start + len(run)
            break
        trimmed = word.rstrip(_CLOSING) or word
        lowered = trimmed.lower()
        if lowered in reader.joiners and taken:
            position = start + len(trimmed)
            continue
        capital_mode = reader.take in ("capital", "capital_or_number")
        if not trimmed[0].isalnum() or (
            lowered in reader.stop and not (capital_mode and trimmed[0].isupper())
        ):
            break
        if not _fits(trimmed, reader.take, taken == 0, capital_first):
            break
        if taken == 0:
            capital_first = trimmed[0].isupper()
        taken += 1
        end = start + len(trimmed)
        position = end
        if len(trimmed) < len(word) and word[len(trimmed)] != "'":
            break  # "Isidro." ends the name
        if text[end : end + 1] in (",", ";", "!", "?"):
            break
    return end


def _replace_spans(text: str, spans: Sequence[tuple[int, int, str]]) -> str:
    """Replace non-overlapping (start, end, placeholder) spans, left to right."""
    out, last = [], 0
    for start, end, placeholder in sorted(spans):
        if start < last:
            continue
        out.append(text[last:start])
        out.append(placeholder)
        last = end
    out.append(text[last:])
    return "".join(out)


def _apply(text: str, rule: _Rule) -> str:
    spans = []
    for match in rule.trigger.finditer(text):
        if not _starts_word(text, match):
            continue
        if rule.not_after:
            before = text[: match.start()].split()
            if before and before[-1].lower() in rule.not_after:
                continue
        position = match.end()
        if rule.skip is not None:
            skipped = rule.skip.match(text, position)
            position = skipped.end() if skipped else position
        end = _read(text, position, rule.reader)
        if end is None:
            continue
        start = position if rule.keep_trigger else match.start()
        while rule.keep_trigger and start < end and text[start] in " :=\t":
            start += 1
        spans.append((start, end, rule.placeholder))
    return _replace_spans(text, spans) if spans else text


def _handles(text: str, rule: _HandleRule) -> str:
    spans = []
    for match in rule.platform.finditer(text):
        if not _starts_word(text, match):
            continue
        position = match.end()
        filler = copula = False
        for _ in range(6):
            found = rule.copula.match(text, position)
            if found:
                copula = True
            else:
                found = rule.filler.match(text, position)
                if not found:
                    break
                filler = True
            position = found.end()
        gap = _SPACE.match(text, position)
        handle = _LATIN_HANDLE.match(text, gap.end() if gap else position)
        if not handle:
            continue
        word = handle.group().rstrip(".")
        if word.lower() in rule.stop:
            continue
        before = text[: match.start()].split()
        owned = bool(before) and before[-1].lower() in rule.owners
        unspaced = bool(_UNSPACED.search(text[match.start() : handle.start()]))
        plain_ok = (copula and (filler or owned or unspaced)) or (
            unspaced and (filler or copula)
        )
        if not (_HANDLE_LIKE.match(word) or plain_ok):
            continue
        end = handle.start() + len(word)
        if word[0].isupper():  # a display name: "fb ko si Jake Cruz"
            for _ in range(2):
                more = re.match(r"\s+([A-Z][\w'’-]*)", text[end:])
                if not more or more.group(1).lower() in rule.stop:
                    break
                end += more.end()
        spans.append((handle.start(), end, "[handle]"))
    return _replace_spans(text, spans) if spans else text


_NAME_PART = re.compile(r"[^\s,;!?()\[\]{}<>\"“”]+")


def _schools_after(text: str, rule: _SchoolRule) -> str:
    spans = []
    for match in rule.keyword.finditer(text):
        if not _starts_word(text, match):
            continue
        words = list(_NAME_PART.finditer(text, 0, match.start()))
        start = match.start()
        taken = 0
        for word in reversed(words):
            between = text[word.end() : start]
            if between.strip() or taken >= 4:
                break
            value = word.group()
            if value[0].isupper() or (taken and value.lower() in ("of", "de", "ng")):
                start, taken = word.start(), taken + 1
                continue
            if (
                taken == 0
                and " " in match.group()
                and value.lower() not in rule.stop
                and value[0].isalpha()
            ):
                start, taken = word.start(), 1
            break
        if taken:
            spans.append((start, match.end(), "[school]"))
    return _replace_spans(text, spans) if spans else text


def _numbered_street(match: re.Match[str]) -> str:
    words = match.group(1).split()
    return "[address]" if all(w[0].isupper() for w in words) else match.group()


def _card(match: re.Match[str]) -> str:
    # No Luhn check: a mistyped card number is still a card number.
    digits = re.sub(r"\D", "", match.group())
    return "[card]" if 13 <= len(digits) <= 19 else match.group()


def _phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "[phone]" if 7 <= len(digits) <= 15 else match.group()


_DIGITS = tuple("0123456789")
# Each shape with the characters one of which it needs (a cheap test first).
_SHAPES: tuple[tuple[tuple[str, ...], re.Pattern[str], Replacement], ...] = (
    (("@",), _EMAIL, lambda m: "[email]"),
    (("://", "www.", "WWW.", "data:"), _IMAGE_URL, lambda m: "[image]"),
    (("://", "www.", "WWW."), _LINK, lambda m: "[link]"),
    (("/",), _BARE_LINK, lambda m: "[link]"),
    (_DIGITS, _CARD, _card),
    (_DIGITS, _PHONE, _phone),
    (("@",), _HANDLE, lambda m: "[handle]"),
)
_SAINTS = frozenset(("st", "sta", "sto", "saint", "santa", "santo"))


def redact(text: str, redactor: Optional[Redactor] = None) -> str:
    """Replace personal data in a text with typed placeholders.

    Args:
        text: A user message (any of our languages).
        redactor: The rules; by default those of data/redaction.yml.

    Returns:
        The text with e-mails, image links, other links, card numbers, phone and
        e-wallet numbers, handles, schools, addresses and names replaced, e.g.
        "call me 0917 123 4567" -> "call me [phone]",
        "my name is Maria Santos" -> "my name is [name]".
    """
    rules = redactor or load_redactor()
    for marks, pattern, replacement in _SHAPES:
        if any(mark in text for mark in marks):
            text = pattern.sub(replacement, text)
    # Redaction only removes words, so the words of the original text are a
    # superset of those of every later stage: one gate check per rule.
    seen = _Text.of(text)
    if rules.handles.gate.opens(seen):
        text = _handles(text, rules.handles)
    for school in rules.schools_after:
        if school.gate.opens(seen):
            text = _schools_after(text, school)
    if "s" in seen.words or not seen.words.isdisjoint(_SAINTS):
        text = _SAINT.sub("[school]", text)
    for rule in rules.schools_before:
        if rule.gate.opens(seen):
            text = _apply(text, rule)
    if _DIGIT.search(text):
        text = rules.street.sub("[address]", text)
        text = _NUMBERED_STREET.sub(_numbered_street, text)
    for rule in rules.addresses + rules.names:
        if rule.gate.opens(seen):
            text = _apply(text, rule)
    return text


def contains_image(text: str) -> bool:
    """Whether a text carries a link to an image or video, or an inline image."""
    return bool(_IMAGE_URL.search(text))
