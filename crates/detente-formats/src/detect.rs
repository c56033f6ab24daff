//! Format detection: which reader a path needs.
//!
//! A path is one of:
//!
//! * a native `.toml` scenario file (or a folder holding exactly one);
//! * a **GENIUS** folder: a domain XML and profile XMLs, told apart by their root element
//!   (`<negotiation_template>` is a domain, `<utility_space>` with weights a profile), or one
//!   domain XML in such a folder (then the folder may hold several domains, and the profiles
//!   whose issues match that domain are used);
//! * a **GeniusWeb** folder: JSON files told apart by their content (`issuesValues` is a domain,
//!   `{"LinearAdditiveUtilitySpace": …}` a profile), or one domain JSON in such a folder.
//!
//! A file with another extension is sniffed by its first character (`<` XML, `{` JSON, else
//! TOML). A lone profile file is not a scenario: the error says to pass its folder instead.
//!
//! Non-goals: recursing into sub-folders; guessing between formats when a folder holds files
//! of several (that is an error that lists what was found).

use std::path::{Path, PathBuf};

use crate::files::{FileKind, files_with_extension, read_bytes};
use crate::{Error, ErrorKind, Loaded, genius, geniusweb, native};

/// A scenario file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// detente's TOML format.
    Native,
    /// GENIUS XML (a domain file plus profile files).
    Genius,
    /// GeniusWeb JSON (a domain file plus `LinearAdditiveUtilitySpace` profiles).
    GeniusWeb,
}

impl Format {
    /// The lower-case name used in messages and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Native => "native",
            Format::Genius => "genius",
            Format::GeniusWeb => "geniusweb",
        }
    }
}

/// What [`detect`] found at a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detected {
    /// The format.
    pub format: Format,
    /// The file to read (a native file, or the domain file the user named), if any.
    pub file: Option<PathBuf>,
    /// The folder to read (GENIUS and GeniusWeb).
    pub folder: Option<PathBuf>,
}

/// Detects the format of the scenario at `path` (a file or a folder).
///
/// # Errors
/// When the path does not exist, holds no scenario, holds files of several formats, or is a lone
/// profile file.
pub fn detect(path: &Path) -> Result<Detected, Error> {
    let meta = std::fs::metadata(path).map_err(|e| {
        Error::new(ErrorKind::Io, format!("cannot read the path: {e}")).with_path(path)
    })?;
    if meta.is_dir() {
        return detect_folder(path);
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let kind = match ext.as_str() {
        "toml" => 't',
        "xml" => '<',
        "json" => '{',
        _ => {
            let bytes = read_bytes(path)?;
            let first = bytes
                .iter()
                .copied()
                .find(|b| !b.is_ascii_whitespace() && ![0xEF, 0xBB, 0xBF].contains(b));
            match first {
                Some(b'<') => '<',
                Some(b'{') => '{',
                _ => 't',
            }
        }
    };
    let folder = path.parent().map(|p| {
        if p.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            p.to_path_buf()
        }
    });
    let file = Some(path.to_path_buf());
    match kind {
        '<' => {
            let bytes = read_bytes(path)?;
            match genius::classify(path, &bytes)? {
                FileKind::Domain => Ok(Detected {
                    format: Format::Genius,
                    file,
                    folder,
                }),
                other => Err(lone_file(path, &other, "GENIUS", "<negotiation_template>")),
            }
        }
        '{' => {
            let bytes = read_bytes(path)?;
            match geniusweb::classify(path, &bytes)? {
                FileKind::Domain => Ok(Detected {
                    format: Format::GeniusWeb,
                    file,
                    folder,
                }),
                other => Err(lone_file(path, &other, "GeniusWeb", "\"issuesValues\"")),
            }
        }
        _ => Ok(Detected {
            format: Format::Native,
            file,
            folder: None,
        }),
    }
}

/// Reads the scenario at `path`, whatever its format (see the module docs).
///
/// # Errors
/// As [`detect`], and whatever the format's reader reports.
pub fn load(path: &Path) -> Result<Loaded, Error> {
    let d = detect(path)?;
    match d.format {
        Format::Native => {
            let file = d.file.unwrap_or_else(|| path.to_path_buf());
            let scenario = native::read_file(&file)?;
            Ok(Loaded {
                scenario,
                warnings: Vec::new(),
            })
        }
        Format::Genius => {
            let folder = d.folder.unwrap_or_else(|| path.to_path_buf());
            genius::read_folder(&folder, d.file.as_deref())
        }
        Format::GeniusWeb => {
            let folder = d.folder.unwrap_or_else(|| path.to_path_buf());
            geniusweb::read_folder(&folder, d.file.as_deref())
        }
    }
}

fn lone_file(path: &Path, kind: &FileKind, format: &str, domain_root: &str) -> Error {
    let msg = match kind {
        FileKind::Profile => format!(
            "a {format} profile alone is not a scenario; pass the folder that holds its domain and \
             the other profiles, or the domain file"
        ),
        FileKind::UnsupportedProfile(why) => {
            return Error::new(ErrorKind::Unsupported, why.clone()).with_path(path);
        }
        FileKind::Other(what) => format!(
            "{what}, not a {format} domain ({domain_root}) or profile; expected a scenario file"
        ),
        FileKind::Domain => format!("a {format} domain"),
    };
    Error::new(ErrorKind::Invalid, msg).with_path(path)
}

fn detect_folder(dir: &Path) -> Result<Detected, Error> {
    let mut found: Vec<(Format, String)> = Vec::new();
    let xml = files_with_extension(dir, "xml")?;
    let genius_file = xml.iter().find(|p| {
        read_bytes(p).is_ok_and(|b| match genius::classify(p, &b) {
            Ok(FileKind::Other(_)) => false,
            Ok(_) => true,
            // Broken XML may well be a GENIUS file: let the reader say what is wrong with it.
            Err(_) => b.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'<'),
        })
    });
    if let Some(p) = genius_file {
        found.push((Format::Genius, crate::files::file_name(p)));
    }
    let json = files_with_extension(dir, "json")?;
    let gw_file = json.iter().find(|p| {
        read_bytes(p).is_ok_and(|b| match geniusweb::classify(p, &b) {
            Ok(FileKind::Other(_)) => false,
            Ok(_) => true,
            // Broken JSON may be a GeniusWeb file: let the reader report where it breaks.
            Err(_) => b.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'{'),
        })
    });
    if let Some(p) = gw_file {
        found.push((Format::GeniusWeb, crate::files::file_name(p)));
    }
    let toml = files_with_extension(dir, "toml")?;
    if let Some(p) = toml.first() {
        found.push((Format::Native, crate::files::file_name(p)));
    }
    match found.as_slice() {
        [] => Err(Error::new(
            ErrorKind::Invalid,
            "no scenario in this folder; expected a native .toml file, a GENIUS domain XML with \
             profile XMLs, or GeniusWeb JSON files",
        )
        .with_path(dir)),
        [(Format::Native, _)] => {
            if toml.len() > 1 {
                let names: Vec<String> = toml.iter().map(|p| crate::files::file_name(p)).collect();
                return Err(Error::new(
                    ErrorKind::Invalid,
                    format!(
                        "the folder holds {} .toml files ({}); pass the one to read",
                        toml.len(),
                        names.join(", ")
                    ),
                )
                .with_path(dir));
            }
            Ok(Detected {
                format: Format::Native,
                file: toml.first().cloned(),
                folder: None,
            })
        }
        [(format, _)] => Ok(Detected {
            format: *format,
            file: None,
            folder: Some(dir.to_path_buf()),
        }),
        several => {
            let list: Vec<String> = several
                .iter()
                .map(|(f, example)| format!("{} (e.g. {example})", f.as_str()))
                .collect();
            Err(Error::new(
                ErrorKind::Invalid,
                format!(
                    "the folder holds scenario files of several formats: {}; pass a file instead",
                    list.join(", ")
                ),
            )
            .with_path(dir))
        }
    }
}
