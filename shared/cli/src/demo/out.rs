//! The folder `renkei demo --out` keeps its results in: the embedded backend's state and
//! the outbox's emails, for the user to open afterwards. A demo writes only into a new or
//! empty folder, or one an earlier demo made (it says so with its summary file); it clears
//! only what that demo wrote, never anything else.

use std::path::{Path, PathBuf};

/// The demo's summary (its `--json` output), and the sign that a demo made the folder.
pub const SUMMARY: &str = "renkei-demo.json";
/// The embedded store's file in the folder (renkei_local::LocalBackend's layout).
const STATE: &str = "state.redb";
/// Who holds the store (written by the store next to it).
const OWNER: &str = "state.owner";
/// The outbox's folder.
const OUTBOX: &str = "outbox";

/// Where a demo's results are kept.
pub struct OutDir {
    path: PathBuf,
}

impl OutDir {
    /// Makes `path` ready for a new demo: created if absent, used as it is if empty,
    /// cleared of an earlier demo's files if a demo made it; anything else is refused, so
    /// that `--out` never deletes what the demo did not write.
    pub fn prepare(path: &Path) -> Result<Self, String> {
        let out = Self {
            path: path.to_path_buf(),
        };
        let shown = path.display();
        if !path.exists() {
            std::fs::create_dir_all(path).map_err(|e| format!("--out {shown}: {e}"))?;
        } else if !path.is_dir() {
            return Err(format!("--out {shown} is a file, not a folder"));
        } else if path.join(SUMMARY).exists() {
            out.clear_earlier_demo()?;
        } else if std::fs::read_dir(path)
            .map_err(|e| format!("--out {shown}: {e}"))?
            .next()
            .is_some()
        {
            return Err(format!(
                "--out {shown} exists and was not made by `renkei demo` (it has no {SUMMARY}); \
                 the demo writes only into a new or empty folder, or one an earlier demo made \
                 (whose files it replaces) — choose another --out"
            ));
        }
        // Written first, so that a demo stopped half-way still leaves a folder the next
        // demo recognises as its own.
        out.write_summary("{}\n")?;
        Ok(out)
    }

    /// Deletes an earlier demo's state, emails and summary (and nothing else), unless
    /// another process has that state open.
    fn clear_earlier_demo(&self) -> Result<(), String> {
        let state = self.state();
        if state.exists() {
            renkei_local::FileStore::open(&state).map_err(|e| {
                let e = e.to_string();
                if !e.contains("in use by another renkei process") {
                    return format!("{}: {e}", state.display());
                }
                let holder = std::fs::read_to_string(self.path.join(OWNER))
                    .map(|o| format!(" ({})", o.trim()))
                    .unwrap_or_default();
                format!(
                    "{} is open in another renkei process{holder}: the embedded store has one \
                     user at a time — stop it, or give the demo another folder with --out",
                    state.display()
                )
            })?;
        }
        for file in [STATE, OWNER, SUMMARY] {
            remove_if_present(&self.path.join(file))?;
        }
        for email in self.emails() {
            remove_if_present(&email)?;
        }
        // Kept if the user put something else in it.
        let _ = std::fs::remove_dir(self.outbox());
        Ok(())
    }

    /// The folder, as the user gave it.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The embedded backend's state file.
    pub fn state(&self) -> PathBuf {
        self.path.join(STATE)
    }

    /// The outbox's folder.
    pub fn outbox(&self) -> PathBuf {
        self.path.join(OUTBOX)
    }

    /// The emails in the outbox (.eml files), oldest first (their names start with the
    /// time they were written).
    pub fn emails(&self) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(self.outbox()) else {
            return Vec::new();
        };
        let mut emails: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        emails.sort();
        emails
    }

    /// Replaces the summary file.
    pub fn write_summary(&self, text: &str) -> Result<(), String> {
        let file = self.path.join(SUMMARY);
        std::fs::write(&file, text).map_err(|e| format!("writing {}: {e}", file.display()))
    }
}

fn remove_if_present(file: &Path) -> Result<(), String> {
    match std::fs::remove_file(file) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!(
            "clearing the earlier demo: {}: {e}",
            file.display()
        )),
    }
}

/// `path` as a shell word (quoted when it holds anything a shell would split or expand).
pub fn shell_word(path: &Path) -> String {
    let s = path.display().to_string();
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+:@%,=".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_out_refuses_a_folder_it_did_not_make() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let err = OutDir::prepare(dir.path()).err().expect("refused");
        assert!(err.contains("not made by `renkei demo`"), "{err}");
        assert!(dir.path().join("notes.txt").exists(), "nothing deleted");
    }

    #[test]
    fn demo_out_clears_only_what_an_earlier_demo_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let first = OutDir::prepare(dir.path()).unwrap();
        std::fs::create_dir_all(first.outbox()).unwrap();
        std::fs::write(first.outbox().join("20261207T000000000000-0000.eml"), "x").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        drop(renkei_local::FileStore::open(&first.state()).unwrap());
        let again = OutDir::prepare(dir.path()).unwrap();
        assert!(again.emails().is_empty(), "the earlier emails are gone");
        assert!(!again.state().exists(), "the earlier state is gone");
        assert!(
            dir.path().join("notes.txt").exists(),
            "the user's file stays"
        );
    }

    #[test]
    fn demo_out_refuses_an_earlier_demo_whose_state_is_open() {
        let dir = tempfile::tempdir().unwrap();
        let first = OutDir::prepare(dir.path()).unwrap();
        let _held = renkei_local::FileStore::open(&first.state()).unwrap();
        let err = OutDir::prepare(dir.path()).err().expect("refused");
        assert!(err.contains("open in another renkei process"), "{err}");
        assert!(first.state().exists());
    }

    #[test]
    fn demo_out_quotes_paths_a_shell_would_split() {
        assert_eq!(shell_word(Path::new("renkei-demo")), "renkei-demo");
        assert_eq!(shell_word(Path::new("my demo")), "'my demo'");
    }
}
