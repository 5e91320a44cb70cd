//! Issue 30, item 6: the engine reads as its steps. No function in `src/engine` is longer
//! than 60 lines, counted from the line with `fn` to its closing brace (doc comments and
//! attributes above it are not counted), so a step that grows is split, not left to sprawl.

use std::path::{Path, PathBuf};

const LIMIT: usize = 60;

#[test]
fn s30_6_no_engine_function_over_60_lines() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/engine");
    let files = rust_files(&dir);
    assert!(
        !files.is_empty(),
        "no engine sources under {}",
        dir.display()
    );
    let mut seen = 0;
    let mut long = Vec::new();
    for file in &files {
        let source = std::fs::read_to_string(file).expect("an engine source reads");
        for f in functions(&source) {
            seen += 1;
            if f.lines > LIMIT {
                long.push(format!(
                    "{}:{} fn {} is {} lines",
                    file.display(),
                    f.line,
                    f.name,
                    f.lines
                ));
            }
        }
    }
    assert!(seen > 10, "the engine's functions were found ({seen})");
    assert!(
        long.is_empty(),
        "split these along the engine's steps (≤ {LIMIT} lines each):\n{}",
        long.join("\n")
    );
}

#[test]
fn s30_6_the_measure_counts_from_the_fn_line_to_its_closing_brace() {
    let source = r#"
/// Doc lines are not counted.
#[allow(dead_code)]
pub(super) async fn outer(
    a: u32,
) -> String {
    let braces = "{ not a block }";
    let c = '{';
    // } neither is this
    if a > 0 {
        inner();
    }
    format!("{braces}{c}")
}

fn declared_only(&self);

fn inner<'a>(x: &'a str) -> &'a str { x }
"#;
    let found = functions(source);
    let named: Vec<(&str, usize)> = found.iter().map(|f| (f.name.as_str(), f.lines)).collect();
    assert_eq!(named, [("outer", 11), ("inner", 1)]);
}

/// Every `.rs` file under `dir`, submodules included.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("the engine folder reads") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// A function found in a source: its name, the line of its `fn`, and its length in lines.
struct Function {
    name: String,
    line: usize,
    lines: usize,
}

/// The functions with a body in `source`, nested ones too. Braces inside strings, character
/// literals and comments do not count.
fn functions(source: &str) -> Vec<Function> {
    let code = blank_literals(source);
    let mut found = Vec::new();
    let mut search = 0;
    while let Some(at) = next_fn(&code, search) {
        search = at + 2;
        let rest = &code[at + 2..];
        let name: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // The body opens at the first `{` unless a `;` ends a declaration first.
        let Some(open) = rest.find(['{', ';']).map(|i| at + 2 + i) else {
            break;
        };
        if code.as_bytes()[open] == b';' {
            continue;
        }
        let Some(close) = matching_brace(&code, open) else {
            break;
        };
        let line = line_of(&code, at);
        found.push(Function {
            name,
            line,
            lines: line_of(&code, close) - line + 1,
        });
    }
    found
}

/// The next `fn` keyword at or after `from`.
fn next_fn(code: &str, from: usize) -> Option<usize> {
    let bytes = code.as_bytes();
    let word = |i: usize| {
        bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    };
    let mut i = from;
    while let Some(found) = code[i..].find("fn") {
        let at = i + found;
        let before = at.checked_sub(1).is_some_and(word);
        if !before && !word(at + 2) {
            return Some(at);
        }
        i = at + 2;
    }
    None
}

/// Where the brace opened at `open` closes.
fn matching_brace(code: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in code.bytes().enumerate().skip(open) {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn line_of(code: &str, at: usize) -> usize {
    code[..at].matches('\n').count() + 1
}

/// The source with comments, strings (raw ones too) and character literals replaced by spaces,
/// line breaks kept, so that only the code's own braces and keywords remain.
fn blank_literals(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let blank = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                blank(&mut out, chars[i]);
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let end = find(&chars, i + 2, &['*', '/']).map_or(chars.len(), |e| e + 2);
            chars[i..end].iter().for_each(|&c| blank(&mut out, c));
            i = end;
        } else if c == 'r' && matches!(next, Some('"' | '#')) && !ident_before(&chars, i) {
            let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let mut closing = vec!['"'];
            closing.extend(std::iter::repeat_n('#', hashes));
            let start = i + 2 + hashes;
            let end = find(&chars, start, &closing).map_or(chars.len(), |e| e + closing.len());
            chars[i..end].iter().for_each(|&c| blank(&mut out, c));
            i = end;
        } else if c == '"' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(chars.len());
            chars[i..end].iter().for_each(|&c| blank(&mut out, c));
            i = end;
        } else if let Some(len) = char_literal(&chars, i) {
            chars[i..i + len].iter().for_each(|&c| blank(&mut out, c));
            i += len;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The length of a character literal at `i` (`'{'`, `'\n'`, `'\u{7b}'`); None for a lifetime.
fn char_literal(chars: &[char], i: usize) -> Option<usize> {
    if chars[i] != '\'' {
        return None;
    }
    match chars.get(i + 1)? {
        '\\' => find(chars, i + 2, &['\'']).map(|e| e + 1 - i),
        _ if chars.get(i + 2) == Some(&'\'') => Some(3),
        _ => None,
    }
}

fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

fn find(chars: &[char], from: usize, needle: &[char]) -> Option<usize> {
    (from..chars.len()).find(|&k| chars[k..].starts_with(needle))
}
