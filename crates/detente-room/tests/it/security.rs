//! The room's promises under attack: confidentiality across seats and rooms, sessions,
//! invitations, CSRF, escaping, login rate limiting, body limits, bad input and panics.

use axum::http::StatusCode;
use axum::routing::get;
use detente_room::{RoomSetup, Status};

use crate::util::{App, Client, cookie_pair, job_offer, job_offer_text, token};

/// A route: method, path suffix, form fields.
type Route = (
    &'static str,
    &'static str,
    Vec<(&'static str, &'static str)>,
);

/// Every seat route.
fn routes() -> Vec<Route> {
    vec![
        ("GET", "", vec![]),
        ("GET", "/state.json", vec![]),
        ("GET", "/events", vec![]),
        ("POST", "/prefs", vec![("reservation", "0.9")]),
        ("POST", "/confide", vec![]),
        (
            "POST",
            "/start",
            vec![
                ("clause_0", "60"),
                ("clause_1", "next month"),
                ("clause_2", "0"),
            ],
        ),
        (
            "POST",
            "/draft",
            vec![
                ("clause_0", "65"),
                ("clause_1", "next month"),
                ("clause_2", "0"),
            ],
        ),
        (
            "POST",
            "/verdict",
            vec![("version", "0"), ("accept", "yes")],
        ),
        ("POST", "/note", vec![("text", "intruder")]),
        ("POST", "/ask", vec![("text", "intruder")]),
        (
            "POST",
            "/answer",
            vec![("question", "1"), ("text", "intruder")],
        ),
    ]
}

struct Seated {
    app: App,
    room_id: String,
    emp: Client,
    cand: Client,
    med: Client,
}

/// A room in talks where the candidate has private preferences, notes, a verdict and an
/// answer, each containing a marker string.
async fn seated() -> Seated {
    let app = App::new();
    let s = job_offer();
    let room = app.room(&s, &RoomSetup::all_people("secrets", &s));
    let emp = app.join(token(&room, "party employer"), "Ana", "").await;
    let cand = app.join(token(&room, "party candidate"), "Ben", "").await;
    let med = app.join(token(&room, "mediator"), "Mia", "").await;
    assert_eq!(
        cand.act(&app, "prefs", &[("reservation", "0.4242")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        cand.act(&app, "note", &[("text", "SECRET-NOTE-CAND")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    med.act(
        &app,
        "start",
        &[
            ("clause_0", "60"),
            ("clause_1", "next month"),
            ("clause_2", "0"),
        ],
    )
    .await;
    cand.act(
        &app,
        "verdict",
        &[
            ("version", "0"),
            ("accept", "no"),
            ("stance_0", "object"),
            ("comment", "SECRET-COMMENT-CAND"),
        ],
    )
    .await;
    let cand_seat = cand.base.rsplit('/').next().unwrap().to_string();
    med.act(
        &app,
        "ask",
        &[("to", &cand_seat), ("text", "what matters most?")],
    )
    .await;
    let r = cand
        .act(
            &app,
            "answer",
            &[("question", "1"), ("text", "SECRET-ANSWER-CAND")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    Seated {
        room_id: room.room_id,
        app,
        emp,
        cand,
        med,
    }
}

const SECRETS: [&str; 4] = [
    "0.4242",
    "SECRET-NOTE-CAND",
    "SECRET-COMMENT-CAND",
    "SECRET-ANSWER-CAND",
];

async fn call(
    app: &App,
    c: Option<&Client>,
    cookie: Option<&str>,
    base: &str,
    m: &str,
    suffix: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let uri = format!("{base}{suffix}");
    let r = if m == "GET" {
        app.get(&uri, cookie).await
    } else {
        let mut f: Vec<(&str, &str)> = Vec::new();
        if let Some(c) = c {
            f.push(("csrf", &c.csrf));
        }
        f.extend_from_slice(fields);
        app.post(&uri, cookie, &f).await
    };
    (r.status, r.body)
}

#[tokio::test]
async fn a_delegate_cannot_reach_another_partys_private_data() {
    let t = seated().await;
    let app = &t.app;
    for (m, suffix, fields) in routes() {
        // The employer's own session on the candidate's seat: 403, and no secret in the reply.
        let (st, body) = call(
            app,
            Some(&t.emp),
            Some(&t.emp.cookie),
            &t.cand.base,
            m,
            suffix,
            &fields,
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{m} {suffix}");
        for s in SECRETS {
            assert!(!body.contains(s), "{m} {suffix} leaked {s}");
        }
        // Unauthenticated, forged session: 401.
        let (st, _) = call(app, None, None, &t.cand.base, m, suffix, &fields).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{m} {suffix}");
        let forged = format!("{}={}", detente_room::SESSION_COOKIE, "ab".repeat(32));
        let (st, _) = call(
            app,
            Some(&t.emp),
            Some(&forged),
            &t.cand.base,
            m,
            suffix,
            &fields,
        )
        .await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{m} {suffix}");
        // Unknown seat and room: 404.
        let unknown_seat = format!("/room/{}/seat/{}", t.room_id, "00".repeat(16));
        let (st, _) = call(
            app,
            Some(&t.emp),
            Some(&t.emp.cookie),
            &unknown_seat,
            m,
            suffix,
            &fields,
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{m} {suffix}");
        let seat = t.cand.base.rsplit('/').next().unwrap();
        let unknown_room = format!("/room/{}/seat/{seat}", "00".repeat(16));
        let (st, _) = call(
            app,
            Some(&t.emp),
            Some(&t.emp.cookie),
            &unknown_room,
            m,
            suffix,
            &fields,
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{m} {suffix}");
    }
    // The employer's own pages never show the candidate's secrets either.
    for suffix in ["", "/state.json"] {
        let body = app
            .get(&format!("{}{suffix}", t.emp.base), Some(&t.emp.cookie))
            .await
            .body;
        for s in SECRETS {
            assert!(!body.contains(s), "employer page {suffix} shows {s}");
        }
    }
    // The mediator sees the comment and the answer (they are addressed to it), never the
    // preferences or private notes.
    let mp = t.med.page(app).await.body;
    assert!(mp.contains("SECRET-COMMENT-CAND") && mp.contains("SECRET-ANSWER-CAND"));
    assert!(!mp.contains("0.4242") && !mp.contains("SECRET-NOTE-CAND"));
    // The intrusions changed nothing: the candidate still has one note and its own prefs.
    let cp = t.cand.page(app).await.body;
    assert!(cp.contains("SECRET-NOTE-CAND") && !cp.contains("intruder"));
    let r = app.store().room(&t.room_id).unwrap();
    assert_eq!(app.store().versions(r.id).unwrap().len(), 1);
}

#[tokio::test]
async fn expired_sessions_and_logout_end_access() {
    let t = seated().await;
    let sid = t.cand.cookie.split_once('=').unwrap().1;
    t.app.store().set_session_expiry(sid, 0).unwrap();
    assert_eq!(t.cand.page(&t.app).await.status, StatusCode::UNAUTHORIZED);
    let r = t
        .app
        .post("/logout", Some(&t.emp.cookie), &[("csrf", &t.emp.csrf)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.emp.page(&t.app).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn another_rooms_resources_are_refused() {
    let t = seated().await;
    let s = job_offer();
    let other = t.app.room(&s, &RoomSetup::all_people("other", &s));
    let o = t.app.join(token(&other, "party employer"), "Eve", "").await;
    for (m, suffix, fields) in routes() {
        // Room 1's session on room 2's seat.
        let (st, _) = call(
            &t.app,
            Some(&t.emp),
            Some(&t.emp.cookie),
            &o.base,
            m,
            suffix,
            &fields,
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{m} {suffix}");
        // Room 2's seat under room 1's path: not a seat of that room.
        let seat = o.base.rsplit('/').next().unwrap();
        let mixed = format!("/room/{}/seat/{seat}", t.room_id);
        let (st, _) = call(
            &t.app,
            Some(&o),
            Some(&o.cookie),
            &mixed,
            m,
            suffix,
            &fields,
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{m} {suffix}");
    }
    // The mediator cannot ask another room's party.
    let seat = o.base.rsplit('/').next().unwrap();
    let r = t
        .med
        .act(&t.app, "ask", &[("to", seat), ("text", "hi")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn invitations_work_once() {
    let app = App::new();
    let s = job_offer();
    let room = app.room(&s, &RoomSetup::all_people("once", &s));
    let tok = token(&room, "mediator");
    assert_eq!(tok.len(), 64, "256 bits, hex");
    app.join(tok, "Mia", "").await;
    assert_eq!(
        app.get(&format!("/join/{tok}"), None).await.status,
        StatusCode::NOT_FOUND
    );
    // Even with a valid CSRF cookie from another form, a used invitation stays used.
    let page = app
        .get(&format!("/join/{}", token(&room, "party employer")), None)
        .await;
    let pre = cookie_pair(&page.cookie(detente_room::PRE_COOKIE).unwrap());
    let r = app
        .post(
            &format!("/join/{tok}"),
            Some(&pre),
            &[("csrf", &page.csrf()), ("name", "Eve")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("/join/{}", "ab".repeat(32)), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // The database keeps only hashes.
    let r = app.store().room(&room.room_id).unwrap();
    assert!(!r.scenario_toml.is_empty());
    let dump = std::fs::read(app._dir.path().join("room.db")).unwrap();
    let wal = std::fs::read(app._dir.path().join("room.db-wal")).unwrap_or_default();
    for inv in &room.invitations {
        let needle = inv.token.as_bytes();
        for bytes in [&dump, &wal] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "a token is stored in the clear"
            );
        }
    }
}

#[tokio::test]
async fn state_changes_need_the_csrf_token() {
    let t = seated().await;
    let app = &t.app;
    let note = format!("{}/note", t.emp.base);
    let r = app
        .post(&note, Some(&t.emp.cookie), &[("text", "no token")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post(
            &note,
            Some(&t.emp.cookie),
            &[("csrf", &"0".repeat(64)), ("text", "wrong token")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Another seat's token does not work either.
    let r = app
        .post(
            &note,
            Some(&t.emp.cookie),
            &[("csrf", &t.cand.csrf), ("text", "their token")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let body = t.emp.page(app).await.body;
    assert!(
        !body.contains("no token")
            && !body.contains("wrong token")
            && !body.contains("their token")
    );
    // Join and login forms carry a token too.
    let r = app.post("/logout", Some(&t.emp.cookie), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn user_text_is_escaped_everywhere() {
    let app = App::new();
    let evil = "<script>alert(1)</script>";
    let text = job_offer_text()
        .replace(
            "name = \"employer\"",
            &format!("name = \"{}\"", evil.replace('"', "\\\"")),
        )
        .replace("\"next month\"", "\"<script>x()</script>\"")
        .replace(
            "name = \"job-offer\"",
            "name = \"job<img src=x onerror=alert(2)>\"",
        );
    let s = detente_formats::native::read_str(&text, None).unwrap();
    // Trusted-neutral mode: its cards name the parties too.
    let mut setup = RoomSetup::all_people(evil, &s);
    setup.trusted_neutral = true;
    let room = app.room(&s, &setup);
    let emp = app
        .join(token(&room, &format!("party {evil}")), evil, "")
        .await;
    let med = app.join(token(&room, "mediator"), evil, "").await;
    emp.act(&app, "note", &[("text", evil)]).await;
    med.act(
        &app,
        "start",
        &[
            ("clause_0", "60"),
            ("clause_1", "<script>x()</script>"),
            ("clause_2", "0"),
        ],
    )
    .await;
    emp.act(
        &app,
        "verdict",
        &[
            ("version", "0"),
            ("accept", "no"),
            ("stance_1", "object"),
            ("comment", evil),
        ],
    )
    .await;
    for c in [&emp, &med] {
        let body = c.page(&app).await.body;
        assert!(
            body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{body}"
        );
        assert!(body.contains("&lt;script&gt;x()&lt;/script&gt;"));
        assert!(
            !body.contains("<script>"),
            "an unescaped script tag: {body}"
        );
        assert!(!body.contains("<img"));
    }
}

#[tokio::test]
async fn failed_logins_are_rate_limited() {
    let app = App::new();
    let s = job_offer();
    let room = app.room(&s, &RoomSetup::all_people("login", &s));
    let c = app
        .join(
            token(&room, "party employer"),
            "Ana",
            "long enough passphrase",
        )
        .await;
    let seat = c.base.rsplit('/').next().unwrap().to_string();
    let login = |pass: &'static str| {
        let app = &app;
        let seat = seat.clone();
        async move {
            let page = app.get(&format!("/login/{seat}"), None).await;
            let pre = cookie_pair(&page.cookie(detente_room::PRE_COOKIE).unwrap());
            app.post(
                &format!("/login/{seat}"),
                Some(&pre),
                &[("csrf", &page.csrf()), ("passphrase", pass)],
            )
            .await
            .status
        }
    };
    assert_eq!(login("long enough passphrase").await, StatusCode::SEE_OTHER);
    for _ in 0..detente_room::MAX_FAILED_LOGINS {
        assert_eq!(login("wrong passphrase!").await, StatusCode::FORBIDDEN);
    }
    // Now even the right passphrase is refused for a while.
    assert_eq!(
        login("long enough passphrase").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // A seat without a passphrase cannot be logged into at all.
    let m = app.join(token(&room, "mediator"), "Mia", "").await;
    let mseat = m.base.rsplit('/').next().unwrap();
    let page = app.get(&format!("/login/{mseat}"), None).await;
    let pre = cookie_pair(&page.cookie(detente_room::PRE_COOKIE).unwrap());
    let r = app
        .post(
            &format!("/login/{mseat}"),
            Some(&pre),
            &[("csrf", &page.csrf()), ("passphrase", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Short passphrases are refused at join.
    let page = app
        .get(&format!("/join/{}", token(&room, "party candidate")), None)
        .await;
    let pre = cookie_pair(&page.cookie(detente_room::PRE_COOKIE).unwrap());
    let r = app
        .post(
            &format!("/join/{}", token(&room, "party candidate")),
            Some(&pre),
            &[
                ("csrf", &page.csrf()),
                ("name", "B"),
                ("passphrase", "short"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let t = seated().await;
    let big = "x".repeat(detente_room::BODY_LIMIT + 1);
    let r = t.emp.act(&t.app, "note", &[("text", &big)]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let body = t.emp.page(&t.app).await.body;
    assert!(!body.contains("xxxxxxxx"));
}

#[tokio::test]
async fn bad_drafts_and_verdicts_are_400_and_change_nothing() {
    let t = seated().await;
    let app = &t.app;
    for fields in [
        vec![("clause_0", "65"), ("clause_1", "never"), ("clause_2", "0")],
        vec![
            ("clause_0", "66"),
            ("clause_1", "next month"),
            ("clause_2", "0"),
        ],
        vec![("clause_0", "65"), ("clause_1", "next month")],
        vec![
            ("clause_0", "65"),
            ("clause_1", "next month"),
            ("clause_2", "0"),
            ("clause_9", "1"),
        ],
    ] {
        let r = t.med.act(app, "draft", &fields).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{fields:?}");
    }
    let r = t
        .med
        .act(
            app,
            "draft",
            &[("clause_0", "65"), ("clause_1", "never"), ("clause_2", "0")],
        )
        .await;
    assert!(
        r.body
            .contains("issue &#39;start&#39; has no option &#39;never&#39;")
            || r.body.contains("issue 'start' has no option 'never'"),
        "{}",
        r.body
    );
    for fields in [
        vec![("version", "0"), ("accept", "maybe")],
        vec![("version", "0"), ("stance_0", "object"), ("alt_0", "61")],
        vec![("version", "0"), ("accept", "yes"), ("stance_1", "object")],
        vec![("accept", "yes")],
    ] {
        let r = t.emp.act(app, "verdict", &fields).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{fields:?}");
    }
    for fields in [
        vec![("reservation", "abc")],
        vec![("w_9", "1")],
        vec![("v_0_99", "0.5")],
    ] {
        let r = t.emp.act(app, "prefs", &fields).await;
        // 409: the talks started; the parser never gets to store anything either way.
        assert!(
            r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::CONFLICT,
            "{fields:?}"
        );
    }
    let r = app.store().room(&t.room_id).unwrap();
    assert_eq!(app.store().versions(r.id).unwrap().len(), 1);
    assert_eq!(r.status, Status::Talks);
    // A delegate cannot table drafts; the mediator cannot answer.
    let r = t
        .emp
        .act(
            app,
            "draft",
            &[
                ("clause_0", "65"),
                ("clause_1", "next month"),
                ("clause_2", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .med
        .act(app, "verdict", &[("version", "0"), ("accept", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_preferences_before_the_talks_are_400() {
    let app = App::new();
    let s = job_offer();
    let room = app.room(&s, &RoomSetup::all_people("prefs", &s));
    let c = app.join(token(&room, "party employer"), "Ana", "").await;
    for fields in [
        vec![("reservation", "abc")],
        vec![("reservation", "1.5")],
        vec![("w_9", "1")],
        vec![("v_0_99", "0.5")],
        vec![("v_0_0", "2")],
        vec![("w_0", "0"), ("w_1", "0"), ("w_2", "0")],
        vec![("w_0", "-1")],
        vec![("red_0_x", "1")],
    ] {
        let r = c.act(&app, "prefs", &fields).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{fields:?}");
    }
    let r = app
        .store()
        .seat(c.base.rsplit('/').next().unwrap())
        .unwrap();
    assert!(
        app.store().own_prefs(r.id).unwrap().is_none(),
        "nothing was stored"
    );
}

#[tokio::test]
async fn malformed_scenario_uploads_are_400() {
    let app = App::new();
    let tok = app.store().create_host_invite().unwrap();
    let page = app.get(&format!("/host/{tok}"), None).await;
    let pre = cookie_pair(&page.cookie(detente_room::PRE_COOKIE).unwrap());
    let r = app
        .post(
            &format!("/host/{tok}"),
            Some(&pre),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let host = cookie_pair(&r.cookie(detente_room::SESSION_COOKIE).unwrap());
    // The host link works once.
    assert_eq!(
        app.post(
            &format!("/host/{tok}"),
            Some(&pre),
            &[("csrf", &page.csrf())]
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let hp = app.get("/host", Some(&host)).await;
    let csrf = hp.csrf();
    let r = app
        .post(
            "/host/rooms",
            Some(&host),
            &[
                ("csrf", &csrf),
                ("name", "x"),
                ("scenario", "name = \"x\"\n[[issues]\n"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("line 2"), "{}", r.body);
    let r = app
        .post(
            "/host/rooms",
            Some(&host),
            &[
                ("csrf", &csrf),
                ("name", "x"),
                ("scenario", &job_offer_text()),
                ("agents", "nobody=boulware"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app
        .post(
            "/host/rooms",
            Some(&host),
            &[
                ("csrf", &csrf),
                ("name", "x"),
                ("scenario", &job_offer_text()),
                ("agents", "employer=random"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app
        .post(
            "/host/rooms",
            Some(&host),
            &[
                ("csrf", &csrf),
                ("name", "ok"),
                ("scenario", &job_offer_text()),
                ("observers", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body.matches("/join/").count(),
        4 * 2,
        "four seats, each link as href and text"
    );
    // A delegate's session is not a host session.
    let s = job_offer();
    let room = app.room(&s, &RoomSetup::all_people("r", &s));
    let c = app.join(token(&room, "mediator"), "M", "").await;
    let r = app
        .post(
            "/host/rooms",
            Some(&c.cookie),
            &[
                ("csrf", &c.csrf),
                ("name", "x"),
                ("scenario", &job_offer_text()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn boom() -> &'static str {
    panic!("a handler bug")
}

/// A panicking handler answers 500 and the server keeps serving, over a real socket.
#[tokio::test]
async fn a_panicking_handler_does_not_take_the_server_down() {
    let app = App::new();
    let router =
        detente_room::harden(detente_room::routes(app.state.clone()).route("/boom", get(boom)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Empty<axum::body::Bytes>>();
    let get = |p: &str| client.get(format!("http://{addr}{p}").parse().unwrap());
    assert_eq!(
        get("/boom").await.unwrap().status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        get("/boom").await.unwrap().status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(get("/").await.unwrap().status(), StatusCode::OK);
    server.abort();
}

/// Every state-changing seat route refuses a request without the session's CSRF token, or with
/// a wrong one, and changes nothing; so do the host routes and the pre-session forms.
#[tokio::test]
async fn every_state_change_needs_the_csrf_token() {
    let t = seated().await;
    let app = &t.app;
    let before = t.cand.page(app).await.body;
    for (m, suffix, fields) in routes() {
        if m != "POST" {
            continue;
        }
        for c in [&t.emp, &t.cand, &t.med] {
            let uri = format!("{}{suffix}", c.base);
            let r = app.post(&uri, Some(&c.cookie), &fields).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "no token: {uri}");
            let mut f = fields.clone();
            let wrong = "0".repeat(64);
            f.push(("csrf", &wrong));
            let r = app.post(&uri, Some(&c.cookie), &f).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "wrong token: {uri}");
        }
    }
    assert_eq!(
        t.cand.page(app).await.body,
        before,
        "a refused request changed the page"
    );
    let r = app.store().room(&t.room_id).unwrap();
    assert_eq!(app.store().versions(r.id).unwrap().len(), 1);
    // The host's routes.
    let (host, _) = app.host().await;
    let text = job_offer_text();
    let r = app
        .post("/host/rooms", Some(&host), &[("scenario", &text)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .multipart(
            "/host/upload",
            Some(&host),
            &[("csrf", &"1".repeat(64))],
            &[("s.toml", text.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        !app.get("/host", Some(&host))
            .await
            .body
            .contains("Your rooms")
    );
    // The pre-session forms (join, login, host link) need their cookie-bound token.
    let s = job_offer();
    let room = app.room(&s, &RoomSetup::all_people("pre", &s));
    let tok = token(&room, "mediator");
    let r = app
        .post(&format!("/join/{tok}"), None, &[("name", "Eve")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let page = app.get(&format!("/join/{tok}"), None).await;
    let r = app
        .post(
            &format!("/join/{tok}"),
            None,
            &[("csrf", &page.csrf()), ("name", "Eve")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "the token without its cookie"
    );
    // The invitation still works for its holder.
    app.join(tok, "Mia", "").await;
    let seat = t.cand.base.rsplit('/').next().unwrap();
    let r = app
        .post(&format!("/login/{seat}"), None, &[("passphrase", "x")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// Session cookies are HttpOnly, SameSite=Strict and Path=/ (and Secure when configured);
/// the database keeps no session id or passphrase in the clear, only SHA-256 hashes and
/// Argon2id hashes.
#[tokio::test]
async fn sessions_and_passphrases_are_protected() {
    let app = App::new();
    let s = job_offer();
    let room = app.room(&s, &RoomSetup::all_people("cookies", &s));
    let tok = token(&room, "party employer");
    let page = app.get(&format!("/join/{tok}"), None).await;
    let pre_cookie = page.cookie(detente_room::PRE_COOKIE).unwrap();
    let pre = cookie_pair(&pre_cookie);
    let pass = "correct horse battery staple";
    let r = app
        .post(
            &format!("/join/{tok}"),
            Some(&pre),
            &[
                ("csrf", &page.csrf()),
                ("name", "Ana"),
                ("passphrase", pass),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let set = r.cookie(detente_room::SESSION_COOKIE).unwrap();
    for c in [&set, &pre_cookie] {
        assert!(c.contains("HttpOnly"), "{c}");
        assert!(c.contains("SameSite=Strict"), "{c}");
        assert!(c.contains("Path=/"), "{c}");
        assert!(!c.contains("Secure"), "{c}");
    }
    let sid = cookie_pair(&set).split_once('=').unwrap().1.to_string();
    assert_eq!(sid.len(), 64, "256-bit session ids");
    let seat = r.location().rsplit('/').next().unwrap().to_string();
    let (_, hash) = app.store().passphrase_hash(&seat).unwrap();
    let hash = hash.unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(detente_room::verify_passphrase(pass, &hash));
    let db = std::fs::read(app._dir.path().join("room.db")).unwrap();
    let wal = std::fs::read(app._dir.path().join("room.db-wal")).unwrap_or_default();
    for secret in [sid.as_str(), pass, tok] {
        for bytes in [&db, &wal] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "'{secret}' is stored in the clear"
            );
        }
    }
    // Behind TLS: Secure cookies.
    let dir = tempfile::tempdir().unwrap();
    let store = detente_room::Store::open(&dir.path().join("room.db")).unwrap();
    let room = store
        .create_room(None, &s, &RoomSetup::all_people("tls", &s))
        .unwrap();
    let router = detente_room::router(detente_room::AppState::new(
        store,
        detente_room::ServerConfig {
            secure_cookies: true,
        },
    ));
    let req = axum::http::Request::builder()
        .uri(format!("/join/{}", room.invitations[0].token))
        .body(axum::body::Body::empty())
        .unwrap();
    use tower::ServiceExt;
    let res = router.oneshot(req).await.unwrap();
    let c = res
        .headers()
        .get(axum::http::header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(c.contains("Secure") && c.contains("HttpOnly"), "{c}");
}

/// Live updates: a seat's event stream (server-sent events) sends a `change` event when
/// someone acts in its room, and none for another room.
#[tokio::test]
async fn live_updates_arrive_as_server_sent_events() {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let t = seated().await;
    let app = &t.app;
    let req = |c: &Client| {
        axum::http::Request::builder()
            .uri(format!("{}/events", c.base))
            .header(axum::http::header::COOKIE, &c.cookie)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let res = app.router.clone().oneshot(req(&t.emp)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers().get(axum::http::header::CONTENT_TYPE).unwrap(),
        "text/event-stream"
    );
    let mut body = res.into_body();
    // Activity in another room sends nothing to this one.
    let s = job_offer();
    let other = app.room(&s, &RoomSetup::all_people("other", &s));
    app.join(token(&other, "party employer"), "Oz", "").await;
    let quiet = tokio::time::timeout(std::time::Duration::from_millis(300), body.frame()).await;
    assert!(quiet.is_err(), "an event from another room");
    // The mediator tables a draft: the employer's stream says so.
    let r = t
        .med
        .act(
            app,
            "draft",
            &[
                ("clause_0", "70"),
                ("clause_1", "next month"),
                ("clause_2", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let frame = tokio::time::timeout(std::time::Duration::from_secs(30), body.frame())
        .await
        .expect("an event within 30 s")
        .unwrap()
        .unwrap();
    let data = String::from_utf8(frame.into_data().unwrap().to_vec()).unwrap();
    assert!(data.contains("event: change"), "{data}");
}
