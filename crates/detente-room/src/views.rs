//! Server-rendered pages (maud, which escapes every interpolated string): the delegate's,
//! mediator's, observer's and host's views, and the small forms for joining and logging in.
//!
//! Non-goals: deciding who may see what. Each view function receives only the data its seat
//! may see; the web layer assembles that data from queries keyed by the session's own seat.

use detente_core::negotiator::Verdict;
use detente_core::{Outcome, OutcomeSpace, Preferences};
use maud::{DOCTYPE, Markup, html};

use crate::model::{PrefsForm, diff, value_label};
use crate::store::{
    NeutralAdvice, Note, Question, Room, Seat, SeatKind, Status, StoredVerdict, Version,
};

/// The page frame: CSS and the live-update script are served from the binary.
pub(crate) fn page(title: &str, events: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · detente room" }
                link rel="stylesheet" href="/static/room.css";
                @if events.is_some() {
                    script src="/static/room.js" defer {}
                }
            }
            body data-events=[events] {
                header.top { span.brand { "detente" } " " span.title { (title) } }
                main { (body) }
            }
        }
    }
}

/// A short page for an error.
pub(crate) fn error_page(status: u16, message: &str) -> Markup {
    page(
        "error",
        None,
        html! {
            section.card.error {
                h1 { "Error " (status) }
                p { (message) }
                p { a href="/" { "Back" } }
            }
        },
    )
}

fn csrf_field(csrf: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(csrf); }
}

/// The landing page.
pub(crate) fn index() -> Markup {
    page(
        "negotiation room",
        None,
        html! {
            section.card {
                h1 { "A detente negotiation room" }
                p { "Open the invitation link you were given to take your seat. \
                     Each invitation works once; afterwards log in with your passphrase." }
            }
        },
    )
}

/// The join form behind an invitation link.
pub(crate) fn join_form(
    action: &str,
    seat_label: &str,
    pre_csrf: &str,
    with_passphrase: bool,
) -> Markup {
    page(
        "join",
        None,
        html! {
            section.card {
                h1 { "Take your seat: " (seat_label) }
                form method="post" action=(action) {
                    (csrf_field(pre_csrf))
                    label { "Your name " input type="text" name="name" required maxlength="100"; }
                    @if with_passphrase {
                        label { "Passphrase (optional, at least 10 characters, to log in again later) "
                            input type="password" name="passphrase" maxlength="200"; }
                    }
                    button type="submit" { "Join" }
                }
            }
        },
    )
}

/// The passphrase login form of a seat.
pub(crate) fn login_form(action: &str, pre_csrf: &str) -> Markup {
    page(
        "log in",
        None,
        html! {
            section.card {
                h1 { "Log in to your seat" }
                form method="post" action=(action) {
                    (csrf_field(pre_csrf))
                    label { "Passphrase " input type="password" name="passphrase" required; }
                    button type="submit" { "Log in" }
                }
            }
        },
    )
}

/// The host's page: create a room, list one's rooms.
pub(crate) fn host_page(csrf: &str, rooms: &[(String, String, Status)]) -> Markup {
    page(
        "host",
        None,
        html! {
            section.card {
                h1 { "Create a room" }
                form method="post" action="/host/upload" enctype="multipart/form-data" id="create-room" {
                    (csrf_field(csrf))
                    label { "Room name (default: the scenario's) " input type="text" name="name" maxlength="200"; }
                    label { "Scenario files: one detente .toml, a GENIUS domain and its profiles (.xml), or GeniusWeb profiles and domain (.json) "
                        input type="file" name="files" multiple accept=".toml,.xml,.json"; }
                    label { "… or paste a detente native TOML scenario "
                        textarea name="scenario" rows="10" cols="80" {} }
                    label { "Agent parties (optional, e.g. " code { "employer=boulware" } ") "
                        input type="text" name="agents" maxlength="500"; }
                    label { "Mediator "
                        select name="mediator" {
                            option value="person" { "a person" }
                            option value="feedback" { "the built-in feedback mediator" }
                        }
                    }
                    label { "Observers " input type="number" name="observers" value="0" min="0" max="20"; }
                    label { input type="checkbox" name="trusted_neutral" value="yes";
                        " Trusted-neutral room: delegates confide their preferences to the system, which (not the mediator) computes suggestions" }
                    button type="submit" { "Create the room" }
                }
            }
            @if !rooms.is_empty() {
                section.card {
                    h2 { "Your rooms" }
                    ul { @for (id, name, status) in rooms { li { (name) " — " (status.as_str()) " (" code { (id) } ")" } } }
                }
            }
        },
    )
}

/// The page shown once after a room is created, with its invitation links.
pub(crate) fn invitations_page(room_name: &str, links: &[(String, String)]) -> Markup {
    page(
        "invitations",
        None,
        html! {
            section.card {
                h1 { "Room created: " (room_name) }
                p { "Send each link to its seat's holder over a private channel. \
                     They are shown only now and work once." }
                table #invitations {
                    tr { th { "Seat" } th { "Invitation link" } }
                    @for (label, url) in links {
                        tr { td { (label) } td { a.invite href=(url) data-seat=(label) { (url) } } }
                    }
                }
                p { a href="/host" { "Back to your rooms" } }
            }
        },
    )
}

/// Everything a party delegate may see: its own preferences and verdicts, the text.
pub(crate) struct DelegateData<'a> {
    /// The room.
    pub(crate) room: &'a Room,
    /// The seat.
    pub(crate) seat: &'a Seat,
    /// Its party's name.
    pub(crate) party_name: &'a str,
    /// The space.
    pub(crate) space: &'a OutcomeSpace,
    /// Its own (possibly edited) preferences.
    pub(crate) prefs: &'a Preferences,
    /// The same, in form terms.
    pub(crate) form: &'a PrefsForm,
    /// The versions of the text.
    pub(crate) versions: &'a [Version],
    /// Its own verdicts.
    pub(crate) verdicts: &'a [StoredVerdict],
    /// Its own notes.
    pub(crate) notes: &'a [Note],
    /// Questions put to it.
    pub(crate) questions: &'a [Question],
    /// Whether it may open the talks (agent-mediator rooms).
    pub(crate) may_start: bool,
    /// The trusted neutral's advice (trusted-neutral rooms).
    pub(crate) neutral: Option<&'a NeutralAdvice>,
    /// Session CSRF token.
    pub(crate) csrf: &'a str,
}

fn seat_base(room: &Room, seat: &Seat) -> String {
    format!("/room/{}/seat/{}", room.public_id, seat.public_id)
}

fn status_banner(room: &Room, space: &OutcomeSpace, versions: &[Version]) -> Markup {
    html! {
        @match room.status {
            Status::Setup => p.status.setup { "Setting up: the talks have not started." },
            Status::Talks => p.status.talks { "Talks open: version " (versions.last().map_or(0, |v| v.version)) " is on the table."
                @if let Some(a) = room.agreed_version { " The agreement on version " (a) " stands unless every party accepts this improvement on it." } },
            Status::Agreed => {
                p.status.agreed #agreement { "Agreement recorded on version " (room.agreed_version.unwrap_or(0)) ": "
                    @if let Some(v) = versions.iter().find(|v| Some(v.version) == room.agreed_version) {
                        (space.describe(&v.draft))
                    }
                }
            }
            Status::Ended => p.status.ended { "The talks ended without agreement." },
        }
    }
}

/// The current text with the clause-level diff from the previous version.
fn text_table(space: &OutcomeSpace, versions: &[Version], utility: Option<&Preferences>) -> Markup {
    let Some(cur) = versions.last() else {
        return html! { p { "No text has been tabled yet." } };
    };
    let prev = versions.len().checked_sub(2).map(|k| &versions[k].draft);
    let changes = prev.map(|p| diff(p, &cur.draft)).unwrap_or_default();
    html! {
        table.text #current-text {
            tr { th { "Clause" } th { "Version " (cur.version) } th { "Change" }
                @if utility.is_some() { th { "Your utility if this clause were instead…" } } }
            @for (i, issue) in space.issues().iter().enumerate() {
                @let changed = changes.iter().find(|c| c.0 == i);
                tr.changed[changed.is_some()] {
                    td { (issue.name()) }
                    td.value { (value_label(space, i, cur.draft.get(i))) }
                    td { @if let Some(&(_, old, new)) = changed {
                        del { (value_label(space, i, old)) } " → " ins { (value_label(space, i, new)) }
                    } }
                    @if let Some(prefs) = utility {
                        td.alts { @for v in 0..issue.n_values() {
                            @if v != cur.draft.get(i) {
                                @let o = with_value(&cur.draft, i, v);
                                span.alt.redline[prefs.red_lines().forbids(i, v)] {
                                    (value_label(space, i, v)) ": " (format!("{:.2}", prefs.utility(&o)))
                                }
                                " "
                            }
                        } }
                    }
                }
            }
        }
    }
}

fn with_value(o: &Outcome, i: usize, v: u32) -> Outcome {
    let mut idx = o.indices().to_vec();
    idx[i] = v;
    Outcome::new(idx)
}

/// Own utility across versions, as a small inline SVG (the concession curve).
fn concession_svg(prefs: &Preferences, versions: &[Version]) -> Markup {
    let (w, h, pad) = (320.0, 120.0, 20.0);
    let n = versions.len();
    let xs = |k: usize| {
        if n <= 1 {
            pad
        } else {
            pad + (w - 2.0 * pad) * k as f64 / (n - 1) as f64
        }
    };
    let ys = |u: f64| h - pad - (h - 2.0 * pad) * u.clamp(0.0, 1.0);
    let pts: Vec<(f64, f64)> = versions
        .iter()
        .enumerate()
        .map(|(k, v)| (xs(k), ys(prefs.utility(&v.draft))))
        .collect();
    let line: String = pts
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ");
    let r = ys(prefs.reservation());
    html! {
        svg.curve #concession width=(w) height=(h) viewBox=(format!("0 0 {w} {h}")) role="img" aria-label="your utility across versions" {
            rect x="0" y="0" width=(w) height=(h) fill="#fbfbfd" stroke="#ccd" {}
            line x1=(pad) x2=(w - pad) y1=(r) y2=(r) stroke="#c44" stroke-dasharray="4 3" {}
            text x=(w - pad) y=(r - 3.0) text-anchor="end" font-size="9" fill="#c44" { "walk-away" }
            text x="2" y=(pad) font-size="9" fill="#667" { "1" }
            text x="2" y=(h - pad) font-size="9" fill="#667" { "0" }
            @if pts.len() > 1 { polyline points=(line) fill="none" stroke="#2b5fb3" stroke-width="2" {} }
            @for (k, (x, y)) in pts.iter().enumerate() {
                circle cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="3" fill="#2b5fb3" { title { "version " (k) } }
            }
        }
    }
}

/// The mediator's picture of the acceptance pattern across versions: per party, one row for
/// its overall answer and one per clause; one column per version. Cells say fine, objects,
/// red line, or no answer (and accepts / does not accept on the answer row). Built with maud,
/// so party and issue names are escaped like everywhere else.
fn pattern_svg(
    space: &OutcomeSpace,
    parties: &[(i64, String)],
    versions: &[Version],
    verdicts: &[StoredVerdict],
) -> Markup {
    let n_v = versions.len().max(1);
    let (label_w, top, row_h) = (170.0, 22.0, 15.0);
    let cell_w: f64 = (560.0 / n_v as f64).clamp(8.0, 48.0);
    let rows_per_party = space.issues().len() + 2; // name, answer, clauses
    // Wide enough for the legend below the cells.
    let w = (label_w + cell_w * n_v as f64 + 10.0).max(580.0);
    let h = top + row_h * (rows_per_party * parties.len()) as f64 + 30.0;
    let label_every = (n_v / 20).max(1);
    let x = |k: usize| label_w + cell_w * k as f64;
    html! {
        svg.pattern #pattern-chart width=(w) height=(h) viewBox=(format!("0 0 {w} {h}")) role="img"
            aria-label="acceptance per clause and party across versions" {
            rect x="0" y="0" width=(w) height=(h) fill="#fbfbfd" {}
            @for (k, v) in versions.iter().enumerate() {
                @if k % label_every == 0 {
                    text x=(format!("{:.1}", x(k) + cell_w / 2.0)) y="14" font-size="10" text-anchor="middle" fill="#445" { "v" (v.version) }
                }
            }
            @for (pi, (seat_id, name)) in parties.iter().enumerate() {
                @let y0 = top + row_h * (pi * rows_per_party) as f64;
                text x="4" y=(format!("{:.1}", y0 + 11.0)) font-size="11" font-weight="bold" fill="#1d2233" { (name) }
                text x="14" y=(format!("{:.1}", y0 + row_h + 11.0)) font-size="10" fill="#445" { "answer" }
                @for (i, issue) in space.issues().iter().enumerate() {
                    text x="14" y=(format!("{:.1}", y0 + row_h * (i + 2) as f64 + 11.0)) font-size="10" fill="#445" { (issue.name()) }
                }
                @for (k, v) in versions.iter().enumerate() {
                    @let ans = verdicts.iter().find(|x| x.version == v.version && x.seat_id == *seat_id);
                    @let (cls, fill) = match ans {
                        None => ("pending", "#e4e6ee"),
                        Some(a) if a.verdict.accept => ("accepts", "#3a9d5d"),
                        Some(_) => ("rejects", "#d9534f"),
                    };
                    rect class=(cls) data-v=(v.version) data-p=(pi) data-c="answer"
                        x=(format!("{:.1}", x(k) + 1.0)) y=(format!("{:.1}", y0 + row_h + 1.0))
                        width=(format!("{:.1}", cell_w - 2.0)) height=(row_h - 2.0) fill=(fill) {
                        title { (name) ", version " (v.version) ": " (cls) }
                    }
                    @for (i, issue) in space.issues().iter().enumerate() {
                        @let (cls, fill) = match ans {
                            None => ("pending", "#e4e6ee"),
                            Some(a) if a.verdict.red_lines.contains(&i) => ("redline", "#c0392b"),
                            Some(a) if a.verdict.objections.contains(&i) => ("object", "#f0ad4e"),
                            Some(_) => ("ok", "#9fd8b0"),
                        };
                        rect class=(cls) data-v=(v.version) data-p=(pi) data-c=(i)
                            x=(format!("{:.1}", x(k) + 1.0)) y=(format!("{:.1}", y0 + row_h * (i + 2) as f64 + 1.0))
                            width=(format!("{:.1}", cell_w - 2.0)) height=(row_h - 2.0) fill=(fill) {
                            title { (name) ", " (issue.name()) ", version " (v.version) ": " (cls) }
                        }
                    }
                }
            }
            @let ly = h - 12.0;
            @for (j, (label, fill)) in [("fine", "#9fd8b0"), ("objects", "#f0ad4e"), ("red line", "#c0392b"), ("accepts", "#3a9d5d"), ("does not accept", "#d9534f"), ("no answer", "#e4e6ee")].iter().enumerate() {
                @let lx = 4.0 + 96.0 * j as f64 + if j > 4 { 14.0 } else { 0.0 };
                rect x=(lx) y=(ly - 9.0) width="10" height="10" fill=(fill) {}
                text x=(lx + 14.0) y=(ly) font-size="10" fill="#445" { (label) }
            }
        }
    }
}

fn verdict_summary(space: &OutcomeSpace, v: &Verdict) -> Markup {
    let names = |xs: &[usize]| -> String {
        xs.iter()
            .map(|&i| space.issues()[i].name().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    html! {
        @if v.accept { span.accept { "accepts" } } @else { span.reject { "does not accept" } }
        @if !v.objections.is_empty() { " · objects to " (names(&v.objections)) }
        @if !v.red_lines.is_empty() { " · red line on " (names(&v.red_lines)) }
        @for (i, x) in &v.preferred { " · asks " (space.issues()[*i].name()) " = " (value_label(space, *i, *x)) }
    }
}

fn history(space: &OutcomeSpace, versions: &[Version], own: &dyn Fn(u32) -> Markup) -> Markup {
    html! {
        ol.history #history start="0" {
            @for (k, v) in versions.iter().enumerate() {
                li {
                    strong { "Version " (v.version) } " (" (v.author) "): "
                    @if k == 0 { (space.describe(&v.draft)) } @else {
                        @for (i, old, new) in diff(&versions[k - 1].draft, &v.draft) {
                            span.change { (space.issues()[i].name()) ": " del { (value_label(space, i, old)) } " → " ins { (value_label(space, i, new)) } } " "
                        }
                    }
                    (own(v.version))
                }
            }
        }
    }
}

fn notes_section(base: &str, notes: &[Note], csrf: &str) -> Markup {
    html! {
        section.card #notes {
            h2 { "Private notes" }
            p.hint { "Only you can read these." }
            ul { @for n in notes { li { (n.text) } } }
            form method="post" action=(format!("{base}/note")) {
                (csrf_field(csrf))
                textarea name="text" rows="2" cols="60" required maxlength="10000" {}
                button type="submit" { "Add note" }
            }
        }
    }
}

fn logout(csrf: &str) -> Markup {
    html! {
        form.logout method="post" action="/logout" { (csrf_field(csrf)) button type="submit" { "Log out" } }
    }
}

/// The delegate's page.
pub(crate) fn delegate_page(d: &DelegateData<'_>) -> Markup {
    let base = seat_base(d.room, d.seat);
    let space = d.space;
    let current = d.versions.last();
    let own_on = |ver: u32| -> Markup {
        match d.verdicts.iter().find(|v| v.version == ver) {
            Some(v) => html! { br; small { "You: " (verdict_summary(space, &v.verdict)) } },
            None => html! {},
        }
    };
    let body = html! {
        div.seatbar { "Room " strong { (d.room.name) } " · delegation of " strong #party { (d.party_name) }
            @if let Some(n) = &d.seat.display_name { " · " (n) } (logout(d.csrf)) }
        div data-live="1" id="live-status" { (status_banner(d.room, space, d.versions)) }
        @if d.room.status == Status::Setup {
            section.card #prefs {
                h2 { "Your preferences (private)" }
                p.hint { "Neither the mediator nor the other parties ever see these. You may adjust them until the talks start." }
                form method="post" action=(format!("{base}/prefs")) {
                    (csrf_field(d.csrf))
                    table.prefs {
                        tr { th { "Issue" } th { "Weight" } th { "Value of each option (0–1) and red lines" } }
                        @for (i, issue) in space.issues().iter().enumerate() {
                            tr {
                                td { (issue.name()) }
                                td { input type="number" step="any" min="0" name=(format!("w_{i}")) value=(format!("{:.4}", d.form.weights[i])); }
                                td { @for v in 0..issue.n_values() {
                                    span.opt {
                                        (value_label(space, i, v)) " "
                                        input type="number" step="any" min="0" max="1" name=(format!("v_{i}_{v}")) value=(format!("{:.3}", d.form.values[i][v as usize]));
                                        label.rl { input type="checkbox" name=(format!("red_{i}_{v}")) value="1" checked[d.form.red_lines[i].contains(&v)]; " red line" }
                                    }
                                } }
                            }
                        }
                    }
                    label { "Walk-away value (utility of no agreement) "
                        input type="number" step="any" min="0" max="1" name="reservation" value=(format!("{:.3}", d.form.reservation)); }
                    button type="submit" { "Save my preferences" }
                }
            }
            @if d.may_start {
                form method="post" action=(format!("{base}/start")) { (csrf_field(d.csrf)) button type="submit" { "Open the talks" } }
            }
        }
        @if let Some(a) = d.neutral {
            div data-live="1" id="live-neutral" { (delegate_neutral(d, a, &base)) }
        }
        div data-live="1" id="live-text" {
            @if let Some(cur) = current {
                section.card {
                    h2 { "The single text" }
                    p { "Your utility of this version: " strong #own-utility { (format!("{:.3}", d.prefs.utility(&cur.draft))) }
                        " (walk-away " (format!("{:.3}", d.prefs.reservation())) ")"
                        @if !d.prefs.is_acceptable(&cur.draft) { " " span.reject { "below your walk-away or across a red line" } } }
                    (text_table(space, d.versions, Some(d.prefs)))
                    h3 { "Your utility across versions" }
                    (concession_svg(d.prefs, d.versions))
                }
                @if d.room.status == Status::Talks {
                    section.card #answer {
                        h2 { "Your answer on version " (cur.version) }
                        form method="post" action=(format!("{base}/verdict")) id="verdict-form" {
                            (csrf_field(d.csrf))
                            input type="hidden" name="version" value=(cur.version);
                            table.verdict {
                                tr { th { "Clause" } th { "Stance" } th { "Alternative you request" } }
                                @for (i, issue) in space.issues().iter().enumerate() {
                                    tr {
                                        td { (issue.name()) }
                                        td { select name=(format!("stance_{i}")) {
                                            option value="ok" { "fine" }
                                            option value="object" { "object" }
                                            option value="redline" { "red line" }
                                        } }
                                        td { select name=(format!("alt_{i}")) {
                                            option value="" { "—" }
                                            @for v in 0..issue.n_values() { option value=(value_label(space, i, v)) { (value_label(space, i, v)) } }
                                        } }
                                    }
                                }
                            }
                            label { input type="radio" name="accept" value="yes"; " I accept this text" }
                            label { input type="radio" name="accept" value="no" checked; " I do not accept it yet" }
                            label { "Comment to the mediator " input type="text" name="comment" maxlength="2000"; }
                            button type="submit" id="send-verdict" { "Send my answer" }
                        }
                    }
                }
            }
        }
        div data-live="1" id="live-questions" {
            @if !d.questions.is_empty() {
                section.card #questions {
                    h2 { "The mediator's questions" }
                    @for q in d.questions {
                        div.q { p { strong { "Q: " } (q.text) }
                            @if let Some(a) = &q.answer { p { strong { "Your answer: " } (a) } } @else {
                                form method="post" action=(format!("{base}/answer")) {
                                    (csrf_field(d.csrf))
                                    input type="hidden" name="question" value=(q.id);
                                    input type="text" name="text" required maxlength="10000";
                                    button type="submit" { "Answer privately" }
                                }
                            }
                        }
                    }
                }
            }
        }
        div data-live="1" id="live-history" {
            section.card { h2 { "History" } (history(space, d.versions, &own_on)) }
        }
        (notes_section(&base, d.notes, d.csrf))
    };
    page(
        &format!("{} — {}", d.room.name, d.party_name),
        Some(&format!("{base}/events")),
        body,
    )
}

/// A delegate's trusted-neutral card: whether it confided, and its own gains (from its own
/// preferences) in what the neutral suggests.
fn delegate_neutral(d: &DelegateData<'_>, a: &NeutralAdvice, base: &str) -> Markup {
    let space = d.space;
    let own = |o: &Outcome| -> Markup {
        let u = d.prefs.utility(o);
        html! {
            " For you: utility " strong.own-gain { (format!("{:.3}", u)) }
            ", walk-away " (format!("{:.3}", d.prefs.reservation()))
            @if d.prefs.is_acceptable(o) { ", a gain of " (format!("{:.3}", u - d.prefs.reservation())) "." }
            @else { " — " span.reject { "below your walk-away or across a red line" } }
        }
    };
    html! {
        section.card #neutral {
            h2 { "Trusted neutral" }
            p.hint { "In this room you confide your preferences to the system, which computes                       suggestions from every party's confided preferences. The mediator sees the                       suggested packages only, never your preferences or your gains." }
            @if d.seat.confided {
                p #confided { "You have confided your preferences."
                    @if d.room.status == Status::Setup { " Saving changed preferences withdraws them until you confide again." } }
            } @else if d.seat.agent.is_none() {
                form method="post" action=(format!("{base}/confide")) id="confide-form" {
                    (csrf_field(d.csrf))
                    button type="submit" { "Confide my preferences to the trusted neutral" }
                }
            }
            @if !a.waiting_for.is_empty() {
                p.pending { "Waiting for " (a.waiting_for.len()) " part" @if a.waiting_for.len() != 1 { "ies" } @else { "y" } " to confide." }
            }
            @if let Some(n) = &a.nash {
                p #neutral-nash-own { "Its proposal (the Nash package): " (space.describe(n)) "." (own(n)) }
            }
            @if let Some((o, _)) = &a.closest {
                p { "No package meets every party's walk-away; the closest: " (space.describe(o)) "." (own(o)) }
            }
            @if let Some(i) = &a.improvement {
                @if let Some(b) = &i.best {
                    p #neutral-improvement-own { "Every party prefers " (i.count) " package" @if i.count != 1 { "s" } " to version " (i.on_version)
                        "; the best for the worst-off: " (space.describe(b)) "."
                        @let cur = d.versions.iter().find(|v| v.version == i.on_version);
                        @if let Some(c) = cur { " Your gain over version " (i.on_version) ": " (format!("{:.3}", d.prefs.utility(b) - d.prefs.utility(&c.draft))) "." } }
                } @else {
                    p { "No package is better for every party than version " (i.on_version) "." }
                }
            }
            @if let Some(f) = &a.failure { p.reject { "The trusted neutral could not answer: " (f) } }
        }
    }
}

/// The mediator's trusted-neutral card: packages and counts, never a utility or a gain.
fn mediator_neutral(space: &OutcomeSpace, a: &NeutralAdvice, party_names: &[String]) -> Markup {
    let names = |ps: &[usize]| -> String {
        ps.iter()
            .filter_map(|&p| party_names.get(p).cloned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    html! {
        section.card #neutral {
            h2 { "Trusted neutral" }
            p.hint { "The system computes these from the preferences the parties confided to it;                       you see the packages, never the preferences or anyone's gains." }
            @if !a.waiting_for.is_empty() {
                p.pending #neutral-waiting { "Waiting for " (names(&a.waiting_for)) " to confide." }
            }
            @if let Some(n) = &a.nash {
                p #neutral-nash { "Its proposal, the exact Nash package of the acceptable set: " strong { (space.describe(n)) }
                    ". Every party's walk-away value is met." }
            }
            @if let Some((o, blockers)) = &a.closest {
                p #neutral-closest { "No package meets every party's walk-away. The closest: " (space.describe(o))
                    "; blocked by " (names(blockers)) "." }
            }
            @if let Some(i) = &a.improvement {
                @if let Some(b) = &i.best {
                    p #neutral-improvement { "Post-settlement improvement: every party prefers "
                        span #neutral-count { (i.count) } " package" @if i.count != 1 { "s" } " to version " (i.on_version)
                        ". Suggested (best for the worst-off): " strong { (space.describe(b)) } "." }
                } @else {
                    p #neutral-improvement { "No package is better for every party than version " (i.on_version) "." }
                }
            }
            @if let Some(f) = &a.failure { p.reject { "The trusted neutral could not answer: " (f) } }
        }
    }
}

/// Everything the mediator may see: verdicts, objections, requests — never preferences.
pub(crate) struct MediatorData<'a> {
    /// The room.
    pub(crate) room: &'a Room,
    /// The seat.
    pub(crate) seat: &'a Seat,
    /// The space.
    pub(crate) space: &'a OutcomeSpace,
    /// Party names, in party order.
    pub(crate) party_names: Vec<String>,
    /// All seats.
    pub(crate) seats: &'a [Seat],
    /// The versions.
    pub(crate) versions: &'a [Version],
    /// Every verdict.
    pub(crate) verdicts: &'a [StoredVerdict],
    /// The suggested next draft (the trusted neutral's when it is ready, else the feedback
    /// mediator's).
    pub(crate) suggestion: Option<Outcome>,
    /// The trusted neutral's advice (trusted-neutral rooms).
    pub(crate) neutral: Option<&'a NeutralAdvice>,
    /// A starting draft for the setup form.
    pub(crate) start: Outcome,
    /// Questions and answers.
    pub(crate) questions: &'a [Question],
    /// Own notes.
    pub(crate) notes: &'a [Note],
    /// Session CSRF token.
    pub(crate) csrf: &'a str,
}

fn draft_editor(
    space: &OutcomeSpace,
    action: &str,
    csrf: &str,
    default: &Outcome,
    button: &str,
    id: &str,
) -> Markup {
    html! {
        form method="post" action=(action) id=(id) {
            (csrf_field(csrf))
            table.editor {
                @for (i, issue) in space.issues().iter().enumerate() {
                    tr { td { (issue.name()) } td {
                        select name=(format!("clause_{i}")) {
                            @for v in 0..issue.n_values() {
                                option value=(value_label(space, i, v)) selected[default.get(i) == v] { (value_label(space, i, v)) }
                            }
                        }
                    } }
                }
            }
            button type="submit" { (button) }
        }
    }
}

/// The mediator's page.
pub(crate) fn mediator_page(d: &MediatorData<'_>) -> Markup {
    let base = seat_base(d.room, d.seat);
    let space = d.space;
    let party_seats: Vec<&Seat> = d
        .seats
        .iter()
        .filter(|s| s.kind == SeatKind::Party)
        .collect();
    let name_of = |s: &Seat| -> String {
        let p = s
            .party_idx
            .and_then(|p| d.party_names.get(p))
            .cloned()
            .unwrap_or_default();
        match (&s.agent, &s.display_name) {
            (Some(a), _) => format!("{p} (agent: {a})"),
            (None, Some(n)) => format!("{p} ({n})"),
            (None, None) => format!("{p} (not joined)"),
        }
    };
    let confided = |s: &Seat| -> &'static str {
        match d.neutral {
            Some(_) if s.confided => " · confided",
            Some(_) => " · has not confided",
            None => "",
        }
    };
    let current = d.versions.last();
    let summary = |ver: u32| -> Markup {
        let vs: Vec<&StoredVerdict> = d.verdicts.iter().filter(|v| v.version == ver).collect();
        let n_acc = vs.iter().filter(|v| v.verdict.accept).count();
        html! { br; small { (n_acc) " of " (party_seats.len()) " accept" } }
    };
    let body = html! {
        div.seatbar { "Room " strong { (d.room.name) } " · " strong { "mediator" }
            @if let Some(n) = &d.seat.display_name { " · " (n) } (logout(d.csrf)) }
        div data-live="1" id="live-status" { (status_banner(d.room, space, d.versions)) }
        div data-live="1" id="live-seats" {
            section.card { h2 { "Seats" } ul { @for s in &party_seats { li { (name_of(s)) (confided(s)) } } } }
        }
        @if let Some(a) = d.neutral {
            div data-live="1" id="live-neutral" { (mediator_neutral(space, a, &d.party_names)) }
        }
        @if d.room.status == Status::Setup {
            // Live: in a trusted-neutral room the default becomes the neutral's proposal once
            // every party has confided.
            div data-live="1" id="live-start" {
                section.card { h2 { "Open the talks with a first draft" }
                    (draft_editor(space, &format!("{base}/start"), d.csrf, &d.start, "Open the talks", "start-form")) }
            }
        }
        div data-live="1" id="live-verdicts" {
            @if let Some(cur) = current {
                section.card {
                    h2 { "Version " (cur.version) " on the table" }
                    (text_table(space, d.versions, None))
                    h3 { "The parties' answers" }
                    table.verdicts #verdicts {
                        tr { th { "Party" } th { "Answer" } th { "Comment" } }
                        @for s in &party_seats {
                            tr { td { (name_of(s)) } td {
                                @if let Some(v) = d.verdicts.iter().find(|v| v.version == cur.version && v.seat_id == s.id) {
                                    (verdict_summary(space, &v.verdict))
                                } @else { span.pending { "waiting" } }
                            } td { @if let Some(v) = d.verdicts.iter().find(|v| v.version == cur.version && v.seat_id == s.id) { (v.comment) } } }
                        }
                    }
                    h3 { "Acceptance per clause and party across versions" }
                    @let named: Vec<(i64, String)> = party_seats.iter().map(|s| (s.id, s.party_idx.and_then(|p| d.party_names.get(p)).cloned().unwrap_or_default())).collect();
                    (pattern_svg(space, &named, d.versions, d.verdicts))
                    h3 { "Acceptance per clause and party on version " (cur.version) }
                    table.pattern #pattern {
                        tr { th { "Clause" } @for s in &party_seats { th { (s.party_idx.and_then(|p| d.party_names.get(p)).cloned().unwrap_or_default()) } } }
                        @for (i, issue) in space.issues().iter().enumerate() {
                            tr { td { (issue.name()) }
                                @for s in &party_seats {
                                    @let v = d.verdicts.iter().find(|v| v.version == cur.version && v.seat_id == s.id);
                                    @match v {
                                        None => td.cell.pending { "?" },
                                        Some(v) if v.verdict.red_lines.contains(&i) => td.cell.redline { "red line" },
                                        Some(v) if v.verdict.objections.contains(&i) => td.cell.object { "objects" },
                                        Some(_) => td.cell.ok { "fine" },
                                    }
                                }
                            }
                        }
                    }
                }
                @if (d.room.status == Status::Talks || (d.room.status == Status::Agreed && d.neutral.is_some())) && d.seat.agent.is_none() {
                    section.card #editor {
                        h2 { @if d.room.status == Status::Agreed { "Table an improvement on the agreement" } @else { "Table the next draft" } }
                        @if let Some(s) = &d.suggestion {
                            p #suggestion { (if d.neutral.is_some_and(|a| a.ready()) { "The trusted neutral suggests: " } else { "The feedback mediator suggests: " })
                                @let ch = diff(&cur.draft, s);
                                @if ch.is_empty() { "no change (it has nothing to move on yet)" }
                                @for (i, old, new) in ch { span.change { (space.issues()[i].name()) ": " del { (value_label(space, i, old)) } " → " ins { (value_label(space, i, new)) } } " " }
                            }
                        }
                        (draft_editor(space, &format!("{base}/draft"), d.csrf, d.suggestion.as_ref().unwrap_or(&cur.draft), "Table this draft", "draft-form"))
                    }
                }
            }
        }
        @if d.room.status != Status::Setup {
            section.card #ask {
                h2 { "Questions to a delegation (private to you and it)" }
                div data-live="1" id="live-questions" {
                    ul { @for q in d.questions {
                        li { (party_seats.iter().find(|s| s.id == q.seat_id).map(|s| name_of(s)).unwrap_or_default()) ": " (q.text)
                            " — " @if let Some(a) = &q.answer { em { (a) } } @else { span.pending { "no answer yet" } } }
                    } }
                }
                form method="post" action=(format!("{base}/ask")) {
                    (csrf_field(d.csrf))
                    select name="to" { @for s in &party_seats { option value=(s.public_id) { (name_of(s)) } } }
                    input type="text" name="text" required maxlength="10000";
                    button type="submit" { "Ask" }
                }
            }
        }
        div data-live="1" id="live-history" {
            section.card { h2 { "Version history" } (history(space, d.versions, &summary)) }
        }
        (notes_section(&base, d.notes, d.csrf))
    };
    page(
        &format!("{} — mediator", d.room.name),
        Some(&format!("{base}/events")),
        body,
    )
}

/// The observer's page: the text and its history.
pub(crate) fn observer_page(
    room: &Room,
    seat: &Seat,
    space: &OutcomeSpace,
    versions: &[Version],
    notes: &[Note],
    csrf: &str,
) -> Markup {
    let base = seat_base(room, seat);
    let none = |_: u32| html! {};
    let body = html! {
        div.seatbar { "Room " strong { (room.name) } " · observer" (logout(csrf)) }
        div data-live="1" id="live-status" { (status_banner(room, space, versions)) }
        div data-live="1" id="live-text" { section.card { h2 { "The single text" } (text_table(space, versions, None)) } }
        div data-live="1" id="live-history" { section.card { h2 { "History" } (history(space, versions, &none)) } }
        (notes_section(&base, notes, csrf))
    };
    page(
        &format!("{} — observer", room.name),
        Some(&format!("{base}/events")),
        body,
    )
}
