//! Whole negotiations through the HTTP app: people at every seat, and a room mixing a person
//! with agent seats.

use axum::http::StatusCode;
use detente_room::{Holder, RoomSetup, Status};

use crate::util::{App, job_offer, token};

#[tokio::test]
async fn two_delegations_and_a_mediator_reach_an_agreement() {
    let app = App::new();
    let s = job_offer();
    let room = app.room(&s, &RoomSetup::all_people("hiring", &s));
    let emp = app.join(token(&room, "party employer"), "Ana", "").await;
    let cand = app.join(token(&room, "party candidate"), "Ben", "").await;
    let med = app.join(token(&room, "mediator"), "Mia", "").await;

    // Before the talks: the candidate lowers its walk-away value, privately.
    let r = cand.act(&app, "prefs", &[("reservation", "0.25")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(cand.page(&app).await.body.contains("value=\"0.250\""));

    let r = med
        .act(
            &app,
            "start",
            &[
                ("clause_0", "60"),
                ("clause_1", "next month"),
                ("clause_2", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Preferences are frozen once the talks start.
    let r = cand.act(&app, "prefs", &[("reservation", "0.1")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // Version 0: the employer accepts; the candidate objects and declares a red line.
    let r = emp
        .act(&app, "verdict", &[("version", "0"), ("accept", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = cand
        .act(
            &app,
            "verdict",
            &[
                ("version", "0"),
                ("accept", "no"),
                ("stance_0", "object"),
                ("alt_0", "80"),
                ("stance_2", "redline"),
                ("comment", "salary too low"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mp = med.page(&app).await.body;
    assert!(mp.contains("red line on remote_days"), "{mp}");
    assert!(mp.contains("asks salary = 80"));
    assert!(mp.contains("salary too low"));
    assert!(mp.contains("The feedback mediator suggests"));

    // Revision 1.
    let r = med
        .act(
            &app,
            "draft",
            &[
                ("clause_0", "75"),
                ("clause_1", "next month"),
                ("clause_2", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // An answer on the old version is refused.
    let r = emp
        .act(&app, "verdict", &[("version", "0"), ("accept", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let page = emp.page(&app).await.body;
    assert!(
        page.contains("<del>60</del> → <ins>75</ins>"),
        "the clause diff is shown"
    );
    emp.act(
        &app,
        "verdict",
        &[
            ("version", "1"),
            ("accept", "no"),
            ("stance_2", "object"),
            ("alt_2", "1"),
        ],
    )
    .await;
    cand.act(
        &app,
        "verdict",
        &[("version", "1"), ("accept", "no"), ("stance_1", "object")],
    )
    .await;

    // Revision 2: both accept, and the agreement is recorded.
    med.act(
        &app,
        "draft",
        &[
            ("clause_0", "75"),
            ("clause_1", "in two months"),
            ("clause_2", "2"),
        ],
    )
    .await;
    emp.act(&app, "verdict", &[("version", "2"), ("accept", "yes")])
        .await;
    let r = app.store().room(&room.room_id).unwrap();
    assert_eq!(
        r.status,
        Status::Talks,
        "one acceptance is not an agreement"
    );
    cand.act(&app, "verdict", &[("version", "2"), ("accept", "yes")])
        .await;
    let r = app.store().room(&room.room_id).unwrap();
    assert_eq!(r.status, Status::Agreed);
    assert_eq!(r.agreed_version, Some(2));
    // The mediator's chart: one cell per party, clause (and answer) and version, as answered.
    let mp = med.page(&app).await.body;
    let chart = &mp[mp.find("id=\"pattern-chart\"").expect("the pattern chart")..];
    let chart = &chart[..chart.find("</svg>").unwrap()];
    let cell = |cls: &str, v: u32, p: usize, c: &str| {
        format!("<rect class=\"{cls}\" data-v=\"{v}\" data-p=\"{p}\" data-c=\"{c}\"")
    };
    for (cls, v, p, c) in [
        ("accepts", 0, 0, "answer"),
        ("rejects", 0, 1, "answer"),
        ("object", 0, 1, "0"),
        ("ok", 0, 1, "1"),
        ("redline", 0, 1, "2"),
        ("object", 1, 0, "2"),
        ("object", 1, 1, "1"),
        ("ok", 1, 1, "0"),
        ("accepts", 2, 0, "answer"),
        ("accepts", 2, 1, "answer"),
        ("ok", 2, 1, "2"),
    ] {
        assert!(
            chart.contains(&cell(cls, v, p, c)),
            "{cls} v{v} p{p} c{c}: {chart}"
        );
    }
    // 2 parties × (3 clauses + the answer) × 3 versions.
    assert_eq!(chart.matches("<rect class=").count(), 2 * 4 * 3);
    // The candidate's concession curve: one point per version at its own utility (the SVG maps
    // utility u to y = 100 − 80u), and its walk-away line at its edited 0.25.
    let cp = cand.page(&app).await.body;
    let curve = &cp[cp.find("id=\"concession\"").expect("the concession curve")..];
    let curve = &curve[..curve.find("</svg>").unwrap()];
    let cys: Vec<f64> = curve
        .split("<circle ")
        .skip(1)
        .map(|c| {
            let i = c.find("cy=\"").unwrap() + 4;
            c[i..i + c[i..].find('"').unwrap()].parse().unwrap()
        })
        .collect();
    let cand_prefs = &s.parties()[1].preferences;
    let drafts = [vec![0, 0, 0], vec![3, 0, 2], vec![3, 1, 2]];
    assert_eq!(cys.len(), drafts.len());
    for (y, d) in cys.iter().zip(&drafts) {
        let u = cand_prefs.utility(&detente_core::Outcome::new(d.clone()));
        assert!(
            (y - (100.0 - 80.0 * u.clamp(0.0, 1.0))).abs() < 0.06,
            "{y} for u = {u}"
        );
    }
    assert!(
        curve.contains("y1=\"80\""),
        "walk-away line at 0.25: {curve}"
    );
    for c in [&emp, &cand, &med] {
        let body = c.page(&app).await.body;
        assert!(
            body.contains(
                "Agreement recorded on version 2: salary=75, start=in two months, remote_days=2"
            ),
            "{body}"
        );
    }
    // The candidate's own utility uses its edited preferences; the state API agrees.
    let st = app
        .get(&format!("{}/state.json", cand.base), Some(&cand.cookie))
        .await;
    let v: serde_json::Value = serde_json::from_str(&st.body).unwrap();
    assert_eq!(v["status"], "agreed");
    assert_eq!(v["version"], 2);
    let own = v["own_utility"].as_f64().unwrap();
    let cand_prefs = &s.parties()[1].preferences;
    let agreed = detente_core::Outcome::new(vec![3, 1, 2]);
    assert!((own - cand_prefs.utility(&agreed)).abs() < 1e-9);
}

#[tokio::test]
async fn agents_answer_and_the_agent_mediator_revises() {
    let app = App::new();
    let s = job_offer();
    let setup = RoomSetup {
        name: "mixed".into(),
        parties: vec![Holder::Person, Holder::Agent("conceder".into())],
        mediator: Holder::Agent("feedback".into()),
        n_observers: 1,
        trusted_neutral: false,
    };
    let room = app.room(&s, &setup);
    assert_eq!(room.invitations.len(), 2, "the employer and the observer");
    let emp = app.join(token(&room, "party employer"), "Ana", "").await;
    let obs = app.join(token(&room, "observer 1"), "Oz", "").await;
    let r = emp.act(&app, "start", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app.store().room(&room.room_id).unwrap();
    let seats = app.store().seats(r.id).unwrap();
    let agent = seats
        .iter()
        .find(|x| x.agent.as_deref() == Some("conceder"))
        .unwrap();
    for _ in 0..60 {
        let r = app.store().room(&room.room_id).unwrap();
        if r.status != Status::Talks {
            break;
        }
        let versions = app.store().versions(r.id).unwrap();
        let v = versions.last().unwrap();
        // The agent has answered every version already.
        let av = app.store().verdicts_of_seat(agent.id).unwrap();
        assert!(av.iter().any(|x| x.version == v.version));
        // The employer accepts once it gets at least 0.5, else asks for a lower salary.
        let u = s.parties()[0].preferences.utility(&v.draft);
        let ver = v.version.to_string();
        let fields: Vec<(&str, &str)> = if u >= 0.5 {
            vec![("version", &ver), ("accept", "yes")]
        } else {
            vec![
                ("version", &ver),
                ("accept", "no"),
                ("stance_0", "object"),
                ("alt_0", "60"),
            ]
        };
        let res = emp.act(&app, "verdict", &fields).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
    let r = app.store().room(&room.room_id).unwrap();
    assert_ne!(
        r.status,
        Status::Talks,
        "the agent mediator's room must finish"
    );
    let versions = app.store().versions(r.id).unwrap();
    assert!(versions.len() > 1);
    assert!(versions[1..].iter().all(|v| v.author == "agent mediator"));
    // The observer sees the text and history but no verdicts.
    let ob = obs.page(&app).await.body;
    assert!(ob.contains("Version 1"));
    assert!(!ob.contains("accepts") && !ob.contains("objects to"));
}
