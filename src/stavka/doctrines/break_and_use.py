"""`break_and_use`: seed 001, "the state breaks tools to see if they still work".

Before the war, capable officers who ask for autonomy are interrogated (M5): the reading of their
loyalty is sharper, paid for in trauma and grievance.  When a front collapses, need beats suspicion:
the broken-but-capable are released and handed armies (M6), and watched afterwards by an organ the
ruler trusts.  Purges are milder than under terror; hold orders are usual but not absolute.
"""

from __future__ import annotations

from .policy import PolicyDoctrine, params_with_defaults


class BreakAndUse(PolicyDoctrine):
    name = "break_and_use"
    traits = frozenset(
        {"purges", "interrogates", "rotates_winners", "crisis_appointments", "strict_hold", "censors", "scapegoats"}
    )
    Params = params_with_defaults(
        "BreakAndUseParams",
        purge_quota=0.006,
        purge_window=("1937-05", "1938-11"),
        execute_share=0.3,
        organ_trust=0.7,
        arrest_disloyalty=0.5,
        paranoia_weight=0.3,
        release_rate=0.02,
        reinstate_rate=0.02,
        top_targets=1,
        top_target_window=("1937-05", "1938-11"),
        interrogate_autonomy=0.8,
        interrogate_in_war=False,
        crisis_appointment=True,
        crisis_release=0.6,
        scapegoat=0.4,
        scapegoat_execute=0.3,
        relieve_below=0.45,
        demote_failures=0.2,
        hold_strictness=0.7,
        punish_withdrawal=0.4,
        credit_taken=0.5,
        rotate_popular=0.6,
        axis_months=("1941-10", "1944-11"),  # the decisive front to a man believed both able and loyal
        axis_w_loyalty=1.0,
        deputy_month="1942-08",  # the deputy, too, a man believed both able and loyal (docs/model.md §11.9)
        deputy_w_loyalty=1.0,
        listening=0.4,
        w_competence=2.0,
        w_loyalty=1.5,
        w_seniority=1.0,
        promote_winners=0.3,
        punish_returnees=0.4,
        censor_erase=0.6,
        censor_relabel=True,
        censor_secret=True,
    )
