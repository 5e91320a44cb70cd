//! A stand-in for LinkedIn's ATS Integration Configuration Plugin, with the same contract
//! as LinkedIn's (customer-configuration; the sample page in
//! linkedin-developers/recruiter-system-connect-development-tools): a page includes
//! `…/xdoor/scripts/in.js` with `api_key: {child client id}` and
//! `extensions: ATSIntegrationWidget@…` in the script's text, and a
//! `<script type="IN/ATSIntegrationWidget" data-onintegrate="fn" …>` where the widget goes.
//!
//! The script puts LinkedIn's frame there (`…/xdoor/widget/ats-integration`), served only to
//! a page whose origin the child registered (`validJsSdkDomains`, read from the `Referer`
//! and the origin the script reports, which must agree). In the frame the admin picks who
//! they are signed in as, the contract, ticks the integrations and saves; the save
//! pre-authorizes them (onboarding/customer.rs), posts INTEGRATION_STATUS_CHANGE to the CALLBACK_URL
//! if there is one, and hands the integrations to the page's `data-onintegrate` function.

use super::onboarding::{BUNDLES, post as notify};
use super::*;
use axum::routing::get;
use serde::Deserialize;

/// How long a frame may take before its save is refused.
const SESSION_MINUTES: i64 = 60;

const IN_JS: &str = r#"// LinkedIn platform script: sandbox stand-in (renkei shared/sandbox/src/linkedin/widget.rs)
(function () {
  var me = document.currentScript;
  var text = me.textContent || "";
  var key = /api_key:\s*"?([^"\s]+)"?/.exec(text);
  var ext = /extensions:\s*ATSIntegrationWidget@(\S+)/.exec(text);
  var base = me.src.replace(/\/xdoor\/scripts\/in\.js(\?.*)?$/, "");
  var linkedin = new URL(base).origin;
  function mount() {
    var tags = document.querySelectorAll('script[type="IN/ATSIntegrationWidget"]');
    tags.forEach(function (tag) {
      if (!key || !ext) {
        console.error("Error trying to initialize the widget! Error is :api_key and extensions: ATSIntegrationWidget@… are required");
        return;
      }
      var q = new URLSearchParams({
        api_key: key[1], origin: location.origin,
        types: tag.getAttribute("data-supported-bundled-integration-types") || ""
      });
      var frame = document.createElement("iframe");
      frame.src = base + "/xdoor/widget/ats-integration?" + q.toString();
      frame.title = "LinkedIn ATS Integration Configuration";
      frame.width = tag.getAttribute("data-width") || "500";
      frame.height = "460";
      frame.style.border = "1px solid #ccc";
      tag.parentNode.insertBefore(frame, tag.nextSibling);
      var callback = tag.getAttribute("data-onintegrate");
      window.addEventListener("message", function (e) {
        if (e.source !== frame.contentWindow || e.origin !== linkedin) return;
        if (e.data && e.data.type === "onintegrate" && callback && typeof window[callback] === "function") {
          window[callback](e.data.integrations);
        }
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
"#;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            ("content-type", "text/html; charset=utf-8"),
            ("cache-control", "no-store"),
        ],
        body,
    )
        .into_response()
}

async fn in_js() -> Response {
    (
        [
            ("content-type", "application/javascript; charset=utf-8"),
            ("cache-control", "no-store"),
        ],
        IN_JS,
    )
        .into_response()
}

/// The origin a `Referer` names.
fn referer_origin(headers: &HeaderMap) -> Option<String> {
    let r = headers.get("referer")?.to_str().ok()?;
    let u = url::Url::parse(r).ok()?;
    Some(u.origin().ascii_serialization())
}

#[derive(Deserialize)]
struct FrameQuery {
    api_key: String,
    origin: String,
    #[serde(default)]
    types: String,
}

/// The frame: who is signed in, the contract, the integrations, save.
async fn frame(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<FrameQuery>,
) -> Response {
    let mut w = sb.world();
    let now = w.clock.now();
    let li = w.state::<Linkedin>();
    let page = referer_origin(&headers);
    if page.as_deref() != Some(q.origin.as_str())
        || !li.widget_origin_allowed(&q.api_key, &q.origin)
    {
        return html(
            StatusCode::FORBIDDEN,
            format!(
                "<!doctype html><p id=\"error\">This domain ({}) is not allowed to use this API key: the partner registers it in the application's validJsSdkDomains.</p>",
                escape(page.as_deref().unwrap_or("no Referer"))
            ),
        );
    }
    let session = format!("widget-{}-{:016x}", li.next(), fastrand::u64(..));
    li.onboarding.sessions.insert(
        session.clone(),
        (
            q.api_key.clone(),
            q.origin.clone(),
            now + Duration::minutes(SESSION_MINUTES),
        ),
    );
    let mut members = std::collections::BTreeSet::new();
    let mut contracts = String::new();
    let mut orgs: Vec<_> = li.organizations.iter().collect();
    orgs.sort_by_key(|(id, _)| id.as_str());
    for (org, o) in orgs {
        for c in &o.contracts {
            members.extend(
                c["users"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(m, _)| m.clone()),
            );
            let id = c["id"].as_str().unwrap_or_default();
            contracts.push_str(&format!(
                "<option value=\"{}\">{} — {} ({}, organization {})</option>",
                escape(id),
                escape(id),
                escape(c["name"].as_str().unwrap_or_default()),
                escape(c["type"].as_str().unwrap_or_default()),
                escape(org)
            ));
        }
    }
    let members: String = members
        .iter()
        .map(|m| format!("<option value=\"{0}\">{0}</option>", escape(m)))
        .collect();
    let boxes: String = BUNDLES
        .iter()
        .filter(|(b, _)| q.types.split(',').any(|t| t.trim() == *b))
        .map(|(b, types)| {
            format!(
                "<label><input type=\"checkbox\" name=\"bundle\" value=\"{b}\"> Recruiter System Connect — {} ({})</label><br>",
                if b.ends_with("CONTRACT") { "contract" } else { "company" },
                types.join(", ")
            )
        })
        .collect();
    let page_origin = serde_json::to_string(&q.origin).unwrap_or_default();
    let session_js = serde_json::to_string(&session).unwrap_or_default();
    html(
        StatusCode::OK,
        format!(
            r#"<!doctype html><html><head><meta charset="utf-8"><title>LinkedIn ATS Integration (sandbox stand-in)</title></head>
<body style="font-family:sans-serif">
<h3>Select integrations</h3>
<p><label>Signed in to LinkedIn as <select id="member">{members}</select></label></p>
<p><label>Contract <select id="contract">{contracts}</select></label></p>
<form id="form">{boxes}<p><button type="submit" id="save">Save changes</button></p></form>
<p id="status" role="status"></p>
<script>
document.getElementById("form").addEventListener("submit", async function (e) {{
  e.preventDefault();
  var bundles = Array.from(document.querySelectorAll('input[name="bundle"]:checked')).map(function (b) {{ return b.value; }});
  var status = document.getElementById("status");
  var r = await fetch("ats-integration/save", {{method: "POST", headers: {{"content-type": "application/json"}},
    body: JSON.stringify({{session: {session_js}, member: document.getElementById("member").value,
      contract: document.getElementById("contract").value, bundles: bundles}})}});
  var a = await r.json();
  if (!r.ok) {{ status.textContent = a.message || ("error " + r.status); return; }}
  status.textContent = "Saved: LinkedIn is enabling your integrations.";
  parent.postMessage({{type: "onintegrate", integrations: a.integrations}}, {page_origin});
}});
</script></body></html>"#
        ),
    )
}

#[derive(Deserialize)]
struct Save {
    session: String,
    member: String,
    contract: String,
    #[serde(default)]
    bundles: Vec<String>,
}

async fn save(State(sb): State<Sandbox>, Json(s): Json<Save>) -> Response {
    let client = {
        let mut w = sb.world();
        let now = w.clock.now();
        let li = w.state::<Linkedin>();
        match li.onboarding.sessions.get(&s.session) {
            Some((client, _, until)) if *until > now => client.clone(),
            _ => {
                return li_error(
                    StatusCode::UNAUTHORIZED,
                    "the widget's session expired: reload the page",
                );
            }
        }
    };
    match sb
        .linkedin()
        .pre_authorize(&client, None, &s.member, &s.contract, &s.bundles)
        .await
    {
        Ok(v) => Json(v).into_response(),
        Err((status, m)) => li_error(status, m),
    }
}

/// `POST /_control/linkedin/widget`: what the frame's save does, for tests without a browser.
#[derive(Deserialize)]
pub(super) struct WidgetSave {
    api_key: String,
    origin: String,
    member: String,
    contract: String,
    bundles: Vec<String>,
}

pub(super) async fn control_widget(
    State(sb): State<Sandbox>,
    Json(s): Json<WidgetSave>,
) -> Response {
    match sb
        .linkedin()
        .pre_authorize(
            &s.api_key,
            Some(&s.origin),
            &s.member,
            &s.contract,
            &s.bundles,
        )
        .await
    {
        Ok(v) => Json(v).into_response(),
        Err((status, m)) => crate::control_error(status, m),
    }
}

impl LinkedinControl<'_> {
    /// A customer's admin saves LinkedIn's widget on a page of `origin` (None: the frame
    /// checked it already) for the child `api_key`, signed in as `member`, with `bundles`
    /// ticked on `contract`: answers `{"integrations"}` (what the page's onintegrate gets)
    /// and the INTEGRATION_STATUS_CHANGE delivery, if a CALLBACK_URL is set.
    pub async fn pre_authorize(
        &self,
        api_key: &str,
        origin: Option<&str>,
        member: &str,
        contract: &str,
        bundles: &[String],
    ) -> Result<Value, (StatusCode, String)> {
        let (integrations, notice) = {
            let mut w = self.0.world();
            let now = w.clock.now();
            let li = w.state::<Linkedin>();
            if let Some(o) = origin
                && !li.widget_origin_allowed(api_key, o)
            {
                return Err((
                    StatusCode::FORBIDDEN,
                    format!("{o} is not in the application's validJsSdkDomains"),
                ));
            }
            li.pre_authorize(api_key, member, contract, bundles, now)?
        };
        let delivery = match notice {
            Some(n) => notify(self.0, n)
                .await
                .map_err(|e| (StatusCode::BAD_GATEWAY, e))?,
            None => Value::Null,
        };
        Ok(json!({"integrations": integrations, "notification": delivery}))
    }
}

/// The widget's routes (under the simulator's prefix, as LinkedIn's platform host).
pub(super) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/xdoor/scripts/in.js", get(in_js))
        .route("/xdoor/widget/ats-integration", get(frame))
        .route("/xdoor/widget/ats-integration/save", post(save))
}
