"""Stage 1, Scheme text ⇄ data, exactly as Guile reads and writes it.

Takes: the text of a Scheme file (UTF-8).
Gives: data (``datum``: symbols, keywords, characters, lists with their spans
and locations), read as Guile 3.0 reads them (``reader``, with ``tokenizer``
and ``numbers``), and written back as Guile's ``write`` prints them
(``writer``); what cannot be read raises an ``errors`` exception naming
file:line:column.

Other stages may use the names below; everything else is private to the stage.
"""

from guixml.scheme.datum import (BigNumber, Char, DottedList, Keyword, List, Location, Source, Symbol,
                                 Vector, equal, sym)
from guixml.scheme.errors import EncodingError, SchemeSyntaxError, decode_utf8
from guixml.scheme.numbers import NumberRangeError, int_from_digits, int_to_text, parse_number
from guixml.scheme.reader import read_file, read_source, read_string
from guixml.scheme.writer import write

__all__ = ["BigNumber", "Char", "DottedList", "Keyword", "List", "Location", "Source", "Symbol", "Vector",
           "equal", "sym", "EncodingError", "SchemeSyntaxError", "decode_utf8", "int_from_digits", "int_to_text", "parse_number", "NumberRangeError", "read_file", "read_source", "read_string", "write"]
