//! A company's career site: its jobs domain (`{company}.jobs.personio.de` or
//! `{company}.jobs.personio.com` — Personio lets the company choose under Settings >
//! Recruiting > Career page > Activations) and where a redirect of its XML feed may lead:
//! to the same company's job domains, never elsewhere.

use url::Url;

/// The two job domains Personio serves career sites on.
const SUFFIXES: [(&str, Tld); 2] = [
    (".jobs.personio.de", Tld::De),
    (".jobs.personio.com", Tld::Com),
];

/// A career site's top-level domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tld {
    /// `.jobs.personio.de`.
    De,
    /// `.jobs.personio.com`.
    Com,
}

impl Tld {
    fn suffix(self) -> &'static str {
        match self {
            Tld::De => ".jobs.personio.de",
            Tld::Com => ".jobs.personio.com",
        }
    }
}

/// A company's jobs domain, parsed from what an admin pastes: `acme`, `acme.jobs.personio.de`,
/// `https://acme.jobs.personio.com/xml?language=en`, ….
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobsDomain {
    company: String,
    tld: Tld,
}

impl JobsDomain {
    /// The domain in `input`, or why it is none (a bare name is the `.de` site).
    pub fn parse(input: &str) -> Result<Self, String> {
        let text = input.trim();
        let text = text
            .strip_prefix("https://")
            .or_else(|| text.strip_prefix("http://"))
            .unwrap_or(text);
        let host = text
            .split(['/', '?', '#'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let (label, tld) = SUFFIXES
            .iter()
            .find_map(|(suffix, tld)| host.strip_suffix(suffix).map(|l| (l.to_string(), *tld)))
            .unwrap_or((host.clone(), Tld::De));
        if !is_label(&label) {
            return Err(format!(
                "{input:?} is not a Personio jobs domain (the name before .jobs.personio.de or .jobs.personio.com, Settings > Recruiting > Career page)"
            ));
        }
        Ok(Self {
            company: label,
            tld,
        })
    }

    /// The company's name in the domain (`acme`).
    pub fn company(&self) -> &str {
        &self.company
    }

    /// Its top-level domain.
    pub fn tld(&self) -> Tld {
        self.tld
    }

    /// The site's host (`acme.jobs.personio.com`).
    pub fn host(&self) -> String {
        format!("{}{}", self.company, self.tld.suffix())
    }

    /// The site (`https://acme.jobs.personio.com`).
    pub fn url(&self) -> String {
        format!("https://{}", self.host())
    }

    /// As the connection's settings keep it: the name alone for `.de` (as connections always
    /// kept it), the whole host for `.com`.
    pub fn setting(&self) -> String {
        match self.tld {
            Tld::De => self.company.clone(),
            Tld::Com => self.host(),
        }
    }
}

/// A DNS label: letters, digits and inner hyphens, at most 63 characters.
fn is_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A career site being read, and the places its feed may redirect to.
#[derive(Debug, Clone)]
pub struct CareerSite {
    base: Url,
    company: String,
    /// Where the site is given by path rather than host (a configured `jobs_site_url`: the
    /// sandbox, a proxy): the path the site's own segment hangs under.
    parent: Option<String>,
}

impl CareerSite {
    /// The site at `site_url`: a Personio job host, or a URL whose last path segment names
    /// the site the same way (`…/jobs/acme`, `…/jobs/acme.jobs.personio.com`).
    pub fn new(site_url: &str) -> Result<Self, String> {
        let base = Url::parse(site_url.trim_end_matches('/'))
            .map_err(|e| format!("{site_url:?} is not a URL: {e}"))?;
        let host = base.host_str().unwrap_or_default().to_ascii_lowercase();
        if SUFFIXES.iter().any(|(s, _)| host.ends_with(s)) {
            let domain = JobsDomain::parse(&host)?;
            return Ok(Self {
                base,
                company: domain.company,
                parent: None,
            });
        }
        let path = base.path().trim_end_matches('/').to_string();
        let (parent, segment) = path.rsplit_once('/').unwrap_or(("", &path));
        let domain = JobsDomain::parse(segment)?;
        Ok(Self {
            company: domain.company,
            parent: Some(parent.to_string()),
            base,
        })
    }

    /// The company the site belongs to.
    pub fn company(&self) -> &str {
        &self.company
    }

    /// The feed in `language`.
    pub fn feed_url(&self, language: &str) -> Url {
        let mut url = self.base.clone();
        let path = format!("{}/xml", url.path().trim_end_matches('/'));
        url.set_path(&path);
        url.set_query(Some(&format!("language={language}")));
        url
    }

    /// Whether a redirect to `target` stays on this company's career site: one of its job
    /// domains (same scheme and port), or for a site given by path, the same origin and a
    /// path under one of its site segments.
    pub fn allows(&self, target: &Url) -> bool {
        let same_port = target.port_or_known_default() == self.base.port_or_known_default();
        if target.scheme() != self.base.scheme() || !same_port {
            return false;
        }
        let host = target.host_str().unwrap_or_default().to_ascii_lowercase();
        let ours = |text: &str| JobsDomain::parse(text).is_ok_and(|d| d.company == self.company);
        match &self.parent {
            None => SUFFIXES.iter().any(|(s, _)| host.ends_with(s)) && ours(&host),
            Some(parent) => {
                host == self
                    .base
                    .host_str()
                    .unwrap_or_default()
                    .to_ascii_lowercase()
                    && target
                        .path()
                        .strip_prefix(&format!("{parent}/"))
                        .and_then(|rest| rest.split('/').next())
                        .is_some_and(|segment| ours(&segment.to_ascii_lowercase()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s29_3_both_job_domains_are_read_from_whatever_is_pasted() {
        for (input, host, setting) in [
            ("acme", "acme.jobs.personio.de", "acme"),
            (" ACME ", "acme.jobs.personio.de", "acme"),
            ("acme.jobs.personio.de", "acme.jobs.personio.de", "acme"),
            (
                "acme.jobs.personio.com",
                "acme.jobs.personio.com",
                "acme.jobs.personio.com",
            ),
            (
                "https://acme-gmbh.jobs.personio.com/xml?language=en",
                "acme-gmbh.jobs.personio.com",
                "acme-gmbh.jobs.personio.com",
            ),
            (
                "http://acme.jobs.personio.de/",
                "acme.jobs.personio.de",
                "acme",
            ),
        ] {
            let d = JobsDomain::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(
                (d.host(), d.setting()),
                (host.to_string(), setting.to_string())
            );
        }
        for bad in [
            "",
            "acme.personio.de",
            "-acme",
            "acme-",
            "ac me",
            "acme.example.com",
        ] {
            assert!(JobsDomain::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn s29_3_a_redirect_may_lead_only_to_the_same_company_s_job_domains() {
        let site = CareerSite::new("https://acme.jobs.personio.de").unwrap();
        let ok = |u: &str| site.allows(&Url::parse(u).unwrap());
        assert!(ok("https://acme.jobs.personio.com/xml?language=de"));
        assert!(ok("https://acme.jobs.personio.de/xml"));
        assert!(
            !ok("https://other.jobs.personio.com/xml"),
            "another company"
        );
        assert!(!ok("https://acme.example.com/xml"), "another domain");
        assert!(
            !ok("http://acme.jobs.personio.com/xml"),
            "no downgrade to http"
        );
        assert!(
            !ok("https://acme.jobs.personio.com:8443/xml"),
            "another port"
        );

        let by_path = CareerSite::new("http://127.0.0.1:9/personio/jobs/acme").unwrap();
        let ok = |u: &str| by_path.allows(&Url::parse(u).unwrap());
        assert!(ok(
            "http://127.0.0.1:9/personio/jobs/acme.jobs.personio.com/xml?language=de"
        ));
        assert!(!ok(
            "http://127.0.0.1:9/personio/jobs/other.jobs.personio.com/xml"
        ));
        assert!(!ok("http://127.0.0.1:9/elsewhere/acme/xml"));
        assert!(!ok("http://127.0.0.2:9/personio/jobs/acme/xml"));
        assert_eq!(
            by_path.feed_url("en").as_str(),
            "http://127.0.0.1:9/personio/jobs/acme/xml?language=en"
        );
    }
}
