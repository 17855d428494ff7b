"""Stage 2, static evaluation of one module's Guix code.

Takes: the data of one module file (from :mod:`guixml.scheme`).
Gives: a :class:`ModuleSummary` (``summary``): the module's name, imports and
exports, and each top-level definition evaluated as far as the file alone
allows (``interpreter``, a small Scheme interpreter with Guile's and Guix's
procedures in ``builtins``, ``macros`` and the ``package-with-…``
transformers in ``transforms``); references to other modules are left as
:class:`GlobalRef` for the index to resolve.  It also defines the package
model every later stage reads (``model``: :class:`Package`, :class:`Origin`,
:class:`Input`…) and its JSON form (``serialize``).

Registration, not mutual imports: ``builtins`` and ``transforms`` fill the
table ``values.BUILTINS``; ``transforms`` registers itself with ``fields``.

Other stages may use the names below; everything else is private to the stage.
"""

from guixml.evaluate.budget import LIMITS, BudgetExceeded
from guixml.evaluate.builtins import enter_definition, leave_definition
from guixml.evaluate.fields import MAX_DEPTH, as_input_items, field_value, input_label
from guixml.evaluate.interpreter import Evaluator, Scope
from guixml.evaluate.model import (INPUT_FIELDS, Import, Input, LicenseRef, Module, Origin,
                                   Package, Unresolved)
from guixml.evaluate.serialize import package_to_json
from guixml.evaluate.summary import (ModuleSummary, definition_forms, evaluate_definition,
                                     summarize_source, toplevel_forms)
from guixml.evaluate.values import (BUILTINS, Builtin, Call, Closure, EvalFailure, GlobalRef,
                                    InputItem, NeedGlobal, OriginValue, PackageValue, Promise,
                                    Record, Unknown)

__all__ = [
    "LIMITS", "BudgetExceeded", "MAX_DEPTH",
    "enter_definition", "leave_definition", "as_input_items", "field_value", "input_label",
    "Evaluator", "Scope", "INPUT_FIELDS", "Import", "Input", "LicenseRef", "Module", "Origin",
    "Package", "Unresolved", "package_to_json", "ModuleSummary", "definition_forms",
    "evaluate_definition", "summarize_source", "toplevel_forms", "BUILTINS", "Builtin", "Call",
    "Closure", "EvalFailure", "GlobalRef", "InputItem", "NeedGlobal", "OriginValue",
    "PackageValue", "Promise", "Record", "Unknown",
]
