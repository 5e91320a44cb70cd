//! What people may change of a C3 connection after connecting it (`renkei settings set`, the
//! admin API): checked by [`Settings`]' types and these ranges.

use super::{Secret, Settings};
use renkei_core::config::{Checks, Configurable};
use renkei_core::setup::SetupProblem;

impl Configurable for Settings {
    const MANAGED: &'static [(&'static str, &'static str)] = &[(
        "subdomain",
        "the HRBrain account connected, whose token the secret holds: connect again to change it",
    )];

    fn problems(&self) -> Vec<SetupProblem> {
        let mut checks = Checks::new()
            .url("mikiwame_url", &self.mikiwame_url)
            .within("page_size", self.page_size, 1, None)
            .rate("hrbrain_per_minute", self.hrbrain_per_minute, None)
            .rate("mikiwame_per_minute", self.mikiwame_per_minute, None);
        if let Some(url) = &self.hrbrain_url {
            checks = checks.url("hrbrain_url", url);
        }
        checks.done()
    }
}

impl Configurable for Secret {}
