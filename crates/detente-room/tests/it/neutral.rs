//! Trusted-neutral rooms: delegates confide their preferences to the system, which computes
//! the exact Nash package and post-settlement improvements from them; the mediator sees the
//! packages only, never a preference, utility or gain.

use axum::http::StatusCode;
use detente_core::Preferences;
use detente_core::protocol::{Coalition, Confided, Solution, TrustedNeutral};
use detente_core::{Outcome, Scenario};
use detente_room::RoomSetup;
use detente_room::model::PrefsForm;

use crate::util::{App, Client, job_offer, token};

struct Neutral {
    app: App,
    s: Scenario,
    room_id: String,
    emp: Client,
    cand: Client,
    med: Client,
    /// The candidate's edited (confided) preferences and their form.
    cand_prefs: Preferences,
}

/// The candidate's private edit: remote work matters most, a walk-away of 0.3131.
fn edited_form(s: &Scenario) -> PrefsForm {
    let mut f = PrefsForm::from_preferences(&s.parties()[1].preferences);
    f.weights = vec![0.2, 0.1, 0.7];
    f.values[1] = vec![0.4242, 1.0, 0.5];
    f.reservation = 0.3131;
    f
}

fn form_fields(f: &PrefsForm) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, w) in f.weights.iter().enumerate() {
        out.push((format!("w_{i}"), format!("{w}")));
    }
    for (i, vs) in f.values.iter().enumerate() {
        for (x, v) in vs.iter().enumerate() {
            out.push((format!("v_{i}_{x}"), format!("{v}")));
        }
    }
    for (i, rl) in f.red_lines.iter().enumerate() {
        for x in rl {
            out.push((format!("red_{i}_{x}"), "1".into()));
        }
    }
    out.push(("reservation".into(), format!("{}", f.reservation)));
    out
}

async fn post_fields(app: &App, c: &Client, action: &str, fields: &[(String, String)]) -> u16 {
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    c.act(app, action, &f).await.status.as_u16()
}

fn neutral_of(s: &Scenario, cand: &Preferences) -> TrustedNeutral {
    TrustedNeutral::new(
        s,
        vec![
            Confided::new(0, s.parties()[0].preferences.clone()),
            Confided::new(1, cand.clone()),
        ],
    )
    .unwrap()
}

/// A trusted-neutral room where both delegations joined and the candidate edited its
/// preferences privately; nobody has confided yet.
async fn neutral_room() -> Neutral {
    let app = App::new();
    let s = job_offer();
    let mut setup = RoomSetup::all_people("neutral", &s);
    setup.trusted_neutral = true;
    let room = app.room(&s, &setup);
    let emp = app.join(token(&room, "party employer"), "Ana", "").await;
    let cand = app.join(token(&room, "party candidate"), "Ben", "").await;
    let med = app.join(token(&room, "mediator"), "Mia", "").await;
    let form = edited_form(&s);
    assert_eq!(
        post_fields(&app, &cand, "prefs", &form_fields(&form)).await,
        303
    );
    let cand_prefs = form
        .to_preferences(
            s.space(),
            "candidate",
            s.parties()[1].preferences.discount(),
        )
        .unwrap();
    Neutral {
        room_id: room.room_id,
        app,
        s,
        emp,
        cand,
        med,
        cand_prefs,
    }
}

fn describe(s: &Scenario, o: &Outcome) -> String {
    // As maud renders it.
    s.space()
        .describe(o)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
}

#[tokio::test]
async fn the_suggestion_is_the_librarys_exact_nash_package_of_the_confided_preferences() {
    let t = neutral_room().await;
    let app = &t.app;
    let mp = t.med.page(app).await.body;
    assert!(mp.contains("id=\"neutral-waiting\""), "{mp}");
    assert!(mp.contains("employer, candidate"), "both are awaited: {mp}");
    assert!(!mp.contains("id=\"neutral-nash\""));

    // Only the room's own delegations confide, each for itself.
    assert_eq!(
        t.med.act(app, "confide", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.emp.act(app, "confide", &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let mp = t.med.page(app).await.body;
    assert!(mp.contains("Waiting for candidate to confide"), "{mp}");
    assert_eq!(
        t.cand.act(app, "confide", &[]).await.status,
        StatusCode::SEE_OTHER
    );

    let neutral = neutral_of(&t.s, &t.cand_prefs);
    let expected = neutral
        .propose(Solution::Nash, Coalition::All)
        .unwrap()
        .outcome
        .expect("the edited scenario has a zone");
    // The edit matters: the scenario's own preferences give another package, so the room
    // must have used the confided ones.
    let unedited = TrustedNeutral::new(&t.s, Confided::all(&t.s))
        .unwrap()
        .propose(Solution::Nash, Coalition::All)
        .unwrap()
        .outcome
        .unwrap();
    assert_ne!(expected, unedited);
    let mp = t.med.page(app).await.body;
    let nash_line = mp
        .split("id=\"neutral-nash\"")
        .nth(1)
        .expect("the mediator sees the neutral's proposal");
    let nash_line = &nash_line[..nash_line.find("</p>").unwrap()];
    assert!(
        nash_line.contains(&describe(&t.s, &expected)),
        "{nash_line}"
    );
    assert!(!nash_line.contains(&describe(&t.s, &unedited)));
    // The draft the talks open with defaults to it.
    for (i, issue) in t.s.space().issues().iter().enumerate() {
        let label = issue.value(expected.get(i)).unwrap().to_string();
        assert!(
            mp.contains(&format!("<option value=\"{label}\" selected>")),
            "clause {i} defaults to {label}"
        );
    }

    // Changing preferences withdraws the confidence; confided again, the new preferences
    // count (back to the scenario's: the unedited package), then the edited ones again.
    let unedited_form = PrefsForm::from_preferences(&t.s.parties()[1].preferences);
    assert_eq!(
        post_fields(app, &t.cand, "prefs", &form_fields(&unedited_form)).await,
        303
    );
    let mp = t.med.page(app).await.body;
    assert!(mp.contains("Waiting for candidate to confide"), "{mp}");
    assert_eq!(
        t.cand.act(app, "confide", &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let mp = t.med.page(app).await.body;
    assert!(mp.contains(&describe(&t.s, &unedited)), "{mp}");
    let form = edited_form(&t.s);
    assert_eq!(
        post_fields(app, &t.cand, "prefs", &form_fields(&form)).await,
        303
    );
    assert_eq!(
        t.cand.act(app, "confide", &[]).await.status,
        StatusCode::SEE_OTHER
    );

    // Open the talks on a dominated package: the neutral counts the packages every party
    // strictly prefers and suggests the library's best one.
    let space = t.s.space();
    let x = Outcome::new(vec![0, 2, 1]);
    let imp = neutral.improve(&x).unwrap();
    assert!(imp.count > 0, "the test package must be improvable");
    let best = imp.best.clone().unwrap();
    let clause = |o: &Outcome| -> Vec<(String, String)> {
        (0..space.issues().len())
            .map(|i| {
                (
                    format!("clause_{i}"),
                    space.issues()[i].value(o.get(i)).unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(post_fields(app, &t.med, "start", &clause(&x)).await, 303);
    let mp = t.med.page(app).await.body;
    assert!(
        mp.contains(&format!("<span id=\"neutral-count\">{}</span>", imp.count)),
        "{mp}"
    );
    assert!(mp.contains(&describe(&t.s, &best)), "{mp}");
    assert!(mp.contains("The trusted neutral suggests"));

    // Both accept the dominated package: a tentative agreement. The neutral then offers the
    // same improvement on it, the mediator tables it, and the agreement stands meanwhile.
    for c in [&t.emp, &t.cand] {
        let r = c
            .act(app, "verdict", &[("version", "0"), ("accept", "yes")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let room = app.store().room(&t.room_id).unwrap();
    assert_eq!(room.agreed_version, Some(0));
    let mp = t.med.page(app).await.body;
    assert!(mp.contains("Table an improvement on the agreement"), "{mp}");
    assert_eq!(post_fields(app, &t.med, "draft", &clause(&best)).await, 303);
    let room = app.store().room(&t.room_id).unwrap();
    assert_eq!(room.status.as_str(), "talks");
    assert_eq!(room.agreed_version, Some(0), "the agreement stands");
    assert!(
        t.emp
            .page(app)
            .await
            .body
            .contains("The agreement on version 0 stands")
    );
    for c in [&t.emp, &t.cand] {
        let r = c
            .act(app, "verdict", &[("version", "1"), ("accept", "yes")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let room = app.store().room(&t.room_id).unwrap();
    assert_eq!(room.agreed_version, Some(1));
    // Each party gains by the improvement: the delegate sees its own gain.
    let gain = t.cand_prefs.utility(&best) - t.cand_prefs.utility(&x);
    assert!(gain > 0.0);
}

/// Every number that would reveal a confided preference: the candidate's edited values and
/// walk-away, and every party's utility and gain at the neutral's packages, as pages print
/// them.
fn secrets(t: &Neutral) -> Vec<String> {
    let neutral = neutral_of(&t.s, &t.cand_prefs);
    let p = neutral.propose(Solution::Nash, Coalition::All).unwrap();
    let mut out: Vec<String> = vec![
        "0.4242".into(),
        "0.424".into(),
        "0.3131".into(),
        "0.313".into(),
    ];
    for x in p.utilities.iter().chain(&p.gains) {
        out.push(format!("{x:.3}"));
    }
    out
}

#[tokio::test]
async fn the_mediator_cannot_read_confided_preferences_through_any_route() {
    let t = neutral_room().await;
    let app = &t.app;
    for c in [&t.emp, &t.cand] {
        assert_eq!(
            c.act(app, "confide", &[]).await.status,
            StatusCode::SEE_OTHER
        );
    }
    let secrets = secrets(&t);
    // The candidate itself sees its own numbers (so the markers are real) …
    let cp = t.cand.page(app).await.body;
    assert!(cp.contains("0.424") && cp.contains("0.313"), "{cp}");
    assert!(cp.contains("id=\"neutral-nash-own\""));
    let check = |what: &str, body: &str| {
        for s in &secrets {
            assert!(!body.contains(s.as_str()), "{what} shows {s}");
        }
    };
    let routes: [(&str, &str); 10] = [
        ("GET", ""),
        ("GET", "/state.json"),
        ("POST", "/prefs"),
        ("POST", "/confide"),
        ("POST", "/start"),
        ("POST", "/draft"),
        ("POST", "/verdict"),
        ("POST", "/note"),
        ("POST", "/ask"),
        ("POST", "/answer"),
    ];
    let seats = [&t.emp.base, &t.cand.base, &t.med.base];
    for phase in ["setup", "talks"] {
        for base in seats {
            for (m, suffix) in routes {
                let uri = format!("{base}{suffix}");
                let r = if m == "GET" {
                    app.get(&uri, Some(&t.med.cookie)).await
                } else {
                    app.post(&uri, Some(&t.med.cookie), &[("csrf", &t.med.csrf)])
                        .await
                };
                if base != &t.med.base {
                    assert_eq!(r.status, StatusCode::FORBIDDEN, "{phase} {m} {uri}");
                }
                check(&format!("{phase}: the mediator's {m} {uri}"), &r.body);
            }
        }
        if phase == "setup" {
            // Open the talks on the neutral's proposal (the form's default).
            let nash = neutral_of(&t.s, &t.cand_prefs)
                .propose(Solution::Nash, Coalition::All)
                .unwrap()
                .outcome
                .unwrap();
            let f: Vec<(String, String)> = (0..t.s.space().issues().len())
                .map(|i| {
                    (
                        format!("clause_{i}"),
                        t.s.space().issues()[i]
                            .value(nash.get(i))
                            .unwrap()
                            .to_string(),
                    )
                })
                .collect();
            assert_eq!(post_fields(app, &t.med, "start", &f).await, 303);
            // The Nash package is Pareto-optimal: no improvement on it.
            let mp = t.med.page(app).await.body;
            assert!(
                mp.contains("No package is better for every party than version 0"),
                "{mp}"
            );
            check("the mediator's page in the talks", &mp);
        }
    }
    // … and the room state the mediator can reach holds nothing else: its seat's JSON.
    let js = app.get(&format!("{}/state.json", t.med.base), None).await;
    assert_eq!(js.status, StatusCode::UNAUTHORIZED);
}
