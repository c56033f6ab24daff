//! `detente convert`: read a scenario in any supported format and write it in another.
//!
//! The input is anything `detente_formats::load` accepts (a native `.toml` file, a GENIUS or
//! GeniusWeb folder or domain file). Lenient-reading warnings and what the target format cannot
//! express go to stderr; the written paths go to stdout, one per line.
//!
//! Non-goals: merging into an output folder that already holds another scenario's files (that
//! is refused, since reading such a folder back would mix the two), and lossy conversions that
//! change utilities (those are errors from the writers, e.g. red lines into GENIUS).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};

use detente_formats::{genius, geniusweb, native};

use super::UsageError;

/// The format to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// detente's TOML format: one .toml file.
    Native,
    /// GENIUS XML: a folder with a domain file and one profile per party.
    Genius,
    /// GeniusWeb JSON: a folder with a domain file and one profile per party.
    Geniusweb,
}

#[derive(Args, Debug)]
pub(crate) struct ConvertArgs {
    /// Scenario to read: a native .toml file, or a GENIUS / GeniusWeb folder or domain file.
    #[arg(value_name = "INPUT")]
    input: PathBuf,
    /// Format to write.
    #[arg(long, value_enum, value_name = "FORMAT")]
    to: Format,
    /// Where to write: a .toml file for native (or an existing folder to put it in), a folder
    /// for genius and geniusweb (created if needed; it must not hold another scenario's files).
    #[arg(value_name = "OUTPUT")]
    output: PathBuf,
    /// Replace output files that already exist (never the input).
    #[arg(long)]
    force: bool,
    /// With --to native: divide a party's utilities by their maximum when it exceeds 1 (GENIUS
    /// profiles whose weights add up to slightly more than 1) instead of refusing.
    #[arg(long)]
    renormalise: bool,
}

pub(crate) fn run(args: &ConvertArgs) -> Result<()> {
    if args.renormalise && args.to != Format::Native {
        return Err(UsageError(
            "--renormalise only applies with --to native (GENIUS and GeniusWeb keep weights as \
             they are)"
                .into(),
        )
        .into());
    }
    let loaded = detente_formats::load(&args.input)
        .with_context(|| format!("cannot read {}", args.input.display()))?;
    for w in &loaded.warnings {
        eprintln!("detente: {}", super::printable(&w.to_string()));
    }
    let scenario = &loaded.scenario;
    let written: Vec<PathBuf> = match args.to {
        Format::Native => {
            let path = if args.output.is_dir() {
                args.output
                    .join(format!("{}.toml", file_safe(&scenario.name)))
            } else {
                args.output.clone()
            };
            check_output_file(&path, &args.input, args.force)?;
            let text = native_text(args, scenario)?;
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            vec![path]
        }
        Format::Genius | Format::Geniusweb => {
            let (what, files, warnings) = if args.to == Format::Genius {
                let rendered = genius::to_xml(scenario)
                    .with_context(|| format!("cannot write '{}' as GENIUS XML", scenario.name))?;
                ("GENIUS", rendered.files, rendered.warnings)
            } else {
                let rendered = geniusweb::to_json(scenario).with_context(|| {
                    format!("cannot write '{}' as GeniusWeb JSON", scenario.name)
                })?;
                ("GeniusWeb", rendered.files, rendered.warnings)
            };
            check_output_folder(&args.output, &files, what)?;
            for w in &warnings {
                eprintln!("detente: warning: {}", super::printable(&w.message));
            }
            std::fs::create_dir_all(&args.output)
                .with_context(|| format!("cannot create {}", args.output.display()))?;
            for (name, _) in &files {
                check_output_file(&args.output.join(name), &args.input, args.force)?;
            }
            let mut paths = Vec::with_capacity(files.len());
            for (name, text) in files {
                let path = args.output.join(name);
                std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                paths.push(path);
            }
            paths
        }
    };
    let mut out = std::io::stdout().lock();
    for p in written {
        writeln!(out, "{}", p.display())?;
    }
    Ok(())
}

/// Refuses an output folder that holds scenario files other than the ones about to be written:
/// reading the folder back would mix two scenarios.
fn check_output_folder(dir: &Path, files: &[(String, String)], what: &str) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_scenario_file = [".xml", ".json", ".toml"]
            .iter()
            .any(|ext| name.to_ascii_lowercase().ends_with(ext));
        if is_scenario_file && !files.iter().any(|(f, _)| *f == name) {
            bail!(
                "{} already holds {name}, which is not part of this {what} scenario; write into an \
                 empty or new folder",
                dir.display()
            );
        }
    }
    Ok(())
}

/// The native text: a native input is rewritten with its numbers exactly as written (so a
/// round trip changes no result); other inputs go through the model.
fn native_text(args: &ConvertArgs, scenario: &detente_core::Scenario) -> Result<String> {
    let detected = detente_formats::detect::detect(&args.input)?;
    if detected.format == detente_formats::detect::Format::Native {
        let file = detected.file.unwrap_or_else(|| args.input.clone());
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        return Ok(native::rewrite_str(&text, Some(&file))?);
    }
    let opts = native::WriteOptions {
        renormalise: args.renormalise,
    };
    match native::to_toml_with(scenario, &opts) {
        Ok((text, notes)) => {
            for n in notes {
                eprintln!("detente: note: {n}");
            }
            Ok(text)
        }
        Err(e) => {
            let cannot = format!("cannot write '{}' as native TOML", scenario.name);
            let renormalising_helps = !args.renormalise
                && native::to_toml_with(scenario, &native::WriteOptions { renormalise: true })
                    .is_ok();
            if renormalising_helps {
                Err(anyhow::Error::new(e).context(format!(
                    "{cannot} (give --renormalise to divide each such party's utilities by \
                     their maximum)"
                )))
            } else {
                Err(anyhow::Error::new(e).context(cannot))
            }
        }
    }
}

/// Refuses to write over the input (also through a link), over an existing file without
/// `--force`, or into a folder that does not exist.
fn check_output_file(path: &Path, input: &Path, force: bool) -> Result<()> {
    let is_input = detente_store::same_file(path, input)
        || (input.is_dir()
            && path
                .parent()
                .is_some_and(|d| detente_store::same_file(d, input)));
    if is_input {
        bail!(
            "{} is the input (or inside the input folder); choose another output",
            path.display()
        );
    }
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
        && !dir.is_dir()
    {
        bail!(
            "the output folder {} does not exist; create it first",
            dir.display()
        );
    }
    if path.exists() && !force {
        bail!(
            "{} already exists; give --force to replace it",
            path.display()
        );
    }
    Ok(())
}

/// A file name made from a scenario name.
fn file_safe(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.trim_matches('_').is_empty() {
        "scenario".into()
    } else {
        s
    }
}
