//! Creating a room from uploaded scenario files in the host page: GENIUS XML, GeniusWeb JSON
//! and native TOML; malformed uploads are refused with a clear 4xx and store nothing.

use std::path::Path;

use axum::http::StatusCode;
use detente_core::Scenario;

use crate::util::{App, Resp, job_offer_text, shared_dir};

fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn refs(files: &[(String, Vec<u8>)]) -> Vec<(&str, &[u8])> {
    files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect()
}

/// The scenario stored in the room whose invitations `page` shows.
fn stored(app: &App, page: &Resp) -> Scenario {
    let i = page.body.find("/join/").expect("an invitation link") + "/join/".len();
    let token = &page.body[i..i + 64];
    let seat = app.store().invitation_seat(token).unwrap();
    let room = app.store().room_by_id(seat.room_id).unwrap();
    detente_formats::native::read_str(&room.scenario_toml, None).unwrap()
}

/// Every party's utility of every outcome (up to 20,000) agrees to 1e-9 between two
/// scenarios, and the red lines and walk-away values too.
fn same_utilities(a: &Scenario, b: &Scenario) {
    assert_eq!(a.parties().len(), b.parties().len());
    assert_eq!(a.space().cardinality(), b.space().cardinality());
    let n = a.space().cardinality().to_u64().unwrap().min(20_000);
    for k in 0..n {
        let o = a.space().outcome_at(u128::from(k)).unwrap();
        for (p, q) in a.parties().iter().zip(b.parties()) {
            assert_eq!(p.name, q.name);
            let (x, y) = (p.preferences.utility(&o), q.preferences.utility(&o));
            assert!((x - y).abs() < 1e-9, "{}: {x} vs {y}", p.name);
            assert_eq!(
                p.preferences.is_acceptable(&o),
                q.preferences.is_acceptable(&o)
            );
        }
    }
}

#[tokio::test]
async fn genius_and_geniusweb_uploads_create_rooms() {
    let Some(shared) = shared_dir() else { return };
    let app = App::new();
    let (host, csrf) = app.host().await;
    let fields = [("csrf", csrf.as_str()), ("observers", "0")];

    // GENIUS: a domain and two profiles. Three seats (two parties and the mediator).
    let camera = shared.join("scenarios/genius/Camera");
    let files = files_of(&camera);
    let r = app
        .multipart("/host/upload", Some(&host), &fields, &refs(&files))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body.matches("/join/").count(), 3 * 2, "{}", r.body);
    let expected = detente_formats::load(&camera).unwrap().scenario;
    same_utilities(&stored(&app, &r), &expected);
    assert!(
        r.body.contains("Room created: camera_domain"),
        "named after the domain"
    );

    // GeniusWeb: a domain, two profiles and ANL's specials.json (skipped).
    let anl = shared.join("scenarios/genius/ANL2023-domain00");
    let files = files_of(&anl);
    assert!(files.iter().any(|f| f.0 == "specials.json"));
    let fields = [
        ("csrf", csrf.as_str()),
        ("name", "anl"),
        ("trusted_neutral", "yes"),
    ];
    let r = app
        .multipart("/host/upload", Some(&host), &fields, &refs(&files))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let expected = detente_formats::load(&anl).unwrap().scenario;
    let got = stored(&app, &r);
    same_utilities(&got, &expected);
    let i = r.body.find("/join/").unwrap() + "/join/".len();
    let seat = app.store().invitation_seat(&r.body[i..i + 64]).unwrap();
    assert!(
        app.store()
            .room_by_id(seat.room_id)
            .unwrap()
            .trusted_neutral
    );

    // A native file through the same form.
    let text = job_offer_text();
    let r = app
        .multipart(
            "/host/upload",
            Some(&host),
            &[("csrf", csrf.as_str())],
            &[("job-offer.toml", text.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Room created: job-offer"));
}

/// What is uploaded, its files, the status expected and a phrase the message must hold.
type Case<'a> = (&'a str, Vec<(&'a str, &'a [u8])>, StatusCode, &'a str);

#[tokio::test]
async fn malformed_uploads_are_4xx_and_store_nothing() {
    let Some(shared) = shared_dir() else { return };
    let app = App::new();
    let (host, csrf) = app.host().await;
    let fields = [("csrf", csrf.as_str())];
    let camera = files_of(&shared.join("scenarios/genius/Camera"));
    let domain = camera.iter().find(|f| f.0.contains("domain")).unwrap();
    let buyer = camera.iter().find(|f| f.0.contains("buyer")).unwrap();
    let seller = camera.iter().find(|f| f.0.contains("seller")).unwrap();
    let laptop = files_of(&shared.join("scenarios/genius/Laptop"));
    let laptop_profile = laptop.iter().find(|f| !f.0.contains("domain")).unwrap();
    let cut = &domain.1[..domain.1.len() / 2];
    let big = vec![b'x'; detente_room::BODY_LIMIT + 1024];
    let cases: Vec<Case<'_>> = vec![
        (
            "nothing chosen",
            vec![],
            StatusCode::BAD_REQUEST,
            "choose the scenario",
        ),
        (
            "a truncated domain",
            vec![
                ("camera_domain.xml", cut),
                (&buyer.0, &buyer.1),
                (&seller.0, &seller.1),
            ],
            StatusCode::BAD_REQUEST,
            "camera_domain.xml",
        ),
        (
            "a domain alone",
            vec![(&domain.0, &domain.1)],
            StatusCode::BAD_REQUEST,
            "0 usable profiles",
        ),
        (
            "profiles without their domain",
            vec![(&buyer.0, &buyer.1), (&seller.0, &seller.1)],
            StatusCode::BAD_REQUEST,
            "needs its domain",
        ),
        (
            "a profile of another domain",
            vec![
                (&domain.0, &domain.1),
                (&buyer.0, &buyer.1),
                (&laptop_profile.0, &laptop_profile.1),
            ],
            StatusCode::BAD_REQUEST,
            &laptop_profile.0,
        ),
        (
            "mixed kinds",
            vec![(&domain.0, &domain.1), ("p.json", b"{}")],
            StatusCode::BAD_REQUEST,
            "mixed file kinds",
        ),
        (
            "an unknown kind",
            vec![("scenario.txt", b"hello")],
            StatusCode::BAD_REQUEST,
            "unknown file kind",
        ),
        (
            "broken JSON",
            vec![("a.json", b"{\"name\": "), ("b.json", b"{}")],
            StatusCode::BAD_REQUEST,
            "a.json",
        ),
        (
            "a broken native file",
            vec![("s.toml", b"name = \"x\"\n[[issues]\n")],
            StatusCode::BAD_REQUEST,
            "s.toml:2",
        ),
        (
            "an oversized upload",
            vec![(&domain.0, &domain.1), ("big.xml", &big)],
            StatusCode::PAYLOAD_TOO_LARGE,
            "larger than",
        ),
    ];
    for (what, files, status, needle) in &cases {
        let r = app
            .multipart("/host/upload", Some(&host), &fields, files)
            .await;
        assert_eq!(r.status, *status, "{what}: {}", r.body);
        assert!(
            r.body.contains(needle),
            "{what}: no '{needle}' in {}",
            r.body
        );
    }
    // Without the CSRF token or a host session: refused.
    let good = vec![
        (domain.0.as_str(), domain.1.as_slice()),
        (buyer.0.as_str(), buyer.1.as_slice()),
        (seller.0.as_str(), seller.1.as_slice()),
    ];
    let r = app.multipart("/host/upload", Some(&host), &[], &good).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app.multipart("/host/upload", None, &fields, &good).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Not multipart at all.
    let r = app.post("/host/upload", Some(&host), &fields).await;
    assert!(r.status.is_client_error(), "{}", r.status);
    // Nothing was stored, and the server still serves; a good upload works afterwards.
    let hp = app.get("/host", Some(&host)).await;
    assert_eq!(hp.status, StatusCode::OK);
    assert!(
        !hp.body.contains("Your rooms"),
        "a refused upload stored a room"
    );
    let r = app
        .multipart("/host/upload", Some(&host), &fields, &good)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        app.get("/host", Some(&host))
            .await
            .body
            .contains("Your rooms")
    );
}
