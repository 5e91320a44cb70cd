//! Onboarding a customer as LinkedIn documents it (docs/contracts/linkedin.md, "Onboarding"
//! and "Partner"; Postman collection, module 1):
//!
//! - the partner's parent application provisions the customer's child application with its
//!   member sign-in redirect URLs and the origins allowed to embed LinkedIn's widget, looks
//!   it up by `uniqueForeignId` and patches it when those change;
//! - the customer's admin pre-authorizes the integrations in LinkedIn's ATS Integration
//!   Configuration Plugin (the widget; LinkedIn's side);
//! - the child application then reads them (batch GET, or the integrations of an
//!   INTEGRATION_STATUS_CHANGE notification), names them (`batch_partial_update`) and syncs
//!   the CALLBACK_URL configuration (`batch_update`).
//!
//! The sync calls are in `sync.rs`.

use super::*;
use crate::http::Ambiguity;

/// Where a deployed stack's onboarding page may load LinkedIn's widget script from
/// (`https://platform.linkedin.com/xdoor/scripts/in.js`, customer-configuration): the page is
/// served on the stack's own origin, so its script host is held to LinkedIn's.
pub const PLATFORM_HOSTS: &[renkei_core::outbound::HostPattern] = &["platform.linkedin.com"];

/// The provisioning API's limit on a child application's name (provisioning-api: "String
/// (max 50 chars)", shown in the member consent dialog, "LinkedIn" not allowed in it).
pub const NAME_MAX: usize = 50;
/// A conservative limit on a child application's description (assumed: LinkedIn documents
/// it as required, its length is not public).
pub const DESCRIPTION_MAX: usize = 200;
/// The configuration key where LinkedIn posts a customer's notifications (integration-types).
pub const CALLBACK_URL: &str = "CALLBACK_URL";

/// What an integration is keyed by (integration-types: CSA_API by the contract, the others
/// by the organization).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `urn:li:organization:{id}`.
    Organization,
    /// `urn:li:contract:{id}`.
    Contract,
}

/// The integrations renkei's RSC needs: exports, the in-ATS indicator and the profile plugin
/// for the organization, CSA_API (InMail contact sharing, C5.6) for the contract.
pub const RSC_INTEGRATIONS: &[(&str, Level)] = &[
    ("ONE_CLICK_EXPORT", Level::Organization),
    ("IN_ATS_INDICATOR", Level::Organization),
    ("PROFILE_PLUGIN", Level::Organization),
    ("CSA_API", Level::Contract),
];

/// A contract's integration context: `urn:li:contract:{id}`.
pub fn contract_context(contract: &str) -> String {
    format!("urn:li:contract:{contract}")
}

/// One customer integration's key (`integrationContext`, `integrationType`; `tenantType`
/// and `dataProvider` are always RECRUITER and ATS for RSC).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationKey {
    /// `urn:li:organization:…` or `urn:li:contract:…`.
    pub integration_context: String,
    /// ONE_CLICK_EXPORT, IN_ATS_INDICATOR, PROFILE_PLUGIN, CSA_API.
    pub integration_type: String,
}

impl IntegrationKey {
    /// The keys of [`RSC_INTEGRATIONS`] for a customer's organization and contract.
    pub fn rsc(organization: &str, contract: &str) -> Vec<Self> {
        RSC_INTEGRATIONS
            .iter()
            .map(|(kind, level)| Self {
                integration_context: match level {
                    Level::Organization => integration_context(organization),
                    Level::Contract => contract_context(contract),
                },
                integration_type: (*kind).to_string(),
            })
            .collect()
    }

    fn fields(&self) -> [(&'static str, &str); 4] {
        [
            ("integrationContext", self.integration_context.as_str()),
            ("integrationType", self.integration_type.as_str()),
            ("tenantType", "RECRUITER"),
            ("dataProvider", "ATS"),
        ]
    }

    /// The key as a body's `entities` and the configurations' path spell it (Postman:
    /// `integrationContext=urn:li:organization:…&integrationType=…&tenantType=RECRUITER&dataProvider=ATS`).
    pub fn encode(&self) -> String {
        self.fields()
            .iter()
            .map(|(f, v)| format!("{f}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Whether an answer's key (any order, percent-encoded or not) is this one.
    fn is(&self, answered: &str) -> bool {
        let got = decode_key(answered);
        self.fields()
            .iter()
            .all(|(f, v)| got.get(*f).is_some_and(|g| g == v))
    }
}

/// `ids[i].field=value` for each key.
fn batch_query(keys: &[IntegrationKey]) -> Vec<(String, String)> {
    let mut q = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        for (f, v) in k.fields() {
            q.push((format!("ids[{i}].{f}"), v.to_string()));
        }
    }
    q
}

/// One integration as LinkedIn answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Integration {
    /// Its context.
    pub integration_context: String,
    /// Its type.
    pub integration_type: String,
    /// The name the partner gave it (shown to the customer).
    #[serde(default)]
    pub integration_name: Option<String>,
    /// Where LinkedIn stands on it (assumed field: ENABLED once the customer enabled it;
    /// LinkedIn's public pages name no status values).
    #[serde(default)]
    pub status: Option<String>,
    /// LinkedIn's words on it, when it has any.
    #[serde(default)]
    pub message: Option<String>,
}

impl Integration {
    /// Its key.
    pub fn key(&self) -> IntegrationKey {
        IntegrationKey {
            integration_context: self.integration_context.clone(),
            integration_type: self.integration_type.clone(),
        }
    }
}

/// What the partner provisions for a customer (provisioning-api).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildSpec {
    /// Unique per parent: a second create with it is a conflict.
    pub unique_foreign_id: String,
    /// "{ATS Name} - {Customer Name}", at most [`NAME_MAX`] characters, without "LinkedIn".
    pub name: String,
    /// Seen by LinkedIn's administration only.
    pub description: String,
    /// Member sign-in redirect URLs (`oauth2AuthorizedCallbackUrls`).
    pub redirect_urls: Vec<String>,
    /// Origins allowed to embed LinkedIn's widgets (`validJsSdkDomains`, no trailing `/`).
    pub js_sdk_domains: Vec<String>,
}

impl ChildSpec {
    /// A name LinkedIn takes: "LinkedIn" left out (any case), cut to [`NAME_MAX`].
    pub fn name_for(ats: &str, customer: &str) -> String {
        let raw = format!("{ats} - {customer}");
        let lower = raw.to_lowercase();
        let mut out = String::new();
        let mut i = 0;
        while i < raw.len() {
            if lower[i..].starts_with("linkedin") {
                i += "linkedin".len();
                continue;
            }
            let ch = raw[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
        out.chars().take(NAME_MAX).collect::<String>().trim().into()
    }

    /// A description cut to [`DESCRIPTION_MAX`].
    pub fn description_for(text: &str) -> String {
        text.chars().take(DESCRIPTION_MAX).collect()
    }
}

/// A child application as provisioning answers it: its URN (`key` in LinkedIn's Postman
/// collection) and its credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provisioned {
    /// `urn:li:…` naming it in updates (None: the answer named none).
    pub urn: Option<String>,
    /// Its credentials.
    pub app: ChildApp,
}

/// Credentials as an answer spells them (assumed: snake or camel case).
#[derive(Deserialize)]
struct Credentials {
    #[serde(alias = "clientId")]
    client_id: String,
    #[serde(alias = "clientSecret")]
    client_secret: String,
}

fn provisioned(v: &Value) -> Option<Provisioned> {
    let c: Credentials = serde_json::from_value(v.get("credentials")?.clone()).ok()?;
    Some(Provisioned {
        urn: v.get("key").and_then(Value::as_str).map(str::to_string),
        app: ChildApp {
            client_id: c.client_id,
            client_secret: c.client_secret,
        },
    })
}

fn unexpected(status: u16, what: &str) -> VendorError {
    VendorError::Permanent {
        vendor: VENDOR,
        status,
        message: format!("unexpected {what} answer"),
    }
}

/// Every entity of a rest.li batch write answer done, or the first that is not.
fn all_done(body: &str, ids: &[String], what: &str) -> Result<(), VendorError> {
    let v: Value = parse(body, what)?;
    for id in ids {
        let matching = |m: &Value| {
            m.as_object().and_then(|o| {
                o.iter()
                    .find(|(k, _)| *k == id || decode_key(k) == decode_key(id))
                    .map(|(_, e)| e.clone())
            })
        };
        if let Some(e) = matching(&v["errors"]) {
            return Err(VendorError::Permanent {
                vendor: VENDOR,
                status: e["status"].as_u64().unwrap_or(400).min(599) as u16,
                message: format!("{what} {id}: {}", message(&e)),
            });
        }
        match matching(&v["results"]).and_then(|e| e["status"].as_u64()) {
            Some(s) if (200..300).contains(&s) => {}
            Some(s) => {
                return Err(VendorError::Permanent {
                    vendor: VENDOR,
                    status: s.min(599) as u16,
                    message: format!("{what} {id}: status {s}"),
                });
            }
            None => {
                return Err(VendorError::Retryable {
                    vendor: VENDOR,
                    message: format!("{what} {id}: no status in LinkedIn's answer"),
                });
            }
        }
    }
    Ok(())
}

impl LinkedinClient {
    // ---- partner (parent application)

    /// The customer's child application, if one was provisioned under `unique_foreign_id`.
    pub async fn find_child(
        &self,
        unique_foreign_id: &str,
    ) -> Result<Option<Provisioned>, VendorError> {
        let path = self.url(names::PROVISIONED_APPLICATIONS);
        let q = [
            ("q", "credentialsByUniqueForeignId"),
            ("uniqueForeignId", unique_foreign_id),
        ];
        let reply = self
            .call(Call::read(), || {
                self.base.request(Method::GET, &path).query(&q)
            })
            .await?;
        let v: Value = parse(&reply.body, "provisioned applications")?;
        Ok(v["elements"]
            .as_array()
            .and_then(|e| e.first())
            .and_then(provisioned))
    }

    /// Provisions the customer's child application. Not retried when LinkedIn may have
    /// processed it: the caller looks it up by its unique foreign id instead (a second
    /// create is a conflict).
    pub async fn provision_child(&self, spec: &ChildSpec) -> Result<Provisioned, VendorError> {
        let path = self.url(names::PROVISIONED_APPLICATIONS);
        let body = json!({
            "uniqueForeignId": spec.unique_foreign_id,
            "name": spec.name,
            "description": spec.description,
            "oauth2AuthorizedCallbackUrls": spec.redirect_urls,
            "validJsSdkDomains": spec.js_sdk_domains,
        });
        let reply = self
            .call(Call::write(Ambiguity::DoNotRetry), || {
                self.base.request(Method::POST, &path).json(&body)
            })
            .await?;
        if !reply.status.is_success() {
            return Err(VendorError::Permanent {
                vendor: VENDOR,
                status: reply.status.as_u16(),
                message: reply.body,
            });
        }
        let v: Value = parse(&reply.body, "provisioned application")?;
        provisioned(&v).ok_or_else(|| unexpected(reply.status.as_u16(), "provisioning"))
    }

    /// Replaces a child application's redirect URLs and widget origins
    /// (`POST provisionedApplications/{urn}` with `{"patch":{"$set":{…}}}`).
    pub async fn update_child(
        &self,
        urn: &str,
        redirect_urls: &[String],
        js_sdk_domains: &[String],
    ) -> Result<(), VendorError> {
        let path = self.url(&format!("provisionedApplications/{urn}"));
        let body = json!({"patch": {"$set": {
            "oauth2AuthorizedCallbackUrls": redirect_urls,
            "validJsSdkDomains": js_sdk_domains,
        }}});
        let reply = self
            .call(Call::write(Ambiguity::Retry), || {
                self.base.request(Method::POST, &path).json(&body)
            })
            .await?;
        if reply.status.is_success() {
            Ok(())
        } else {
            Err(VendorError::Permanent {
                vendor: VENDOR,
                status: reply.status.as_u16(),
                message: reply.body,
            })
        }
    }

    // ---- customer (child application)

    /// The customer's integrations of `keys` as LinkedIn holds them (batch GET; None: not
    /// pre-authorized, LinkedIn answered it as an error).
    pub async fn integrations(
        &self,
        keys: &[IntegrationKey],
    ) -> Result<Vec<(IntegrationKey, Option<Integration>)>, VendorError> {
        let path = self.url(names::INTEGRATIONS);
        let q = batch_query(keys);
        let reply = self
            .call(Call::read(), || {
                self.base.request(Method::GET, &path).query(&q)
            })
            .await?;
        let v: Value = parse(&reply.body, "integrations")?;
        let results = v["results"].as_object().cloned().unwrap_or_default();
        Ok(keys
            .iter()
            .map(|k| {
                let found = results
                    .iter()
                    .find(|(answered, _)| k.is(answered))
                    .and_then(|(_, e)| serde_json::from_value(e.clone()).ok());
                (k.clone(), found)
            })
            .collect())
    }

    /// The integrations an INTEGRATION_STATUS_CHANGE notification was about
    /// (`GET atsIntegrations?q=request&requestId=…`; assumed element shape: the integration).
    pub async fn integrations_of_request(
        &self,
        request_id: &str,
    ) -> Result<Vec<Integration>, VendorError> {
        let path = self.url(names::INTEGRATIONS);
        let q = [("q", "request"), ("requestId", request_id)];
        let reply = self
            .call(Call::read(), || {
                self.base.request(Method::GET, &path).query(&q)
            })
            .await?;
        let v: Value = parse(&reply.body, "integration request")?;
        serde_json::from_value(v["elements"].clone()).map_err(|_| unexpected(200, "request"))
    }

    /// Names the customer's integrations (`batch_partial_update` of `integrationName`).
    pub async fn name_integrations(
        &self,
        names: &[(IntegrationKey, String)],
    ) -> Result<(), VendorError> {
        let path = self.url(names::INTEGRATIONS);
        let keys: Vec<IntegrationKey> = names.iter().map(|(k, _)| k.clone()).collect();
        let q = batch_query(&keys);
        let entities: serde_json::Map<String, Value> = names
            .iter()
            .map(|(k, n)| {
                (
                    k.encode(),
                    json!({"patch": {"$set": {"integrationName": n}}}),
                )
            })
            .collect();
        let body = json!({ "entities": entities });
        let reply = self
            .call(Call::write(Ambiguity::Retry), || {
                self.base
                    .request(Method::POST, &path)
                    .header("x-restli-method", "batch_partial_update")
                    .query(&q)
                    .json(&body)
            })
            .await?;
        let ids: Vec<String> = keys.iter().map(IntegrationKey::encode).collect();
        all_done(&reply.body, &ids, "naming integration")
    }

    /// Sets the customer's CALLBACK_URL on its ONE_CLICK_EXPORT integration (`PUT
    /// atsIntegrations/{key}/configurations?ids=CALLBACK_URL`, `batch_update`).
    pub async fn set_callback_url(
        &self,
        integration: &IntegrationKey,
        url: &str,
    ) -> Result<(), VendorError> {
        let path = self.url(&format!(
            "{}/{}/{}",
            names::INTEGRATIONS,
            integration.encode(),
            names::CONFIGURATIONS
        ));
        let body = json!({"entities": {CALLBACK_URL: {"configurationValue": {"string": url}}}});
        let reply = self
            .call(Call::write(Ambiguity::Retry), || {
                self.base
                    .request(Method::PUT, &path)
                    .header("x-restli-method", "batch_update")
                    .query(&[("ids", CALLBACK_URL)])
                    .json(&body)
            })
            .await?;
        all_done(&reply.body, &[CALLBACK_URL.to_string()], "configuration")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s27_5_a_child_application_name_keeps_linkedins_format_and_limits() {
        let n = ChildSpec::name_for("renkei", "LinkedIn-Fans GmbH with a very long company name");
        assert!(n.chars().count() <= NAME_MAX, "{n}");
        assert!(!n.to_lowercase().contains("linkedin"), "{n}");
        assert!(n.starts_with("renkei - "), "{n}");
        assert_eq!(ChildSpec::name_for("renkei", "Ü-Werk"), "renkei - Ü-Werk");
    }

    #[test]
    fn s27_5_integration_keys_are_matched_however_an_answer_spells_them() {
        let k = &IntegrationKey::rsc("777", "1")[3];
        assert_eq!(
            k.encode(),
            "integrationContext=urn:li:contract:1&integrationType=CSA_API&tenantType=RECRUITER&dataProvider=ATS"
        );
        assert!(k.is(
            "dataProvider=ATS&integrationType=CSA_API&integrationContext=urn%3Ali%3Acontract%3A1&tenantType=RECRUITER"
        ));
        assert!(!k.is("integrationContext=urn:li:contract:2&integrationType=CSA_API&tenantType=RECRUITER&dataProvider=ATS"));
    }
}
