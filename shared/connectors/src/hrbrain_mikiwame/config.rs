//! What people may change of a C3 connection after connecting it (`renkei settings set`, the
//! admin API): checked by [`Settings`]' types and these ranges.

use super::{Secret, Settings};
use renkei_core::config::{Checks, Configurable};
use renkei_core::outbound::Endpoint;
use renkei_core::setup::SetupProblem;
use renkei_vendors::{hrbrain, mikiwame};

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

    fn endpoints(&self) -> Vec<Endpoint> {
        // Without hrbrain_url the address is built from the subdomain, which is then what
        // a refusal names (a subdomain like `evil.example#` would leave HRBrain's host).
        let hrbrain_key = match self.hrbrain_url {
            Some(_) => "hrbrain_url",
            None => "subdomain",
        };
        vec![
            Endpoint::new(hrbrain_key, self.hrbrain_url(), hrbrain::HOSTS),
            Endpoint::new("mikiwame_url", &self.mikiwame_url, mikiwame::HOSTS),
        ]
    }
}

/// The webhook signing secret: long enough, and neither API credential (the public webhooks
/// function reads it).
impl Configurable for Secret {
    fn problems(&self) -> Vec<SetupProblem> {
        Checks::new()
            .signing_secret(
                "webhook_secret",
                self.webhook_secret.as_deref(),
                &[
                    ("hrbrain_token", &self.hrbrain_token),
                    ("mikiwame_api_key", &self.mikiwame_api_key),
                ],
            )
            .done()
    }
}
