//! What people may change of a C5 connection after connecting it (`renkei settings set`, the
//! admin API): checked by [`Settings`]' types and these ranges.

use super::{Secret, Settings};
use renkei_core::config::{Checks, Configurable};
use renkei_core::setup::SetupProblem;
use renkei_vendors::linkedin;

/// Why a key is fixed by connecting: LinkedIn provisioned and enabled the integration for it.
const PROVISIONED: &str = "LinkedIn provisioned the integration for it: connect again to change it";

impl Configurable for Settings {
    const MANAGED: &'static [(&'static str, &'static str)] = &[
        ("company_id", PROVISIONED),
        ("organization", PROVISIONED),
        ("contract", PROVISIONED),
        (
            "callback_url",
            "set by connecting, where LinkedIn sends webhooks and authorizations",
        ),
    ];

    fn problems(&self) -> Vec<SetupProblem> {
        let mut checks = Checks::new()
            .url("linkedin_api_url", &self.linkedin_api_url)
            .url("linkedin_oauth_url", &self.linkedin_oauth_url)
            .within("page_size", self.page_size, 1, None)
            .rate("recruitee_per_minute", self.recruitee_per_minute, None)
            // LinkedIn allows 100,000 requests a day per application.
            .within(
                "requests_per_day",
                self.requests_per_day,
                1,
                Some(linkedin::REQUESTS_PER_DAY),
            )
            .within("sweep_hours", self.sweep_hours, 1, None)
            .positive("time_scale", self.time_scale);
        if let Some(url) = &self.recruitee_url {
            checks = checks.url("recruitee_url", url);
        }
        checks.done()
    }
}

impl Configurable for Secret {
    const MANAGED: &'static [(&'static str, &'static str)] = &[(
        "child",
        "the customer's LinkedIn child application, provisioned by connecting",
    )];
}
