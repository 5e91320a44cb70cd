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
            .url("linkedin_platform_url", &self.linkedin_platform_url)
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
            // docs/contracts/linkedin.md "API generation": LinkedIn's versioned API renamed
            // RSC resources from 202602 and publishes no versioned form of some calls renkei
            // makes (application stages, interview feedback); renkei speaks /v2/, where
            // LinkedIn's current pages document every one of them.
            .that(
                "api",
                self.api == linkedin::Api::V2,
                "renkei speaks LinkedIn's /v2/ RSC API: the versioned /rest/ API renamed its resources in 202602 and does not publish all of the calls renkei makes",
            );
        if let Some(url) = &self.recruitee_url {
            checks = checks.url("recruitee_url", url);
        }
        // The page's origin is what LinkedIn lets embed its widget: the next run registers
        // a changed one on the child application.
        if let Some(url) = &self.onboarding_url {
            checks = checks.url("onboarding_url", url);
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
            // Not called by renkei: the onboarding page loads LinkedIn's widget script from
            // it, on the stack's own origin.
            Endpoint::new(
                "linkedin_platform_url",
                &self.linkedin_platform_url,
                linkedin::PLATFORM_HOSTS,
            ),
        ]
    }
}

impl Configurable for Secret {
    const MANAGED: &'static [(&'static str, &'static str)] = &[
        (
            "child",
            "the customer's LinkedIn child application, provisioned by the connection's run",
        ),
        (
            "onboarding_key",
            "the key of the connection's onboarding links, made by connecting",
        ),
    ];

    /// Recruitee's webhook secret: long enough, and none of the API credentials (the public
    /// webhooks function reads it). (Partner credentials are refused by connecting and never
    /// written: a secret drops them when it is stored.)
    fn problems(&self) -> Vec<SetupProblem> {
        let child = self.child.as_ref().map_or("", |c| c.client_secret.as_str());
        let key = self.onboarding_key.as_deref().unwrap_or_default();
        Checks::new()
            .signing_secret(
                "recruitee_webhook_secret",
                self.recruitee_webhook_secret.as_deref(),
                &[
                    ("recruitee_token", &self.recruitee_token),
                    ("child.client_secret", child),
                    ("onboarding_key", key),
                ],
            )
            .done()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 27 item 8: the versioned API's names are not what renkei sends; choosing it is
    /// refused on its field rather than failing at LinkedIn.
    #[test]
    fn s27_8_the_versioned_api_is_refused_until_linkedin_publishes_every_call_there() {
        let mut s = Settings::new("70001", "5550001", "900100");
        assert!(s.problems().is_empty(), "{:?}", s.problems());
        s.api = linkedin::Api::Rest {
            version: "202603".into(),
        };
        let p = s.problems();
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(format!("{p:?}").contains("api"), "{p:?}");
    }
}
