"""Derive guixml/data/guile-chars.csv from Guile's own writes of every code point.

    python3 -c 'print(*[c for c in range(0x110000) if not 0xD800 <= c < 0xE000], sep="\\n")' \
      | LC_ALL=C.UTF-8 guile --no-auto-compile -s tests/guile/chars.scm > chars.tsv
    python3 tests/guile/derive_chars.py chars.tsv > guixml/data/guile-chars.csv

(surrogates U+D800..U+DFFF are not characters).
"""
import sys
classes = {"printing": [], "char-printing": [], "initial": [], "subsequent": [], "extended-bare": [], "char-combining": []}
for line in open(sys.argv[1], encoding="utf-8"):
    code, s, ch, sym1, sym2 = line.rstrip("\n").split("\t")
    code = int(code); c = chr(code)
    if s == '"' + c + '"' and c not in '"\\':
        classes["printing"].append(code)
    if ch == "#\\" + c:
        classes["char-printing"].append(code)
    if ch == "#\\\u25cc" + c:
        classes["char-combining"].append(code)
    if sym1 == c or c in ".":
        classes["initial"].append(code)
    if sym2 == "a" + c or (c in '";#'):
        classes["subsequent"].append(code)
    if sym2 == "a" + c or sym2 == "#{a" + c + "}#" or (c == "\\" and sym2 == "#{a\\\\}#"):
        classes["extended-bare"].append(code)
    # else: sym2 must be an escape
out = ["# Guile 3.0.8's character classes for write (code point ranges, hex, inclusive).",
       "# printing: written as itself inside a string; char-printing: #\\c form;",
       "# initial/subsequent: may start/continue a bare symbol (before the checks on",
       "# ' ` , \" ; # and numbers); extended-bare: written as itself inside #{ }#;",
       "# char-combining: written #\\ + dotted circle U+25CC + the character.",
       "# Regenerate: tests/guile/chars.scm and tests/guile/derive_chars.py (see docs/reader.md).",
       "class,first,last"]
for name, codes in classes.items():
    start = prev = None
    for c in codes + [None]:
        if start is None:
            start = prev = c
        elif c is not None and c == prev + 1:
            prev = c
        else:
            out.append(f"{name},{start:x},{prev:x}")
            start = prev = c
print("\n".join(out))
