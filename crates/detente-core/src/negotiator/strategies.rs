//! The built-in negotiation strategies, each as published (the source is in its doc comment;
//! docs/strategies.md compares them with NegMAS side by side).
//!
//! Every strategy discounts as [`Preferences`] documents (GENIUS's semantics): it accepts only
//! outcomes it finds acceptable (no red line crossed, `u ≥ r`), which are then worth at least
//! walking away at that moment (`u·dᵗ ≥ r·dᵗ`), and it walks away as soon as waiting only loses:
//! when even its best outcome, agreed at its next turn, would be worth less than walking away
//! now (accepting instead when the standing offer is acceptable).

use std::cell::RefCell;
use std::sync::Arc;

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use rand::RngExt;

use super::bidding::{BidSpace, Near, OpponentModel};
use super::{Action, Negotiator, NegotiatorInit, Strategy, View};
use crate::TIE_EPS;
use crate::outcome::Outcome;
use crate::preferences::Preferences;
use crate::rng::{ChaCha8Rng, rng};

pub(super) fn build(strategy: &Strategy, init: NegotiatorInit<'_>) -> Box<dyn Negotiator> {
    let common = Common::new(&init);
    match strategy {
        Strategy::Boulware => Box::new(TimeDependent { c: common, e: 0.2 }),
        Strategy::Linear => Box::new(TimeDependent { c: common, e: 1.0 }),
        Strategy::Conceder => Box::new(TimeDependent { c: common, e: 2.0 }),
        Strategy::TimeDependent(e) => Box::new(TimeDependent { c: common, e: *e }),
        Strategy::Hardliner => Box::new(Hardliner { c: common }),
        Strategy::Random => Box::new(RandomNegotiator { c: common }),
        Strategy::TitForTat => Box::new(RelativeTitForTat {
            c: common,
            target: None,
            last_two: Vec::new(),
        }),
        Strategy::NaiveTitForTat => Box::new(NaiveTitForTat::new(common)),
        Strategy::Micro => Box::new(Micro {
            c: common,
            proposed: 0,
            received: HashSet::default(),
        }),
        Strategy::AgentK => Box::new(super::anac::agentk::AgentK::new(common, init.space)),
        Strategy::HardHeaded => {
            Box::new(super::anac::hardheaded::HardHeaded::new(common, init.space))
        }
        Strategy::CuhkAgent => Box::new(super::anac::cuhk::Cuhk::new(common)),
        Strategy::TheFawkes => Box::new(super::anac::thefawkes::TheFawkes::new(common, init.space)),
        Strategy::Atlas3 => Box::new(super::anac::atlas3::Atlas3::new(common)),
        Strategy::ParsAgent => Box::new(super::anac::ParsAgent::new(common, init.space)),
        Strategy::Caduceus => Box::new(super::anac::Caduceus::new(common)),
        Strategy::PonPoko => Box::new(super::anac::PonPoko::new(common)),
        Strategy::Agreeable => Box::new(super::anac::Agreeable::new(common, init.space)),
        Strategy::AgentGg => Box::new(super::anac::AgentGg::new(common, init.space)),
        Strategy::Boa(spec) => Box::new(super::boa::BoaNegotiator::new(spec, common, init.space)),
    }
}

/// State every built-in strategy shares: own preferences, own bids, the opponent model.
pub(super) struct Common {
    pub(super) prefs: Arc<Preferences>,
    /// [`Common::best`] and [`Common::floor`], fixed for the negotiation (computed once).
    best: f64,
    floor: f64,
    /// Whether waiting can never only lose ([`waiting_never_loses`]), so that
    /// [`Common::cut_losses`] has nothing to compute; fixed for the negotiation.
    waits_freely: bool,
    /// The others' offers as a frequency model; `None` on a listed (exhaustive) bid space,
    /// where bids are searched in the list and the model would never be read.
    pub(super) model: Option<OpponentModel>,
    /// How many history entries the model has seen.
    pub(super) seen: usize,
    /// The last outcome [`Common::standing_utility`] evaluated, and its own utility.
    last_utility: RefCell<Option<(Outcome, f64)>>,
    pub(super) me: usize,
    pub(super) bids: Arc<BidSpace>,
    pub(super) rng: ChaCha8Rng,
    /// The last search by utility in `bids` ([`BidSpace::nearest_bid`]), reused while the
    /// targets stay between its two utilities.
    near: RefCell<Near>,
}

impl Common {
    /// The shared state of a negotiator built from `init`: its bid space (built here unless
    /// given), an empty opponent model and its seeded generator.
    pub(super) fn new(init: &NegotiatorInit<'_>) -> Common {
        let bids = match &init.bids {
            Some(b) => Arc::clone(b),
            None => Arc::new(BidSpace::for_preferences(init.space, init.preferences)),
        };
        // The frequency model only serves to construct bids on spaces too large to list: on a
        // listed space nothing reads it, so it is neither built nor kept up to date.
        let model = (!bids.exhaustive).then(|| OpponentModel::new(init.space, init.n_parties));
        let r_own = init.preferences.reservation();
        let best = bids.max_utility().unwrap_or(r_own);
        let floor = match bids.min_utility() {
            Some(m) if bids.exhaustive => r_own.max(m),
            _ => r_own,
        };
        Common {
            // The bid space was built from these same preferences (`NegotiatorInit::bids`):
            // share its copy instead of cloning them for every negotiation.
            prefs: Arc::clone(bids.preferences()),
            best,
            floor,
            waits_freely: waiting_never_loses(
                best,
                bids.preferences().reservation(),
                bids.preferences().discount(),
            ),
            model,
            seen: 0,
            last_utility: RefCell::new(None),
            me: init.me,
            bids,
            rng: rng(init.seed),
            near: RefCell::new(Near::default()),
        }
    }

    pub(super) fn update(&mut self, view: &View<'_>) {
        if let Some(model) = self.model.as_mut() {
            for rec in &view.history[self.seen..] {
                if rec.party != self.me {
                    model.observe(rec.party, &rec.outcome);
                }
            }
        }
        self.seen = view.history.len();
    }

    /// Own utility of the standing offer, if it is acceptable to us at all.
    pub(super) fn standing_utility(&self, view: &View<'_>) -> Option<f64> {
        let s = view.standing?;
        // `Preferences::is_acceptable`, evaluating the utility once.
        let u = self.utility_of(&s.outcome);
        (!self.prefs.red_lines().violated_by(&s.outcome) && u >= self.prefs.reservation() - TIE_EPS)
            .then_some(u)
    }

    /// Own utility of `outcome`, remembered for the last outcome asked: the others often
    /// repeat an offer for many turns, and comparing it with the last one costs less than
    /// evaluating it again (the same preferences give the same bits).
    fn utility_of(&self, outcome: &Outcome) -> f64 {
        let mut last = self.last_utility.borrow_mut();
        if let Some((o, u)) = last.as_ref()
            && o == outcome
        {
            return *u;
        }
        let u = self.prefs.utility(outcome);
        *last = Some((outcome.clone(), u));
        u
    }

    /// The best own utility (or the reservation value when nothing is acceptable).
    pub(super) fn best(&self) -> f64 {
        self.best
    }

    /// The floor of concession: the reservation value, or the worst listed bid when the list
    /// is exhaustive (for a sampled list, bids are constructed down to the reservation value).
    pub(super) fn floor(&self) -> f64 {
        self.floor
    }

    /// Whether waiting only loses: even one's best outcome, agreed at one's next turn (the next
    /// round), would be worth less than walking away now, both discounted. In the last round
    /// waiting means the deadline, which pays what walking away now does.
    fn waiting_only_loses(&self, view: &View<'_>) -> bool {
        waiting_only_loses(
            &self.prefs,
            self.best(),
            view.clock.round,
            view.clock.n_rounds,
        )
    }

    /// When waiting only loses: accept an acceptable standing offer (worth at least walking
    /// away now), otherwise walk away. `None` when waiting may still pay.
    ///
    /// Every strategy asks this each turn. When waiting can never only lose (no discounting,
    /// or one's best outcome discounted by a whole deadline still worth the reservation
    /// value: [`waiting_never_loses`]) that is decided here, inlined, with no `powf`; the
    /// rest is out of line.
    #[inline]
    pub(super) fn cut_losses(&self, view: &View<'_>) -> Option<Action> {
        if self.waits_freely {
            return None;
        }
        self.cut_discounted_losses(view)
    }

    /// [`Common::cut_losses`] when waiting may only lose.
    #[inline(never)]
    fn cut_discounted_losses(&self, view: &View<'_>) -> Option<Action> {
        if !self.waiting_only_loses(view) {
            return None;
        }
        Some(if self.standing_utility(view).is_some() {
            Action::Accept
        } else {
            Action::EndNegotiation
        })
    }

    /// The bid a time-dependent tactic plans for `target`: the listed bid nearest to it
    /// (GENIUS's `SortedOutcomeSpace.getBidNearUtility`, ties to the higher utility), or, on
    /// spaces too large to list once the others have offered, a bid built from the model.
    pub(super) fn planned_near(&self, target: f64) -> Option<(Outcome, f64)> {
        if let Some(model) = &self.model
            && let Some(b) = self.bids.construct(target, model)
        {
            return Some(b);
        }
        self.bids.nearest_bid(target, &self.near)
    }

    /// [`Self::planned_near`] for a target known only to lie between the `bounds` (computed
    /// only when the memo could use them), when the bid space gives every target there the
    /// same bid (from the memo of its last search); `None` when it does not (the caller then
    /// computes the target).
    pub(super) fn planned_if_settled(
        &self,
        bounds: impl FnOnce() -> Option<(f64, f64)>,
    ) -> Option<(Outcome, f64)> {
        if self.model.is_some() {
            return None;
        }
        self.bids.nearest_bid_if_settled(bounds, &self.near)
    }

    /// Own utility of the standing offer, when it is acceptable and made by another party.
    pub(super) fn offered_utility(&self, view: &View<'_>) -> Option<f64> {
        view.standing.filter(|s| s.party != self.me)?;
        self.standing_utility(view)
    }

    /// The lowest listed bid of utility at least `target` (the best bid when none reaches it),
    /// as NegMAS's `worst_in` picks; on unlisted spaces a bid built from the model.
    pub(super) fn lowest_above(&self, target: f64) -> Option<(Outcome, f64)> {
        if let Some(model) = &self.model
            && let Some(b) = self.bids.construct(target, model)
        {
            return Some(b);
        }
        self.bids.lowest_above_bid(target, &self.near)
    }
}

/// Whether waiting only loses for a party of preferences `prefs` whose best outcome is worth
/// `best`, in `round` of `n_rounds`: `best` agreed in the next round would be worth less than
/// walking away now, both discounted (see [`Common::cut_losses`]). In the last round waiting
/// means the deadline, which pays what walking away now does.
pub(super) fn waiting_only_loses(
    prefs: &Preferences,
    best: f64,
    round: u32,
    n_rounds: u32,
) -> bool {
    let next = round + 1;
    if prefs.discount() == 1.0 || next >= n_rounds {
        return false;
    }
    prefs.discounted(best, next, n_rounds) < prefs.discounted_reservation(round, n_rounds) - TIE_EPS
}

/// Whether [`waiting_only_loses`] is false in every round of every deadline, for a best
/// outcome worth `best`, reservation value `r` and discount factor `d`, so that it need not
/// be evaluated (two `powf` a turn): without discounting, or when `0 ≤ best ≤ 100` and
/// `best·d ≥ r`.
///
/// Why the second case holds bit for bit: with `p = dᵗ` now and `t' − t ≤ 1/(n−1) ≤ 1` (plus
/// rounding of the times, 2.4·10⁻¹⁶), the next round's factor is at least
/// `p·d·(1 − 2.4·10⁻¹⁶·|ln d|)` and `d·|ln d| ≤ 1/e`; so `best·d' − r·p ≥ p·(best·d − r)`
/// minus rounding errors (`powf` within one ulp, two products, the subtraction) below
/// `best·1.2·10⁻¹⁵ ≤ 1.2·10⁻¹³`, well inside the tie tolerance [`TIE_EPS`] = 10⁻¹²
/// (`r < 0` is the easy side: walking away is worth at most 0). A property test checks it
/// against the exact evaluation.
pub(super) fn waiting_never_loses(best: f64, r: f64, d: f64) -> bool {
    d == 1.0 || ((0.0..=100.0).contains(&best) && best * d >= r)
}

/// Time-dependent tactics (Faratin, Sierra & Jennings 1998, "Negotiation decision functions
/// for autonomous agents"), as GENIUS's `TimeDependentAgent` (Baarslag, Hendrikx) implements
/// them: target utility p(t) = Pmin + (Pmax − Pmin)·(1 − f(t)) with f(t) = k + (1 − k)·t^(1/e)
/// and k = 0, Pmax the best own utility and Pmin the larger of the worst own utility and the
/// reservation value. GENIUS's names: Boulware e = 0.2, Linear e = 1, Conceder e = 2 (NegMAS's
/// `BoulwareTBNegotiator` is 1 − t⁴, i.e. e = 0.25, and its Conceder e = 4).
///
/// Each turn it plans the bid nearest to p(t) (`getBidNearUtility`) and accepts by AC_next
/// (Baarslag et al. 2012): the standing offer if it is worth at least the planned bid.
/// detente's time is t = round / (rounds − 1): 0 in the first round, 1 in the last.
/// Deliberate differences: a bid's opponent is ignored, as published; on spaces too large to
/// list (over [`super::ENUMERATE_LIMIT`] acceptable outcomes) the planned bid is built from the
/// frequency model (it still reaches the target) instead of searched in a sorted list.
struct TimeDependent {
    c: Common,
    e: f64,
}

impl TimeDependent {
    fn target(&self, t: f64) -> f64 {
        time_target(self.c.best(), self.c.floor(), self.e, t)
    }
}

/// Bounds `(lo, hi)` on [`time_target`]`(pmax, pmin, e, t)` computed without `powf`, for the
/// exponents whose power has an exact or correctly rounded cheap form: 1/e = 5 (GENIUS's
/// Boulware, e = 0.2: four multiplications, at most four roundings), 1/e = 1 (linear) and
/// 1/e = 1/2 (conceder, e = 2: `sqrt`, correctly rounded). `t^(1/e)` is then known to within a
/// relative 10⁻¹² (thousands of times any libm's `pow` error, which is under an ulp), and
/// `pmax − c·x` is monotone in `x` (floating-point rounding is), so `lo ≤ p(t) ≤ hi` holds for
/// the value `time_target` computes. `None` for other exponents.
pub(super) fn time_target_bounds(pmax: f64, pmin: f64, e: f64, t: f64) -> Option<(f64, f64)> {
    if e <= 0.0 {
        return None;
    }
    let t = t.clamp(0.0, 1.0);
    let inv = 1.0 / e;
    let x = if inv == 5.0 {
        let t2 = t * t;
        t2 * t2 * t
    } else if inv == 1.0 {
        t
    } else if inv == 0.5 {
        t.sqrt()
    } else {
        return None;
    };
    // Below the normal range the relative bound means nothing: leave it to `powf`.
    if x != 0.0 && x < 1e-290 {
        return None;
    }
    const REL: f64 = 1e-12;
    let c = (pmax - pmin).max(0.0);
    Some((pmax - c * (x * (1.0 + REL)), pmax - c * (x * (1.0 - REL))))
}

/// p(t) of [`TimeDependent`], with k = 0: `pmax − (pmax − pmin)·t^(1/e)`; e = 0 never concedes.
pub(super) fn time_target(pmax: f64, pmin: f64, e: f64, t: f64) -> f64 {
    if e <= 0.0 {
        return pmax;
    }
    pmax - (pmax - pmin).max(0.0) * t.clamp(0.0, 1.0).powf(1.0 / e)
}

impl Negotiator for TimeDependent {
    fn act(&mut self, view: &View<'_>) -> Action {
        self.c.update(view);
        if let Some(a) = self.c.cut_losses(view) {
            return a;
        }
        let t = view.clock.time();
        // The bid for p(t), found without p(t) itself when bounds on it (no `powf`) settle it.
        let (best, floor, e) = (self.c.best(), self.c.floor(), self.e);
        let settled = self
            .c
            .planned_if_settled(|| time_target_bounds(best, floor, e, t));
        let Some((planned, u_planned)) = settled.or_else(|| self.c.planned_near(self.target(t)))
        else {
            return Action::EndNegotiation;
        };
        // AC_next: accept what is worth at least the bid one would make now.
        if let Some(u) = self.c.offered_utility(view)
            && u >= u_planned - TIE_EPS
        {
            return Action::Accept;
        }
        Action::Offer(planned)
    }
}

/// Hardliner: GENIUS's `TimeDependentAgentHardliner` (e = 0): always offers its best outcome
/// and accepts only an offer worth as much (AC_next against that bid).
struct Hardliner {
    c: Common,
}

impl Negotiator for Hardliner {
    fn act(&mut self, view: &View<'_>) -> Action {
        self.c.update(view);
        if let Some(a) = self.c.cut_losses(view) {
            return a;
        }
        if let Some(u) = self.c.offered_utility(view)
            && u >= self.c.best() - TIE_EPS
        {
            return Action::Accept;
        }
        if self.c.bids.is_empty() {
            Action::EndNegotiation
        } else {
            Action::Offer(self.c.bids.outcome(0))
        }
    }
}

/// Random: offers a uniformly random acceptable outcome and accepts an acceptable standing
/// offer with probability ½ (GENIUS's `RandomCounterOfferNegotiationParty` offers random bids;
/// detente restricts both to its own acceptable outcomes, as every built-in strategy does).
struct RandomNegotiator {
    c: Common,
}

impl Negotiator for RandomNegotiator {
    fn act(&mut self, view: &View<'_>) -> Action {
        self.c.update(view);
        if let Some(a) = self.c.cut_losses(view) {
            return a;
        }
        if self.c.offered_utility(view).is_some() && self.c.rng.random_bool(0.5) {
            return Action::Accept;
        }
        if self.c.bids.is_empty() {
            return Action::EndNegotiation;
        }
        let k = self.c.rng.random_range(0..self.c.bids.len());
        Action::Offer(self.c.bids.outcome(k))
    }
}

/// Relative tit-for-tat after Faratin, Sierra & Jennings (1998), behaviour-dependent tactics
/// with δ = 1: "the agent reproduces, in percentage terms, the behaviour that its opponent
/// performed δ steps ago". Faratin states it on issue values (prices), as the ratio of the
/// opponent's two latest offers times one's own last offer; on utilities, which start at 0
/// for the opponent's first offers, that ratio is undefined, so detente uses the percentage
/// on gaps: when the others' latest offer closes a fraction c of the gap between their
/// previous offer and one's best (c = (u(b) − u(a)) / (Pmax − u(a)), in own utility), one
/// closes the same fraction of the gap between one's target and Pmin; a retreat (c < 0) raises
/// the target by that fraction of the gap to Pmax. It opens with its best outcome, offers the
/// lowest bid reaching its target and accepts by AC_next. (GENIUS ships no plain relative
/// tit-for-tat agent; its tit-for-tat is Nice Tit for Tat.)
struct RelativeTitForTat {
    c: Common,
    target: Option<f64>,
    /// Own utility of the others' two latest offers, oldest first.
    last_two: Vec<f64>,
}

impl Negotiator for RelativeTitForTat {
    fn act(&mut self, view: &View<'_>) -> Action {
        // Own utility of each new offer by another party, in order (no rescanning).
        for rec in &view.history[self.c.seen..] {
            if rec.party != self.c.me {
                let u = self.c.prefs.utility(&rec.outcome);
                if self.last_two.len() == 2 {
                    self.last_two.remove(0);
                }
                self.last_two.push(u);
                let (pmax, pmin) = (self.c.best(), self.c.floor());
                if let (Some(t), [a, b]) = (self.target, self.last_two.as_slice())
                    && pmax - a > TIE_EPS
                {
                    let c = ((b - a) / (pmax - a)).clamp(-1.0, 1.0);
                    self.target = Some(if c >= 0.0 {
                        t - c * (t - pmin).max(0.0)
                    } else {
                        t - c * (pmax - t).max(0.0)
                    });
                }
            }
        }
        self.c.update(view);
        if let Some(a) = self.c.cut_losses(view) {
            return a;
        }
        let (pmax, pmin) = (self.c.best(), self.c.floor());
        let target = self.target.unwrap_or(pmax).clamp(pmin.min(pmax), pmax);
        self.target = Some(target);
        let Some((planned, u_planned)) = self.c.lowest_above(target) else {
            return Action::EndNegotiation;
        };
        if let Some(u) = self.c.offered_utility(view)
            && u >= u_planned - TIE_EPS
        {
            return Action::Accept;
        }
        Action::Offer(planned)
    }
}

/// NegMAS's `NaiveTitForTatNegotiator` (0.16, default settings): it keeps no opponent model
/// and assumes a zero-sum game, so the others' concession is its own normalised utility
/// ū(w) = (u(w) − Pmin)/(Pmax − Pmin) of their latest offer w. Its own concession mirrors it:
/// none in the first round, ū(w) plus the smallest step in its utility in rounds 1 and 2
/// (NegMAS's `KindConcessionRecommender` with `must_concede`), ū(w) from round 3 on. It offers
/// the lowest bid of normalised utility at least 1 − concession and accepts w when
/// ū(w) ≥ 1 − concession (from round 3 on: when ū(w) ≥ ½).
struct NaiveTitForTat {
    c: Common,
    /// The smallest concession (normalised): the gap between one's two best bids.
    min_step: f64,
}

impl NaiveTitForTat {
    fn new(c: Common) -> NaiveTitForTat {
        let (pmax, pmin) = (c.best(), c.floor());
        let d = pmax - pmin;
        let min_step = if c.bids.len() >= 2 && d > 1e-5 {
            (c.bids.utility(0) - c.bids.utility(1)) / d
        } else {
            0.0
        };
        NaiveTitForTat { c, min_step }
    }

    fn normalised(&self, u: f64) -> f64 {
        let (pmax, pmin) = (self.c.best(), self.c.floor());
        if pmax - pmin < 1e-5 {
            1.0
        } else {
            (u - pmin) / (pmax - pmin)
        }
    }

    fn concession(&self, round: u32, partner: f64) -> f64 {
        let pc = partner.max(0.0);
        match round {
            0 => 0.0,
            1 | 2 => pc + self.min_step + 1e-12,
            _ => pc,
        }
    }
}

impl Negotiator for NaiveTitForTat {
    fn act(&mut self, view: &View<'_>) -> Action {
        self.c.update(view);
        if let Some(a) = self.c.cut_losses(view) {
            return a;
        }
        let partner = view
            .standing
            .filter(|s| s.party != self.c.me)
            .map_or(0.0, |s| self.normalised(self.c.prefs.utility(&s.outcome)));
        let concession = self.concession(view.clock.round, partner);
        if let Some(u) = self.c.offered_utility(view)
            && self.normalised(u) >= 1.0 - concession - TIE_EPS
        {
            return Action::Accept;
        }
        let (pmax, pmin) = (self.c.best(), self.c.floor());
        let target = pmin + (pmax - pmin) * (1.0 - concession.min(1.0));
        match self.c.lowest_above(target) {
            Some((o, _)) => Action::Offer(o),
            None => Action::EndNegotiation,
        }
    }
}

/// MiCRO (de Jonge 2022, "An analysis of the linear bilateral ANAC domains using the MiCRO
/// benchmark strategy", IJCAI), as NegMAS's `MiCRONegotiator` implements it: it proposes its
/// acceptable outcomes one by one from the best down, but proposes a new one only while it has
/// proposed no more distinct outcomes than it has received; otherwise it repeats one of its
/// earlier proposals at random. It accepts an offer worth at least the outcome it would
/// propose next (when ready to concede) or its lowest proposal so far (otherwise).
struct Micro {
    c: Common,
    /// How many distinct bids (from the top of the list) we have proposed.
    proposed: usize,
    /// Distinct offers received from others (kept as they arrive: no rescanning). Only its
    /// size and membership are read, never its order, so a fast hasher is safe.
    received: HashSet<Outcome, BuildHasherDefault<FxHasher>>,
}

/// The multiply-rotate hasher of rustc (`FxHasher`): much cheaper than SipHash for short keys
/// such as outcomes. Deterministic; for sets that are only queried (membership and size), whose
/// iteration order is never observed.
#[derive(Default)]
pub(super) struct FxHasher(u64);

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(FxHasher::SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl Negotiator for Micro {
    fn act(&mut self, view: &View<'_>) -> Action {
        for rec in &view.history[self.c.seen..] {
            if rec.party != self.c.me && !self.received.contains(&rec.outcome) {
                self.received.insert(rec.outcome.clone());
            }
        }
        self.c.update(view);
        if let Some(a) = self.c.cut_losses(view) {
            return a;
        }
        if self.c.bids.is_empty() {
            return Action::EndNegotiation;
        }
        // Concede to a new bid only while the others have made at least as many new offers.
        let concede = self.proposed <= self.received.len() && self.proposed < self.c.bids.len();
        let next = if concede {
            self.proposed
        } else {
            self.proposed.saturating_sub(1)
        };
        if let Some(u) = self.c.offered_utility(view)
            && u >= self.c.bids.utility(next) - TIE_EPS
        {
            return Action::Accept;
        }
        if concede {
            self.proposed += 1;
            Action::Offer(self.c.bids.outcome(next))
        } else {
            let k = self.c.rng.random_range(0..self.proposed.max(1));
            Action::Offer(self.c.bids.outcome(k))
        }
    }
}
