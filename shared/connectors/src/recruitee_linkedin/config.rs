//! What people may change of a C5 connection after connecting it (`renkei settings set`, the
//! admin API): checked by [`Settings`]' types and these ranges.

use super::{Secret, Settings};
use renkei_core::config::{Checks, Configurable};
use renkei_core::outbound::Endpoint;
use renkei_core::setup::SetupProblem;
use renkei_vendors::{linkedin, recruitee};

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

    fn endpoints(&self) -> Vec<Endpoint> {
        let (recruitee_key, recruitee_url) = match &self.recruitee_url {
            Some(url) => ("recruitee_url", url.clone()),
            None => ("company_id", recruitee::base_url(&self.company_id)),
        };
        vec![
            Endpoint::new(recruitee_key, recruitee_url, recruitee::HOSTS),
            Endpoint::new(
                "linkedin_api_url",
                &self.linkedin_api_url,
                linkedin::API_HOSTS,
            ),
            Endpoint::new(
                "linkedin_oauth_url",
                &self.linkedin_oauth_url,
                linkedin::OAUTH_HOSTS,
            ),
        ]
    }
}

impl Configurable for Secret {
    const MANAGED: &'static [(&'static str, &'static str)] = &[(
        "child",
        "the customer's LinkedIn child application, provisioned by connecting",
    )];

    /// Recruitee's webhook secret: long enough, and none of the API credentials (the public
    /// webhooks function reads it).
    fn problems(&self) -> Vec<SetupProblem> {
        let child = self.child.as_ref().map_or("", |c| c.client_secret.as_str());
        Checks::new()
            .signing_secret(
                "recruitee_webhook_secret",
                self.recruitee_webhook_secret.as_deref(),
                &[
                    ("recruitee_token", &self.recruitee_token),
                    ("partner_client_secret", &self.partner_client_secret),
                    ("child.client_secret", child),
                ],
            )
            .done()
    }
}
