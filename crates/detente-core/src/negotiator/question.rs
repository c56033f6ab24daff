//! Cheap questions a mediator may put to a party's delegate, and the answers.
//!
//! Besides its [`Verdict`](super::Verdict) on the draft on the table, a delegate can answer
//! questions that take seconds of a human's time: "which of these two texts do you prefer?",
//! "rate this text from 0 to 10". Each party answers from its own preferences; a mediator that
//! asks learns only the answers, never a utility function. Every question costs: mechanisms
//! count them.
//!
//! Non-goals: free-form talk; questions that reveal a walk-away value or weights directly.

use crate::TIE_EPS;
use crate::outcome::Outcome;
use crate::preferences::Preferences;

/// A question to one party about texts.
#[derive(Clone, Debug, PartialEq)]
pub enum Question {
    /// Which of two texts the party prefers.
    Compare {
        /// The first text.
        first: Outcome,
        /// The second text.
        second: Outcome,
    },
    /// How the party rates a text on a 0–10 scale (0: its worst text, 10: its best).
    Rate(Outcome),
}

/// Which of two texts a party prefers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preference {
    /// The first text.
    First,
    /// The second text.
    Second,
    /// Neither: they are as good as each other.
    Indifferent,
}

/// A party's answer to a [`Question`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The answer to [`Question::Compare`].
    Prefers(Preference),
    /// The answer to [`Question::Rate`]: an integer from 0 to 10.
    Rating(u8),
}

/// How a delegate who knows `prefs` answers `question`: a text that crosses one of its red lines
/// is worse than any text that does not; otherwise the higher utility is preferred (ties within
/// [`TIE_EPS`]). A rating is the utility rescaled from the party's worst (0) to its best (10)
/// text and rounded to an integer.
pub fn answer_from(prefs: &Preferences, question: &Question) -> Answer {
    match question {
        Question::Compare { first, second } => {
            let key = |o: &Outcome| (!prefs.red_lines().violated_by(o), prefs.utility(o));
            let (a, b) = (key(first), key(second));
            Answer::Prefers(if a.0 != b.0 {
                if a.0 {
                    Preference::First
                } else {
                    Preference::Second
                }
            } else if a.1 > b.1 + TIE_EPS {
                Preference::First
            } else if b.1 > a.1 + TIE_EPS {
                Preference::Second
            } else {
                Preference::Indifferent
            })
        }
        Question::Rate(o) => {
            let (lo, hi) = (prefs.ufun().min(), prefs.ufun().max());
            let x = if hi > lo + TIE_EPS {
                10.0 * (prefs.utility(o) - lo) / (hi - lo)
            } else {
                10.0
            };
            Answer::Rating(x.round().clamp(0.0, 10.0) as u8)
        }
    }
}
