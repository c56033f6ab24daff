//! HTTP: routes, sessions, CSRF checks, login rate limiting, live updates (server-sent
//! events) and the hardening layers (body limit, panic catching, security headers).
//!
//! Every seat route carries the room's and the seat's public ids, and every handler checks
//! that the session's seat is exactly that seat before it reads anything: an unknown room or
//! seat is 404, no session is 401, someone else's seat is 403, and a state change without the
//! session's CSRF token is 403. Non-goals: TLS (put a reverse proxy in front; see docs/room.md).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cookie::{Cookie, SameSite};
use detente_core::{Outcome, Scenario};
use maud::Markup;
use subtle::ConstantTimeEq;
use tokio::sync::broadcast;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;
use tower_http::catch_panic::CatchPanicLayer;

use crate::error::{Error, ErrorKind, Result};
use crate::model::{self, PrefsForm};
use crate::store::{Holder, NeutralAdvice, RoomSetup, Seat, SeatKind, Session, Status, Store};
use crate::upload::{MAX_UPLOAD_FILES, Upload, scenario_from_upload};
use crate::views;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "detente_session";
/// Name of the cookie holding the CSRF token of the join and login forms (before a session).
pub const PRE_COOKIE: &str = "detente_pre";
/// Largest request body accepted (a scenario upload is the largest legitimate one).
pub const BODY_LIMIT: usize = 512 * 1024;
/// Failed passphrase logins allowed per seat within [`LOGIN_WINDOW`].
pub const MAX_FAILED_LOGINS: usize = 5;
/// The window of the login rate limit.
pub const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Server settings.
#[derive(Clone, Debug, Default)]
pub struct ServerConfig {
    /// Mark cookies `Secure` (set it when a TLS proxy fronts the server).
    pub secure_cookies: bool,
}

/// Shared server state.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    config: ServerConfig,
    scenarios: Mutex<HashMap<i64, Arc<Scenario>>>,
    events: broadcast::Sender<i64>,
    failed_logins: Mutex<HashMap<i64, Vec<Instant>>>,
    /// The trusted neutral's last advice per room, with the fingerprint of the room state it
    /// was computed for ([`Store::neutral_fingerprint`]): its exact searches can be long on
    /// large scenarios, and every live update reloads the pages.
    neutral: Mutex<HashMap<i64, (String, Option<NeutralAdvice>)>>,
}

impl AppState {
    /// Wraps an open store.
    pub fn new(store: Store, config: ServerConfig) -> AppState {
        let (events, _) = broadcast::channel(1024);
        AppState {
            inner: Arc::new(Inner {
                store,
                config,
                scenarios: Mutex::new(HashMap::new()),
                events,
                failed_logins: Mutex::new(HashMap::new()),
                neutral: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    fn scenario(&self, room: &crate::store::Room) -> Result<Arc<Scenario>> {
        let mut cache = self
            .inner
            .scenarios
            .lock()
            .map_err(|_| Error::internal("scenario cache poisoned"))?;
        if let Some(s) = cache.get(&room.id) {
            return Ok(s.clone());
        }
        let s = detente_formats::native::read_str(&room.scenario_toml, None)
            .map_err(|e| Error::internal(format!("stored scenario: {e}")))?;
        let s = Arc::new(s);
        cache.insert(room.id, s.clone());
        Ok(s)
    }

    /// The trusted neutral's advice for `room`, computed once per room state.
    fn neutral_advice(
        &self,
        room: &crate::store::Room,
        scenario: &Scenario,
    ) -> Result<Option<NeutralAdvice>> {
        if !room.trusted_neutral {
            return Ok(None);
        }
        let key = self.store().neutral_fingerprint(room.id)?;
        if let Ok(cache) = self.inner.neutral.lock()
            && let Some((k, a)) = cache.get(&room.id)
            && *k == key
        {
            return Ok(a.clone());
        }
        let advice = self.store().neutral_advice(room.id, scenario)?;
        if let Ok(mut cache) = self.inner.neutral.lock() {
            cache.insert(room.id, (key, advice.clone()));
        }
        Ok(advice)
    }

    fn changed(&self, room_id: i64) {
        // No receivers is fine: nobody is watching.
        let _ = self.inner.events.send(room_id);
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = match self.kind() {
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!("{}", self.message());
            "something went wrong on the server".to_string()
        } else {
            self.message().to_string()
        };
        (
            status,
            Html(views::error_page(status.as_u16(), &message).into_string()),
        )
            .into_response()
    }
}

fn html(m: Markup) -> Response {
    Html(m.into_string()).into_response()
}

/// The application: routes plus hardening layers.
pub fn router(state: AppState) -> Router {
    harden(routes(state))
}

/// The routes alone, without the hardening layers (see [`harden`]).
pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/static/room.css", get(css))
        .route("/static/room.js", get(js))
        .route("/host/{token}", get(host_join_form).post(host_join))
        .route("/host", get(host_page))
        .route("/host/rooms", post(host_create_room))
        .route("/host/upload", post(host_upload))
        .route("/join/{token}", get(join_form).post(join))
        .route("/login/{seat}", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/room/{room}/seat/{seat}", get(seat_page))
        .route("/room/{room}/seat/{seat}/state.json", get(seat_state))
        .route("/room/{room}/seat/{seat}/events", get(seat_events))
        .route("/room/{room}/seat/{seat}/prefs", post(save_prefs))
        .route("/room/{room}/seat/{seat}/confide", post(confide))
        .route("/room/{room}/seat/{seat}/start", post(start_talks))
        .route("/room/{room}/seat/{seat}/draft", post(table_draft))
        .route("/room/{room}/seat/{seat}/verdict", post(verdict))
        .route("/room/{room}/seat/{seat}/note", post(note))
        .route("/room/{room}/seat/{seat}/ask", post(ask))
        .route("/room/{room}/seat/{seat}/answer", post(answer))
        .with_state(state)
}

/// Adds the body limit (413 past [`BODY_LIMIT`]), panic catching (a panicking handler gives
/// a 500 and the server keeps serving) and security headers to `router`.
pub fn harden(router: Router) -> Router {
    router
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::map_response(security_headers))
}

async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Invitation tokens are in URLs: never send them on as a referrer.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn index() -> Response {
    html(views::index())
}

async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../assets/room.css"),
    )
        .into_response()
}

async fn js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../assets/room.js"),
    )
        .into_response()
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(|c| c.ok())
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

fn set_cookie(state: &AppState, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let mut c = Cookie::build((name.to_string(), value.to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.inner.config.secure_cookies);
    if let Some(s) = max_age {
        c = c.max_age(cookie::time::Duration::seconds(s));
    }
    HeaderValue::from_str(&c.build().to_string()).unwrap_or(HeaderValue::from_static(""))
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn check_csrf(expected: &str, fields: &[(String, String)]) -> Result<()> {
    let given = field(fields, "csrf").ok_or_else(|| Error::forbidden("missing CSRF token"))?;
    if expected.is_empty() || !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(Error::forbidden("wrong CSRF token"));
    }
    Ok(())
}

fn session(state: &AppState, headers: &HeaderMap) -> Result<(String, Session)> {
    let sid = cookie_value(headers, SESSION_COOKIE).ok_or_else(|| {
        Error::new(
            ErrorKind::Unauthenticated,
            "please join with your invitation link or log in",
        )
    })?;
    let s = state.store().session(&sid)?.ok_or_else(|| {
        Error::new(
            ErrorKind::Unauthenticated,
            "your session is unknown or has expired; log in again",
        )
    })?;
    Ok((sid, s))
}

/// The session's seat, which must be exactly `seat_pid` in room `room_pid`.
fn seat_auth(
    state: &AppState,
    headers: &HeaderMap,
    room_pid: &str,
    seat_pid: &str,
) -> Result<(Session, crate::store::Room, Seat)> {
    let (_, s) = session(state, headers)?;
    let room = state.store().room(room_pid)?;
    let seat = state.store().seat(seat_pid)?;
    if seat.room_id != room.id {
        return Err(Error::not_found("no such seat in this room"));
    }
    if s.seat_id != Some(seat.id) {
        return Err(Error::forbidden("this is not your seat"));
    }
    Ok((s, room, seat))
}

/// A state-changing form from a seat: the session holds this seat (as [`seat_auth`]) and the
/// form carries the session's CSRF token.
fn seat_form(
    state: &AppState,
    headers: &HeaderMap,
    room_pid: &str,
    seat_pid: &str,
    fields: &[(String, String)],
) -> Result<(crate::store::Room, Seat)> {
    let (s, room, seat) = seat_auth(state, headers, room_pid, seat_pid)?;
    check_csrf(&s.csrf, fields)?;
    Ok((room, seat))
}

/// Refuses (403) an action a seat of another kind may not take.
fn require_kind(seat: &Seat, kind: SeatKind, refusal: &'static str) -> Result<()> {
    if seat.kind != kind {
        return Err(Error::forbidden(refusal));
    }
    Ok(())
}

fn fresh_pre_csrf(state: &AppState) -> Result<(String, HeaderValue)> {
    let t = crate::store::random_hex(32)?;
    let c = set_cookie(state, PRE_COOKIE, &t, Some(3600));
    Ok((t, c))
}

fn check_pre_csrf(headers: &HeaderMap, fields: &[(String, String)]) -> Result<()> {
    let c = cookie_value(headers, PRE_COOKIE)
        .ok_or_else(|| Error::forbidden("missing CSRF cookie; reload the form"))?;
    check_csrf(&c, fields)
}

async fn host_join_form(State(st): State<AppState>, Path(token): Path<String>) -> Result<Response> {
    let (pre, cookie) = fresh_pre_csrf(&st)?;
    let page = views::page(
        "host",
        None,
        maud::html! { section.card { h1 { "Become this server's host" }
        form method="post" action=(format!("/host/{token}")) {
            input type="hidden" name="csrf" value=(pre);
            button type="submit" { "Continue" } } } },
    );
    Ok(([(header::SET_COOKIE, cookie)], html(page)).into_response())
}

async fn host_join(
    State(st): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    check_pre_csrf(&headers, &fields)?;
    let (sid, _) = st.store().redeem_host_invite(&token)?;
    let c = set_cookie(&st, SESSION_COOKIE, &sid, None);
    Ok(([(header::SET_COOKIE, c)], Redirect::to("/host")).into_response())
}

fn host_session(st: &AppState, headers: &HeaderMap) -> Result<(i64, Session)> {
    let (_, s) = session(st, headers)?;
    let h = s
        .host_id
        .ok_or_else(|| Error::forbidden("only the host may create rooms"))?;
    Ok((h, s))
}

async fn host_page(State(st): State<AppState>, headers: HeaderMap) -> Result<Response> {
    let (h, s) = host_session(&st, &headers)?;
    let rooms = st.store().host_rooms(h)?;
    Ok(html(views::host_page(&s.csrf, &rooms)))
}

/// Parses `party=strategy, party=strategy` into seat holders.
fn parse_agents(scenario: &Scenario, spec: &str) -> Result<Vec<Holder>> {
    let mut out = vec![Holder::Person; scenario.parties().len()];
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (party, strategy) = part
            .split_once('=')
            .ok_or_else(|| Error::bad(format!("agent '{part}': write party=strategy")))?;
        let idx = scenario
            .party_index(party.trim())
            .map_err(|e| Error::bad(e.to_string()))?;
        out[idx] = Holder::Agent(strategy.trim().to_string());
    }
    Ok(out)
}

/// Builds a room setup from the host form's fields (shared with the CLI's wording).
///
/// # Errors
/// For an unknown party, strategy or mediator, or a bad observer count.
pub fn setup_from_fields(
    scenario: &Scenario,
    name: &str,
    agents: &str,
    mediator: &str,
    observers: &str,
) -> Result<RoomSetup> {
    let n_observers: usize = observers
        .trim()
        .parse()
        .map_err(|_| Error::bad(format!("observers must be a number, not '{observers}'")))?;
    Ok(RoomSetup {
        name: name.to_string(),
        parties: parse_agents(scenario, agents)?,
        mediator: match mediator.trim() {
            "person" | "" => Holder::Person,
            m => Holder::Agent(m.to_string()),
        },
        n_observers,
        trusted_neutral: false,
    })
}

async fn host_create_room(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let (h, s) = host_session(&st, &headers)?;
    check_csrf(&s.csrf, &fields)?;
    let text = field(&fields, "scenario").unwrap_or("");
    let scenario = detente_formats::native::read_str(text, None)
        .map_err(|e| Error::bad(format!("the scenario is not valid: {e}")))?;
    create_from_form(&st, h, &headers, &fields, &scenario)
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> Error {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Error::new(
            ErrorKind::PayloadTooLarge,
            format!("the upload is larger than {} KiB", BODY_LIMIT / 1024),
        )
    } else {
        Error::bad(format!("the upload is malformed: {}", e.body_text()))
    }
}

/// The host creates a room from uploaded scenario files (multipart form: `files`, plus the
/// fields of the paste form).
async fn host_upload(
    State(st): State<AppState>,
    headers: HeaderMap,
    mut multipart: axum::extract::Multipart,
) -> Result<Response> {
    let (h, s) = host_session(&st, &headers)?;
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut files: Vec<Upload> = Vec::new();
    while let Some(f) = multipart.next_field().await.map_err(multipart_error)? {
        let name = f.name().unwrap_or("").to_string();
        if name == "files" {
            let file_name = f.file_name().unwrap_or("").to_string();
            let bytes = f.bytes().await.map_err(multipart_error)?;
            if file_name.is_empty() && bytes.is_empty() {
                continue; // no file chosen
            }
            if files.len() == MAX_UPLOAD_FILES {
                return Err(Error::bad(format!(
                    "at most {MAX_UPLOAD_FILES} files per upload"
                )));
            }
            files.push(Upload::new(&file_name, bytes.to_vec()));
        } else {
            let text = f.text().await.map_err(multipart_error)?;
            fields.push((name, text));
        }
    }
    check_csrf(&s.csrf, &fields)?;
    let pasted = field(&fields, "scenario").unwrap_or("").trim();
    let scenario = match (files.is_empty(), pasted.is_empty()) {
        (true, false) => detente_formats::native::read_str(pasted, None)
            .map_err(|e| Error::bad(format!("the scenario is not valid: {e}")))?,
        (false, false) => {
            return Err(Error::bad("upload files or paste a scenario, not both"));
        }
        _ => scenario_from_upload(&files)?,
    };
    create_from_form(&st, h, &headers, &fields, &scenario)
}

fn create_from_form(
    st: &AppState,
    h: i64,
    headers: &HeaderMap,
    fields: &[(String, String)],
    scenario: &Scenario,
) -> Result<Response> {
    let name = match field(fields, "name").map(str::trim) {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => scenario.name.clone(),
    };
    let mut setup = setup_from_fields(
        scenario,
        &name,
        field(fields, "agents").unwrap_or(""),
        field(fields, "mediator").unwrap_or("person"),
        field(fields, "observers").unwrap_or("0"),
    )?;
    setup.trusted_neutral = match field(fields, "trusted_neutral") {
        None | Some("") | Some("no") => false,
        Some("yes") => true,
        Some(x) => {
            return Err(Error::bad(format!(
                "trusted_neutral must be yes or no, not '{x}'"
            )));
        }
    };
    let created = st.store().create_room(Some(h), scenario, &setup)?;
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let links: Vec<(String, String)> = created
        .invitations
        .iter()
        .map(|i| {
            (
                i.seat_label.clone(),
                format!("http://{host}/join/{}", i.token),
            )
        })
        .collect();
    Ok(html(views::invitations_page(&setup.name, &links)))
}

fn seat_label(st: &AppState, seat: &Seat) -> Result<String> {
    Ok(match seat.kind {
        SeatKind::Party => {
            let room = st.store().room_by_id(seat.room_id)?;
            let sc = st.scenario(&room)?;
            let name = seat
                .party_idx
                .and_then(|p| sc.parties().get(p))
                .map(|p| p.name.clone())
                .unwrap_or_default();
            format!("delegation of {name}")
        }
        SeatKind::Mediator => "mediator".into(),
        SeatKind::Observer => "observer".into(),
    })
}

async fn join_form(State(st): State<AppState>, Path(token): Path<String>) -> Result<Response> {
    let seat = st.store().invitation_seat(&token)?;
    let (pre, cookie) = fresh_pre_csrf(&st)?;
    let label = seat_label(&st, &seat)?;
    Ok((
        [(header::SET_COOKIE, cookie)],
        html(views::join_form(
            &format!("/join/{token}"),
            &label,
            &pre,
            true,
        )),
    )
        .into_response())
}

async fn join(
    State(st): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    check_pre_csrf(&headers, &fields)?;
    let name = field(&fields, "name").unwrap_or("").trim().to_string();
    if name.is_empty() || name.len() > 100 {
        return Err(Error::bad("give a name of 1 to 100 characters"));
    }
    let pass = field(&fields, "passphrase").unwrap_or("").to_string();
    let hash = if pass.is_empty() {
        None
    } else {
        if pass.len() < 10 {
            return Err(Error::bad("a passphrase has at least 10 characters"));
        }
        Some(
            tokio::task::spawn_blocking(move || crate::auth::hash_passphrase(&pass))
                .await
                .map_err(|e| Error::internal(format!("hashing: {e}")))??,
        )
    };
    let (seat, sid, _) = st.store().redeem_invite(&token, &name, hash.as_deref())?;
    let room = st.store().room_by_id(seat.room_id)?;
    st.changed(room.id);
    let c = set_cookie(&st, SESSION_COOKIE, &sid, None);
    Ok((
        [(header::SET_COOKIE, c)],
        Redirect::to(&format!("/room/{}/seat/{}", room.public_id, seat.public_id)),
    )
        .into_response())
}

async fn login_form(State(st): State<AppState>, Path(seat): Path<String>) -> Result<Response> {
    st.store().seat(&seat)?;
    let (pre, cookie) = fresh_pre_csrf(&st)?;
    Ok((
        [(header::SET_COOKIE, cookie)],
        html(views::login_form(&format!("/login/{seat}"), &pre)),
    )
        .into_response())
}

fn rate_limited(st: &AppState, seat_id: i64) -> Result<bool> {
    let mut m = st
        .inner
        .failed_logins
        .lock()
        .map_err(|_| Error::internal("rate limiter poisoned"))?;
    let v = m.entry(seat_id).or_default();
    v.retain(|t| t.elapsed() < LOGIN_WINDOW);
    Ok(v.len() >= MAX_FAILED_LOGINS)
}

fn record_failure(st: &AppState, seat_id: i64) {
    if let Ok(mut m) = st.inner.failed_logins.lock() {
        m.entry(seat_id).or_default().push(Instant::now());
    }
}

async fn login(
    State(st): State<AppState>,
    Path(seat_pid): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    check_pre_csrf(&headers, &fields)?;
    let (seat, hash) = st.store().passphrase_hash(&seat_pid)?;
    if rate_limited(&st, seat.id)? {
        return Err(Error::new(
            ErrorKind::TooManyRequests,
            "too many failed logins for this seat; wait 15 minutes",
        ));
    }
    let pass = field(&fields, "passphrase").unwrap_or("").to_string();
    let ok = match hash {
        Some(h) => tokio::task::spawn_blocking(move || crate::auth::verify_passphrase(&pass, &h))
            .await
            .map_err(|e| Error::internal(format!("verifying: {e}")))?,
        None => false,
    };
    if !ok {
        record_failure(&st, seat.id);
        return Err(Error::forbidden("wrong passphrase"));
    }
    let (sid, _) = st.store().open_session(seat.id)?;
    let room = st.store().room_by_id(seat.room_id)?;
    let c = set_cookie(&st, SESSION_COOKIE, &sid, None);
    Ok((
        [(header::SET_COOKIE, c)],
        Redirect::to(&format!("/room/{}/seat/{}", room.public_id, seat.public_id)),
    )
        .into_response())
}

async fn logout(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let (sid, s) = session(&st, &headers)?;
    check_csrf(&s.csrf, &fields)?;
    st.store().end_session(&sid)?;
    let c = set_cookie(&st, SESSION_COOKIE, "", Some(0));
    Ok(([(header::SET_COOKIE, c)], Redirect::to("/")).into_response())
}

/// The party's effective preferences: its edits if it saved any, else the scenario's.
fn own_prefs(
    st: &AppState,
    scenario: &Scenario,
    seat: &Seat,
) -> Result<(detente_core::Preferences, PrefsForm)> {
    let p = seat
        .party_idx
        .and_then(|p| scenario.parties().get(p))
        .ok_or_else(|| Error::internal("party seat without a party"))?;
    match st.store().own_prefs(seat.id)? {
        Some(form) => {
            let prefs = form.to_preferences(scenario.space(), &p.name, p.preferences.discount())?;
            Ok((prefs, form))
        }
        None => Ok((
            p.preferences.clone(),
            PrefsForm::from_preferences(&p.preferences),
        )),
    }
}

/// The first draft: the trusted neutral's Nash package when it is ready, else the scenario's
/// first complete package, else every issue's first value.
fn start_draft(scenario: &Scenario, neutral: Option<&NeutralAdvice>) -> Outcome {
    if let Some(n) = neutral.filter(|a| a.ready()).and_then(|a| a.nash.clone()) {
        return n;
    }
    scenario
        .packages
        .iter()
        .find_map(|p| p.as_outcome())
        .unwrap_or_else(|| Outcome::new(vec![0; scenario.space().issues().len()]))
}

fn agent_mediator(seats: &[Seat]) -> bool {
    seats
        .iter()
        .any(|s| s.kind == SeatKind::Mediator && s.agent.is_some())
}

async fn seat_page(
    State(st): State<AppState>,
    Path((room_pid, seat_pid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response> {
    let (s, room, seat) = seat_auth(&st, &headers, &room_pid, &seat_pid)?;
    let scenario = st.scenario(&room)?;
    let store = st.store();
    let versions = store.versions(room.id)?;
    let notes = store.notes(seat.id)?;
    let neutral = if seat.kind == SeatKind::Observer {
        None
    } else {
        st.neutral_advice(&room, &scenario)?
    };
    Ok(html(match seat.kind {
        SeatKind::Party => {
            let (prefs, form) = own_prefs(&st, &scenario, &seat)?;
            let verdicts = store.verdicts_of_seat(seat.id)?;
            let questions = store.questions_of_seat(seat.id)?;
            let seats = store.seats(room.id)?;
            let party_name = &scenario.parties()[seat.party_idx.unwrap_or(0)].name;
            views::delegate_page(&views::DelegateData {
                room: &room,
                seat: &seat,
                party_name,
                space: scenario.space(),
                prefs: &prefs,
                form: &form,
                versions: &versions,
                verdicts: &verdicts,
                notes: &notes,
                questions: &questions,
                may_start: agent_mediator(&seats),
                neutral: neutral.as_ref(),
                csrf: &s.csrf,
            })
        }
        SeatKind::Mediator => {
            let seats = store.seats(room.id)?;
            let verdicts = store.verdicts_of_room(room.id)?;
            let questions = store.questions_of_room(room.id)?;
            let current = versions.last().map(|v| &v.draft);
            let suggestion = match (&neutral, room.status) {
                (Some(a), Status::Talks | Status::Agreed) if a.ready() => a.next_draft(current),
                (_, Status::Talks) => store.suggestion(room.id, &scenario)?,
                _ => None,
            };
            views::mediator_page(&views::MediatorData {
                room: &room,
                seat: &seat,
                space: scenario.space(),
                party_names: scenario.parties().iter().map(|p| p.name.clone()).collect(),
                seats: &seats,
                versions: &versions,
                verdicts: &verdicts,
                suggestion,
                neutral: neutral.as_ref(),
                start: start_draft(&scenario, neutral.as_ref()),
                questions: &questions,
                notes: &notes,
                csrf: &s.csrf,
            })
        }
        SeatKind::Observer => {
            views::observer_page(&room, &seat, scenario.space(), &versions, &notes, &s.csrf)
        }
    }))
}

/// A small JSON view of the seat for scripts and the load bench: the status, the current
/// version and, for a party, its own utility of it.
async fn seat_state(
    State(st): State<AppState>,
    Path((room_pid, seat_pid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response> {
    let (_, room, seat) = seat_auth(&st, &headers, &room_pid, &seat_pid)?;
    let scenario = st.scenario(&room)?;
    let versions = st.store().versions(room.id)?;
    let current = versions.last();
    let own = if seat.kind == SeatKind::Party {
        let (prefs, _) = own_prefs(&st, &scenario, &seat)?;
        current.map(|v| prefs.utility(&v.draft))
    } else {
        None
    };
    let body = serde_json::json!({
        "status": room.status.as_str(),
        "version": current.map(|v| v.version),
        "text": current.map(|v| scenario.space().describe(&v.draft)),
        "agreed_version": room.agreed_version,
        "own_utility": own,
    });
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response())
}

async fn seat_events(
    State(st): State<AppState>,
    Path((room_pid, seat_pid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response> {
    let (_, room, _) = seat_auth(&st, &headers, &room_pid, &seat_pid)?;
    let rx = st.inner.events.subscribe();
    let room_id = room.id;
    let stream = BroadcastStream::new(rx).filter_map(move |r| match r {
        Ok(id) if id == room_id => Some(Ok::<_, Infallible>(
            SseEvent::default().event("change").data("1"),
        )),
        // A lagging receiver missed events: tell it to refresh anyway.
        Err(_) => Some(Ok(SseEvent::default().event("change").data("1"))),
        Ok(_) => None,
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

fn back(room: &crate::store::Room, seat: &Seat) -> Response {
    Redirect::to(&format!("/room/{}/seat/{}", room.public_id, seat.public_id)).into_response()
}

async fn save_prefs(
    State(st): State<AppState>,
    Path((room_pid, seat_pid)): Path<(String, String)>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let (room, seat) = seat_form(&st, &headers, &room_pid, &seat_pid, &fields)?;
    if seat.kind != SeatKind::Party || seat.agent.is_some() {
        return Err(Error::forbidden("only a delegation edits preferences"));
    }
    let scenario = st.scenario(&room)?;
    let (_, mut form) = own_prefs(&st, &scenario, &seat)?;
    let num = |k: &str, v: &str| -> Result<f64> {
        v.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| Error::bad(format!("{k} must be a number, not '{v}'")))
    };
    let n = scenario.space().issues().len();
    form.red_lines = vec![Vec::new(); n];
    for (k, v) in &fields {
        if k == "csrf" {
            continue;
        } else if k == "reservation" {
            form.reservation = num(k, v)?;
        } else if let Some(i) = k.strip_prefix("w_") {
            let i: usize = i
                .parse()
                .ok()
                .filter(|&i| i < n)
                .ok_or_else(|| Error::bad(format!("unknown field '{k}'")))?;
            form.weights[i] = num(k, v)?;
        } else if let Some(rest) = k.strip_prefix("v_").or_else(|| k.strip_prefix("red_")) {
            let (i, x) = rest
                .split_once('_')
                .and_then(|(a, b)| Some((a.parse::<usize>().ok()?, b.parse::<u32>().ok()?)))
                .filter(|&(i, x)| i < n && x < scenario.space().issues()[i].n_values())
                .ok_or_else(|| Error::bad(format!("unknown field '{k}'")))?;
            if k.starts_with("v_") {
                form.values[i][x as usize] = num(k, v)?;
            } else {
                form.red_lines[i].push(x);
            }
        } else {
            return Err(Error::bad(format!("unknown field '{k}'")));
        }
    }
    // Check that the numbers make preferences before storing them.
    form.to_preferences(scenario.space(), "delegate", 1.0)?;
    st.store().save_prefs(room.id, seat.id, &form)?;
    Ok(back(&room, &seat))
}

async fn confide(
    State(st): State<AppState>,
    Path((room_pid, seat_pid)): Path<(String, String)>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let (room, seat) = seat_form(&st, &headers, &room_pid, &seat_pid, &fields)?;
    if seat.kind != SeatKind::Party || seat.agent.is_some() {
        return Err(Error::forbidden(
            "only a delegation confides its preferences",
        ));
    }
    st.store().confide(room.id, seat.id)?;
    st.changed(room.id);
    Ok(back(&room, &seat))
}

async fn start_talks(
    State(st): State<AppState>,
    Path((room_pid, seat_pid)): Path<(String, String)>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let (room, seat) = seat_form(&st, &headers, &room_pid, &seat_pid, &fields)?;
    let scenario = st.scenario(&room)?;
    let seats = st.store().seats(room.id)?;
    let draft = match seat.kind {
        SeatKind::Mediator if seat.agent.is_none() => {
            model::parse_draft(scenario.space(), &fields)?
        }
        SeatKind::Party if agent_mediator(&seats) => {
            start_draft(&scenario, st.neutral_advice(&room, &scenario)?.as_ref())
        }
        _ => return Err(Error::forbidden("only the mediator opens the talks")),
    };
    st.store().start_talks(room.id, &scenario, &draft)?;
    st.changed(room.id);
    Ok(back(&room, &seat))
}

async fn table_draft(
    State(st): State<AppState>,
    Path((room_pid, seat_pid)): Path<(String, String)>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let (room, seat) = seat_form(&st, &headers, &room_pid, &seat_pid, &fields)?;
    require_kind(&seat, SeatKind::Mediator, "only the mediator tables drafts")?;
    let scenario = st.scenario(&room)?;
    let draft = model::parse_draft(scenario.space(), &fields)?;
    st.store().table_draft(room.id, &scenario, &draft)?;
    st.changed(room.id);
    Ok(back(&room, &seat))
}

async fn verdict(
    State(st): State<AppState>,
    Path((room_pid, seat_pid)): Path<(String, String)>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let (room, seat) = seat_form(&st, &headers, &room_pid, &seat_pid, &fields)?;
    require_kind(&seat, SeatKind::Party, "only a delegation answers the text")?;
    let scenario = st.scenario(&room)?;
    let version: u32 = field(&fields, "version")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| Error::bad("which version are you answering?"))?;
    let v = model::parse_verdict(scenario.space(), &fields)?;
    let comment = field(&fields, "comment").unwrap_or("").trim();
    if comment.len() > 2000 {
        return Err(Error::bad("a comment has at most 2000 characters"));
    }
    st.store()
        .record_verdict(room.id, seat.id, &scenario, version, &v, comment)?;
    st.changed(room.id);
    Ok(back(&room, &seat))
}

async fn note(
    State(st): State<AppState>,
    Path((room_pid, seat_pid)): Path<(String, String)>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let (room, seat) = seat_form(&st, &headers, &room_pid, &seat_pid, &fields)?;
    st.store()
        .add_note(seat.id, field(&fields, "text").unwrap_or(""))?;
    Ok(back(&room, &seat))
}

async fn ask(
    State(st): State<AppState>,
    Path((room_pid, seat_pid)): Path<(String, String)>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let (room, seat) = seat_form(&st, &headers, &room_pid, &seat_pid, &fields)?;
    require_kind(
        &seat,
        SeatKind::Mediator,
        "only the mediator asks questions",
    )?;
    let to = st.store().seat(field(&fields, "to").unwrap_or(""))?;
    st.store()
        .ask(room.id, to.id, field(&fields, "text").unwrap_or(""))?;
    st.changed(room.id);
    Ok(back(&room, &seat))
}

async fn answer(
    State(st): State<AppState>,
    Path((room_pid, seat_pid)): Path<(String, String)>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let (room, seat) = seat_form(&st, &headers, &room_pid, &seat_pid, &fields)?;
    let q: i64 = field(&fields, "question")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| Error::bad("which question are you answering?"))?;
    st.store()
        .answer(seat.id, q, field(&fields, "text").unwrap_or(""))?;
    st.changed(room.id);
    Ok(back(&room, &seat))
}
