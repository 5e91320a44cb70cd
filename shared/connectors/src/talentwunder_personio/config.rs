//! What people may change of a C4 connection after connecting it (`renkei settings set`, the
//! admin API): checked by [`Settings`]' types and these ranges.

use super::mapping::CUSTOM_FIELDS;
use super::{ConnectionSecret, Settings};
use renkei_core::config::{Checks, Configurable};
use renkei_core::outbound::Endpoint;
use renkei_core::setup::SetupProblem;
use renkei_vendors::personio;

impl Configurable for Settings {
    const MANAGED: &'static [(&'static str, &'static str)] = &[(
        "company_id",
        "the Personio company connected, whose token the secret holds: connect again to change it",
    )];

    fn problems(&self) -> Vec<SetupProblem> {
        let mut checks = Checks::new()
            .that(
                "jobs_domain",
                personio::JobsDomain::parse(&self.jobs_domain).is_ok(),
                "must be a Personio jobs domain (acme, acme.jobs.personio.de or acme.jobs.personio.com)",
            )
            .within("page_size", self.page_size, 1, None)
            // Personio takes no more than 20 applications and documents a minute per company.
            .rate(
                "per_minute",
                self.per_minute,
                Some(personio::REQUESTS_PER_MINUTE),
            );
        for url in [
            ("api_url", &self.api_url),
            ("jobs_site_url", &self.jobs_site_url),
        ] {
            if let (key, Some(value)) = url {
                checks = checks.url(key, value);
            }
        }
        for (field, attribute) in &self.custom_attributes {
            checks = checks
                .that(
                    &format!("custom_attributes.{field}"),
                    CUSTOM_FIELDS.contains(&field.as_str()),
                    format!(
                        "is not a profile field (one of {})",
                        CUSTOM_FIELDS.join(", ")
                    ),
                )
                .that(
                    &format!("custom_attributes.{field}"),
                    attribute.starts_with("custom_attribute_"),
                    format!(
                        "{attribute:?} is not a Personio custom attribute (custom_attribute_N)"
                    ),
                );
        }
        checks.done()
    }

    fn endpoints(&self) -> Vec<Endpoint> {
        let jobs_key = match self.jobs_site_url {
            Some(_) => "jobs_site_url",
            None => "jobs_domain",
        };
        vec![
            Endpoint::new("api_url", self.api_url(), personio::API_HOSTS),
            Endpoint::new(jobs_key, self.jobs_url(), personio::JOBS_HOSTS),
        ]
    }
}

/// Personio's credentials not blank; the upload signing secret long enough, and none of
/// Personio's credentials (the public webhooks function reads it).
impl Configurable for ConnectionSecret {
    fn problems(&self) -> Vec<SetupProblem> {
        let values = self.credentials.values();
        let mut checks = Checks::new();
        for (field, value) in &values {
            checks = checks.that(field, !value.trim().is_empty(), "is required");
        }
        checks
            .signing_secret("upload_secret", Some(&self.upload_secret), &values)
            .done()
    }
}
