//! The protocol flags shared by `negotiate` and `run`, and running the single text (its story
//! is printed by `detente_report::text::write_story`).

use anyhow::Result;
use clap::{Args, ValueEnum};

use detente_core::Outcome;
use detente_core::protocol::{
    Confided, Consultation, MediatorStrategy, SingleText, SingleTextConfig, SingleTextResult,
};

use super::{NegotiationSetup, UsageError};

/// The mediator when `--mediator` is not given: the blind mediator, the only one that sees no
/// utility function and still reaches thin zones (docs/mediation.md).
pub(crate) const DEFAULT_MEDIATOR: &str = "blind";

/// Which protocol to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Protocol {
    /// Stacked alternating offers (ANAC/NegMAS SAO), for any number of parties.
    Sao,
    /// The same protocol under its multilateral name.
    Stacked,
    /// A mediator's single negotiating text, revised from the parties' feedback.
    SingleText,
}

/// Whom the mediator consults each round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Consult {
    /// Every party every round.
    All,
    /// One meeting of the scenario's timeline per round (shuttle diplomacy), cycled.
    Meetings,
}

/// The single-text flags. `negotiate` adds `--protocol`; `run` always shows every protocol the
/// scenario supports, so it has no `--protocol`.
#[derive(Args, Debug)]
pub(crate) struct ProtocolArgs {
    /// Single text: the mediator's strategy (hill-climbing, veto, feedback, blind, trusted-nash,
    /// trusted-ks) [default: blind]. The trusted ones receive every party's confided
    /// preferences.
    #[arg(long, value_name = "STRATEGY")]
    mediator: Option<String>,
    /// Single text: the package the draft starts from (default: the scenario's
    /// `mediator.start`, else the best complete package for the mediator or the first one).
    #[arg(long, value_name = "PACKAGE")]
    start: Option<String>,
    /// Single text: whom the mediator consults (default: meetings when the scenario has a
    /// mediator party and meetings, else all).
    #[arg(long, value_enum)]
    consult: Option<Consult>,
}

impl ProtocolArgs {
    /// Refuses single-text flags where no single text runs (`why` says where that is).
    pub(crate) fn refuse_unused(&self, why: &str) -> Result<()> {
        let given = [
            ("--mediator", self.mediator.is_some()),
            ("--start", self.start.is_some()),
            ("--consult", self.consult.is_some()),
        ];
        if let Some((flag, _)) = given.iter().find(|(_, g)| *g) {
            return Err(UsageError(format!(
                "{flag} only applies to the single negotiating text, and {why}"
            ))
            .into());
        }
        Ok(())
    }

    /// The single-text configuration for `setup`.
    pub(crate) fn single_text(
        &self,
        setup: &NegotiationSetup,
    ) -> Result<(SingleTextConfig, String)> {
        let s = &setup.scenario;
        let usage = |m: String| anyhow::Error::new(UsageError(m));
        let mediator: MediatorStrategy = self
            .mediator
            .as_deref()
            .unwrap_or(DEFAULT_MEDIATOR)
            .parse()
            .map_err(|e: detente_core::Error| usage(format!("--mediator: {e}")))?;
        let complete: Vec<usize> = (0..s.packages.len())
            .filter(|&k| s.packages[k].as_outcome().is_some())
            .collect();
        let start_idx = match &self.start {
            Some(name) => {
                let Some(k) = s.packages.iter().position(|p| &p.name == name) else {
                    let valid: Vec<&str> = s.packages.iter().map(|p| p.name.as_str()).collect();
                    return Err(usage(format!(
                        "--start: unknown package '{name}'; valid: {}",
                        valid.join(", ")
                    )));
                };
                if s.packages[k].as_outcome().is_none() {
                    return Err(usage(format!(
                        "--start: package '{name}' leaves some issues open; a starting draft needs one value on every issue (complete packages: {})",
                        complete
                            .iter()
                            .map(|&k| s.packages[k].name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
                Some(k)
            }
            None => s
                .mediator
                .as_ref()
                .and_then(|m| m.start)
                .or_else(|| complete.first().copied()),
        };
        let (start, label) = match start_idx {
            Some(k) => (
                s.packages[k]
                    .as_outcome()
                    .unwrap_or_else(|| Outcome::new(Vec::new())),
                s.packages[k].name.clone(),
            ),
            None => {
                // No reported draft: start from the first value of every issue.
                (
                    Outcome::new(vec![0; s.space().issues().len()]),
                    "the first option of every issue".to_string(),
                )
            }
        };
        let has_meetings =
            s.mediator.as_ref().is_some_and(|m| m.party_idx.is_some()) && !s.meetings.is_empty();
        let consult = self.consult.unwrap_or(if has_meetings {
            Consult::Meetings
        } else {
            Consult::All
        });
        let schedule = match consult {
            Consult::All => Consultation::everyone(s.parties().len()),
            Consult::Meetings => Consultation::from_meetings(s)
                .map_err(|e| usage(format!("--consult meetings: {e}")))?,
        };
        Ok((
            SingleTextConfig {
                rounds: setup.rounds,
                seed: setup.seed,
                mediator,
                start,
                schedule,
            },
            label,
        ))
    }
}

/// Runs the single text for `setup` and returns the result with the start's label.
pub(crate) fn run(
    args: &ProtocolArgs,
    setup: &NegotiationSetup,
) -> Result<(SingleTextResult, SingleTextConfig, String)> {
    let (config, label) = args.single_text(setup)?;
    let s = &setup.scenario;
    let mut st = if config.mediator.trusted_solution().is_some() {
        // Choosing a trusted neutral means every party confides its preferences to it.
        SingleText::with_confided(s, &setup.strategies, config.clone(), Confided::all(s))?
    } else {
        SingleText::new(s, &setup.strategies, config.clone())?
    };
    let r = st.run(&mut |_: &detente_core::protocol::Event| {});
    Ok((r, config, label))
}
