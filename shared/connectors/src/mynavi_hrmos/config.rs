//! What people may change of a Mynavi account after registering it (`renkei settings set`,
//! the admin API): checked by [`Settings`]' types and these ranges.

use super::{Secret, Settings};
use renkei_core::config::{Checks, Configurable};
use renkei_core::outbound::Endpoint;
use renkei_core::setup::SetupProblem;
use renkei_vendors::{hrmos, mynavi};

impl Configurable for Settings {
    const MANAGED: &'static [(&'static str, &'static str)] = &[
        (
            "status",
            "the account's 連携状況, moved by registering and importing",
        ),
        (
            "first_import_at",
            "when the first import ran, the anchor of the 4-hour cadence",
        ),
    ];

    fn problems(&self) -> Vec<SetupProblem> {
        Checks::new()
            .url("mynavi_url", &self.mynavi_url)
            .url("hrmos_url", &self.hrmos_url)
            .that(
                "account_name",
                !self.account_name.trim().is_empty(),
                "must not be empty",
            )
            .within("page_size", self.page_size, 1, None)
            .rate("hrmos_per_minute", self.hrmos_per_minute, None)
            // 応募日時 has minute precision: a window must reach back at least one minute.
            .within("overlap_minutes", self.overlap_minutes, 1, Some(24 * 60))
            .done()
    }

    fn endpoints(&self) -> Vec<Endpoint> {
        endpoints(&self.mynavi_url, &self.hrmos_url)
    }
}

/// The vendor addresses an account calls: a registration's URLs are checked against the
/// deployment's outbound policy as its settings will be.
pub fn endpoints(mynavi_url: &str, hrmos_url: &str) -> Vec<Endpoint> {
    vec![
        Endpoint::new("mynavi_url", mynavi_url, mynavi::HOSTS),
        Endpoint::new("hrmos_url", hrmos_url, hrmos::HOSTS),
    ]
}

impl Configurable for Secret {}
