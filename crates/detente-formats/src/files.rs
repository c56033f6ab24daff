//! File helpers shared by the readers and writers of every format: bounded reads, text
//! decoding, file names, folder listings, and the written/rendered file sets.

use std::path::{Path, PathBuf};

use detente_core::Scenario;

use crate::{Error, ErrorKind, Warning};

/// The files [`crate::genius::write`] (or [`crate::geniusweb::write`]) created, and what could not be carried
/// over exactly.
#[derive(Clone, Debug, Default)]
pub struct Written {
    /// The files written: the domain first, then one profile per party.
    pub files: Vec<PathBuf>,
    /// What the target format could not express, and how it was written instead.
    pub warnings: Vec<Warning>,
}

/// The files a writer would create, in memory: `(file name, contents)` pairs with the domain
/// first, and what the target format could not express.
#[derive(Clone, Debug, Default)]
pub struct Rendered {
    /// `(file name, contents)`, the domain first, then one profile per party.
    pub files: Vec<(String, String)>,
    /// What the target format could not express, and how it was written instead.
    pub warnings: Vec<Warning>,
}

impl Rendered {
    /// Writes the files into `out_dir` (created if needed).
    ///
    /// # Errors
    /// When the folder or a file cannot be written.
    pub fn write_to(self, out_dir: &Path) -> Result<Written, Error> {
        std::fs::create_dir_all(out_dir).map_err(|e| {
            Error::new(ErrorKind::Io, format!("cannot create the folder: {e}")).with_path(out_dir)
        })?;
        let mut written = Written {
            files: Vec::new(),
            warnings: self.warnings,
        };
        for (name, text) in self.files {
            let path = out_dir.join(name);
            std::fs::write(&path, text).map_err(|e| {
                Error::new(ErrorKind::Io, format!("cannot write the file: {e}")).with_path(&path)
            })?;
            written.files.push(path);
        }
        Ok(written)
    }
}

/// What an XML file is, judged by its root element (FORMATS.md §A.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A domain: root `<negotiation_template>` (or another root with a `<utility_space>` child).
    Domain,
    /// A linear-additive profile: root `<utility_space>` with weights or evaluations.
    Profile,
    /// A profile detente cannot use (non-linear, preference uncertainty, constraint); the text
    /// says which and why.
    UnsupportedProfile(String),
    /// Something else; the text says what.
    Other(String),
}

/// Reads a whole file of at most [`crate::MAX_FILE_BYTES`]: a regular file's size is checked
/// before reading, and anything else (a pipe, `/dev/zero`) is read with that cap, so a wrong
/// path never makes memory grow without bound.
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let io = |e: std::io::Error| {
        Error::new(ErrorKind::Io, format!("cannot read the file: {e}")).with_path(path)
    };
    let max = crate::MAX_FILE_BYTES;
    let too_large = |what: String| {
        Error::new(
            ErrorKind::Io,
            format!(
                "{what}; scenario files may have at most {max} bytes ({} MiB)",
                max >> 20
            ),
        )
        .with_path(path)
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_file() && meta.len() > max {
        return Err(too_large(format!("the file has {} bytes", meta.len())));
    }
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > max {
        return Err(too_large(format!("more than {max} bytes could be read")));
    }
    Ok(bytes)
}

/// The file stem, as a string.
pub(crate) fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The file name, as a string.
pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Whether two paths name the same file.
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// A warning about `path`.
pub(crate) fn warning(path: &Path, line: Option<usize>, message: impl Into<String>) -> Warning {
    Warning {
        path: Some(path.to_path_buf()),
        line,
        message: message.into(),
    }
}

/// Whether the scenario carries material beyond the preferences (sources, packages, …) that
/// GENIUS and GeniusWeb files cannot hold.
pub(crate) fn has_analyst_material(s: &Scenario) -> bool {
    s.description.is_some()
        || s.provenance.is_some()
        || !s.sources.is_empty()
        || !s.packages.is_empty()
        || s.mediator.is_some()
        || !s.meetings.is_empty()
        || s.issue_notes
            .iter()
            .any(|n| *n != detente_core::IssueNote::default())
        || s.parties().iter().any(|p| {
            p.role != detente_core::Role::Principal
                || p.description.is_some()
                || p.batna.is_some()
                || !p.delegation.is_empty()
                || p.provenance != detente_core::Provenance::default()
        })
}

/// A core error (invalid model) reported against `path`.
pub(crate) fn core_err(path: &Path, e: detente_core::Error) -> Error {
    Error::new(ErrorKind::Invalid, e.to_string()).with_path(path)
}

/// Decodes file bytes to text: UTF-8 (BOM stripped), UTF-16 with a BOM, or Latin-1 when the
/// bytes are not UTF-8 or the file declares a Latin-1 encoding. Returns a note when the
/// decoding was a guess.
pub(crate) fn decode_text(bytes: &[u8], declared: Option<&str>) -> (String, Option<String>) {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return match std::str::from_utf8(rest) {
            Ok(s) => (s.to_string(), None),
            Err(_) => (
                latin1(rest),
                Some("starts with a UTF-8 byte-order mark but is not UTF-8; decoded as Windows-1252 (Latin-1)".into()),
            ),
        };
    }
    for (bom, le) in [([0xFF, 0xFE], true), ([0xFE, 0xFF], false)] {
        if let Some(rest) = bytes.strip_prefix(&bom) {
            let units = rest.chunks(2).map(|c| {
                let pair = [c[0], c.get(1).copied().unwrap_or(0)];
                if le {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            });
            let text: String = char::decode_utf16(units)
                .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect();
            return (text, None);
        }
    }
    let declared = declared.map(|d| d.trim().to_ascii_lowercase());
    let latin_declared = declared.as_deref().is_some_and(|d| {
        matches!(
            d,
            "iso-8859-1"
                | "iso8859-1"
                | "latin1"
                | "latin-1"
                | "l1"
                | "iso_8859-1"
                | "windows-1252"
                | "cp1252"
        )
    });
    if latin_declared {
        return (latin1(bytes), None);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), None),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            (
                latin1(bytes),
                Some(format!(
                    "not valid UTF-8 (first bad byte on line {line}) and no Latin-1 encoding declared; \
                     decoded as Windows-1252 (Latin-1)"
                )),
            )
        }
    }
}

/// Decodes Windows-1252, the superset of Latin-1 that real "Latin-1" files use (WHATWG's
/// reading of ISO-8859-1): bytes 0x80–0x9F are printable characters such as `€` (0x80, in
/// raw-group2-new_sporthal) rather than C1 control codes.
fn latin1(bytes: &[u8]) -> String {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    bytes
        .iter()
        .map(|&b| {
            if (0x80..0xA0).contains(&b) {
                HIGH[usize::from(b - 0x80)]
            } else {
                char::from(b)
            }
        })
        .collect()
}

/// A file name made safe for any file system from a party or scenario name.
pub(crate) fn safe_file_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim().trim_start_matches('.').to_string();
    if s.is_empty() { "unnamed".into() } else { s }
}

/// The files of `dir` (not sub-folders) whose extension is `ext` (any case), sorted by file
/// name.
pub(crate) fn files_with_extension(dir: &Path, ext: &str) -> Result<Vec<PathBuf>, Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::new(ErrorKind::Io, format!("cannot read the folder: {e}")).with_path(dir)
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| {
            Error::new(ErrorKind::Io, format!("cannot read the folder: {e}")).with_path(dir)
        })?;
        let path = entry.path();
        let matches = path
            .extension()
            .is_some_and(|e| e.to_string_lossy().eq_ignore_ascii_case(ext));
        if matches && path.is_file() {
            files.push(path);
        }
    }
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(files)
}
