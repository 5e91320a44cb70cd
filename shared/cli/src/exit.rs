//! How `renkei` ends: its exit status, so scripts and CI can tell a failed or partial run
//! from a finished one without reading the output. [`HELP`] lists the codes (`renkei --help`
//! shows it; README.md's CLI section has the same table). A run's status is noted when it is
//! printed ([`note`]); the worst one decides the code of a command that otherwise succeeded.

use renkei_core::run::RunStatus;
use std::sync::atomic::{AtomicI32, Ordering};

/// A run this process made ended partial.
pub const PARTIAL: i32 = 3;
/// A run this process made ended failed or auth_failed (or was fenced).
pub const FAILED: i32 = 4;
/// Any other error.
pub const ERROR: i32 = 1;
// The worst run decides (`fetch_max`): a failed run outranks a partial one.
const _: () = assert!(FAILED > PARTIAL);

/// The exit codes as `renkei --help` shows them (README.md's CLI section has the same table).
pub const HELP: &str = "\
Exit status:
  0  done; every run this command made succeeded (or it made none)
  1  an error (unknown tenant, connection or run; AWS or store trouble; setup refused)
  2  a usage error (unknown command or flag, missing or malformed argument)
  3  a run this command made ended partial (see `renkei errors … --csv`)
  4  a run this command made ended failed or auth_failed, or lost its lease

Environment:
  RENKEI_LOG   log filter for stderr, e.g. `info` or `renkei_core=debug` (default: warn)
  RENKEI_BACKEND, RENKEI_DIR, RENKEI_TABLE, RENKEI_BUS, RENKEI_MAIL_FROM  as the flags
  AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL  the AWS configuration (--backend aws)";

/// The worst outcome of the runs made so far, as its exit code (0: none worse than success).
static WORST: AtomicI32 = AtomicI32::new(0);

/// Why a command failed, by what the caller should do about it.
#[derive(Debug)]
pub enum Failure {
    /// The command line is wrong (exit 2, with the usage).
    Usage(String),
    /// Anything else (exit 1).
    Error(String),
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::Error(message)
    }
}

/// The exit code a run's status calls for (0 when it is no failure).
pub fn code_of(status: RunStatus) -> i32 {
    match status {
        RunStatus::Partial => PARTIAL,
        RunStatus::Failed | RunStatus::AuthFailed | RunStatus::Interrupted => FAILED,
        RunStatus::Succeeded | RunStatus::Running | RunStatus::Continued => 0,
    }
}

/// Notes a run's end for the exit status.
pub fn note(code: i32) {
    WORST.fetch_max(code, Ordering::Relaxed);
}

/// The exit code of a command that returned without error: the worst run it made.
pub fn code() -> i32 {
    WORST.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_and_auth_failed_exit_4_partial_3_and_success_0() {
        assert_eq!(code_of(RunStatus::Succeeded), 0);
        assert_eq!(code_of(RunStatus::Partial), PARTIAL);
        assert_eq!(code_of(RunStatus::Failed), FAILED);
        assert_eq!(code_of(RunStatus::AuthFailed), FAILED);
    }
}
