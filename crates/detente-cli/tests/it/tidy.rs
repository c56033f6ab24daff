//! Tidy checks over the workspace's sources (rust-analyzer's `tidy.rs` idea): no function in
//! any crate's `src/` runs over [`MAX_LINES`] lines, counted from its `fn` line to its closing
//! brace. A long function is split into steps over a shared context, one function per step.

use std::path::{Path, PathBuf};

use crate::util::repo_file;

/// The longest a function in `crates/*/src` may be, in lines.
const MAX_LINES: usize = 150;

#[test]
fn no_src_function_is_over_150_lines() {
    let mut files = Vec::new();
    let crates = repo_file("crates");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&crates)
        .expect("crates/ is readable")
        .map(|e| e.expect("a directory entry").path().join("src"))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for d in &dirs {
        rust_files(d, &mut files);
    }
    assert!(files.len() > 50, "only {} source files found", files.len());
    let mut long = Vec::new();
    let mut seen = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).expect("a readable source file");
        for (name, line, len) in functions(&text) {
            seen += 1;
            if len > MAX_LINES {
                let rel = f.strip_prefix(&crates).unwrap_or(f);
                long.push(format!(
                    "crates/{}:{line} fn {name}: {len} lines",
                    rel.display()
                ));
            }
        }
    }
    assert!(
        seen > 1000,
        "only {seen} functions found: is the scanner broken?"
    );
    assert!(
        long.is_empty(),
        "functions over {MAX_LINES} lines (split them into steps):\n{}",
        long.join("\n")
    );
}

/// The scanner itself, on text whose answer is known: strings, raw strings, chars, comments
/// and lifetimes holding braces or `fn` do not fool it; declarations without a body are not
/// functions; nested functions are measured on their own.
#[test]
fn the_scanner_measures_functions_exactly() {
    let src = r##"
trait T {
    fn declared(&self) -> u32;
}
fn outer<'a>(x: &'a str) -> [u8; 2] {
    let s = "} fn fake() {";
    let r = r#"}"{"#;
    let c = '}';
    let q = '\'';
    // fn commented() {
    /* } /* nested { */ } */
    fn inner() {
        let _ = '{';
    }
    [0; 2]
}
fn short() {}
"##;
    let got = functions(src);
    assert_eq!(
        got,
        vec![
            ("inner".to_string(), 12, 3),
            ("outer".to_string(), 5, 12),
            ("short".to_string(), 17, 1),
        ]
    );
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("a readable directory")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, files);
        } else if p.extension().is_some_and(|x| x == "rs") {
            files.push(p);
        }
    }
}

/// Every `fn` with a body in `src`, as (name, first line, line count from the `fn` line to its
/// closing brace). A small lexer: comments, strings (raw too) and char literals are skipped,
/// lifetimes are not mistaken for chars.
fn functions(src: &str) -> Vec<(String, usize, usize)> {
    let c: Vec<char> = src.chars().collect();
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut out = Vec::new();
    // Open bodies: (name, line of `fn`, brace depth inside the body).
    let mut open: Vec<(String, usize, usize)> = Vec::new();
    // A `fn NAME` seen, its body not yet opened: (name, line, bracket depth then).
    let mut pending: Option<(String, usize, usize)> = None;
    let (mut line, mut depth, mut brackets, mut i) = (1usize, 0usize, 0usize, 0usize);
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied().unwrap_or('\0');
        if ch == '\n' {
            line += 1;
        } else if ch == '/' && next == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
            continue;
        } else if ch == '/' && next == '*' {
            let mut nest = 0usize;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    nest += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    nest -= 1;
                    i += 2;
                    if nest == 0 {
                        break;
                    }
                } else {
                    line += usize::from(c[i] == '\n');
                    i += 1;
                }
            }
            continue;
        } else if ch == 'r'
            && (next == '"' || next == '#')
            && (i == 0 || !ident(c[i - 1]) || c[i - 1] == 'b')
        {
            // A raw string r"…" / r#"…"# (or an identifier starting with r).
            let mut j = i + 1;
            while c.get(j) == Some(&'#') {
                j += 1;
            }
            if c.get(j) == Some(&'"') {
                let hashes = j - i - 1;
                j += 1;
                loop {
                    if j >= c.len() {
                        break;
                    }
                    if c[j] == '"' && (1..=hashes).all(|h| c.get(j + h) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    line += usize::from(c[j] == '\n');
                    j += 1;
                }
                i = j;
                continue;
            }
        } else if ch == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                line += usize::from(c.get(i) == Some(&'\n'));
                i += 1;
            }
        } else if ch == '\'' {
            // A char literal ('x', '\n', '\u{1b}'), else a lifetime or label.
            if next == '\\' {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
            } else if c.get(i + 2) == Some(&'\'') {
                i += 2;
            }
        } else if ident(ch) && (i == 0 || !ident(c[i - 1])) {
            let start = i;
            while i < c.len() && ident(c[i]) {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            if word == "fn" {
                let mut j = i;
                while j < c.len() && c[j].is_whitespace() {
                    j += 1;
                }
                let k = j;
                while j < c.len() && ident(c[j]) {
                    j += 1;
                }
                if j > k {
                    pending = Some((c[k..j].iter().collect(), line, brackets));
                }
            }
            continue;
        } else if ch == '(' || ch == '[' {
            brackets += 1;
        } else if ch == ')' || ch == ']' {
            brackets = brackets.saturating_sub(1);
        } else if ch == ';' && pending.as_ref().is_some_and(|p| p.2 == brackets) {
            pending = None;
        } else if ch == '{' {
            depth += 1;
            if let Some((name, l, b)) = pending.take() {
                if b == brackets {
                    open.push((name, l, depth));
                } else {
                    pending = Some((name, l, b));
                }
            }
        } else if ch == '}' {
            if open.last().is_some_and(|f| f.2 == depth) {
                let (name, l, _) = open.pop().unwrap_or_default();
                out.push((name, l, line - l + 1));
            }
            depth = depth.saturating_sub(1);
        }
        i += 1;
    }
    out
}
