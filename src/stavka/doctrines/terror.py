"""`terror`: the system as seeds 000 and 003 tell it.

"Keep the loyal close, and keep the brilliant moving": the organ purges by quota, the commander of a
collapsed front is shot (Pavlov, M3) unless he is an old loyalist, who is recalled and kept (Voroshilov,
Budyonny, M2); popular winners are promoted and rotated away from their troops and the most popular
marshal is sidelined after victory (Zhukov, M4); hold orders are strict and withdrawal is treason (M7);
the centre takes the credit and the official history erases the repressed (M9); fear is the method (M13).
"""

from __future__ import annotations

from .policy import PolicyDoctrine, params_with_defaults


class Terror(PolicyDoctrine):
    name = "terror"
    traits = frozenset(
        {
            "purges",
            "scapegoats",
            "keeps_loyal_failures",
            "rotates_winners",
            "sidelines_victors",
            "strict_hold",
            "censors",
            "hostage_clause",
        }
    )
    Params = params_with_defaults(
        "TerrorParams",
        purge_quota=0.012,
        purge_window=("1937-05", "1938-11"),
        top_targets=2,
        top_target_window=("1937-05", "1938-11"),
        top_target_loyalty=0.9,
        execute_share=0.7,
        organ_trust=0.9,
        arrest_disloyalty=0.5,
        paranoia_weight=0.3,
        scapegoat=0.9,
        scapegoat_execute=0.8,
        relieve_below=0.5,
        keep_loyal_failures=True,
        loyal_bar=0.8,
        demote_failures=0.3,
        rotate_popular=0.3,
        sideline_after_war=8,
        sideline_popularity=0.1,  # the centre takes 85 % of the credit: its most popular marshal is less so
        credit_taken=0.85,
        hold_strictness=0.95,
        punish_withdrawal=0.8,
        hostage=True,
        punish_returnees=0.7,
        listening=0.2,
        w_competence=0.5,
        w_loyalty=3.0,
        w_seniority=1.0,
        w_popularity=-2.0,
        promote_winners=0.1,
        censor_erase=0.9,
        censor_relabel=True,
        censor_secret=True,
    )
