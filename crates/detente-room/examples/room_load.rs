//! Load bench for the negotiation room (not a test): 100 concurrent delegates in 20 rooms of
//! 5 parties each, over loopback, for a bounded time. Each delegate loops: load its page,
//! read its state as JSON, add a private note, answer the text on the table. Each room's
//! mediator (a person too) opens the talks first. Prints the request count, errors and the
//! p50/p99 latency.
//!
//! `cargo run --profile test -p detente-room --example room_load -- [SECONDS]` (default 20).

use std::time::{Duration, Instant};

use axum::body::Bytes;
use detente_room::{AppState, RoomSetup, ServerConfig, Store};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

const N_ROOMS: usize = 20;
const N_PARTIES: usize = 5;

fn scenario_toml() -> String {
    let mut s = String::from(
        "name = \"load\"\nrounds = 50\n\n[[issues]]\nname = \"a\"\nrange = [0, 4]\n\n\
         [[issues]]\nname = \"b\"\noptions = [\"x\", \"y\", \"z\"]\n\n[[issues]]\nname = \"c\"\nrange = [0, 3]\n",
    );
    for p in 0..N_PARTIES {
        let up = p % 2 == 0;
        let (a0, a1) = if up { (0.0, 1.0) } else { (1.0, 0.0) };
        s.push_str(&format!(
            "\n[[parties]]\nname = \"p{p}\"\nreservation = 0.2\nweights = {{ a = {}, b = {}, c = 1 }}\n\
             [parties.values]\na = {{ points = [[0, {a0}], [4, {a1}]] }}\nb = [{}, 0.5, {}]\n\
             c = {{ points = [[0, {a1}], [3, {a0}]] }}\n",
            p + 1,
            N_PARTIES - p,
            if up { 1.0 } else { 0.0 },
            if up { 0.0 } else { 1.0 },
        ));
    }
    s
}

/// One request of a delegate's loop: URL, method, form fields.
type Step<'a> = (String, &'a str, Vec<(&'a str, &'a str)>);

type Http = Client<HttpConnector, Full<Bytes>>;

struct Resp {
    status: u16,
    set_cookie: Vec<String>,
    location: String,
    body: String,
}

async fn send(c: &Http, url: &str, method: &str, cookie: &str, form: &[(&str, &str)]) -> Resp {
    let req = hyper::Request::builder()
        .method(method)
        .uri(url)
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(
            serde_urlencoded::to_string(form).unwrap(),
        )))
        .unwrap();
    match c.request(req).await {
        Ok(res) => {
            let status = res.status().as_u16();
            let set_cookie = res
                .headers()
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok().map(str::to_string))
                .collect();
            let location = res
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let body = res
                .into_body()
                .collect()
                .await
                .map(|b| String::from_utf8_lossy(&b.to_bytes()).into_owned())
                .unwrap_or_default();
            Resp {
                status,
                set_cookie,
                location,
                body,
            }
        }
        Err(_) => Resp {
            status: 0,
            set_cookie: vec![],
            location: String::new(),
            body: String::new(),
        },
    }
}

fn csrf(body: &str) -> String {
    let k = "name=\"csrf\" value=\"";
    let i = body.find(k).expect("csrf") + k.len();
    body[i..i + 64].to_string()
}

fn cookie(r: &Resp, name: &str) -> String {
    r.set_cookie
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().to_string())
        .expect("cookie")
}

async fn join(c: &Http, base: &str, token: &str, name: &str) -> (String, String, String) {
    let f = send(c, &format!("{base}/join/{token}"), "GET", "", &[]).await;
    let pre = cookie(&f, "detente_pre");
    let r = send(
        c,
        &format!("{base}/join/{token}"),
        "POST",
        &pre,
        &[("csrf", &csrf(&f.body)), ("name", name)],
    )
    .await;
    assert_eq!(r.status, 303);
    let session = cookie(&r, "detente_session");
    let page = send(c, &format!("{base}{}", r.location), "GET", &session, &[]).await;
    (session, csrf(&page.body), format!("{base}{}", r.location))
}

#[tokio::main]
async fn main() {
    let secs: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("load.db")).unwrap();
    let scenario = detente_formats::native::read_str(&scenario_toml(), None).unwrap();
    let rooms: Vec<_> = (0..N_ROOMS)
        .map(|k| {
            store
                .create_room(
                    None,
                    &scenario,
                    &RoomSetup::all_people(&format!("room {k}"), &scenario),
                )
                .unwrap()
        })
        .collect();
    let state = AppState::new(store, ServerConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = detente_room::router(state);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let client: Http = Client::builder(TokioExecutor::new()).build_http();

    // Seat everyone and open the talks.
    let mut delegates = Vec::new();
    for room in &rooms {
        for inv in &room.invitations {
            let who = join(&client, &base, &inv.token, &inv.seat_label).await;
            if inv.seat_label == "mediator" {
                let r = send(
                    &client,
                    &format!("{}/start", who.2),
                    "POST",
                    &who.0,
                    &[
                        ("csrf", &who.1),
                        ("clause_0", "2"),
                        ("clause_1", "y"),
                        ("clause_2", "1"),
                    ],
                )
                .await;
                assert_eq!(r.status, 303);
            } else {
                delegates.push(who);
            }
        }
    }
    assert_eq!(delegates.len(), N_ROOMS * N_PARTIES);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for (k, (session, token, url)) in delegates.into_iter().enumerate() {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let (mut lat, mut errors) = (Vec::new(), 0u64);
            let mut n = 0u64;
            while Instant::now() < deadline {
                let stance = if n.is_multiple_of(2) { "object" } else { "ok" };
                let note = format!("note {k}-{n}");
                let steps: [Step<'_>; 4] = [
                    (url.clone(), "GET", vec![]),
                    (format!("{url}/state.json"), "GET", vec![]),
                    (
                        format!("{url}/note"),
                        "POST",
                        vec![("csrf", &token), ("text", &note)],
                    ),
                    (
                        format!("{url}/verdict"),
                        "POST",
                        vec![
                            ("csrf", &token),
                            ("version", "0"),
                            ("accept", "no"),
                            ("stance_0", stance),
                        ],
                    ),
                ];
                for (u, m, f) in &steps {
                    let t = Instant::now();
                    let r = send(&client, u, m, &session, f).await;
                    lat.push(t.elapsed());
                    let ok = if *m == "GET" {
                        r.status == 200
                    } else {
                        r.status == 303
                    };
                    if !ok {
                        errors += 1;
                    }
                }
                n += 1;
            }
            (lat, errors)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        lat.extend(l);
        errors += e;
    }
    lat.sort();
    let q = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    println!(
        "delegates={} rooms={N_ROOMS} seconds={secs} requests={} errors={errors} throughput={:.0}/s p50={:.2}ms p99={:.2}ms max={:.2}ms",
        N_ROOMS * N_PARTIES,
        lat.len(),
        lat.len() as f64 / secs as f64,
        q(0.50).as_secs_f64() * 1e3,
        q(0.99).as_secs_f64() * 1e3,
        lat.last().unwrap().as_secs_f64() * 1e3,
    );
    server.abort();
    if errors > 0 {
        std::process::exit(1);
    }
}
