//! End to end in a real browser: headless Chromium, driven through chromedriver (WebDriver),
//! one browser per person. A host creates a room in the page; two delegations and a mediator
//! join through their invitation links; the mediator revises the text twice; both accept; the
//! agreement is recorded. Live updates (server-sent events) carry every change between the
//! browsers: no page is reloaded by hand after the seats are taken.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Under CI (`CI=true`) a missing browser
//! fails the test; elsewhere the test says so loudly and skips. Screenshots go to the target
//! directory, and to docs/room/ when `DETENTE_UPDATE_SCREENSHOTS=1`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use detente_room::{AppState, ServerConfig, Status, Store};
use fantoccini::{Client, ClientBuilder, Locator};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const WAIT: Duration = Duration::from_secs(60);

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn browser(driver: &str, profile: &Path) -> Client {
    let args = vec![
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-dev-shm-usage".into(),
        "--window-size=1200,1000".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "binary": CHROMIUM, "args": args }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(driver)
        .await
        .expect("chromedriver starts a headless Chromium")
}

async fn wait_for(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("waiting for {css}: {e}"))
}

/// Waits until the page text contains `needle` (live updates arrive asynchronously).
async fn wait_text(c: &Client, css: &str, needle: &str) {
    let start = Instant::now();
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && e.text().await.map(|t| t.contains(needle)).unwrap_or(false)
        {
            return;
        }
        assert!(start.elapsed() < WAIT, "'{needle}' never appeared in {css}");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

async fn select(c: &Client, css: &str, value: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .select_by_value(value)
        .await
        .unwrap();
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn shot(c: &Client, dir: &Path, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), &png).unwrap();
    if std::env::var("DETENTE_UPDATE_SCREENSHOTS").as_deref() == Ok("1") {
        let docs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/room");
        std::fs::create_dir_all(&docs).unwrap();
        std::fs::write(docs.join(format!("{name}.png")), &png).unwrap();
    }
}

/// Answers the version on the table: `stances` are `(clause, stance, alternative)`.
async fn answer(c: &Client, version: u32, accept: bool, stances: &[(usize, &str, &str)]) {
    wait_text(c, "#answer h2", &format!("version {version}")).await;
    for (i, stance, alt) in stances {
        select(c, &format!("#verdict-form select[name=stance_{i}]"), stance).await;
        if !alt.is_empty() {
            select(c, &format!("#verdict-form select[name=alt_{i}]"), alt).await;
        }
    }
    let v = if accept { "yes" } else { "no" };
    click(c, &format!("#verdict-form input[name=accept][value={v}]")).await;
    click(c, "#send-verdict").await;
    // The redirect brings back the seat page with the answer in the history.
    wait_text(c, "#history", "You:").await;
}

async fn table(c: &Client, form: &str, clauses: &[&str]) {
    for (i, v) in clauses.iter().enumerate() {
        select(c, &format!("#{form} select[name=clause_{i}]"), v).await;
    }
    click(c, &format!("#{form} button[type=submit]")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_negotiation_in_headless_chromium() {
    let ci = std::env::var("CI").as_deref() == Ok("true");
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        assert!(
            !ci,
            "CI=true but {CHROMIUM} or {CHROMEDRIVER} is missing: .ci/run must install \
             chromium and chromium-driver"
        );
        eprintln!(
            "\n!!! SKIPPING the browser end-to-end test: {CHROMIUM} / {CHROMEDRIVER} not found \
             (apt-get install chromium chromium-driver)\n"
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("room-screenshots");
    std::fs::create_dir_all(&shots).unwrap();

    // The server, in-process on loopback.
    let store = Store::open(&tmp.path().join("room.db")).unwrap();
    let host_token = store.create_host_invite().unwrap();
    let state = AppState::new(store, ServerConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = detente_room::router(state.clone());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    // chromedriver, on a free loopback port.
    let port = free_port();
    let _driver = Driver(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < WAIT, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let driver = format!("http://127.0.0.1:{port}");

    // The host creates the room in the page.
    let host = browser(&driver, &tmp.path().join("host")).await;
    host.goto(&format!("{base}/host/{host_token}"))
        .await
        .unwrap();
    click(&host, "button[type=submit]").await;
    wait_for(&host, "#create-room").await;
    host.find(Locator::Css("input[name=name]"))
        .await
        .unwrap()
        .send_keys("Hiring: senior engineer")
        .await
        .unwrap();
    let scenario = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/job-offer.toml"
    ))
    .unwrap();
    host.execute(
        "document.querySelector('textarea[name=scenario]').value = arguments[0];",
        vec![serde_json::Value::String(scenario.clone())],
    )
    .await
    .unwrap();
    shot(&host, &shots, "1-host-create").await;
    click(&host, "#create-room button[type=submit]").await;
    wait_for(&host, "#invitations").await;
    let mut links = std::collections::HashMap::new();
    for a in host.find_all(Locator::Css("a.invite")).await.unwrap() {
        links.insert(
            a.attr("data-seat").await.unwrap().unwrap(),
            a.attr("href").await.unwrap().unwrap(),
        );
    }
    assert_eq!(links.len(), 3, "{links:?}");

    // A second room, trusted-neutral, from an uploaded scenario file.
    host.goto(&format!("{base}/host")).await.unwrap();
    wait_for(&host, "#create-room").await;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/job-offer.toml"
    );
    host.find(Locator::Css("input[type=file]"))
        .await
        .unwrap()
        .send_keys(&std::fs::canonicalize(path).unwrap().display().to_string())
        .await
        .unwrap();
    click(&host, "input[name=trusted_neutral]").await;
    click(&host, "#create-room button[type=submit]").await;
    wait_for(&host, "#invitations").await;
    let mut neutral_links = std::collections::HashMap::new();
    for a in host.find_all(Locator::Css("a.invite")).await.unwrap() {
        neutral_links.insert(
            a.attr("data-seat").await.unwrap().unwrap(),
            a.attr("href").await.unwrap().unwrap(),
        );
    }
    assert_eq!(neutral_links.len(), 3, "{neutral_links:?}");
    host.close().await.unwrap();

    // Each person in a browser of their own.
    let mut people = Vec::new();
    for (seat, name) in [
        ("party employer", "Ana (HR)"),
        ("party candidate", "Ben"),
        ("mediator", "Mia"),
    ] {
        let c = browser(&driver, &tmp.path().join(seat.replace(' ', "-"))).await;
        c.goto(&links[seat]).await.unwrap();
        c.find(Locator::Css("input[name=name]"))
            .await
            .unwrap()
            .send_keys(name)
            .await
            .unwrap();
        click(&c, "button[type=submit]").await;
        wait_for(&c, "#live-status").await;
        people.push(c);
    }
    let (emp, cand, med) = (&people[0], &people[1], &people[2]);

    // The candidate adjusts its walk-away value privately before the talks.
    let r = cand
        .find(Locator::Css("input[name=reservation]"))
        .await
        .unwrap();
    r.clear().await.unwrap();
    r.send_keys("0.3").await.unwrap();
    shot(cand, &shots, "2-delegate-preferences").await;
    click(cand, "#prefs button[type=submit]").await;
    wait_for(cand, "#prefs").await;

    // The mediator opens the talks; the delegates' pages update live.
    wait_for(med, "#start-form").await;
    table(med, "start-form", &["60", "next month", "0"]).await;
    answer(emp, 0, true, &[]).await;
    answer(cand, 0, false, &[(0, "object", "80"), (2, "redline", "")]).await;
    wait_text(med, "#verdicts", "red line on remote_days").await;
    shot(med, &shots, "3-mediator-verdicts").await;

    // Revision 1.
    table(med, "draft-form", &["75", "next month", "2"]).await;
    answer(emp, 1, false, &[(2, "object", "1")]).await;
    answer(cand, 1, false, &[(1, "object", "in two months")]).await;
    wait_text(med, "#verdicts", "objects to start").await;
    shot(cand, &shots, "4-delegate-text").await;

    // Revision 2: both accept.
    table(med, "draft-form", &["75", "in two months", "2"]).await;
    answer(emp, 2, true, &[]).await;
    answer(cand, 2, true, &[]).await;
    for c in [emp, cand, med] {
        wait_text(c, "#live-status", "Agreement recorded on version 2").await;
    }
    shot(med, &shots, "5-mediator-agreement").await;
    med.execute(
        "document.getElementById('pattern-chart').scrollIntoView(); window.scrollBy(0, -40);",
        vec![],
    )
    .await
    .unwrap();
    shot(med, &shots, "6-mediator-chart").await;
    shot(emp, &shots, "7-delegate-agreement").await;

    // The trusted-neutral room, in the same browsers: everyone joins, both delegations
    // confide, the mediator opens the talks on the system's suggestion (the exact Nash
    // package), and both accept it.
    for (c, (seat, name)) in people.iter().zip([
        ("party employer", "Ana (HR)"),
        ("party candidate", "Ben"),
        ("mediator", "Mia"),
    ]) {
        c.goto(&neutral_links[seat]).await.unwrap();
        c.find(Locator::Css("input[name=name]"))
            .await
            .unwrap()
            .send_keys(name)
            .await
            .unwrap();
        click(c, "button[type=submit]").await;
        wait_for(c, "#live-status").await;
    }
    wait_text(med, "#neutral", "Waiting for employer, candidate").await;
    for c in [emp, cand] {
        click(c, "#confide-form button").await;
        wait_for(c, "#confided").await;
    }
    let s = detente_formats::native::read_str(&scenario, None).unwrap();
    let nash =
        detente_core::protocol::TrustedNeutral::new(&s, detente_core::protocol::Confided::all(&s))
            .unwrap()
            .propose(
                detente_core::protocol::Solution::Nash,
                detente_core::protocol::Coalition::All,
            )
            .unwrap()
            .outcome
            .unwrap();
    wait_text(med, "#neutral-nash", &s.space().describe(&nash)).await;
    shot(med, &shots, "8-mediator-trusted-neutral").await;
    wait_text(cand, "#neutral-nash-own", "a gain of").await;
    shot(cand, &shots, "9-delegate-trusted-neutral").await;
    click(med, "#start-form button[type=submit]").await;
    answer(emp, 0, true, &[]).await;
    answer(cand, 0, true, &[]).await;
    wait_text(med, "#live-status", "Agreement recorded on version 0").await;
    let neutral_room = state.store().room_by_id(2).unwrap();
    assert!(neutral_room.trusted_neutral);
    assert_eq!(neutral_room.agreed_version, Some(0));
    let agreed = state.store().versions(2).unwrap();
    assert_eq!(
        agreed[0].draft, nash,
        "the talks opened on the neutral's proposal"
    );
    shot(med, &shots, "10-mediator-trusted-neutral-agreement").await;

    let rooms: Vec<_> = (1..=1)
        .map(|_| state.store().room_by_id(1).unwrap())
        .collect();
    assert_eq!(rooms[0].status, Status::Agreed);
    assert_eq!(rooms[0].agreed_version, Some(2));
    for c in people {
        c.close().await.unwrap();
    }
    server.abort();
}
