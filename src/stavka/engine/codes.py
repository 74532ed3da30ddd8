"""Integer codes shared by the kernels, the ledgers and the doctrines."""

from __future__ import annotations

from enum import IntEnum


class Status(IntEnum):
    ACTIVE = 0
    ARRESTED = 1
    EXECUTED = 2
    KILLED = 3
    CAPTURED = 4
    DEFECTED = 5
    RETIRED = 6
    DEAD = 7  # natural death or suicide
    DISCHARGED = 8  # expelled from the party and discharged from the army: out of post, not arrested (Reese, facts A6)


GONE = (Status.EXECUTED, Status.KILLED, Status.DEFECTED, Status.RETIRED, Status.DEAD)

# Ranks are 0 (Colonel, Kombrig) .. 5 (Marshal) (`roster.py:RANK_NAMES`): the scale itself, not a coefficient.
# No one is promoted above it, and seniority is rank / TOP_RANK.
TOP_RANK = 5


class PostKind(IntEnum):
    STAFF = 0
    FRONT = 1
    ARMY = 2
    DISTRICT = 3
    CORPS = 4


class War(IntEnum):
    PEACE = 0
    WAR = 1
    VICTORY = 2
    DEFEAT = 3


class Action(IntEnum):
    """A doctrine's personnel decision about one officer in one month."""

    NONE = 0
    ARREST = 1
    EXECUTE = 2  # an active officer is arrested and tried at once; an arrested one is tried
    RELEASE = 3
    INTERROGATE = 4
    PROMOTE = 5
    DEMOTE = 6
    REMOVE = 7  # relieved of his post, to the reserve
    ROTATE = 8  # promoted and moved to a rear district (M4, "keep the brilliant moving")
    SIDELINE = 9  # moved to a rear district without promotion (Zhukov 1946)
    RECALL = 10  # relieved but kept close in a staff post (M2, the loyal failure)
    CHARM = 11  # personal attention (M12)
    APPOINT = 12  # appointed to the post named with the order (`Decisions.target_post`); its holder to the reserve
    REINSTATE = 13  # a discharged officer's appeal upheld by the review commission: back in the army (facts A2)


class Kind(IntEnum):
    """Event kinds of the true log."""

    DENUNCIATION = 1
    ARREST = 2
    RELEASE = 3
    EXECUTION = 4
    INTERROGATION = 5
    PROMOTION = 6
    DEMOTION = 7
    TRANSFER = 8
    APPOINTMENT = 9
    REMOVAL = 10
    DIRECTIVE = 11
    VICTORY = 12
    DEFEAT = 13
    ENCIRCLEMENT = 14
    KILLED = 15
    CAPTURED = 16
    DEFECTION = 17
    CHALLENGE = 18
    WITHDRAWAL = 19
    CHARM = 20
    RETURN = 21
    RETIREMENT = 22
    DEATH = 23
    WAR = 24
    ESCAPE = 25
    DISCHARGE = 26  # party expulsion and discharge from the army (facts A1, A6)
    REINSTATEMENT = 27  # a discharged officer returned to the army on review (facts A2, A5)
    DISTINCTION = 28  # a named officer's recorded distinction in the small wars of 1936-40 (the ruler reads it)


class Cause(IntEnum):
    NONE = 0
    QUOTA = 1
    RULER = 2
    SCAPEGOAT = 3
    TRIAL = 4
    CRISIS = 5
    ROUTINE = 6
    MERIT = 7
    ROTATION = 8
    SIDELINE = 9
    RECALL = 10
    FAILURE = 11
    REORGANISATION = 12
    FAILED_CHALLENGE = 13
    SUCCESSFUL_CHALLENGE = 14
    ORDER_270 = 15
    ORDER_227 = 16
    HOLD = 17
    INITIATIVE = 18
    REVIEW = 19
    RETURNEE = 20
    UNAUTHORISED = 21
    WAR_BEGINS = 22
    WAR_WON = 23
    WAR_LOST = 24
    FRONT_OPENED = 25
    FRONT_CLOSED = 26
    AUTONOMY = 27
    CUSTODY = 28
    AGE = 29
    TALENT = 30
    WATCH = 31
    RECORD = 32  # imposed by the record while a run follows it (`stavka.record.follow`)
    EXPULSION = 33  # expelled from the party in a purge (the second of Reese's two processes)
    SHOW_TRIAL = 34  # the ruler's own choice of a top target (the June 1937 trial, facts A8)
    LADDER = 35  # promotion in post toward the post's establishment rank (the career ladder)
    REFORM = 36  # removed in a peacetime reshuffle of the high command (May 1940, after the Winter War)
    AXIS = 37  # the decisive front given to the commander the ruler believes most competent (Zhukov, Oct 1941, Nov 1944)
    DEPUTY = 38  # the ruler names his deputy, the Stavka's representative (Zhukov, 26 Aug 1942; `engine/deputy.py`)


# Named directives a doctrine can issue (run-level code in Decisions.directive).
DIRECTIVE_CAUSES = {270: Cause.ORDER_270, 227: Cause.ORDER_227}
