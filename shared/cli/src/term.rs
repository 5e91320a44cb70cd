//! What only a person at a terminal sees: progress lines and colours go to stderr when it is
//! a terminal, and nothing extra is written when the output is piped or captured.

use std::io::IsTerminal;

/// Whether stderr is a terminal (colours and progress lines are for people, not logs).
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// One progress line on stderr, only at a terminal: a long command shows what it is doing
/// without adding to what scripts read.
pub fn progress(line: impl std::fmt::Display) {
    if stderr_is_terminal() {
        eprintln!("{line}");
    }
}
