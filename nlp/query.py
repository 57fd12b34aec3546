"""Watch-rule queries: a small boolean language over folded text, as Meltwater or Google Alerts.

Language (every operator is uppercase; lowercase `and`, `or`, `not`, `near` are ordinary words,
as Google reads a lowercase `or`):

- `word`, `"a phrase"`: whole words, accent- and case-insensitive. Both sides are folded the
  project's way (`nlp.normalize`: lowercase, unified tone placement and regional spellings,
  diacritics stripped, đ → d), then cut into words at every character that is not a letter or a
  digit (hyphens and punctuation are boundaries): "ha" never matches "hai", "dak ha" matches
  "Đăk Hà", "Đắk Hà" and "Dak Ha". Accent-insensitive means "Hà" also matches "Hạ". A bare
  token that folds to several words ("covid-19") is a phrase. A phrase is consecutive words.
- `a b` or `a AND b`: both; `a OR b`: either; `NOT a` or `-a`, `-"a b"`, `-(a OR b)`: not.
- `a NEAR/n b`: the two operands (terms, phrases or prefix terms, never a group, a negation or
  another NEAR) with at most n words between them, either order, in the same field; 1 ≤ n ≤ 50.
- `word*`: a word starting with `word` (at least 2 letters before `*`); inside a phrase too, on
  any of its words (`"dak ha*"`). A `*` elsewhere than at a word's end is an error.
- Fields: `title:x`, `title:"a b"`, `title:(a OR b)`, likewise `source:` (the source's name and
  title). `place:` and `topic:` match one of the document's places or topic labels as a whole
  name: `place:"dak ha"` matches the place "Đăk Hà" and "huyện Đăk Hà" (a leading level word of
  the place — xã, phường, huyện, tỉnh, … — may be left out of the query; written in the query,
  it must be in the place's name). NEAR is an error inside `place:`/`topic:`. No field: the
  document's text (title, lead and body).
- Precedence: NOT > NEAR > AND > OR; parentheses group. Field names may be in any case.
- A query that could match without any of its words occurring (`NOT x`, `a OR -b`) is an error:
  it would match nearly every article. So every match has at least one positive term found,
  which is what lets `RuleSet` skip the rules none of whose terms occurred.

Every error is a `QueryError` with a Vietnamese message and the 0-based position in the query.

Evaluation: a `_DocIndex` folds each field of a document once (the tagger's `Normalized` of
`doc.text` can be passed in; one of another text is ignored). Each term is one regular
expression over the folded text that opens with its first word as a literal, the word boundary
checked behind it, so the regex engine's literal search does the scanning; a prefix word is
`word\\w*`, which keeps prefixes exact without a word list. Occurrences are found once per
document and term, shared by every rule; spans are made only for the rules that match. NEAR
counts the words between occurrences by bisection over the word starts. `RuleSet` builds one
pyahocorasick automaton (the tagger's library) over each rule's required keys (`Query.anchors`:
a term's folded words framed by spaces as `nlp.matcher` frames them, a prefix without its
closing space; for AND and NEAR one operand's keys suffice, for OR the union), scans the
document's folded words once, and evaluates only the rules one of whose keys occurred.
"""

from __future__ import annotations

import dataclasses
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import ahocorasick

from nlp.normalize import Normalized, normalize, strip_diacritics

FIELDS = ("title", "source", "place", "topic")
TEXT = "text"
NEAR_MAX = 50
MIN_PREFIX = 2
MAX_QUERY = 4000
MAX_DEPTH = 40

_WORD = re.compile(r"[^\W_]+")
_BARE_END = re.compile(r'[\s()"]')
_FIELD = re.compile(r"([A-Za-z]+):")
_NEAR = re.compile(r"NEAR(?:/(\d+))?$")
# Leading level words a place's name may carry (folded), longest first.
_LEVELS = (
    ("thi", "xa"),
    ("thi", "tran"),
    ("thanh", "pho"),
    ("dac", "khu"),
    ("xa",),
    ("phuong",),
    ("huyen",),
    ("tinh",),
    ("quan",),
    ("tp",),
)


class QueryError(ValueError):
    """A bad query: `message` (Vietnamese, what is wrong and what to do), `position` (0-based)."""

    def __init__(self, message: str, position: int, query: str = "") -> None:
        self.message = message
        self.position = position
        self.query = query
        super().__init__(f"vị trí {position + 1}: {message}")


@dataclass(frozen=True)
class Document:
    """What a rule is matched against (plain strings, any accents)."""

    text: str
    title: str = ""
    source: str = ""
    places: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Span:
    """Where a positive term matched: offsets in that field of the `Document`.

    For `place`/`topic` the offsets are in the matching place name or topic label, `text`.
    """

    field: str
    start: int
    end: int
    text: str


# --- the syntax tree ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Term:
    field: str
    words: tuple[str, ...]
    prefix: tuple[bool, ...]
    position: int = dataclasses.field(compare=False)  # the same term anywhere: one look-up

    @property
    def key(self) -> str:
        """The automaton key: the words up to the first prefix word, framed by spaces."""
        parts: list[str] = []
        for word, is_prefix in zip(self.words, self.prefix, strict=True):
            parts.append(word)
            if is_prefix:
                return " " + " ".join(parts)
        return " " + " ".join(parts) + " "


@dataclass(frozen=True)
class _And:
    children: tuple[_Node, ...]


@dataclass(frozen=True)
class _Or:
    children: tuple[_Node, ...]


@dataclass(frozen=True)
class _Not:
    child: _Node


@dataclass(frozen=True)
class _Near:
    left: _Term
    right: _Term
    distance: int


_Node = _Term | _And | _Or | _Not | _Near


def _anchors(node: _Node) -> frozenset[str] | None:
    """Automaton keys one of which occurs in every document `node` matches (None: no such set).

    A term: its key; NEAR and AND: the best set of one operand (all must hold: any one's keys
    will do; the fewest and longest keys skip the most rules); OR: the union of its branches'.
    """
    if isinstance(node, _Term):
        return frozenset((node.key,))
    if isinstance(node, _Not):
        return None
    if isinstance(node, _Or):
        union: set[str] = set()
        for child in node.children:
            found = _anchors(child)
            if found is None:
                return None
            union |= found
        return frozenset(union)
    children = (node.left, node.right) if isinstance(node, _Near) else node.children
    sets = [a for a in map(_anchors, children) if a is not None]
    if not sets:
        return None
    return min(sets, key=lambda keys: (len(keys), -min(len(k) for k in keys), sorted(keys)))


# --- tokens ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", "OR", "AND", "NOT", "-", "NEAR", "FIELD", "TERM"
    position: int
    value: str = ""
    distance: int = 0
    words: tuple[str, ...] = ()
    prefix: tuple[bool, ...] = ()


def _fold(text: str) -> list[str]:
    """The folded words of `text`, as documents are cut."""
    return _WORD.findall(strip_diacritics(normalize(text)).text)


def _term_words(
    text: str, position: int, query: str, phrase: bool
) -> tuple[tuple[str, ...], tuple[bool, ...]]:
    """The folded words of a bare token or a phrase's content, and which are prefixes."""
    words: list[str] = []
    prefix: list[bool] = []
    for chunk in re.finditer(r"\S+", text):
        piece, at = chunk.group(), position + chunk.start()
        star = piece.find("*")
        if star != -1 and star != len(piece) - 1:
            raise QueryError(
                "dấu * chỉ đặt ở cuối một từ (vd. khai*), không ở giữa hay đầu từ",
                at + star,
                query,
            )
        folded = _fold(piece[:-1] if star != -1 else piece)
        if star != -1 and (
            not folded or not piece[star - 1 : star].isalnum() or len(folded[-1]) < MIN_PREFIX
        ):
            raise QueryError(
                f"trước dấu * cần ít nhất {MIN_PREFIX} chữ cái (vd. khai*)", at + star, query
            )
        words.extend(folded)
        prefix.extend([False] * len(folded))
        if star != -1:
            prefix[-1] = True
    if not words:
        what = "cụm từ trong ngoặc kép rỗng" if phrase else f"{text!r} không có chữ hay số nào"
        raise QueryError(f"{what}: cần ít nhất một từ", position - (1 if phrase else 0), query)
    return tuple(words), tuple(prefix)


def _tokens(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
        elif c in "()":
            tokens.append(_Token(c, i))
            i += 1
        elif c == '"':
            close = query.find('"', i + 1)
            if close == -1:
                raise QueryError('thiếu dấu " đóng cụm từ mở ở đây', i, query)
            words, prefix = _term_words(query[i + 1 : close], i + 1, query, phrase=True)
            tokens.append(_Token("TERM", i, words=words, prefix=prefix))
            i = close + 1
        elif c == "-":  # at a token's start: a hyphen inside a word is part of the word
            if i + 1 >= n or query[i + 1].isspace() or query[i + 1] == ")":
                raise QueryError(
                    "dấu - phải đi liền trước từ, cụm từ hay nhóm cần loại trừ (vd. -xe)", i, query
                )
            tokens.append(_Token("-", i))
            i += 1
        else:
            end = _BARE_END.search(query, i)
            stop = end.start() if end else n
            word = query[i:stop]
            field_match = _FIELD.match(word)
            if word in ("OR", "AND", "NOT"):
                tokens.append(_Token(word, i))
            elif word == "NEAR" or word.startswith("NEAR/"):
                tokens.append(_near_token(word, i, query))
            elif field_match:
                name = field_match.group(1).lower()
                if name not in FIELDS:
                    raise QueryError(
                        f"không có trường {field_match.group(1)!r}: các trường là "
                        + ", ".join(f"{f}:" for f in FIELDS),
                        i,
                        query,
                    )
                tokens.append(_Token("FIELD", i, value=name))
                rest = word[field_match.end() :]
                if rest.startswith("-"):
                    raise QueryError(
                        f"muốn loại trừ trong trường, đặt dấu - trước tên trường: -{name}:…",
                        i + field_match.end(),
                        query,
                    )
                if rest:
                    at = i + field_match.end()
                    words, prefix = _term_words(rest, at, query, phrase=False)
                    tokens.append(_Token("TERM", at, words=words, prefix=prefix))
                elif stop >= n or query[stop] not in '("':
                    raise QueryError(
                        f'sau {name}: cần liền một từ, cụm từ hay nhóm, vd. {name}:"dak ha"',
                        i,
                        query,
                    )
            else:
                words, prefix = _term_words(word, i, query, phrase=False)
                tokens.append(_Token("TERM", i, words=words, prefix=prefix))
            i = stop
    return tokens


def _near_token(word: str, position: int, query: str) -> _Token:
    m = _NEAR.match(word)
    if m is None or m.group(1) is None:
        raise QueryError(
            f"NEAR cần số từ tối đa giữa hai vế, vd. NEAR/5 (từ 1 đến {NEAR_MAX})", position, query
        )
    distance = int(m.group(1)) if len(m.group(1)) < 6 else NEAR_MAX + 1
    if not 1 <= distance <= NEAR_MAX:
        raise QueryError(f"NEAR/n: n phải từ 1 đến {NEAR_MAX}", position, query)
    return _Token("NEAR", position, distance=distance)


# --- the parser --------------------------------------------------------------------------------


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _tokens(query)
        self.at = 0
        self.depth = 0

    def error(self, message: str, position: int) -> QueryError:
        return QueryError(message, position, self.query)

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def parse(self) -> _Node:
        if not self.tokens:
            raise self.error("truy vấn rỗng: cần ít nhất một từ", 0)
        node = self.or_expr(TEXT)
        token = self.peek()
        if token is not None:
            # Only a ")" can stop the expression early.
            raise self.error("dấu ) thừa: không có dấu ( mở tương ứng", token.position)
        if _anchors(node) is None:  # it could match without any of its words
            raise self.error(
                "truy vấn chỉ có điều kiện loại trừ (NOT, -) nên sẽ khớp gần như mọi bài: "
                "thêm ít nhất một từ phải có, vd. dak ha -bong",
                0,
            )
        return node

    def or_expr(self, scope: str) -> _Node:
        children = [self.and_expr(scope)]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.at += 1
            self.operand_follows(token, "OR")
            children.append(self.and_expr(scope))
        return children[0] if len(children) == 1 else _Or(tuple(children))

    def and_expr(self, scope: str) -> _Node:
        children = [self.near_expr(scope)]
        while (token := self.peek()) is not None and token.kind not in ("OR", ")"):
            if token.kind == "AND":
                self.at += 1
                self.operand_follows(token, "AND")
            children.append(self.near_expr(scope))
        return children[0] if len(children) == 1 else _And(tuple(children))

    def near_expr(self, scope: str) -> _Node:
        first = self.peek()
        left = self.unary(scope)
        token = self.peek()
        if token is None or token.kind != "NEAR":
            return left
        if scope in ("place", "topic"):
            raise self.error(
                f"không dùng NEAR trong {scope}: (tên được so nguyên cả)", token.position
            )
        assert first is not None
        left_term = self.near_operand(left, first)
        self.at += 1
        self.operand_follows(token, f"NEAR/{token.distance}")
        second = self.peek()
        assert second is not None
        right_term = self.near_operand(self.unary(scope), second)
        after = self.peek()
        if after is not None and after.kind == "NEAR":
            raise self.error(
                "mỗi NEAR chỉ nối hai từ hay cụm từ; nối nhiều điều kiện NEAR bằng AND",
                after.position,
            )
        if left_term.field != right_term.field:
            raise self.error("hai vế của NEAR phải cùng một trường", token.position)
        return _Near(left_term, right_term, token.distance)

    def near_operand(self, node: _Node, token: _Token) -> _Term:
        if not isinstance(node, _Term):
            raise self.error(
                "vế của NEAR phải là một từ, cụm từ hay từ có dấu *, không phải nhóm hay NOT",
                token.position,
            )
        return node

    def operand_follows(self, operator: _Token, name: str) -> None:
        token = self.peek()
        if token is None or token.kind in ("OR", "AND", "NEAR", ")"):
            raise self.error(f"{name} thiếu vế sau: cần một từ, cụm từ hay nhóm", operator.position)

    def unary(self, scope: str) -> _Node:
        token = self.peek()
        if token is None:  # pragma: no cover - callers check an operand follows
            raise self.error("truy vấn kết thúc đột ngột", len(self.query))
        if token.kind in ("NOT", "-"):
            self.at += 1
            if token.kind == "NOT":
                self.operand_follows(token, "NOT")
            self.enter(token)
            node = _Not(self.unary(scope))
            self.depth -= 1
            return node
        return self.primary(scope)

    def enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"truy vấn lồng quá sâu (tối đa {MAX_DEPTH} mức)", token.position)

    def primary(self, scope: str) -> _Node:
        token = self.peek()
        assert token is not None
        if token.kind in ("OR", "AND", "NEAR"):
            raise self.error(
                f"{token.kind} thiếu vế trước: cần một từ, cụm từ hay nhóm", token.position
            )
        if token.kind == ")":
            raise self.error("dấu ) thừa: không có dấu ( mở tương ứng", token.position)
        self.at += 1
        if token.kind == "TERM":
            return _Term(scope, token.words, token.prefix, token.position)
        if token.kind == "FIELD":
            if scope != TEXT:
                raise self.error(
                    f"không lồng trường {token.value}: trong trường {scope}:", token.position
                )
            return self.primary(token.value)
        # "("
        following = self.peek()
        if following is None:
            raise self.error("thiếu dấu ) đóng nhóm mở ở đây", token.position)
        if following.kind == ")":
            raise self.error("nhóm ( ) rỗng: cần ít nhất một từ", token.position)
        self.enter(token)
        node = self.or_expr(scope)
        self.depth -= 1
        close = self.peek()
        if close is None or close.kind != ")":
            raise self.error("thiếu dấu ) đóng nhóm mở ở đây", token.position)
        self.at += 1
        return node


# --- documents, folded once --------------------------------------------------------------------


class _Field:
    """One field folded once: the diacritic-free text where terms are searched, its words."""

    def __init__(self, name: str, text: str | Normalized) -> None:
        self.name = name
        self.norm = text if isinstance(text, Normalized) else normalize(text)
        plain = strip_diacritics(self.norm).text
        self.plain = plain.replace("_", " ") if "_" in plain else plain
        self._words: list[str] | None = None
        self._starts: list[int] | None = None

    def words(self) -> list[str]:
        if self._words is None:
            self._words = _WORD.findall(self.plain)
        return self._words

    def occurrences(self, term: _Term) -> list[tuple[int, int]]:
        """Where the term's words are, as [start, end) in the folded text, overlaps included."""
        pattern = _pattern(term.words, term.prefix)
        found: list[tuple[int, int]] = []
        at = 0
        while (m := pattern.search(self.plain, at)) is not None:
            found.append(m.span())
            at = m.start() + 1
        return found

    def word_range(self, start: int, end: int) -> tuple[int, int]:
        """The words [i, j) under folded span [start, end)."""
        if self._starts is None:
            self._starts = [m.start() for m in _WORD.finditer(self.plain)]
        return bisect_left(self._starts, start), bisect_left(self._starts, end)

    def span(self, start: int, end: int) -> Span:
        a, b = self.norm.span(start, end)
        return Span(self.name, a, b, self.norm.original[a:b])


@lru_cache(maxsize=4096)
def _pattern(words: tuple[str, ...], prefix: tuple[bool, ...]) -> re.Pattern[str]:
    """A term's words as a regular expression over folded text (underscores made spaces): whole
    words (a prefix word runs to its word's end), anything but letters and digits between them.
    It opens with the first word itself, the boundary checked behind it, so that the regex
    engine's literal-prefix search does the scanning."""
    first = re.escape(words[0])
    parts = [first + rf"(?<!\w{first})" + (r"\w*" if prefix[0] else "")]
    parts += [
        re.escape(w) + (r"\w*" if p else "") for w, p in zip(words[1:], prefix[1:], strict=True)
    ]
    return re.compile(r"\W+".join(parts) + ("" if prefix[-1] else r"(?!\w)"))


def _whole(term: _Term, words: list[str]) -> bool:
    """Whether the term's words are all of `words`, or all but a leading level word."""
    for skip in (0, _level_length(words)):
        rest = words[skip:]
        if len(rest) == len(term.words) and all(
            (v.startswith(w) if p else v == w)
            for v, w, p in zip(rest, term.words, term.prefix, strict=True)
        ):
            return True
    return False


def _level_length(words: list[str]) -> int:
    for level in _LEVELS:
        if len(words) > len(level) and tuple(words[: len(level)]) == level:
            return len(level)
    return 0


class _DocIndex:
    """A document folded once, and the occurrences of each term looked up once."""

    def __init__(self, doc: Document, normalized: Normalized | None = None) -> None:
        self.doc = doc
        self._normalized = (
            normalized if normalized is not None and normalized.original == doc.text else None
        )
        self._fields: dict[str, _Field] = {}
        self._names: dict[str, list[_Field]] = {}
        self._found: dict[_Term, list[tuple[int, int]]] = {}

    def field(self, name: str) -> _Field:
        found = self._fields.get(name)
        if found is None:
            if name == TEXT:
                source: str | Normalized = self._normalized or self.doc.text
            else:
                source = self.doc.title if name == "title" else self.doc.source
            found = self._fields[name] = _Field(name, source)
        return found

    def names(self, name: str) -> list[_Field]:
        found = self._names.get(name)
        if found is None:
            values = self.doc.places if name == "place" else self.doc.topics
            found = self._names[name] = [_Field(name, v) for v in values]
        return found

    def hits(self, term: _Term) -> list[tuple[int, int]]:
        """The term's occurrences: folded [start, end) in its field; for `place`/`topic`, (k, 0)
        for the k-th name that the term is whole."""
        found = self._found.get(term)
        if found is None:
            if term.field in ("place", "topic"):
                values = self.names(term.field)
                found = [(k, 0) for k, value in enumerate(values) if _whole(term, value.words())]
            else:
                found = self.field(term.field).occurrences(term)
            self._found[term] = found
        return found

    def spans(self, term: _Term, hits: Iterable[tuple[int, int]]) -> list[Span]:
        if term.field in ("place", "topic"):
            values = self.names(term.field)
            return [
                Span(term.field, 0, len(o), o) for o in (values[k].norm.original for k, _ in hits)
            ]
        where = self.field(term.field)
        return [where.span(a, b) for a, b in hits]

    def scan_text(self) -> str:
        """Every field's folded words, fields apart, framed by spaces: the automaton's input."""
        fields = [self.field(TEXT), self.field("title"), self.field("source")]
        fields += self.names("place") + self.names("topic")
        return " " + " | ".join(" ".join(f.words()) for f in fields) + " "


def _holds(node: _Node, index: _DocIndex) -> bool:
    """Whether the document matches `node` (occurrences only, no spans made)."""
    if isinstance(node, _Term):
        return bool(index.hits(node))
    if isinstance(node, _And):
        return all(_holds(child, index) for child in node.children)
    if isinstance(node, _Or):
        return any(_holds(child, index) for child in node.children)
    if isinstance(node, _Not):
        return not _holds(node.child, index)
    return bool(_near(node, index)[0])


def _spans(node: _Node, index: _DocIndex) -> list[Span]:
    """The spans of the positive terms of a `node` that holds (the parts of an OR that hold)."""
    if isinstance(node, _Term):
        return index.spans(node, index.hits(node))
    if isinstance(node, _And | _Or):
        spans: list[Span] = []
        for child in node.children:
            if isinstance(node, _And) or _holds(child, index):
                spans.extend(_spans(child, index))
        return spans
    if isinstance(node, _Not):
        return []
    left, right = _near(node, index)
    return index.spans(node.left, left) + index.spans(node.right, right)


def _near(node: _Near, index: _DocIndex) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The occurrences of each operand that have one of the other within reach (empty: none)."""
    left = index.hits(node.left)
    right = index.hits(node.right) if left else []
    if not right:
        return [], []
    where = index.field(node.left.field)
    # Word ranges; the right ones are in text order and all of one length, so those within
    # reach of [i, j) start in [i - n - length, j + n]: found by bisection, not every pair.
    starts = [where.word_range(a, b)[0] for a, b in right]
    length = len(node.right.words)
    near_left: list[tuple[int, int]] = []
    near_right: set[int] = set()
    for a, b in left:
        i, j = where.word_range(a, b)
        first = bisect_left(starts, i - node.distance - length)
        last = bisect_right(starts, j + node.distance)
        if first < last:
            near_left.append((a, b))
            near_right.update(range(first, last))
    return near_left, [right[k] for k in sorted(near_right)]


def _ordered(spans: Iterable[Span]) -> tuple[Span, ...]:
    order = {name: n for n, name in enumerate((TEXT, *FIELDS))}
    return tuple(sorted(set(spans), key=lambda s: (order[s.field], s.start, s.end, s.text)))


# --- the public face ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """A parsed query; `source` is the text it was parsed from."""

    source: str
    _root: _Node = field(repr=False, compare=False)

    def match(self, doc: Document, normalized: Normalized | None = None) -> tuple[Span, ...] | None:
        """None when the document does not match; else the spans of the positive terms that made
        the match (sorted: text, title, source, place, topic; then by offset).

        `normalized`: the tagger's `normalize(doc.text)`, to fold the text only once."""
        return self._match(_DocIndex(doc, normalized))

    def _match(self, index: _DocIndex) -> tuple[Span, ...] | None:
        if not _holds(self._root, index):
            return None
        return _ordered(_spans(self._root, index))

    def anchors(self) -> frozenset[str]:
        """Automaton keys (folded words framed by spaces; a prefix without its closing space)
        one of which occurs, in some field, in every document the query matches: `RuleSet`
        evaluates the query only where one does."""
        found = _anchors(self._root)
        assert found is not None  # parse() refuses a query that needs no term
        return found


def parse(query: str) -> Query:
    """The parsed query; a `QueryError` (message in Vietnamese, position) when it is malformed."""
    if len(query) > MAX_QUERY:
        raise QueryError(f"truy vấn quá dài (tối đa {MAX_QUERY} ký tự)", MAX_QUERY, query)
    return Query(query, _Parser(query).parse())


class RuleSet:
    """Many named queries matched with one automaton pass per document."""

    def __init__(self, rules: Iterable[tuple[str, Query]]) -> None:
        self.rules = tuple(rules)
        self._automaton: ahocorasick.Automaton | None = None
        keys: dict[str, list[int]] = {}
        for number, (_, query) in enumerate(self.rules):
            for key in query.anchors():
                keys.setdefault(key, []).append(number)
        if keys:
            automaton = ahocorasick.Automaton()
            for key, numbers in keys.items():
                automaton.add_word(key, tuple(numbers))
            automaton.make_automaton()
            self._automaton = automaton

    def matches(
        self, doc: Document, normalized: Normalized | None = None
    ) -> list[tuple[str, tuple[Span, ...]]]:
        """(name, spans) of every matching rule, in rule order; `normalized` as `Query.match`."""
        if self._automaton is None:
            return []
        index = _DocIndex(doc, normalized)
        candidates: set[int] = set()
        for _, numbers in self._automaton.iter(index.scan_text()):
            candidates.update(numbers)
        result: list[tuple[str, tuple[Span, ...]]] = []
        for number in sorted(candidates):
            name, query = self.rules[number]
            spans = query._match(index)
            if spans is not None:
                result.append((name, spans))
        return result
