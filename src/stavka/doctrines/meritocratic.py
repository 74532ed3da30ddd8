"""`meritocratic`: seed 002, the historians' account (Roberts, Glantz).

No purge quotas and few arrests; commanders are not scapegoated, so they stay and learn (continuity);
the lessons of combat are collated into reform and the ruler listens more as the war goes well (M11);
talent is sought and raised by competence, and the ruler's personal attention binds loyalty (M12);
commanders get initiative rather than hold-at-all-costs orders; the official history is left nearly
alone.
"""

from __future__ import annotations

from .policy import PolicyDoctrine, params_with_defaults


class Meritocratic(PolicyDoctrine):
    name = "meritocratic"
    traits = frozenset({"collates_lessons", "listens", "charms", "talent_search"})
    Params = params_with_defaults(
        "MeritocraticParams",
        execute_share=0.1,
        organ_trust=0.2,
        arrest_disloyalty=0.65,
        release_rate=0.05,
        reinstate_rate=0.05,
        relieve_below=0.2,
        crisis_appointment=False,
        hold_strictness=0.2,
        credit_taken=0.2,
        collate_lessons=True,
        listening=0.6,
        listening_growth=0.01,
        charm=3,
        promote_winners=0.5,
        w_competence=3.0,
        w_loyalty=0.5,
        w_seniority=3.0,
        punish_returnees=0.0,
        talent_promotions=2,
        axis_months=("1941-10", "1944-11"),  # the best man on the main axis, as the record's ruler did
        deputy_month="1942-08",  # a deputy chosen by merit: the man believed most competent (docs/model.md §11.9)
    )
