//! `detente serve`: the negotiation room's web server over one SQLite file.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Result, anyhow};
use clap::Args;

use detente_room::ServerConfig;

use super::UsageError;

#[derive(Args, Debug)]
pub(crate) struct ServeArgs {
    /// The room database (created if missing).
    #[arg(long, value_name = "FILE", default_value = "room.db")]
    db: PathBuf,
    /// Address to listen on. The default is loopback only; to serve others, put a TLS reverse
    /// proxy in front (docs/room.md) rather than binding a public address.
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8080")]
    addr: String,
    /// Mark cookies Secure (set it when a TLS reverse proxy fronts the server).
    #[arg(long)]
    secure_cookies: bool,
}

pub(crate) fn run(args: &ServeArgs) -> Result<()> {
    let addr: SocketAddr = args
        .addr
        .parse()
        .map_err(|_| UsageError(format!("--addr: '{}' is not IP:PORT", args.addr)))?;
    if !addr.ip().is_loopback() {
        eprintln!(
            "detente: warning: serving on {addr}, not loopback; use a TLS reverse proxy (docs/room.md)"
        );
    }
    let config = ServerConfig {
        secure_cookies: args.secure_cookies,
    };
    detente_room::run_blocking(&args.db, addr, config, |s| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on http://{}", s.addr);
        let _ = writeln!(
            out,
            "host link (single use, creates rooms): http://{}/host/{}",
            s.addr, s.host_token
        );
        let _ = out.flush();
    })
    .map_err(|e| anyhow!("the room server failed: {e}"))
}
