"""Split Scheme source text into tokens, the way Guile 3.0's reader sees it.

One compiled regular expression of named rules (in the spirit of
pypa/packaging's tokenizer) cuts the whole text at once: every character of
the text belongs to exactly one token, so the end offset of each token is
the running sum of the token lengths.  Whitespace and ``;`` comments are
kept as *trivia* tokens for that reason; the parser skips them.

The rules mirror ``ice-9/read.scm`` of Guile 3.0.8 with its default options
(``square-brackets`` on, ``keywords`` #f, no curly infix, no R7RS ``|…|``
symbols):

* delimiters are ``( ) [ ] " ;`` and the five whitespace characters
  space, tab, newline, return and form feed; nothing else (not even a
  no-break space or a vertical tab) ends a symbol;
* an *atom* (symbol or number) is a run of non-delimiters that does not
  start with ``#``, ``'``, `````` or ``,``; ``#`` inside an atom is part of it;
* every ``#`` syntax has a rule of its own; a ``#`` that no rule accepts
  falls through to a catch-all rule and the parser reports it;
* an unterminated string, ``#!`` comment or ``#{`` symbol runs to the end of
  the text as one token (so that broken text is still cut in linear time);
  the parser tells it from a complete one and reports it.

Nested ``#| … |#`` comments are not regular; the tokenizer matches the
opener alone and :func:`tokenize` scans the nesting by hand, then resumes
the regular expression after the comment.
"""

from __future__ import annotations

import re

__all__ = ["RULES", "TOKEN", "STRING", "EXTENDED_SYMBOL", "tokenize", "block_comment_end"]

_NOT_DELIMITER = r'[^()\[\]"; \t\n\r\f]'

EXTENDED_SYMBOL = r'#\{(?:[^}\\]++|\\x[0-9a-fA-F]++;|\\[^x]|\}(?!#))*+\}#'
STRING = r'"[^"\\]*+(?:\\[\s\S][^"\\]*+)*+"'

#: The token rules, in the order the regular expression tries them (most
#: frequent first).  Names document the rules; the parser dispatches on the
#: first characters of each token, which identify its rule.
RULES: dict[str, str] = {
    "trivia": r'(?:[ \t\n\r\f]++|;[^\n]*+)++',
    "paren": r'[()\[\]]',
    "atom": r'[^()\[\]"; \t\n\r\f#\'`,]' + _NOT_DELIMITER + '*+',
    "string": STRING,
    "unterminated_string": r'"[\s\S]*',
    "keyword": r'#:[^()\[\]"; \t\n\r\f#\'`,]' + _NOT_DELIMITER + '*+',
    "quote": r",@|['`,]",
    "gexp": r'#[$+]@?|#~',
    "char": r'#\\(?:' + _NOT_DELIMITER + r'+|[\s\S])',
    "nil": r'#n' + _NOT_DELIMITER + '*',
    "unsupported": r'#(?:[suc*@0-9]|f[36])',
    "boolean": r'#(?:[tT](?:[rR][uU][eE])?|[fF](?:[aA][lL][sS][eE])?)',
    "vector": r'#\(',
    "bytevector": r'#vu8\(',
    "datum_comment": r'#;',
    "block_comment": r'#\|',
    "reader_directive": r'#!(?:r6rs|fold-case|no-fold-case|curly-infix'
                        r'|curly-infix-and-bracket-lists)(?!-|[^\W_])',
    "hash_bang": r'#![\s\S]*?!#',
    "unterminated_hash_bang": r'#![\s\S]*',
    "extended_symbol": EXTENDED_SYMBOL,
    "unterminated_extended_symbol": r'#\{[\s\S]*',
    "syntax_quote": r"#,@|#['`,]",
    "prefixed_number": r'#[xXbBoOdDeEiI]' + _NOT_DELIMITER + '*',
    "keyword_prefix": r'#:',
    "unknown_hash": r'#[\s\S]?',
    "unknown": r'[\s\S]',
}

# Possessive quantifiers (*+ ++): no rule ever needs to give characters back,
# and not recording backtracking points makes the scan ~15% faster.
TOKEN = re.compile("|".join(f"(?:{rule})" for rule in RULES.values()))


_BLOCK_COMMENT_MARK = re.compile(r"#\||\|#")


def block_comment_end(text: str, start: int) -> int:
    """The offset just past the ``#| … |#`` comment opened at START, or -1.

    Comments nest, as in Guile (SRFI 30): ``#| a #| b |# c |#`` is one.
    """
    depth = 0
    pos = start
    find = _BLOCK_COMMENT_MARK.search
    while True:
        found = find(text, pos)
        if found is None:
            return -1
        if found.group() == "#|":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return found.end()
        pos = found.end()


def tokenize(text: str) -> list[str]:
    """Every token of TEXT in order; their concatenation is TEXT.

    An unterminated block comment becomes a token ``#|`` followed by the
    tokens of the rest of the text; the parser reports it.
    """
    findall = TOKEN.findall
    tokens = findall(text)
    if "#|" not in text or "#|" not in tokens:
        return tokens
    # Rare: cut on from each nested block comment's end (each character is
    # scanned once: re-cutting the whole rest at each comment was quadratic).
    result: list[str] = []
    append = result.append
    pos = 0
    while True:
        for match in TOKEN.finditer(text, pos):
            token = match.group()
            if token == "#|":
                start = match.start()
                break
            append(token)
        else:
            return result
        end = block_comment_end(text, start)
        if end < 0:
            append("#|")
            result.extend(findall(text, start + 2))
            return result
        append(text[start:end])
        pos = end
