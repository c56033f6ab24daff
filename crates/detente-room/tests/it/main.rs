//! Integration tests of the negotiation room: the HTTP app driven in-process (tower
//! `oneshot`), over loopback, and in a real headless Chromium.

mod browser;
mod flow;
mod neutral;
mod security;
mod upload;
mod util;
