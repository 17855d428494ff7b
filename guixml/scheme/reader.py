"""Read Scheme text into guixml data, exactly as Guile 3.0 with Guix's gexp syntax does.

Public API::

    read_string(text, file="<string>") -> list[Datum]   # every top-level datum
    read_file(path) -> list[Datum]                       # UTF-8 file
    read_source(source) -> list[Datum]                   # a Source (or subclass)

Lists (and the lists that abbreviations such as ``'x`` or ``#~x`` stand for)
carry their source span: ``source`` (a :class:`guixml.scheme.datum.Source`),
``start`` (offset of the first character, prefix included) and ``end`` (one
past the last).  Malformed text raises :class:`guixml.errors.SchemeSyntaxError`
naming file:line:column.

The parser runs over the token list of :mod:`guixml.scheme.tokenizer` with an
explicit stack.  Prefixes (``'``, ``#~``, ``#$``, ``#:`` …) and ``#;`` datum
comments are *pending wrappers*: each waits for the next complete datum at
its nesting level, wraps it (or, for ``#;``, drops it) and passes the result
on.  Atoms are interned: each distinct token text is classified once per
process (symbol or number), which makes symbols cheap and shared.
"""

from __future__ import annotations

import gc
import os
import re
from itertools import accumulate
from typing import Any

from guixml.scheme.datum import NIL, Char, DottedList, Keyword, List, Source, Symbol, Vector, sym
from guixml.scheme.errors import SchemeSyntaxError, decode_utf8
from guixml.scheme.numbers import NumberRangeError, parse_number
from guixml.scheme.tokenizer import EXTENDED_SYMBOL, STRING, tokenize

__all__ = ["read_string", "read_file", "read_source", "parse_char_name", "CHAR_NAMES"]

# Names Guile's reader accepts after #\ (case-insensitive), as in ice-9/read.scm.
CHAR_NAMES: dict[str, str] = {
    "space": " ", "newline": "\n",
    "nul": "\0", "alarm": "\a", "backspace": "\b", "tab": "\t", "linefeed": "\n",
    "vtab": "\v", "page": "\f", "return": "\r", "esc": "\x1b", "delete": "\x7f",
    "escape": "\x1b",
    "soh": "\x01", "stx": "\x02", "etx": "\x03", "eot": "\x04", "enq": "\x05",
    "ack": "\x06", "bel": "\x07", "bs": "\x08", "ht": "\x09", "lf": "\x0a",
    "vt": "\x0b", "ff": "\x0c", "cr": "\x0d", "so": "\x0e", "si": "\x0f",
    "dle": "\x10", "dc1": "\x11", "dc2": "\x12", "dc3": "\x13", "dc4": "\x14",
    "nak": "\x15", "syn": "\x16", "etb": "\x17", "can": "\x18", "em": "\x19",
    "sub": "\x1a", "fs": "\x1c", "gs": "\x1d", "rs": "\x1e", "us": "\x1f",
    "sp": " ", "del": "\x7f",
    "null": "\0", "nl": "\n", "np": "\f",
}

_STRING_ESCAPES = {
    "|": "|", "\\": "\\", "(": "(", '"': '"', "0": "\0", "f": "\f", "n": "\n",
    "r": "\r", "t": "\t", "a": "\a", "v": "\v", "b": "\b", "\n": "",
}
_STRING_ESCAPE = re.compile(
    r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{6})|([\s\S]))")
_SYMBOL_ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]+);|([\s\S]))")
# Directives that change how the rest of the text reads (after "#!").
_READER_DIRECTIVE = re.compile(
    r"#!(r6rs|fold-case|no-fold-case|curly-infix|curly-infix-and-bracket-lists)")
_COMPLETE_STRING = re.compile(STRING).fullmatch
_COMPLETE_EXTENDED_SYMBOL = re.compile(EXTENDED_SYMBOL).fullmatch
_NUMBER_START = frozenset("0123456789+-.")
_UNSUPPORTED = frozenset(["#s", "#u", "#c", "#*", "#@", "#f3", "#f6"]
                         + [f"#{digit}" for digit in "0123456789"])

# Heads of the lists that prefixes stand for.
_PREFIX_HEADS = {
    "'": sym("quote"), "`": sym("quasiquote"), ",": sym("unquote"),
    ",@": sym("unquote-splicing"),
    "#'": sym("syntax"), "#`": sym("quasisyntax"), "#,": sym("unsyntax"),
    "#,@": sym("unsyntax-splicing"),
    "#~": sym("gexp"),
}
# The ungexp family: a symbol operand splits at its last colon (guix/gexp.scm).
_UNGEXP_HEADS = {
    "#$": sym("ungexp"), "#$@": sym("ungexp-splicing"),
    "#+": sym("ungexp-native"), "#+@": sym("ungexp-native-splicing"),
}
_DATUM_COMMENT = object()   # pending-wrapper kind of "#;"
_KEYWORD = object()         # pending-wrapper kind of a spaced "#: name"
_DOT = object()             # the atom "." (dotted-pair marker inside a list)
_FOLD_CASE = object()       # "#!fold-case": symbols read from here on are downcased
_NO_FOLD_CASE = object()    # "#!no-fold-case": and no longer

# Process-wide caches: atom text -> symbol or number, "#:name" -> Keyword;
# the folded ones serve text after "#!fold-case".
_atoms: dict[str, object] = {}
_keywords: dict[str, Keyword] = {}
_folded_atoms: dict[str, object] = {}
_folded_keywords: dict[str, Keyword] = {}

_VECTOR, _BYTEVECTOR = 1, 2   # open-vector markers (see _Parser.parse)
# First characters of tokens that are not atoms (symbols or numbers).
_SPECIAL_START = frozenset("()[]\"#'`,")


def read_file(path: str | os.PathLike[str]) -> list:
    """Every top-level datum of the UTF-8 file PATH (its Source names PATH as given).
    A file that is not UTF-8 raises :class:`~guixml.errors.EncodingError`."""
    with open(path, "rb") as stream:
        text = decode_utf8(os.fspath(path), stream.read())
    # Like Guile's UTF-8 file ports, skip a byte order mark at the start (the
    # Source keeps it, so that offsets stay those of the file's text).
    return _Parser(Source(os.fspath(path), text), skip_bom=True).parse()


def read_string(text: str, file: str = "<string>") -> list:
    """Every top-level datum of TEXT, read as Guile reads it."""
    return _Parser(Source(file, text)).parse()


def read_source(source: Source) -> list:
    """Every top-level datum of SOURCE's text; the lists' spans refer to SOURCE.

    For callers with their own :class:`~guixml.scheme.datum.Source` (a subclass that
    maps offsets of a fragment to locations in a larger file, for instance).
    """
    return _Parser(source).parse()


def parse_char_name(name: str) -> str | None:
    """The character ``#\\NAME`` denotes, or ``None`` (NAME is what follows ``#\\``).

    As ``ice-9/read.scm``: a NAME starting with an octal digit is
    ``(string->number NAME 8)``, one starting with ``x`` is
    ``(string->number (substring NAME 1) 16)`` (so ``#\\x+41`` and ``#\\1/1``
    are characters); when that is a number, it must be a character's code.
    """
    if len(name) == 1:
        return name
    if len(name) == 2 and name[1] == "\u25cc":  # dotted circle after a combining mark
        return name[0]
    code = None
    try:
        if "0" <= name[0] <= "7":
            code = parse_number(name, 8)
        elif name[0] == "x":
            code = parse_number(name[1:], 16)
    except NumberRangeError:
        return None
    if code is not None:
        if type(code) is not int or not 0 <= code <= 0x10FFFF or 0xD800 <= code < 0xE000:
            return None
        return chr(code)
    return CHAR_NAMES.get(name.lower())


class _Parser:
    """One pass over one source text; see the module docstring."""

    def __init__(self, source: Source, skip_bom: bool = False) -> None:
        self.source = source
        self.fold_case = False
        self.skip_bom = skip_bom

    def error(self, message: str, offset: int) -> SchemeSyntaxError:
        return SchemeSyntaxError(message, self.source, offset)

    def parse(self) -> list:
        # The reader builds millions of containers and never a reference cycle:
        # pausing the cyclic garbage collector meanwhile saves ~25% of the time.
        collecting = gc.isenabled()
        if collecting:
            gc.disable()
        try:
            return self._parse()
        finally:
            if collecting:
                gc.enable()

    def _parse(self) -> list:
        source = self.source
        text = source.text
        if self.skip_bom and text[:1] == "\ufeff":
            tokens = tokenize(text[1:])
            tokens.insert(0, "\ufeff")
            tokens_and_ends = zip(tokens, accumulate(map(len, tokens)))
            next(tokens_and_ends)
        else:
            tokens = tokenize(text)
            tokens_and_ends = zip(tokens, accumulate(map(len, tokens)))
        atoms = _atoms
        keywords = _keywords
        new_list = list.__new__
        complete = self._complete
        text_length = len(text)

        # The state of the innermost open list: the list itself (``top`` at
        # the top level), its pending wrappers and the index of its dot.
        # While a list is open its ``end`` slot holds what closes it: ")" or
        # "]" for lists, _VECTOR or _BYTEVECTOR for those.  The pending
        # wrappers and dot of enclosing lists are saved in ``saved`` by depth,
        # only when there are any (most lists have neither).
        top: list = []
        cur: Any = top
        pend: list | None = None  # pending wrappers here: [kind, start]
        dot = -1
        stack: list = []
        saved: dict[int, tuple] = {}

        for tok, end in tokens_and_ends:
            c = tok[0]
            if c in " \n\t;\r\f":
                continue
            if c not in _SPECIAL_START:
                value = atoms.get(tok)
                if value is None:
                    value = self._atom(tok, end)
                    if value is _DOT:
                        if pend or cur is top:
                            value = sym(".")
                        elif dot >= 0 or cur.end not in (")", "]"):
                            raise self.error("unexpected \".\"", end - 1)
                        else:
                            dot = len(cur)
                            continue
            elif c == "(" or c == "[":
                if pend is not None or dot >= 0:
                    saved[len(stack)] = (pend, dot)
                    pend = None
                    dot = -1
                stack.append(cur)
                cur = new_list(List)
                cur.source = source
                cur.start = end - 1
                cur.end = ")" if c == "(" else "]"
                continue
            elif c == ")" or c == "]":
                if pend:
                    raise self.error(f"unexpected \"{c}\": a datum must follow "
                                     f"{self._describe(pend[-1])}", end - 1)
                if not stack:
                    raise self.error(f"unexpected \"{c}\"", end - 1)
                value = cur
                if c == value.end:
                    value.end = end
                    if dot >= 0:
                        value = self._dotted(value, dot, end)
                else:
                    value = self._vector(value, c, end)
                cur = stack.pop()
                if saved:
                    pend, dot = saved.pop(len(stack), (None, -1))
                else:
                    pend = None
                    dot = -1
                if pend:
                    complete(cur, pend, value, end)
                else:
                    cur.append(value)
                continue
            elif c == '"':
                if end == text_length and not _COMPLETE_STRING(tok):
                    raise self.error("unexpected end of input while reading string",
                                     end - len(tok))
                value = tok[1:-1]
                if "\\" in value:
                    value = self._unescape(value, end - len(tok) + 1)
            elif c == "#":
                c2 = tok[1:2]
                if c2 == ":" and len(tok) > 2:
                    value = keywords.get(tok)
                    if value is None:
                        value = self._keyword(tok, end)
                elif c2 in "~$+" and c2:
                    if pend is None:
                        pend = []
                    pend.append([tok, end - len(tok)])
                    continue
                elif tok == "#(" or tok == "#vu8(":
                    if pend is not None or dot >= 0:
                        saved[len(stack)] = (pend, dot)
                        pend = None
                        dot = -1
                    stack.append(cur)
                    cur = new_list(List)
                    cur.source = source
                    cur.start = end - len(tok)
                    cur.end = _VECTOR if c2 == "(" else _BYTEVECTOR
                    continue
                else:
                    value = self._hash(tok, end)
                    if value is None:          # a comment
                        continue
                    if value is _FOLD_CASE or value is _NO_FOLD_CASE:
                        self.fold_case = value is _FOLD_CASE
                        atoms = _folded_atoms if self.fold_case else _atoms
                        keywords = _folded_keywords if self.fold_case else _keywords
                        continue
                    if (value is _KEYWORD or value is _DATUM_COMMENT
                            or (type(value) is str and value in _PREFIX_HEADS)):
                        if pend is None:
                            pend = []
                        pend.append([value, end - len(tok)])
                        continue
            else:  # ' ` , ,@
                if pend is None:
                    pend = []
                pend.append([tok, end - len(tok)])
                continue
            if pend:
                complete(cur, pend, value, end)
            else:
                cur.append(value)

        if stack:
            raise self.error("unexpected end of input: this list is never closed",
                             cur.start)
        if pend:
            self._end_of_input(pend)
        return top

    # -- the slow paths, out of the main loop ---------------------------------

    def _complete(self, cur: list, pend: list, value, end: int) -> None:
        """Feed VALUE (ending at END) to the pending wrappers, then to CUR."""
        source = self.source
        while pend:
            kind, start = pend.pop()
            if kind is _DATUM_COMMENT:
                return
            if kind is _KEYWORD:
                if type(value) is not Symbol:
                    raise self.error("keyword prefix #: not followed by a symbol", start)
                value = Keyword(str(value))
                continue
            head = _UNGEXP_HEADS.get(kind)
            if head is not None:
                if type(value) is Symbol and ":" in value:
                    name, _, output = str(value).rpartition(":")
                    items: tuple = (head, sym(name), output)
                else:
                    items = (head, value)
            else:
                items = (_PREFIX_HEADS[kind], value)
            value = List(items, source, start, end)
        cur.append(value)

    def _end_of_input(self, pend: list) -> None:
        """Prefixes still waiting at the end of the text: an error, as a rule.

        Guix's ``#~ #$ #+`` read their operand with ``read``, which returns the
        end-of-file object instead of failing: Guile then builds ``(ungexp
        #<eof>)``.  guixml has no such datum and reports an error, except
        where Guile itself drops it again with ``#;`` (so that the text reads).
        """
        holding = False  # whether an (ungexp #<eof>)-like datum is on its way out
        where = 0
        while pend:
            wrapper = pend.pop()
            kind = wrapper[0]
            if not holding:
                if kind in _UNGEXP_HEADS or kind == "#~":
                    holding = True
                    where = wrapper[1]
                    continue
                raise self.error("unexpected end of input after "
                                 f"{self._describe(wrapper)}", wrapper[1])
            if kind is _DATUM_COMMENT:
                holding = False
            elif kind is _KEYWORD:
                raise self.error("keyword prefix #: not followed by a symbol", wrapper[1])
        if holding:
            raise self.error("unexpected end of input after a gexp prefix (Guile "
                             "would read it as #<eof>)", where)

    @staticmethod
    def _describe(wrapper: list) -> str:
        kind = wrapper[0]
        if kind is _DATUM_COMMENT:
            return "#;"
        if kind is _KEYWORD:
            return "#:"
        return str(kind)

    def _dotted(self, lst: List, dot: int, end: int):
        if len(lst) == dot:
            raise self.error("a datum must follow \".\" in a dotted list", end - 1)
        if len(lst) > dot + 1:
            raise self.error("a dotted list has exactly one datum after \".\"",
                             lst.start)
        tail = lst.pop()
        if dot == 0:
            return tail                     # "(. x)" reads as x, as in Guile
        if type(tail) is List:
            lst.extend(tail)
            return lst
        if type(tail) is DottedList:
            return DottedList(list(lst) + tail.items, tail.tail, lst.source, lst.start, end)
        return DottedList(list(lst), tail, lst.source, lst.start, end)

    def _vector(self, items: Any, closer: str, end: int):  # items.end: str while open
        kind = items.end
        if closer != ")" or kind not in (_VECTOR, _BYTEVECTOR):
            raise self.error(f"mismatched close paren: {closer}", end - 1)
        if kind == _VECTOR:
            return Vector(items)
        for item in items:
            if type(item) is not int or not 0 <= item <= 255:
                raise self.error("a bytevector holds exact integers 0 to 255",
                                 items.start)
        return bytes(items)

    def _unescape(self, body: str, offset: int) -> str:
        def replace(match: re.Match[str]) -> str:
            hex2, hex4, hex6, other = match.groups()
            digits = hex2 or hex4 or hex6
            if digits:
                code = int(digits, 16)
                if code > 0x10FFFF or 0xD800 <= code < 0xE000:
                    raise self.error("invalid character in escape sequence",
                                     offset + match.start())
                return chr(code)
            found = _STRING_ESCAPES.get(other)
            if found is None:
                raise self.error(f"invalid character in escape sequence: {other!r}",
                                 offset + match.start())
            return found
        return _STRING_ESCAPE.sub(replace, body)

    def _symbol_unescape(self, body: str, offset: int) -> str:
        """The name a ``#{…}#`` symbol's BODY (at OFFSET) spells."""
        if "\\" not in body:
            return body

        def replace(match: re.Match[str]) -> str:
            digits, other = match.groups()
            if digits is None:
                return other
            code = _code_point(digits)
            if code is None:
                raise self.error("out-of-range character in escape sequence",
                                 offset + match.start())
            return chr(code)
        return _SYMBOL_ESCAPE.sub(replace, body)

    def _atom(self, tok: str, end: int):
        """Classify a new atom (cached, except the dot marker)."""
        value: object
        if tok == ".":
            return _DOT
        if tok[0] in _NUMBER_START:
            try:
                value = parse_number(tok)
            except NumberRangeError as error:
                raise self.error(str(error), end - len(tok)) from None
            if value is None:
                value = self._symbol(tok)
        else:
            value = self._symbol(tok)
        (_folded_atoms if self.fold_case else _atoms)[tok] = value
        return value

    def _symbol(self, name: str) -> Symbol:
        return sym(name.lower() if self.fold_case else name)

    def _keyword(self, tok: str, end: int) -> Keyword:
        name = tok[2:]
        if name[0] in _NUMBER_START and name != ".":
            try:
                number = parse_number(name)
            except NumberRangeError:
                number = 0
            if number is not None:
                raise self.error("keyword prefix #: not followed by a symbol",
                                 end - len(tok))
        value = Keyword(name.lower() if self.fold_case else name)
        (_folded_keywords if self.fold_case else _keywords)[tok] = value
        return value

    def _hash(self, tok: str, end: int):
        """The datum of a ``#`` token; None for a comment; markers for wrappers."""
        start = end - len(tok)
        c2 = tok[1:2]
        if not c2:
            raise self.error("unexpected end of input after #", start)
        if c2 == "\\":
            if len(tok) == 2:
                raise self.error("unexpected end of input after #\\", start)
            char = parse_char_name(tok[2:])
            if char is None:
                raise self.error(f"unknown character name {tok[2:]}", start)
            return Char(char)
        if tok in _UNSUPPORTED:
            raise self.error(f"unsupported # syntax (arrays, SRFI-4 vectors, bit "
                             f"vectors): {tok!r}", start)
        if c2 in "tTfF":
            return c2 in "tT"
        if c2 == ";":
            return _DATUM_COMMENT
        if c2 == "|":
            if len(tok) == 2:
                raise self.error("unterminated #| … |# comment", start)
            return None
        if c2 == "!":
            directive = _READER_DIRECTIVE.fullmatch(tok)
            if directive:
                name = directive.group(1)
                if name == "fold-case":
                    return _FOLD_CASE
                if name == "no-fold-case":
                    return _NO_FOLD_CASE
                raise self.error(f"the reader directive #!{name} is not supported",
                                 start)
            if len(tok) < 4 or not tok.endswith("!#"):
                raise self.error("unterminated #! … !# comment", start)
            return None
        if c2 == "{":
            if not _COMPLETE_EXTENDED_SYMBOL(tok):
                raise self.error("end of input while reading #{ }# symbol", start)
            return sym(self._symbol_unescape(tok[2:-2], start + 2))
        if c2 in "'`,":
            return tok
        if c2 == ":":
            return _KEYWORD
        if c2 == "n":
            if tok == "#nil":
                return NIL
            raise self.error(f"unexpected input while reading #nil: {tok}", start)
        if c2 and c2 in "xXbBoOdDeEiI":
            try:
                value = parse_number(tok)
            except NumberRangeError as error:
                raise self.error(str(error), start) from None
            if value is None:
                raise self.error(f"unknown # object: {tok}", start)
            return value
        raise self.error(f"unknown or unsupported # syntax: {tok!r}", start)


def _code_point(digits: str) -> int | None:
    """The Unicode scalar value hex DIGITS name, or None (beyond #x10FFFF, or a
    surrogate: Guile's integer->char refuses both)."""
    digits = digits.lstrip("0")
    if len(digits) > 6:
        return None
    code = int(digits or "0", 16)
    return None if code > 0x10FFFF or 0xD800 <= code < 0xE000 else code
