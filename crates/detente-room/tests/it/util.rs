//! Test helpers: an in-process app over a temporary database and seat clients that join
//! through invitations the way a browser does.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use detente_core::Scenario;
use detente_room::{AppState, CreatedRoom, RoomSetup, ServerConfig, Store};
use http_body_util::BodyExt;
use tower::ServiceExt;

pub(crate) fn job_offer_text() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/job-offer.toml"
    ))
    .unwrap()
}

pub(crate) fn job_offer() -> Scenario {
    detente_formats::native::read_str(&job_offer_text(), None).unwrap()
}

pub(crate) struct App {
    pub(crate) router: Router,
    pub(crate) state: AppState,
    pub(crate) _dir: tempfile::TempDir,
}

pub(crate) struct Resp {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Resp {
    pub(crate) fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }

    pub(crate) fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|c| c.starts_with(&format!("{name}=")))
    }

    pub(crate) fn csrf(&self) -> String {
        let k = "name=\"csrf\" value=\"";
        let i = self.body.find(k).expect("a form with a CSRF token") + k.len();
        self.body[i..i + 64].to_string()
    }
}

pub(crate) fn form(fields: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(fields).unwrap()
}

impl App {
    pub(crate) fn new() -> App {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("room.db")).unwrap();
        let state = AppState::new(store, ServerConfig::default());
        App {
            router: detente_room::router(state.clone()),
            state,
            _dir: dir,
        }
    }

    pub(crate) fn store(&self) -> &Store {
        self.state.store()
    }

    pub(crate) fn room(&self, scenario: &Scenario, setup: &RoomSetup) -> CreatedRoom {
        self.store().create_room(None, scenario, setup).unwrap()
    }

    pub(crate) async fn send(
        &self,
        method: &str,
        uri: &str,
        cookie: Option<&str>,
        body: Option<String>,
    ) -> Resp {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        let req = match body {
            Some(s) => b
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(s))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub(crate) async fn get(&self, uri: &str, cookie: Option<&str>) -> Resp {
        self.send("GET", uri, cookie, None).await
    }

    pub(crate) async fn post(
        &self,
        uri: &str,
        cookie: Option<&str>,
        fields: &[(&str, &str)],
    ) -> Resp {
        self.send("POST", uri, cookie, Some(form(fields))).await
    }

    /// Joins through an invitation as a browser would: the form (with its CSRF cookie), then
    /// the post, then the seat page.
    pub(crate) async fn join(&self, token: &str, name: &str, passphrase: &str) -> Client {
        let page = self.get(&format!("/join/{token}"), None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let pre = cookie_pair(&page.cookie(detente_room::PRE_COOKIE).unwrap());
        let csrf = page.csrf();
        let res = self
            .post(
                &format!("/join/{token}"),
                Some(&pre),
                &[("csrf", &csrf), ("name", name), ("passphrase", passphrase)],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let cookie = cookie_pair(&res.cookie(detente_room::SESSION_COOKIE).unwrap());
        let base = res.location();
        let page = self.get(&base, Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        Client {
            csrf: page.csrf(),
            cookie,
            base,
        }
    }
}

/// `name=value` from a Set-Cookie header.
pub(crate) fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_string()
}

/// A seat's browser: its session cookie, CSRF token and seat URL.
#[derive(Clone, Debug)]
pub(crate) struct Client {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
    pub(crate) base: String,
}

impl Client {
    pub(crate) async fn page(&self, app: &App) -> Resp {
        app.get(&self.base, Some(&self.cookie)).await
    }

    pub(crate) async fn act(&self, app: &App, action: &str, fields: &[(&str, &str)]) -> Resp {
        let mut f: Vec<(&str, &str)> = vec![("csrf", &self.csrf)];
        f.extend_from_slice(fields);
        app.post(&format!("{}/{action}", self.base), Some(&self.cookie), &f)
            .await
    }
}

/// The token of the invitation for `label` ("party employer", "mediator").
pub(crate) fn token<'a>(room: &'a CreatedRoom, label: &str) -> &'a str {
    &room
        .invitations
        .iter()
        .find(|i| i.seat_label == label)
        .unwrap()
        .token
}

#[path = "../../../detente-formats/tests/it/shared_dir.rs"]
mod shared;
pub(crate) use shared::shared_dir;

impl App {
    /// A host session through a fresh host link: `(cookie, csrf of the host page)`.
    pub(crate) async fn host(&self) -> (String, String) {
        let tok = self.store().create_host_invite().unwrap();
        let page = self.get(&format!("/host/{tok}"), None).await;
        let pre = cookie_pair(&page.cookie(detente_room::PRE_COOKIE).unwrap());
        let r = self
            .post(
                &format!("/host/{tok}"),
                Some(&pre),
                &[("csrf", &page.csrf())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let host = cookie_pair(&r.cookie(detente_room::SESSION_COOKIE).unwrap());
        let csrf = self.get("/host", Some(&host)).await.csrf();
        (host, csrf)
    }

    /// A `multipart/form-data` POST, as a browser sends the upload form: text fields, then
    /// files under the field name `files`.
    pub(crate) async fn multipart(
        &self,
        uri: &str,
        cookie: Option<&str>,
        fields: &[(&str, &str)],
        files: &[(&str, &[u8])],
    ) -> Resp {
        let b = "detente-test-boundary-5a0c3e";
        let mut body: Vec<u8> = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                    .as_bytes(),
            );
        }
        for (name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{b}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
        let mut req = Request::builder().method("POST").uri(uri).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={b}"),
        );
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        let res = self
            .router
            .clone()
            .oneshot(req.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }
}
