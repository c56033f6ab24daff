//! The negotiation room: human delegations and a mediator around a single negotiating text,
//! in a browser, each side's preferences private.
//!
//! # Overview
//!
//! * [`Store`] is the room database, one SQLite file (WAL, `synchronous = FULL`): rooms,
//!   seats, sessions, the versions of the text, verdicts, private notes and questions. Every
//!   action is one transaction that commits before the server answers.
//! * A room seats one delegation per scenario party (a person, or a built-in text-reviewing
//!   strategy), a mediator (a person, or the core's feedback mediator) and observers. People
//!   join through single-use invitation links ([`Store::create_room`] returns them).
//! * [`router`] serves the pages: a delegate sees only its own preferences (editable until the
//!   talks start), the text with its clause-level diff, its own utility of the text and of the
//!   alternatives, and answers per clause; the mediator sees verdicts, objections and requests
//!   (never preferences), edits drafts and sees the feedback mediator's suggestion
//!   ([`detente_core::protocol::suggest_feedback_draft`]). Pages update live over server-sent
//!   events.
//! * [`serve`] runs the server on an address (loopback by default in the CLI).
//!
//! # Example
//!
//! ```
//! use detente_room::{RoomSetup, Store};
//!
//! let dir = tempfile::tempdir()?;
//! let store = Store::open(&dir.path().join("room.db"))?;
//! let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/job-offer.toml"))?;
//! let scenario = detente_formats::native::read_str(&text, None)?;
//! let room = store.create_room(None, &scenario, &RoomSetup::all_people("hiring", &scenario))?;
//! assert_eq!(room.invitations.len(), 3); // two delegations and the mediator
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod auth;
mod error;
pub mod model;
mod store;
pub mod upload;
mod views;
mod web;

use std::net::SocketAddr;

pub use auth::{hash_passphrase, verify_passphrase};
pub use error::{Error, ErrorKind, Result};
pub use store::{
    CreatedRoom, Holder, Invitation, NeutralAdvice, NeutralImprovement, Note, Question, Room,
    RoomSetup, SESSION_SECONDS, Seat, SeatKind, Session, Status, Store, StoredVerdict, Version,
    hash_secret, random_hex,
};
pub use web::{
    AppState, BODY_LIMIT, LOGIN_WINDOW, MAX_FAILED_LOGINS, PRE_COOKIE, SESSION_COOKIE,
    ServerConfig, harden, router, routes, setup_from_fields,
};

/// Serves `state` on `listener` until ctrl-c.
///
/// # Errors
/// When serving fails.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

/// Binds `addr`.
///
/// # Errors
/// When the address cannot be bound.
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}

/// What [`run_blocking`] reports once it listens.
#[derive(Clone, Debug)]
pub struct Started {
    /// The bound address (the real port when asked for port 0).
    pub addr: SocketAddr,
    /// A fresh single-use host invitation token: `/host/<token>` lets its holder create rooms.
    pub host_token: String,
}

/// Opens the database at `db`, binds `addr` and serves until ctrl-c, on a runtime of its own.
/// `on_start` is called once the socket listens (the CLI prints the links there).
///
/// # Errors
/// When the database cannot be opened, the address cannot be bound or serving fails.
pub fn run_blocking(
    db: &std::path::Path,
    addr: SocketAddr,
    config: ServerConfig,
    on_start: impl FnOnce(&Started),
) -> std::result::Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let store = Store::open(db)?;
    let host_token = store.create_host_invite()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = bind(addr).await?;
        let started = Started {
            addr: listener.local_addr()?,
            host_token,
        };
        on_start(&started);
        serve(listener, AppState::new(store, config)).await?;
        Ok(())
    })
}
