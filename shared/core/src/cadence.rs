//! When a connection runs next. The dispatcher fires every minute and picks connections whose
//! `next_run_at` has come, so each connection keeps its own cadence.

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::{Deserialize, Serialize};

/// A connection's schedule: when it is due on its own (a person's "run now" and webhooks
/// come on top). Stored with the connection and changed as a JSON merge patch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cadence {
    /// On the clock's multiples of `minutes` past the hour: 15 gives :00, :15, :30, :45,
    /// which is EventBridge's `cron(0,15,30,45 * * * ? *)`.
    AlignedMinutes {
        /// The period in minutes; must divide 60 (checked when people set it; 0 is read
        /// as 1).
        minutes: u32,
    },
    /// Every `hours` hours counted from `anchor` (not from a global clock).
    EveryHoursFrom {
        /// The period in hours: 1 to 168 (a week) when people set it; 0 is read as 1.
        hours: u32,
        /// The first run; later runs fall on anchor + k·hours.
        anchor: DateTime<Utc>,
    },
}

impl Cadence {
    /// The first slot strictly after `now`.
    pub fn next_after(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        match *self {
            Cadence::AlignedMinutes { minutes } => {
                let period = Duration::minutes(i64::from(minutes.max(1)));
                let floor = now.duration_trunc(period).unwrap_or(now);
                floor + period
            }
            Cadence::EveryHoursFrom { hours, anchor } => {
                let period = Duration::hours(i64::from(hours.max(1)));
                if now < anchor {
                    return anchor;
                }
                let elapsed = (now - anchor).num_seconds() / period.num_seconds();
                anchor + period * (elapsed as i32 + 1)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, h, m, s)
            .single()
            .expect("valid time")
    }

    #[test]
    fn c2_8_runs_at_quarter_hours() {
        let c = Cadence::AlignedMinutes { minutes: 15 };
        assert_eq!(c.next_after(at(10, 0, 0)), at(10, 15, 0));
        assert_eq!(c.next_after(at(10, 14, 59)), at(10, 15, 0));
        assert_eq!(c.next_after(at(10, 45, 1)), at(11, 0, 0));
    }

    #[test]
    fn every_hours_is_anchored_on_the_first_run() {
        let c = Cadence::EveryHoursFrom {
            hours: 4,
            anchor: at(18, 0, 0),
        };
        assert_eq!(c.next_after(at(18, 0, 0)), at(22, 0, 0));
        assert_eq!(
            c.next_after(at(23, 30, 0)),
            at(22, 0, 0) + Duration::hours(4)
        );
    }
}
