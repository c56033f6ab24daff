//! `--html FILE`: writing a rendered report next to the other outputs.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::UsageError;

/// The same file as `p`, for comparing an output with the inputs (through links too).
fn identity(p: &Path) -> Option<PathBuf> {
    if let Ok(c) = p.canonicalize() {
        return Some(c);
    }
    // Not there yet: its folder's canonical path and its name.
    let dir = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.canonicalize().ok()?,
        _ => std::env::current_dir().ok()?,
    };
    Some(dir.join(p.file_name()?))
}

/// Checks, before anything is computed, that `path` can take a report: its folder exists and
/// it is none of `inputs`.
pub(crate) fn check(path: &Path, inputs: &[&Path]) -> Result<()> {
    let out = identity(path).ok_or_else(|| {
        UsageError(format!(
            "--html {}: its folder does not exist; create it first or name another file",
            path.display()
        ))
    })?;
    for input in inputs {
        if identity(input).is_some_and(|i| i == out) {
            return Err(UsageError(format!(
                "--html {}: that is the input {}; name another file for the report",
                path.display(),
                input.display()
            ))
            .into());
        }
    }
    Ok(())
}

/// Writes `html` to `path` whole or not at all (a temporary file in the same folder, then a
/// rename), refusing to overwrite one of `inputs`.
pub(crate) fn write(path: &Path, inputs: &[&Path], html: &str) -> Result<()> {
    check(path, inputs)?;
    let out = identity(path).ok_or_else(|| {
        UsageError(format!(
            "--html {}: its folder does not exist",
            path.display()
        ))
    })?;
    let dir = out.parent().unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // A report is a document to share, not a secret: the usual file mode.
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder.tempfile_in(dir).with_context(|| {
        format!(
            "--html {}: cannot write in {}",
            path.display(),
            dir.display()
        )
    })?;
    tmp.write_all(html.as_bytes())
        .and_then(|()| tmp.flush())
        .with_context(|| format!("--html {}: writing failed", path.display()))?;
    tmp.persist(&out)
        .with_context(|| format!("--html {}: cannot replace the file", path.display()))?;
    eprintln!("wrote the HTML report to {}", path.display());
    Ok(())
}
