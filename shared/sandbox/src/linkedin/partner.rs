//! What only the partner's parent application may do: find and provision customers' child
//! applications (unique `uniqueForeignId`; a lost answer is simulated) and read a customer
//! organization's Recruiter contracts.

use super::*;

impl Linkedin {
    fn parent_only(&self, app: &str) -> Result<(), Response> {
        if self.apps.get(app).is_some_and(|a| a.parent) {
            Ok(())
        } else {
            Err(li_error(
                StatusCode::FORBIDDEN,
                "only the partner's parent application may call this",
            ))
        }
    }

    pub(super) fn find_children(&self, app: &str, ufid: &str) -> Response {
        if let Err(r) = self.parent_only(app) {
            return r;
        }
        let elements: Vec<Value> = self
            .apps
            .iter()
            .filter(|(_, a)| a.unique_foreign_id.as_deref() == Some(ufid))
            .map(|(id, a)| {
                json!({"uniqueForeignId": ufid,
                    "credentials": {"client_id": id, "client_secret": a.secret}})
            })
            .collect();
        Json(json!({"elements": elements})).into_response()
    }

    pub(super) fn provision(&mut self, app: &str, body: &Value) -> Response {
        if let Err(r) = self.parent_only(app) {
            return r;
        }
        let Some(ufid) = body["uniqueForeignId"].as_str().filter(|s| !s.is_empty()) else {
            return li_error(StatusCode::BAD_REQUEST, "uniqueForeignId is required");
        };
        if self
            .apps
            .values()
            .any(|a| a.unique_foreign_id.as_deref() == Some(ufid))
        {
            return li_error(
                StatusCode::CONFLICT,
                format!("an application with uniqueForeignId {ufid} exists already"),
            );
        }
        let id = format!("child-{}", self.next());
        let secret = format!("secret-{}", fastrand::u64(..));
        self.apps.insert(
            id.clone(),
            App {
                secret: secret.clone(),
                unique_foreign_id: Some(ufid.to_string()),
                ..App::default()
            },
        );
        if self.lose_answers > 0 {
            // Created, but the answer never arrives.
            self.lose_answers -= 1;
            return li_error(StatusCode::GATEWAY_TIMEOUT, "upstream request timeout");
        }
        (
            StatusCode::CREATED,
            Json(json!({"uniqueForeignId": ufid,
                "credentials": {"client_id": id, "client_secret": secret}})),
        )
            .into_response()
    }

    pub(super) fn contracts(&self, app: &str, organization: &str) -> Response {
        if let Err(r) = self.parent_only(app) {
            return r;
        }
        let org = organization.trim_start_matches("urn:li:organization:");
        let list = self
            .organizations
            .get(org)
            .map(|o| o.contracts.clone())
            .unwrap_or_default();
        Json(json!({"elements": list})).into_response()
    }
}
