#!/usr/bin/env python3
"""The NegMAS side of the behaviour workload of bench/vs-negmas/run.sh.

    negmas_behaviour.py ROUNDS REPS STRATEGY[,STRATEGY...][/POOL[,POOL...]] DIR [DIR...]

Plays every ordered pair of the strategies (self-play included) on every GENIUS folder DIR
(with ``/POOL``: every ordered pair of strategies and pool members in which at least one seat
plays one of the strategies before the slash, in the order of the joined list),
in both role rotations (with rotation r the negotiator in seat j, seat 0 opening, plays profile
(j + r) mod 2; profiles in file-name order, as detente reads them), REPS times, with
``SAOMechanism(n_steps=ROUNDS)``, utilities read with ``Scenario.from_genius_folder`` (GENIUS
semantics, discount ignored on both sides). Prints one JSON line per negotiation: domain,
strategies by seat, profiles by seat, agreement, each seat's utility (the reservation value
without agreement) and the rounds played. ``summarize_behaviour.py`` turns the lines of both
tools into the per-strategy table.

The strategies are NegMAS's own classes, with the time-dependent ones given GENIUS's
exponents so both tools play the same tactic: NegMAS's ``PolyAspiration`` target is
1 − t^x of the normalised range, GENIUS's (Faratin et al.) 1 − t^(1/e), so e = 0.2 (Boulware)
is x = 5, e = 1 (Linear) x = 1, e = 2 (Conceder) x = 0.5. ``negmas-boulware`` etc. are
NegMAS's named negotiators with its own exponents (4, 1, 0.25), for reference.

The ANAC agents (``agentk``, ``hardheaded``, ``cuhk``, ``thefawkes``, ``atlas3``, ``parsagent``,
``caduceus``, ``ponpoko``, ``agreeable``, ``agentgg``) are the
Python ports of ``negmas-genius-agents`` (PyPI, imported only when one of them is asked for),
with their default parameters. AgentK's port searches random outcomes one at a time (about
30 s per negotiation); ``agentk`` here is the port with that search drawn a block of 501
outcomes at a time from a cached list (``FastAgentK``): the same rule and distribution (uniform
draws, the first one reaching the bid target wins, the target drops by 0.01 after a block
fails), about 40 times faster.
The agents of 2015-2019 draw from Python's global ``random``, which is seeded per negotiation
from its domain, seats, rotation and repetition, so a run replays.
"""

import json
import random
import sys
import zlib

from negmas.inout import Scenario
from negmas.negotiators.helpers import PolyAspiration
from negmas.sao import (
    BoulwareTBNegotiator,
    ConcederTBNegotiator,
    LinearTBNegotiator,
    MiCRONegotiator,
    NaiveTitForTatNegotiator,
    SAOMechanism,
    TimeBasedConcedingNegotiator,
    ToughNegotiator,
)


def port(class_name):
    """A negotiator of the negmas-genius-agents port named `class_name`."""

    def make():
        import negmas_genius_agents

        return getattr(negmas_genius_agents, class_name)()

    return make


def fast_agentk():
    """negmas-genius-agents' AgentK with its random search done 501 draws at a time."""
    import numpy as np
    from negmas_genius_agents import AgentK

    class FastAgentK(AgentK):
        def _select_bid(self):
            good = [b for b, u in self._offered_bids.items() if u > self._target]
            if good:
                return random.choice(good)
            if not hasattr(self, "_cache"):
                outcomes = list(self.nmi.outcome_space.enumerate_or_sample())
                utils = np.array([float(self.ufun(o)) for o in outcomes])
                self._cache = (outcomes, utils)
            outcomes, utils = self._cache
            while True:
                draws = np.array([random.randrange(len(outcomes)) for _ in range(501)])
                hit = np.nonzero(utils[draws] >= self._bid_target)[0]
                if len(hit):
                    return outcomes[draws[hit[0]]]
                self._bid_target -= self._bid_target_decrement

    return FastAgentK()


def tb(exponent):
    return lambda: TimeBasedConcedingNegotiator(
        offering_curve=PolyAspiration(1.0, float(exponent)), stochastic=False
    )


STRATEGIES = {
    "boulware": tb(5.0),
    "linear": tb(1.0),
    "conceder": tb(0.5),
    "micro": MiCRONegotiator,
    "naive-tft": NaiveTitForTatNegotiator,
    "hardliner": ToughNegotiator,
    "negmas-boulware": BoulwareTBNegotiator,
    "negmas-linear": LinearTBNegotiator,
    "negmas-conceder": ConcederTBNegotiator,
    "agentk": fast_agentk,
    "agentk-port": port("AgentK"),
    "hardheaded": port("HardHeaded"),
    "cuhk": port("CUHKAgent"),
    "thefawkes": port("TheFawkes"),
    "atlas3": port("Atlas3"),
}


def anac(name):
    def make():
        import negmas_genius_agents as g

        return getattr(g, name)()

    return make


STRATEGIES.update(
    {
        "parsagent": anac("ParsAgent"),
        "caduceus": anac("Caduceus"),
        "ponpoko": anac("PonPokoAgent"),
        "agreeable": anac("AgreeableAgent2018"),
        "agentgg": anac("AgentGG"),
    }
)


def pairs(spec):
    """Ordered pairs of a ``FOCUS[/POOL]`` specification (see the module docstring)."""
    focus, _, pool = spec.partition("/")
    focus = focus.split(",")
    names = focus + [p for p in pool.split(",") if p and p not in focus]
    return names, [(a, b) for a in names for b in names if a in focus or b in focus]


def main(argv):
    if len(argv) < 4:
        raise SystemExit(__doc__)
    rounds, reps = int(argv[0]), int(argv[1])
    names, assignments = pairs(argv[2])
    for n in names:
        if n not in STRATEGIES:
            raise SystemExit(f"unknown strategy {n!r}; valid: {', '.join(STRATEGIES)}")
    for folder in argv[3:]:
        s = Scenario.from_genius_folder(folder, ignore_discount=True)
        if s is None:
            raise SystemExit(f"cannot load {folder}")
        ufuns = list(s.ufuns)
        if len(ufuns) != 2:
            raise SystemExit(f"{folder}: {len(ufuns)} profiles, the workload is bilateral")
        domain = folder.rstrip("/").split("/")[-1]
        for a, b in assignments:
            for rot in range(2):
                for rep in range(reps):
                    key = f"{domain}/{a}/{b}/{rot}/{rep}".encode()
                    random.seed(zlib.crc32(key))
                    seats = [a, b]
                    profiles = [(j + rot) % 2 for j in range(2)]
                    m = SAOMechanism(outcome_space=s.outcome_space, n_steps=rounds)
                    for name, p in zip(seats, profiles):
                        m.add(STRATEGIES[name](), ufun=ufuns[p])
                    m.run()
                    agreement = m.agreement
                    utils = [
                        float(ufuns[p](agreement))
                        if agreement is not None
                        else float(ufuns[p].reserved_value)
                        for p in profiles
                    ]
                    print(
                        json.dumps(
                            {
                                "tool": "negmas",
                                "domain": domain,
                                "seats": seats,
                                "profiles": profiles,
                                "rep": rep,
                                "agreement": agreement is not None,
                                "utilities": utils,
                                "rounds": m.current_step,
                            }
                        ),
                        flush=True,
                    )


if __name__ == "__main__":
    main(sys.argv[1:])
