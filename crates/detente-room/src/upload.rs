//! A scenario uploaded in the host page: one native TOML file, a GENIUS domain with its
//! profiles (XML), or GeniusWeb files (JSON), read with detente-formats from memory.
//!
//! Non-goals: reading from disk (the CLI does that) and partial uploads: a malformed file
//! refuses the whole upload with a 400 that names it, and nothing is stored.

use std::path::{Path, PathBuf};

use detente_core::Scenario;
use detente_formats::genius::FileKind;

use crate::error::{Error, Result};

/// Most files one upload may hold.
pub const MAX_UPLOAD_FILES: usize = 32;

/// One uploaded file: its name as the browser sent it (used for messages and, in GENIUS
/// formats, party names) and its bytes.
#[derive(Clone, Debug)]
pub struct Upload {
    /// The file name (any directory part is dropped).
    pub name: String,
    /// Its contents.
    pub bytes: Vec<u8>,
}

impl Upload {
    /// An upload named `name` (only its last path component is kept).
    pub fn new(name: &str, bytes: Vec<u8>) -> Upload {
        let name = name
            .rsplit(['/', '\\'])
            .next()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or("upload")
            .to_string();
        Upload { name, bytes }
    }

    fn ext(&self) -> String {
        Path::new(&self.name)
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default()
    }

    fn path(&self) -> PathBuf {
        PathBuf::from(&self.name)
    }
}

fn invalid(e: detente_formats::Error) -> Error {
    Error::bad(format!("the upload is not a valid scenario: {e}"))
}

/// Reads the scenario in `files`, detecting the format by extension: one `.toml` file
/// (native), `.xml` files (GENIUS: exactly one domain and its linear-additive profiles) or
/// `.json` files (GeniusWeb: profiles and, optionally, the domain). Profiles are taken in
/// file-name order, as `detente` does for a folder; other valid XML/JSON files (such as ANL's
/// `specials.json`) are skipped.
///
/// # Errors
/// 400, naming the file (and line where the reader knows it), for no files, too many, mixed
/// or unknown extensions, a file that does not parse, an unsupported profile, no or several
/// domains, or a scenario the readers refuse.
pub fn scenario_from_upload(files: &[Upload]) -> Result<Scenario> {
    if files.is_empty() {
        return Err(Error::bad("choose the scenario's file or files to upload"));
    }
    if files.len() > MAX_UPLOAD_FILES {
        return Err(Error::bad(format!(
            "at most {MAX_UPLOAD_FILES} files per upload, got {}",
            files.len()
        )));
    }
    let ext = files[0].ext();
    if let Some(f) = files.iter().find(|f| f.ext() != ext) {
        return Err(Error::bad(format!(
            "mixed file kinds: '{}' and '{}'; upload one .toml file, or the .xml files of a \
             GENIUS scenario, or the .json files of a GeniusWeb one",
            files[0].name, f.name
        )));
    }
    let mut sorted: Vec<&Upload> = files.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    match ext.as_str() {
        "toml" => {
            if files.len() != 1 {
                return Err(Error::bad("a native scenario is one .toml file"));
            }
            let text = std::str::from_utf8(&files[0].bytes)
                .map_err(|e| Error::bad(format!("'{}' is not UTF-8 text: {e}", files[0].name)))?;
            detente_formats::native::read_str(text, Some(&files[0].path())).map_err(invalid)
        }
        "xml" => genius(&sorted),
        "json" => genius_web(&sorted),
        other => Err(Error::bad(format!(
            "'{}': unknown file kind '.{other}'; upload .toml, GENIUS .xml or GeniusWeb .json",
            files[0].name
        ))),
    }
}

/// Sorts classified files into domains and profiles, refusing unsupported profiles.
fn split<'a>(
    files: &[&'a Upload],
    classify: impl Fn(&Path, &[u8]) -> std::result::Result<FileKind, detente_formats::Error>,
) -> Result<(Vec<&'a Upload>, Vec<&'a Upload>)> {
    let (mut domains, mut profiles) = (Vec::new(), Vec::new());
    for f in files {
        match classify(&f.path(), &f.bytes).map_err(invalid)? {
            FileKind::Domain => domains.push(*f),
            FileKind::Profile => profiles.push(*f),
            FileKind::UnsupportedProfile(why) => {
                return Err(Error::bad(format!(
                    "'{}' is a profile detente cannot use: {why}",
                    f.name
                )));
            }
            FileKind::Other(_) => {}
        }
    }
    if profiles.len() < 2 {
        return Err(Error::bad(format!(
            "the upload has {} usable profile{}; a negotiation needs at least two parties",
            profiles.len(),
            if profiles.len() == 1 { "" } else { "s" }
        )));
    }
    if domains.len() > 1 {
        return Err(Error::bad(format!(
            "the upload has {} domains ({}); upload one scenario at a time",
            domains.len(),
            domains
                .iter()
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok((domains, profiles))
}

fn genius(files: &[&Upload]) -> Result<Scenario> {
    let (domains, profiles) = split(files, detente_formats::genius::classify)?;
    let domain = domains.first().ok_or_else(|| {
        Error::bad("a GENIUS upload needs its domain file (<negotiation_template>)")
    })?;
    let name = Path::new(&domain.name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "uploaded".into());
    let paths: Vec<PathBuf> = profiles.iter().map(|p| p.path()).collect();
    let refs: Vec<(&Path, &[u8])> = paths
        .iter()
        .zip(&profiles)
        .map(|(p, f)| (p.as_path(), f.bytes.as_slice()))
        .collect();
    let dpath = domain.path();
    Ok(
        detente_formats::genius::read_from(&name, (&dpath, &domain.bytes), &refs)
            .map_err(invalid)?
            .scenario,
    )
}

fn genius_web(files: &[&Upload]) -> Result<Scenario> {
    let (domains, profiles) = split(files, detente_formats::geniusweb::classify)?;
    let name = domains
        .first()
        .and_then(|d| Path::new(&d.name).file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "uploaded".into());
    let paths: Vec<PathBuf> = profiles.iter().map(|p| p.path()).collect();
    let refs: Vec<(&Path, &[u8])> = paths
        .iter()
        .zip(&profiles)
        .map(|(p, f)| (p.as_path(), f.bytes.as_slice()))
        .collect();
    let dpath = domains.first().map(|d| d.path());
    let domain = domains
        .first()
        .zip(dpath.as_ref())
        .map(|(d, p)| (p.as_path(), d.bytes.as_slice()));
    Ok(detente_formats::geniusweb::read_from(&name, domain, &refs)
        .map_err(invalid)?
        .scenario)
}
