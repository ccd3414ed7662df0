"""Quoted statements and their speakers, found with regular expressions.

Readers search quotes (`quote:"listening exercise"`) and who said them
(`speaker:leavitt`), so every article needs this at ingest speed: no parser,
only the shapes news copy uses to attribute a quote:
  "...," the ministry said / "...," said Samuel Hunter / "...," according to X
  Leavitt said: "..." / The report said, "... (a quote that runs on)
A quote with no attribution of its own takes the speaker of the quote before
it in the same paragraph ("...," Leavitt said on Tuesday. "The president..."),
else of the one after it, else of the paragraph before when that one ended
inside an open quote or with `X said:`. Quoted fragments shorter than
MIN_WORDS words are scare quotes or titles, not statements.

Speakers are named as the article's people name them (Leavitt -> Karoline
Leavitt); otherwise titles are stripped from a proper name ("Foreign Minister
Sergei Lavrov" -> "Sergei Lavrov"), and a common-noun speaker is kept as
written without its article ("the ministry" -> "ministry"): that is all the
text says, and `speaker:ministry` still finds it. "he"/"she" is whoever was
named last before the quote (a person of `people`, or "Baker said");
"it", "they", "we" stay unknown ("").
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from index.article import Quote

MIN_WORDS = 4
MAX_COMMON_SPEAKER_WORDS = 4
LOOKBACK = 1_500  # characters searched for whom "he said" refers to
# “curly”, "straight", „German“ and «guillemets»; an unclosed quote runs to the paragraph's end.
_QUOTED = re.compile(r"\u201c([^\u201c\u201d]+)(\u201d|$)|\"([^\"]+)(\"|$)"
                     r"|\u201e([^\u201e\u201c\u201d]+)([\u201c\u201d]|$)"
                     r"|\u00ab([^\u00ab\u00bb]+)(\u00bb|$)")
_OPENERS = "\"\u201c\u201e\u00ab"
_VERBS = ("said|says|say|told|tells|added|adds|asked|asks|stated|wrote|writes|explained|noted|"
          "argued|insisted|warned|declared|claimed|replied|responded|recalled|continued|"
          "concluded|remarked|admitted|acknowledged|announced|reported|tweeted|posted|"
          "commented|observed|emphasi[sz]ed|stressed|cautioned|predicted|suggested|urged|"
          "vowed|promised|pledged|conceded|confirmed|countered|contended|maintained|"
          "complained|lamented|quipped|joked|mused|agreed|recounted|boasted|shouted|"
          "sagte|sagt|erklärte|disse|diz|afirmou|ha detto|dice|dijo|a déclaré|заявил|сказал")
_WORD = r"[^\W\d_][\w\u2019'.\-]*"
# A capitalised name on one line: "R.C. Thomas", "Mr. Smith", not "Trade.\n\nYeutter".
_NAME_WORD = r"(?:(?:[A-Z]\.)+|[A-Z][a-z]{0,2}\.|[A-Z][\w\u2019'\-]*)"
_PARTICLE = r"(?:de|del|der|van|von|da|dos|du|al|bin|la|le|di) "  # "Patrick de Saint-Aignan"
_NAME = rf"{_NAME_WORD}(?: (?:{_PARTICLE})?{_NAME_WORD}){{0,3}}"
# After the quote: `," the ministry said` / `," Leavitt also said on Tuesday`.
_SPEAKER_THEN_VERB = re.compile(
    rf"^\s*,?\s*(?P<who>{_WORD}(?:\s+{_WORD}){{0,8}}?)"
    rf"(?:\s*\([^()]{{1,30}}\))?"  # "Sen. David Boren (D-Okla.) said"
    rf"(?:\s+(?:has|had|have|also|later|then|previously|once))?\s+(?:{_VERBS})\b")
# After the quote: `," Steven Rales, Danaher chairman, said.`
_APPOSITION_THEN_VERB = re.compile(
    rf"^\s*,?\s*(?P<who>{_NAME}),[^,;\"\u201c\u201d]{{1,80}},\s+(?:{_VERBS})\b")
# After the quote: `," said Samuel Hunter, senior ...` / `," according to the ministry.`
_VERB_THEN_SPEAKER = re.compile(
    rf"^\s*,?\s*(?:(?:{_VERBS})|according to)\s+(?P<who>[^,;:!?()\"\u201c\u201d]+)")
# Before the quote: `Leavitt said: "` / `The report said, "` / `Trump said the deal was "` /
# `Baker told a House foreign affairs subcommittee, "`.
_VERB_BEFORE = re.compile(rf"\b(?:{_VERBS})(?:(?:\s+[\w\u2019'-]+){{0,3}}\s*[,:]?"
                          rf"|(?:\s+[\w\u2019'-]+){{4,6}}\s*[,:])\s*$")
_QUOTED_AS_SAYING = re.compile(
    r"\bquoted\s+(?P<who>[^,;:\"\u201c\u201d]{1,80}?)\s+as\s+saying\s*[,:]?\s*$")
_ACCORDING_BEFORE = re.compile(r"\baccording to\s+(?P<who>[^,;:!?()\"\u201c\u201d]+),\s*$",
                               re.IGNORECASE)
_SCARE_QUOTED = re.compile(r"[\"\u201c][^\"\u201c\u201d]*[\"\u201d]")
_SENTENCE_BREAK = re.compile(r"[.!?;]\s+(?=[A-Z\u201c\"])")
# "Baker said" / "said Baker", for whom a later "he said" means ("told Reuters" names a listener).
# Inverted only right after a quote: "said Monday's drop" names no one.
_NAMED_SPEAKER = re.compile(rf"(?P<a>{_NAME})\s+(?:also\s+)?(?:{_VERBS})\b"
                            rf"|[,\"\u201d]\s*(?:said|says|added)\s+(?P<b>{_NAME})")

_TITLES = frozenset("""president vice prime minister secretary chancellor senator sen rep
representative congressman congresswoman gov governor mayor speaker chairman chairwoman chair
director spokesman spokeswoman spokesperson ceo cfo coo chief executive officer general gen col
lt capt adm commander ambassador envoy judge justice prosecutor attorney mr mrs ms dr prof
professor king queen prince princess pope rev sir lord lady leader premier deputy analyst
economist coach manager founder commissioner sheriff detective sergeant sgt lawmaker councillor
councilor president-elect secretary-general supreme""".split())
# Last words that make "X of Y" an organisation ("Bank of England"), not a person at a firm.
_ORGANISATION_WORDS = frozenset("""ministry bank department institute university committee
council office association federation union agency commission board court party army corp
inc co group company bureau service fund organization organisation authority exchange reserve
house league government administration embassy""".split())
_ABBREVIATIONS = frozenset("mr mrs ms dr st sen rep gov gen jr sr inc co corp ltd prof lt col "
                           "capt sgt adm rev".split())
_CONNECTORS = frozenset("of for the de del da do dos von van der al bin la le di".split())
_LEADING = frozenset("the a an one another and but or so as while when because then our his "
                     "her their its my your".split())
_STOPS = frozenset("""on in at during after before when while who whom whose which that adding
as to from with last this yesterday today tonight earlier later told via""".split())
_PRONOUNS = frozenset("he she it they we i you".split())
_CLAUSE_STARTS = frozenset("where and but because if since although though who which that when "
                           "while".split())
_AUXILIARIES = frozenset("is are was were be been has have had will would can could may might "
                         "should must do does did".split())


def _phrase_words(phrase: str) -> list[str]:
    """The words of a speaker phrase, up to the end of its sentence or a stop word."""
    words: list[str] = []
    phrase = _SCARE_QUOTED.sub(" ", phrase)  # our "America first" president -> president
    for raw in phrase.split():
        word = raw.strip("\"\u201c\u201d\u201e\u00ab\u00bb()[]<>")
        bare = word.rstrip(".")
        if not bare or (words and bare.casefold() in _STOPS):
            break
        if word.endswith(".") and bare.casefold() not in _ABBREVIATIONS and len(bare) > 1 \
                and "." not in bare:  # a full stop, not "Mr." or "U.S."
            words.append(bare)
            break
        words.append(word)
    while words and words[0].casefold() in _LEADING:
        words.pop(0)
    while words and words[-1].islower() and words[-1].endswith("ly"):  # "who famously said"
        words.pop()
    return words


def _proper_name(words: list[str]) -> list[str]:
    """The proper name a phrase ends with, without titles: "Foreign Minister Sergei Lavrov"
    -> Sergei Lavrov; "analyst Jack Kirnan of Kidder Peabody and Co." -> Jack Kirnan."""
    for i, word in enumerate(words):  # a person at a firm: "Jack Kirnan of ..."
        if word.casefold() in ("of", "at", "from") and i >= 2:
            run = words[max(0, i - 3):i]
            while run and not (run[0][:1].isupper() and run[0].casefold() not in _TITLES):
                run.pop(0)
            if len(run) >= 2 and all(w[:1].isupper() for w in run) \
                    and run[-1].rstrip(".").casefold() not in _ORGANISATION_WORDS:
                return run
            break
    run: list[str] = []
    for word in reversed(words):
        if word[:1].isupper() or (run and word.casefold() in _CONNECTORS):
            run.insert(0, word)
        else:
            break
    while run and not run[0][:1].isupper():
        run.pop(0)
    cut = [i + 1 for i, w in enumerate(run) if w.rstrip(".").casefold() in _TITLES
           or w.endswith(("'", "\u2019", "'s", "\u2019s"))]  # "Prudential Bache's Hank Sawa"
    name = run[cut[-1]:] if cut else run
    if name and not name[0][:1].isupper():  # "Secretary of State George Shultz": the name is
        name = [w for w in name if w[:1].isupper()][-2:]  # the last two words
    return name


def _person(name: list[str], people: tuple[str, ...]) -> str:
    """The one person of `people` whose name contains `name` (Leavitt -> Karoline Leavitt)."""
    wanted = [w.casefold() for w in name]
    matches = []
    for person in people:
        tokens = person.casefold().split()
        if any(tokens[i:i + len(wanted)] == wanted for i in range(len(tokens))):
            matches.append(person)
    if len(set(matches)) > 1:  # several Kims: the one whose surname this is, if unique
        matches = [p for p in matches if p.casefold().split()[-1] == wanted[-1]] or matches
    return matches[0] if len(set(matches)) == 1 else ""


def speaker_name(phrase: str, people: tuple[str, ...] = ()) -> str:
    """Who a phrase such as "White House press secretary Karoline Leavitt" names."""
    words = _phrase_words(phrase)
    if not words:
        return ""
    if len(words) == 1 and words[0].casefold() in _PRONOUNS:
        return words[0].casefold()
    text = " ".join(words).casefold()
    named = [p for p in people if re.search(rf"(?<!\w){re.escape(p.casefold())}(?!\w)", text)]
    if named:
        return max(named, key=len)
    name = _proper_name(words)
    if name:
        return _person(name, people) or " ".join(name)
    # A common noun ("ministry", "union spokesman"), short and with no verb in it: not
    # "Endotronics said the notice" or "Phillips is also pursue opportunities".
    if len(words) > MAX_COMMON_SPEAKER_WORDS or any(
            re.fullmatch(_VERBS, w) or w in _AUXILIARIES for w in words):
        return ""
    return " ".join(words)


def _may_be_person(name: str, text: str) -> bool:
    """Not an organisation ("Gulf Canada"), nor a plural at the start of a sentence
    ("Bankers said"): a one-word name the text also writes in lower case is a common noun."""
    if name.split()[-1].casefold() in _ORGANISATION_WORDS:
        return False
    return " " in name or not re.search(rf"\b{re.escape(name.lower())}\b", text)


def _resolve_pronoun(before: str, people: tuple[str, ...]) -> str:
    """Whom "he said" means: the person named last before the quote. With `people` known,
    only they count ("Gulf Canada said" names no "he"); without, any "Baker said" does."""
    before = before[-LOOKBACK:]
    best, where = "", -1
    for person in people:
        for form in {person, person.split()[-1]}:
            for match in re.finditer(rf"(?<!\w){re.escape(form)}(?!\w)", before):
                if match.start() > where:
                    best, where = person, match.start()
    for match in _NAMED_SPEAKER.finditer(before):
        if match.start() > where:
            name = speaker_name(match.group("a") or match.group("b"), people)
            if name[:1].isupper() and (name in people if people else _may_be_person(name, before)):
                best, where = name, match.start()
    return best


def _is_proper(part: str) -> bool:
    words = _phrase_words(part)
    return bool(words) and all(w[:1].isupper() for w in words)


def _speaker_before(head: str) -> str:
    """The subject of `X said: "`: the last clause before the verb, minus a parenthetical
    ("North Korea, in turn, vowed to"), an apposition ("Giles Keating, economist with CSFB,
    said") or a conjunction ("Baldrige predicted ..., but said")."""
    match = _ACCORDING_BEFORE.search(head) or _QUOTED_AS_SAYING.search(head)
    if match:
        return match.group("who")
    match = _VERB_BEFORE.search(head)
    if not match:
        return ""
    clause = _SENTENCE_BREAK.split(head[:match.start()])[-1]
    parts = clause.split(",")
    if len(parts) >= 3 and not parts[-1].strip():
        parts = parts[:-2]
    # The subject is what comes right before the verb: "... in China where Silas said".
    words = parts[-1].split()
    cut = [i + 1 for i, w in enumerate(words) if w.casefold() in _CLAUSE_STARTS]
    last = " ".join(words[cut[-1]:] if cut else words)
    if len(parts) >= 2 and not _is_proper(last) and _is_proper(parts[0]):
        return parts[0]
    if len(parts) >= 2 and not _phrase_words(last):
        if _phrase_words(parts[-2]) and not _VERB_BEFORE.search(parts[-2]):
            return parts[-2]  # "the inventor, who famously said"
        subject = _SPEAKER_THEN_VERB.match(parts[0])  # "Baldrige predicted ..., but said"
        return subject.group("who") if subject else ""
    return last


def _attributions(paragraph: str, start: int, end: int, text: str) -> Iterator[str]:
    """Speaker phrases for the quote at paragraph[start:end], most likely first."""
    tail = paragraph[end:end + 200]
    # After a quote that ends a sentence ("... future.” The readout did not...") comes a new
    # sentence, not its attribution, unless the verb comes first (`." said Smith`);
    # "?" and "!" may end an attributed quote ("Why now?" he asked).
    patterns = (_VERB_THEN_SPEAKER,) if text.endswith(".") else (
        _SPEAKER_THEN_VERB, _APPOSITION_THEN_VERB, _VERB_THEN_SPEAKER)
    for pattern in patterns:
        match = pattern.match(tail)
        if match:
            yield match.group("who")
    yield _speaker_before(paragraph[max(0, start - 200):start])


def _quotes_in(paragraph: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, text, closed) for each statement quoted; an unclosed one runs to the end."""
    found = []
    for match in _QUOTED.finditer(paragraph):
        groups = match.groups()
        text, close = next((groups[i], groups[i + 1]) for i in range(0, 8, 2) if groups[i])
        text = text.strip()
        if len(text.split()) >= MIN_WORDS:
            found.append((match.start(), match.end(), text, bool(close)))
    return found


def _speakers(paragraph: str, offset: int, body: str, people: tuple[str, ...],
              carried: str) -> tuple[list[tuple[int, int, str, bool]], list[str]]:
    spans = _quotes_in(paragraph)
    speakers = []
    for start, end, text, _ in spans:
        phrases = _attributions(paragraph, start, end, text)
        who = next((n for n in (speaker_name(p, people) for p in phrases) if n), "")
        if who in ("he", "she"):
            who = _resolve_pronoun(body[:offset + start], people)
        speakers.append("" if who in _PRONOUNS else who)
    for i, who in enumerate(speakers):  # unattributed: the quote before, after, or running on
        if not who:
            before = [s for s in speakers[:i] if s]
            after = [s for s in speakers[i + 1:] if s]
            runs_on = i == 0 and paragraph.lstrip()[:1] in _OPENERS
            speakers[i] = before[-1] if before else after[0] if after else (
                carried if runs_on else "")
    return spans, speakers


def extract_quotes(body: str, people: tuple[str, ...] = ()) -> tuple[Quote, ...]:
    """Quotes in the body, each with its speaker where the text makes it clear."""
    quotes: dict[str, str] = {}
    offset, carried = 0, ""
    for paragraph in body.split("\n\n"):
        spans, speakers = _speakers(paragraph, offset, body, people, carried)
        for (_, _, text, _), who in zip(spans, speakers):
            text = text.rstrip(",").rstrip()  # "... for the president," Leavitt said
            if not quotes.get(text):
                quotes[text] = who
        # What the next paragraph's opening quote continues: an open quote, or `X said:`.
        if spans and not spans[-1][3]:
            carried = speakers[-1]
        elif paragraph.rstrip().endswith(":"):
            carried = speaker_name(_speaker_before(paragraph.rstrip()), people)
            if carried in ("he", "she"):
                carried = _resolve_pronoun(body[:offset], people)
            carried = "" if carried in _PRONOUNS else carried
        else:
            carried = ""
        offset += len(paragraph) + 2
    return tuple(Quote(text, who) for text, who in quotes.items())
