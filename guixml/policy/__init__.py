"""Stage 5, policy: the ``ml-*`` vocabulary, licence freedom, policy verdicts.

Takes: package audits (:mod:`guixml.classify`) or ``properties`` alists.
Gives: the annotation vocabulary and its validation (``vocabulary``, the
same rules as the channel's ``(guixml ml)``), whether a licence is free by
FSF and OSI (``license_freedom``), and each policy's verdict on a package
(``policies``: the 2023 guix-devel guidelines, Debian, OSAID, GCD 008).

Other stages may use the names below; everything else is private to the stage.
"""

from guixml.policy.policies import POLICIES, verdicts
from guixml.policy.vocabulary import MLFacts, facts_from_alist, properties_problems, vocabulary

__all__ = ["POLICIES", "verdicts", "MLFacts", "facts_from_alist", "properties_problems",
           "vocabulary"]
