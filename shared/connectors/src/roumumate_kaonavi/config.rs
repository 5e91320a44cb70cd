//! What people may change of a C2 connection after connecting it (`renkei settings set`, the
//! admin API): checked by [`Settings`]' types and these ranges.

use super::{Secret, Settings};
use renkei_core::config::{Checks, Configurable};
use renkei_core::outbound::Endpoint;
use renkei_core::setup::SetupProblem;
use renkei_vendors::{kaonavi, roumumate};

/// Roumumate's largest page (`limit`, docs/contracts/roumumate.md).
const MAX_PAGE: u32 = 500;

impl Configurable for Settings {
    fn problems(&self) -> Vec<SetupProblem> {
        let l = &self.kaonavi_limits;
        let f = &self.filter;
        let mut checks = Checks::new()
            .url("roumumate_url", &self.roumumate_url)
            .url("kaonavi_url", &self.kaonavi_url)
            .within("page_size", self.page_size, 1, Some(MAX_PAGE))
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
            .positive("kaonavi_limits.time_scale", l.time_scale)
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
