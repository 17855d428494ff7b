"""Stage 6, annotation: lossless in-place edits of package files.

Takes: package audits (:mod:`guixml.classify`) and the files that define them.
Gives: the suggested ``properties`` entries (``emit``), a plan per file of
what to insert or merge (``annotator``), and the edited text in which only
those bytes move (``edit``), comments included.

Other stages may use the names below; everything else is private to the stage.
"""

from guixml.annotate.annotator import FilePlan, Outcome, plan_file
from guixml.annotate.emit import (UNKNOWN, PropertyEntry, alist_lines, properties_field,
                                  suggested_entries)

__all__ = ["FilePlan", "Outcome", "plan_file", "UNKNOWN", "PropertyEntry", "alist_lines",
           "properties_field", "suggested_entries"]
