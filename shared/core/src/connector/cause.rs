//! Why a run failed, in types: who failed, in what, and how. The notification policy knows
//! "the same failure again" by this cause (notify/), so the ids, counts and times that a
//! vendor's message names from one run to the next never make one persistent failure look
//! new, and two failures that merely read alike are never taken for one.

use std::fmt;

/// The source of renkei's own failures (its state store, the engine), as opposed to a
/// vendor's name.
pub const RENKEI: &str = "renkei";

/// What a failure was: raised with the error where it is known (a vendor client's answer, a
/// connector's own condition, the engine) and carried to the failure notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cause {
    /// Who failed: a vendor as its client names itself (`Kaonavi`), or [`RENKEI`].
    pub source: &'static str,
    /// What of it failed: `call` for a vendor's plain HTTP exchange, or the step its client or
    /// renkei names (`task`, `login`, `read_back`, a missing scope, `store`, `segments`).
    pub operation: &'static str,
    /// How it failed, coarse enough that one persistent failure keeps one class.
    pub class: Class,
}

/// How a failure happened, coarse enough to stay the same while a failure persists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// Credentials refused or missing (HTTP 401/403, a refused login, a missing scope or
    /// feature): a person must act.
    Auth,
    /// Down or throttling past the client's retries (5xx, 429, time-outs, lost answers): one
    /// outage, whichever of these a run happened to meet.
    Unavailable,
    /// A request refused with this HTTP status (4xx; 200 for an answer of an unexpected shape,
    /// 0 for a request that could not be made): the same request is refused again. The status
    /// itself, not its class: a 404 and a 422 are two failures to fix.
    Refused(u16),
    /// Not done yet at the vendor (a task still running).
    Pending,
    /// Unusable as configured or as sent back (a switched-off interface, an unreadable answer
    /// or stored item).
    Invalid,
    /// The run stopped without finishing (taken over, or no progress across segments).
    Stalled,
}

impl Cause {
    /// A failure of `vendor` (its client's name for itself, e.g. `Kaonavi`) in
    /// `operation`; what vendor clients raise with their errors.
    pub const fn vendor(vendor: &'static str, operation: &'static str, class: Class) -> Self {
        Self {
            source: vendor,
            operation,
            class,
        }
    }

    /// One of renkei's own failures.
    pub const fn renkei(operation: &'static str, class: Class) -> Self {
        Self {
            source: RENKEI,
            operation,
            class,
        }
    }

    /// A run found abandoned at takeover (its process ended or stalled past its lease).
    pub const INTERRUPTED: Cause = Cause::renkei("lease", Class::Stalled);

    /// Segments in a row that reached the time limit without finishing a page.
    pub const NO_PROGRESS: Cause = Cause::renkei("segments", Class::Stalled);
}

/// `source/operation/class`, e.g. `Kaonavi/task/pending`, `HRMOS/call/refused-404`: the
/// form a notice's fingerprint keeps in the state store, readable as it stands.
impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/", self.source, self.operation)?;
        match self.class {
            Class::Auth => f.write_str("auth"),
            Class::Unavailable => f.write_str("unavailable"),
            Class::Refused(status) => write!(f, "refused-{status}"),
            Class::Pending => f.write_str("pending"),
            Class::Invalid => f.write_str("invalid"),
            Class::Stalled => f.write_str("stalled"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_reads_as_source_operation_and_class() {
        let refused = Cause::vendor("HRMOS", "call", Class::Refused(404));
        assert_eq!(refused.to_string(), "HRMOS/call/refused-404");
        assert_eq!(Cause::NO_PROGRESS.to_string(), "renkei/segments/stalled");
    }
}
