//! What people may change of a C2 connection after connecting it (`renkei settings set`, the
//! admin API): checked by [`Settings`]' types and these ranges.

use super::{Secret, Settings};
use renkei_core::config::{Checks, Configurable};
use renkei_core::outbound::Endpoint;
use renkei_core::setup::SetupProblem;
use renkei_vendors::{kaonavi, roumumate};

/// Roumumate's largest page (`limit`, docs/contracts/roumumate.md).
const MAX_PAGE: u32 = 500;

/// The shortest first wait before a task poll, in ms: quicker polls would spend the hourly
/// budget on tasks that are never done that soon (a sandbox scales time instead).
const MIN_TASK_POLL_MS: u64 = 100;

/// The longest first wait, in ms: the cap between two polls (`TaskPolling`).
const MAX_TASK_POLL_MS: u64 = 30_000;

impl Configurable for Settings {
    fn problems(&self) -> Vec<SetupProblem> {
        let l = &self.kaonavi_limits;
        let f = &self.filter;
        let mut checks = Checks::new()
            .url("roumumate_url", &self.roumumate_url)
            .url("kaonavi_url", &self.kaonavi_url)
            .within("page_size", self.page_size, 1, Some(MAX_PAGE))
            .within(
                "task_poll_ms",
                self.task_poll_ms,
                MIN_TASK_POLL_MS,
                Some(MAX_TASK_POLL_MS),
            )
            .rate(
                "kaonavi_limits.requests_per_hour",
                l.requests_per_hour,
                None,
            )
            .rate(
                "kaonavi_limits.writes_per_minute",
                l.writes_per_minute,
                None,
            )
            .that(
                "filter.hired_to",
                f.hired_from.zip(f.hired_to).is_none_or(|(a, b)| a <= b),
                "must not be before filter.hired_from",
            )
            .that(
                "gender_map",
                self.gender_map.values().all(|v| !v.trim().is_empty()),
                "every Roumumate code needs a Kaonavi option",
            );
        for (i, c) in f.conditions.iter().enumerate() {
            checks = checks
                .that(
                    &format!("filter.conditions.{i}.field"),
                    !c.field.trim().is_empty(),
                    "must name an attribute",
                )
                .that(
                    &format!("filter.conditions.{i}.any_of"),
                    !c.any_of.is_empty(),
                    "must list at least one value (an empty list admits nobody)",
                );
        }
        checks.done()
    }

    fn endpoints(&self) -> Vec<Endpoint> {
        vec![
            Endpoint::new("roumumate_url", &self.roumumate_url, roumumate::HOSTS),
            Endpoint::new("kaonavi_url", &self.kaonavi_url, kaonavi::HOSTS),
        ]
    }
}

impl Configurable for Secret {}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(task_poll_ms: u64) -> Settings {
        Settings {
            roumumate_url: "https://api.roumumate.example".into(),
            kaonavi_url: kaonavi::BASE_URL.into(),
            gender_map: Default::default(),
            filter: Default::default(),
            page_size: 200,
            kaonavi_limits: Default::default(),
            task_poll_ms,
        }
    }

    /// Issue 29, item 4: the first wait before a task poll is bounded on both sides, and a
    /// value outside is refused on its field.
    #[test]
    fn s29_4_task_poll_ms_is_refused_outside_100_ms_to_30_s() {
        for fine in [MIN_TASK_POLL_MS, 1000, MAX_TASK_POLL_MS] {
            let p = settings(fine).problems();
            assert!(p.is_empty(), "{fine}: {p:?}");
        }
        for wrong in [0, 5, MAX_TASK_POLL_MS + 1, u64::MAX] {
            let p = settings(wrong).problems();
            assert_eq!(p.len(), 1, "{wrong}: {p:?}");
            assert_eq!(p[0].field.as_deref(), Some("task_poll_ms"), "{p:?}");
        }
    }
}
