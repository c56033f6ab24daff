//! Players: the named negotiator factories a tournament pits against each other.
//!
//! A [`Player`] is a name plus a way to build a fresh [`Negotiator`] for each negotiation. The
//! built-in strategies are players named by their canonical name (`Strategy`'s `Display`);
//! embedders (tests, the Python bindings) can add their own with [`Player::custom`].
//!
//! Non-goals: negotiators that keep state across negotiations (each negotiation builds its own
//! negotiators, so runs stay independent of scheduling).

use std::fmt;
use std::sync::Arc;

use detente_core::negotiator::{Negotiator, NegotiatorInit, Strategy};

/// Builds a negotiator for one negotiation.
pub type Factory = dyn Fn(NegotiatorInit<'_>) -> Box<dyn Negotiator> + Send + Sync;

/// A named competitor of a tournament.
#[derive(Clone)]
pub struct Player {
    name: String,
    factory: Arc<Factory>,
    /// The built-in strategy, for a built-in player (single-text tournaments need it to build
    /// the negotiator that reviews drafts).
    strategy: Option<Strategy>,
}

impl Player {
    /// A built-in strategy, named by its canonical name (e.g. `tit-for-tat`).
    pub fn builtin(strategy: Strategy) -> Player {
        let name = strategy.to_string();
        let kept = strategy.clone();
        Player {
            name,
            factory: Arc::new(move |init| strategy.build(init)),
            strategy: Some(kept),
        }
    }

    /// A player built by `factory`. The name identifies it in the store, the ranking and the
    /// tournament's fingerprint, so it must change when the behaviour does.
    pub fn custom(
        name: impl Into<String>,
        factory: impl Fn(NegotiatorInit<'_>) -> Box<dyn Negotiator> + Send + Sync + 'static,
    ) -> Player {
        Player {
            name: name.into(),
            factory: Arc::new(factory),
            strategy: None,
        }
    }

    /// The built-in strategy, for a built-in player; `None` for a custom one.
    pub fn strategy(&self) -> Option<Strategy> {
        self.strategy.clone()
    }

    /// The player's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A fresh negotiator for one negotiation.
    pub fn build(&self, init: NegotiatorInit<'_>) -> Box<dyn Negotiator> {
        (self.factory)(init)
    }
}

impl fmt::Debug for Player {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Player").field("name", &self.name).finish()
    }
}

impl From<Strategy> for Player {
    fn from(strategy: Strategy) -> Player {
        Player::builtin(strategy)
    }
}
