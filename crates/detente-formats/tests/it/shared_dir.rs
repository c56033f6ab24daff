//! `shared_dir()`, the one locator of the `shared/` fixtures: included by path (`#[path]`) in
//! the integration tests of detente-formats, detente-cli and detente-room.

use std::path::{Path, PathBuf};

/// The `shared/` fixtures (GENIUS domains, reference results): `$DETENTE_SHARED` when set,
/// else `../shared` beside the repository. When they are missing the caller skips, saying so
/// loudly, unless `DETENTE_REQUIRE_SHARED=1` (set by `.ci/run`): then a missing folder fails the
/// test, so CI never passes tests that checked nothing.
pub(crate) fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("DETENTE_SHARED") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    if dir.join("scenarios/genius").is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("DETENTE_REQUIRE_SHARED").is_none_or(|v| v != "1"),
        "DETENTE_REQUIRE_SHARED=1 but {} holds no scenarios/genius (set DETENTE_SHARED to the \
         fixtures' folder)",
        dir.display()
    );
    eprintln!(
        "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
         !!! {} not found: the tests that need it did NOT run\n\
         !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n",
        dir.display()
    );
    None
}
