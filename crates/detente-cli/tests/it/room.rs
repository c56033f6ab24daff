//! The negotiation room's durability promise: `detente serve` killed with SIGKILL in the middle
//! of a session and restarted on the same database shows every acknowledged action, and the
//! same sessions still work. Also `detente room create`'s output and errors.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::util::{BIN, Dir, repo_file};

struct Server {
    child: Child,
    base: String,
}

fn start(db: &std::path::Path) -> Server {
    let mut child = Command::new(BIN)
        .args(["serve", "--db"])
        .arg(db)
        .args(["--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line}"))
        .to_string();
    Server { child, base }
}

struct Resp {
    status: u16,
    set_cookie: Vec<String>,
    location: String,
    body: String,
}

impl Resp {
    fn csrf(&self) -> String {
        let k = "name=\"csrf\" value=\"";
        let i = self.body.find(k).unwrap() + k.len();
        self.body[i..i + 64].to_string()
    }

    fn cookie(&self, name: &str) -> String {
        self.set_cookie
            .iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(|c| c.split(';').next().unwrap().to_string())
            .unwrap()
    }
}

async fn send(base: &str, method: &str, path: &str, cookie: &str, form: &[(&str, &str)]) -> Resp {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let body = serde_urlencoded::to_string(form).unwrap();
    let req = hyper::Request::builder()
        .method(method)
        .uri(format!("{base}{path}"))
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let res = client.request(req).await.unwrap();
    let status = res.status().as_u16();
    let set_cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body =
        String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    Resp {
        status,
        set_cookie,
        location,
        body,
    }
}

/// `(session cookie, csrf, seat path)` after joining through `link`.
async fn join(base: &str, link: &str, name: &str) -> (String, String, String) {
    let path = &link[link.find("/join/").unwrap()..];
    let form = send(base, "GET", path, "", &[]).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let pre = form.cookie("detente_pre");
    let r = send(
        base,
        "POST",
        path,
        &pre,
        &[("csrf", &form.csrf()), ("name", name)],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let cookie = r.cookie("detente_session");
    let page = send(base, "GET", &r.location, &cookie, &[]).await;
    (cookie, page.csrf(), r.location)
}

#[tokio::test(flavor = "current_thread")]
async fn room_state_survives_kill_9() {
    let dir = Dir::new();
    let db = dir.path().join("room.db");
    let out = Command::new(BIN)
        .args(["room", "create"])
        .arg(repo_file("scenarios/job-offer.toml"))
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let link = |label: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(&format!("{label}\t")))
            .unwrap()
            .split('\t')
            .nth(1)
            .unwrap()
            .to_string()
    };
    let mut server = start(&db);
    let base = server.base.clone();
    let emp = join(&base, &link("party employer"), "Ana").await;
    let cand = join(&base, &link("party candidate"), "Ben").await;
    let med = join(&base, &link("mediator"), "Mia").await;
    let act = |who: &(String, String, String), action: &str, fields: &[(&str, &str)]| {
        let mut f = vec![("csrf".to_string(), who.1.clone())];
        f.extend(fields.iter().map(|(a, b)| (a.to_string(), b.to_string())));
        let (base, path, cookie) = (base.clone(), format!("{}/{action}", who.2), who.0.clone());
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            let r = send(&base, "POST", &path, &cookie, &f).await;
            assert_eq!(r.status, 303, "{path}: {}", r.body);
        }
    };
    act(&cand, "prefs", &[("reservation", "0.3")]).await;
    act(
        &med,
        "start",
        &[
            ("clause_0", "60"),
            ("clause_1", "next month"),
            ("clause_2", "0"),
        ],
    )
    .await;
    act(&emp, "verdict", &[("version", "0"), ("accept", "yes")]).await;
    act(
        &cand,
        "verdict",
        &[
            ("version", "0"),
            ("accept", "no"),
            ("stance_0", "object"),
            ("alt_0", "80"),
        ],
    )
    .await;
    act(
        &med,
        "draft",
        &[
            ("clause_0", "70"),
            ("clause_1", "next month"),
            ("clause_2", "1"),
        ],
    )
    .await;
    act(
        &cand,
        "note",
        &[("text", "acknowledged just before the crash")],
    )
    .await;

    let mut before = Vec::new();
    for who in [&emp, &cand, &med] {
        let page = send(&base, "GET", &who.2, &who.0, &[]).await;
        let state = send(&base, "GET", &format!("{}/state.json", who.2), &who.0, &[]).await;
        assert_eq!(page.status, 200);
        before.push((page.body, state.body));
    }
    assert!(before[1].0.contains("acknowledged just before the crash"));
    assert!(before[0].1.contains("\"version\":1"), "{}", before[0].1);

    // SIGKILL: no shutdown hook runs.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let mut server = start(&db);
    let base2 = server.base.clone();
    for (who, (page, state)) in [&emp, &cand, &med].into_iter().zip(&before) {
        let p = send(&base2, "GET", &who.2, &who.0, &[]).await;
        let s = send(&base2, "GET", &format!("{}/state.json", who.2), &who.0, &[]).await;
        assert_eq!(p.status, 200, "the session survives the restart");
        // The pages are byte for byte the same (the events URL is relative).
        assert_eq!(&p.body, page);
        assert_eq!(&s.body, state);
    }
    // And the talks go on.
    let act2 = |who: &(String, String, String), fields: &[(&str, &str)]| {
        let mut f = vec![("csrf".to_string(), who.1.clone())];
        f.extend(fields.iter().map(|(a, b)| (a.to_string(), b.to_string())));
        let (base, path, cookie) = (base2.clone(), format!("{}/verdict", who.2), who.0.clone());
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            send(&base, "POST", &path, &cookie, &f).await.status
        }
    };
    assert_eq!(
        act2(&emp, &[("version", "1"), ("accept", "yes")]).await,
        303
    );
    assert_eq!(
        act2(&cand, &[("version", "1"), ("accept", "yes")]).await,
        303
    );
    let s = send(&base2, "GET", &format!("{}/state.json", med.2), &med.0, &[]).await;
    assert!(s.body.contains("\"status\":\"agreed\""), "{}", s.body);
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}

#[test]
fn room_create_refuses_bad_seats() {
    let dir = Dir::new();
    let out = dir.run(&[
        "room",
        "create",
        repo_file("scenarios/job-offer.toml").to_str().unwrap(),
        "--db",
        "r.db",
        "--agent",
        "nobody=boulware",
    ]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("nobody"), "{}", out.stderr);
    let out = dir.run(&[
        "room",
        "create",
        repo_file("scenarios/job-offer.toml").to_str().unwrap(),
        "--db",
        "r.db",
        "--agent",
        "employer=hardliner",
        "--mediator",
        "feedback",
        "--observers",
        "2",
    ]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let s = &out.stdout;
    // The candidate and two observers hold invitations; agents do not.
    assert_eq!(s.matches("/join/").count(), 3, "{s}");
    assert!(s.contains("party candidate\thttp://127.0.0.1:8080/join/"));
    let out = dir.run(&["serve", "--addr", "localhost"]);
    assert_eq!(out.code, Some(2));
}

#[test]
fn room_create_trusted_neutral_and_serve_defaults_to_loopback() {
    let dir = Dir::new();
    let out = dir.run(&[
        "room",
        "create",
        repo_file("scenarios/job-offer.toml").to_str().unwrap(),
        "--db",
        "tn.db",
        "--trusted-neutral",
        "--agent",
        "employer=boulware",
    ]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let id = out
        .stdout
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("room "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    let store = detente_room::Store::open(&dir.path().join("tn.db")).unwrap();
    let room = store.room(&id).unwrap();
    assert!(room.trusted_neutral);
    // The agent party confided the scenario's preferences; the person has not yet.
    let seats = store.seats(room.id).unwrap();
    let confided: Vec<(Option<usize>, bool)> = seats
        .iter()
        .filter(|s| s.party_idx.is_some())
        .map(|s| (s.party_idx, s.confided))
        .collect();
    assert_eq!(confided, vec![(Some(0), true), (Some(1), false)]);
    let help = dir.run(&["serve", "--help"]);
    assert!(
        help.stdout.contains("[default: 127.0.0.1:8080]"),
        "{}",
        help.stdout
    );
}
