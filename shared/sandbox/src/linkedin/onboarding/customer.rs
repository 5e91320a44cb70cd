//! The customer's part of onboarding in the simulator: what a customer does to its
//! integrations, and the INTEGRATION_STATUS_CHANGE each change posts to the CALLBACK_URL —
//! its admin pre-authorizes bundles by saving the widget (widget.rs; only for an eligible
//! contract, by a member with admin or product-settings permission), and it switches its
//! integrations on or off in Recruiter.
//!
//! Apart from the partner's calls (onboarding.rs: reads, naming, configurations) because it
//! changes with what LinkedIn's customer-facing pages do, not with the API a partner calls.

use super::*;

/// The widget's bundles (the sample page's `data-supported-bundled-integration-types`) and
/// the integrations each enables: the company's on its organization, the contract's on it.
pub(in crate::linkedin) const BUNDLES: &[(&str, &[&str])] = &[
    (
        "RECRUITER_SYSTEM_CONNECT_COMPANY",
        &["ONE_CLICK_EXPORT", "IN_ATS_INDICATOR", "PROFILE_PLUGIN"],
    ),
    ("RECRUITER_SYSTEM_CONNECT_CONTRACT", &["CSA_API"]),
];

/// An INTEGRATION_STATUS_CHANGE to post: where, signed with whose secret, what.
pub(in crate::linkedin) struct Notice {
    url: String,
    secret: String,
    body: Value,
}

impl Linkedin {
    /// The admin saved the widget: `bundles` pre-authorized on `contract` for `client_id`,
    /// as `member`. Answers what the page's onintegrate gets, and the notice to post.
    pub(in crate::linkedin) fn pre_authorize(
        &mut self,
        client_id: &str,
        member: &str,
        contract_id: &str,
        bundles: &[String],
        now: DateTime<Utc>,
    ) -> Result<(Value, Option<Notice>), (StatusCode, String)> {
        let refuse = |s: StatusCode, m: String| Err((s, m));
        let Some((org, contract)) = self.organizations.iter().find_map(|(id, o)| {
            o.contracts
                .iter()
                .find(|c| c["id"] == contract_id)
                .map(|c| (id.clone(), c.clone()))
        }) else {
            return refuse(StatusCode::NOT_FOUND, format!("no contract {contract_id}"));
        };
        let kind = contract["type"].as_str().unwrap_or_default();
        if !matches!(
            kind,
            "RECRUITER_CORPORATE" | "RECRUITER_PROFESSIONAL_SERVICES"
        ) {
            return refuse(
                StatusCode::FORBIDDEN,
                format!("contract type {kind} is not eligible for Recruiter System Connect"),
            );
        }
        let permitted = contract["users"]
            .as_object()
            .and_then(|u| u.iter().find(|(m, _)| m.eq_ignore_ascii_case(member)))
            .and_then(|(_, p)| p.as_array())
            .is_some_and(|p| p.iter().any(|p| p == "ADMIN" || p == "PRODUCT_SETTINGS"));
        if !permitted {
            return refuse(
                StatusCode::FORBIDDEN,
                format!(
                    "{member} lacks admin or product-settings permission on contract {contract_id}"
                ),
            );
        }
        let ctx = format!("urn:li:organization:{org}");
        if let Some((other, _)) = self
            .apps
            .iter()
            .find(|(id, a)| a.context.as_deref() == Some(ctx.as_str()) && id.as_str() != client_id)
        {
            return refuse(
                StatusCode::CONFLICT,
                format!("{ctx} is integrated through application {other} already"),
            );
        }
        let chosen: Vec<&str> = BUNDLES
            .iter()
            .filter(|(b, _)| bundles.iter().any(|x| x == b))
            .flat_map(|(_, types)| types.iter().copied())
            .collect();
        if chosen.is_empty() {
            return refuse(
                StatusCode::BAD_REQUEST,
                "tick an integration to save".into(),
            );
        }
        let Some(a) = self.apps.get_mut(client_id) else {
            return refuse(StatusCode::NOT_FOUND, format!("no application {client_id}"));
        };
        a.context = Some(ctx.clone());
        let secret = a.secret.clone();
        let checks = self.limits.activation_checks;
        let status = if checks > 0 { "PENDING" } else { "ENABLED" };
        let c = self.contexts.entry(ctx.clone()).or_default();
        c.contract = Some(contract_id.to_string());
        c.checks_left = checks;
        let mut keys = Vec::new();
        for t in chosen {
            let at = if t == "CSA_API" {
                format!("urn:li:contract:{contract_id}")
            } else {
                ctx.clone()
            };
            keys.push((at.clone(), t.to_string()));
            match c
                .integrations
                .iter_mut()
                .find(|e| e["integrationContext"] == at.as_str() && e["integrationType"] == t)
            {
                Some(e) => e["status"] = json!(status),
                None => c.integrations.push(json!({"integrationContext": at,
                    "integrationType": t, "tenantType": "RECRUITER", "dataProvider": "ATS",
                    "integrationName": null, "status": status, "application": client_id})),
            }
        }
        let integrations: Vec<Value> = keys
            .iter()
            .map(|(at, t)| {
                json!({"integrationContext": at, "integrationType": t,
                "tenantType": "RECRUITER", "dataProvider": "ATS"})
            })
            .collect();
        let notice = self.status_notice(&ctx, keys, secret, now);
        Ok((json!(integrations), notice))
    }

    /// The INTEGRATION_STATUS_CHANGE about `keys` of `ctx`, if it has a CALLBACK_URL.
    fn status_notice(
        &mut self,
        ctx: &str,
        keys: Vec<(String, String)>,
        secret: String,
        now: DateTime<Utc>,
    ) -> Option<Notice> {
        let url = self.contexts.get(ctx)?.callback_url.clone()?;
        let n = self.next();
        let request = format!("integration-request-{n}");
        self.onboarding.requests.insert(request.clone(), keys);
        Some(Notice {
            url,
            secret,
            body: json!({"notificationId": format!("notification-{n}"),
                "type": "INTEGRATION_STATUS_CHANGE", "requestId": request,
                "integrationContext": ctx, "createdAt": now.timestamp_millis()}),
        })
    }

    /// The customer switches every integration of `org` to `status` in Recruiter.
    pub(in crate::linkedin) fn switch_integrations(
        &mut self,
        org: &str,
        status: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Notice>, String> {
        let ctx = format!("urn:li:organization:{org}");
        let c = self
            .contexts
            .get_mut(&ctx)
            .filter(|c| !c.integrations.is_empty())
            .ok_or_else(|| format!("{ctx} has no integrations"))?;
        let mut keys = Vec::new();
        let mut app = String::new();
        for e in &mut c.integrations {
            e["status"] = json!(status);
            keys.push((
                e["integrationContext"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                e["integrationType"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            ));
            app = e["application"].as_str().unwrap_or_default().to_string();
        }
        let secret = self
            .apps
            .get(&app)
            .map(|a| a.secret.clone())
            .unwrap_or_default();
        Ok(self.status_notice(&ctx, keys, secret, now))
    }
}

/// Posts a notice to its CALLBACK_URL (a renkei webhook address of this sandbox), signed
/// with the child application's secret as LinkedIn signs: the delivery's status and answer.
pub(in crate::linkedin) async fn post(sb: &Sandbox, notice: Notice) -> Result<Value, String> {
    let path = url::Url::parse(&notice.url).map_err(|e| format!("callback URL: {e}"))?;
    let seg: Vec<&str> = path
        .path()
        .trim_end_matches('/')
        .rsplit('/')
        .take(2)
        .collect();
    let [connection, tenant] = seg.as_slice() else {
        return Err(format!(
            "callback URL {} is not a renkei webhook URL",
            notice.url
        ));
    };
    let answer = crate::webhooks::send_signed(
        sb,
        "linkedin",
        tenant,
        connection,
        &notice.secret,
        &notice.body,
    )
    .await;
    Ok(
        json!({"notification": notice.body, "delivery": {"status": answer.status, "answer": answer.body}}),
    )
}

impl LinkedinControl<'_> {
    /// The customer switches its integrations in Recruiter (`ENABLED`, `DISABLED`): the
    /// INTEGRATION_STATUS_CHANGE goes to the CALLBACK_URL, if one is set.
    pub async fn switch_integrations(&self, org: &str, status: &str) -> Result<Value, String> {
        let notice = {
            let mut w = self.0.world();
            let now = w.clock.now();
            w.state::<Linkedin>()
                .switch_integrations(org, status, now)?
        };
        match notice {
            Some(n) => post(self.0, n).await,
            None => Ok(json!({"notification": null})),
        }
    }
}
