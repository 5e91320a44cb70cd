//! The feed's XML, parsed as it streams in: whole `<position>` elements with quick-xml, the
//! unfinished tail waiting for the next chunk.

use super::feed::Job;

pub(super) const NOT_A_FEED: &str = "not a workzag-jobs document";
/// An HTML page without an HTML content type: the career page all the same.
pub(super) const HTML_PAGE: &str = "an HTML page, not a workzag-jobs document";

/// An incremental parser of the feed: [`FeedParser::feed`] takes what has arrived and
/// parses the complete `<position>` elements in it.
#[derive(Debug, Default)]
pub struct FeedParser {
    rooted: bool,
    jobs: Vec<Job>,
    closed: bool,
}

impl FeedParser {
    /// Parses the complete positions at the start of `data` (everything when `last`);
    /// answers how many bytes were consumed.
    pub fn feed(&mut self, data: &[u8], last: bool) -> Result<usize, String> {
        let mut consumed = 0;
        loop {
            // After the root's end nothing more is read (a second root, trailing bytes).
            if self.closed {
                return Ok(data.len());
            }
            let rest = &data[consumed..];
            if !self.rooted {
                // Up to and including the root's start tag.
                let Some(end) = root_end(rest) else {
                    if last {
                        return Err(NOT_A_FEED.into());
                    }
                    return Ok(consumed);
                };
                let head = String::from_utf8_lossy(&rest[..end]);
                if !head.contains("<workzag-jobs") {
                    let lower = head.to_ascii_lowercase();
                    let html = lower.contains("<html") || lower.contains("<!doctype html");
                    return Err(if html { HTML_PAGE } else { NOT_A_FEED }.into());
                }
                self.rooted = true;
                if head.trim_end().ends_with("/>") {
                    self.closed = true;
                    return Ok(consumed + end);
                }
                consumed += end;
                continue;
            }
            // Positions count only up to the root's end, whichever comes first in what has
            // arrived: read whole and read in chunks, a feed gives the same jobs.
            let close = find(rest, b"</workzag-jobs>");
            let start = match find(rest, b"<position") {
                Some(s) if close.is_none_or(|c| s < c) => s,
                _ if close.is_some() => {
                    self.closed = true;
                    return Ok(data.len());
                }
                _ => return Ok(consumed),
            };
            let Some(len) = find(&rest[start..], b"</position>") else {
                if last {
                    return Err("a <position> is not closed".into());
                }
                return Ok(consumed + start);
            };
            let end = start + len + b"</position>".len();
            self.jobs.push(parse_position(&rest[start..end])?);
            consumed += end;
        }
    }

    /// The positions, once the whole feed was fed.
    pub fn finish(self) -> Result<Vec<Job>, String> {
        if !self.rooted {
            return Err(NOT_A_FEED.into());
        }
        if !self.closed {
            return Err("the feed ends before </workzag-jobs>".into());
        }
        Ok(self.jobs)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The end of the root element's start tag (after any prolog, comments or doctype).
fn root_end(data: &[u8]) -> Option<usize> {
    let mut at = 0;
    loop {
        let lt = at + find(&data[at..], b"<")?;
        let gt = lt + find(&data[lt..], b">")? + 1;
        match data.get(lt + 1) {
            Some(b'?' | b'!') => at = gt,
            Some(_) => return Some(gt),
            None => return None,
        }
    }
}

/// One `<position>…</position>` with quick-xml: its direct children's text.
fn parse_position(xml: &[u8]) -> Result<Job, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut job = Job::default();
    let mut depth = 0usize;
    let mut field: Option<String> = None;
    let mut text = String::new();
    let mut id: Option<String> = None;
    loop {
        match reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("at byte {}: {e}", reader.buffer_position()))?
        {
            Event::Start(e) => {
                depth += 1;
                if depth == 2 {
                    field = Some(e.name().as_ref().to_string());
                    text.clear();
                }
            }
            Event::End(_) => {
                if depth == 2
                    && let Some(f) = field.take()
                {
                    let value = text.trim().to_string();
                    match f.as_str() {
                        "id" => id = Some(value),
                        "name" => job.name = value,
                        "office" => job.office = value,
                        "department" => job.department = value,
                        "subcompany" => job.subcompany = value,
                        "recruitingCategory" => job.recruiting_category = value,
                        "employmentType" => job.employment_type = value,
                        "schedule" => job.schedule = value,
                        "createdAt" => job.created_at = value,
                        _ => {}
                    }
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) if depth == 2 => text.push_str(&t.xml10_content()),
            Event::CData(t) if depth == 2 => text.push_str(&t),
            Event::GeneralRef(r) if depth == 2 => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r) {
                    text.push_str(s);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    let id = id.ok_or("a <position> without <id>")?;
    job.id = id
        .parse()
        .map_err(|_| format!("position id {id:?} is not a number"))?;
    Ok(job)
}

/// Reads a feed held in memory (tests, the sandbox's own checks).
pub fn parse_feed(xml: &[u8]) -> Result<Vec<Job>, String> {
    let mut p = FeedParser::default();
    p.feed(xml, true)?;
    p.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<workzag-jobs>
  <position>
    <id>4103</id>
    <subcompany></subcompany>
    <office>München</office>
    <department>Management</department>
    <recruitingCategory>Various</recruitingCategory>
    <name>Office- und Feelgood Manager (m/w) &amp; Team</name>
    <jobDescriptions>
      <jobDescription><name>Beschreibung</name><value><![CDATA[ <b>Wir</b> ]]></value></jobDescription>
    </jobDescriptions>
    <employmentType>permanent</employmentType>
    <schedule>full-time</schedule>
    <createdAt>2016-05-31T12:14:07+0200</createdAt>
  </position>
  <position><id>77</id><name>Entwickler:in</name></position>
</workzag-jobs>"#;

    #[test]
    fn c4_2_feed_positions_are_read_with_entities_and_nested_descriptions_ignored() {
        let jobs = parse_feed(FEED.as_bytes()).expect("parses");
        assert_eq!(jobs.len(), 2);
        assert_eq!(jobs[0].id, 4103);
        assert_eq!(jobs[0].name, "Office- und Feelgood Manager (m/w) & Team");
        assert_eq!(jobs[0].office, "München");
        assert_eq!(jobs[0].employment_type, "permanent");
        assert_eq!(jobs[1].name, "Entwickler:in");
    }

    #[test]
    fn c4_2_the_feed_parses_the_same_in_any_chunking() {
        let bytes = FEED.as_bytes();
        for size in [1, 7, 64, 300] {
            let mut p = FeedParser::default();
            let mut pending = Vec::new();
            for chunk in bytes.chunks(size) {
                pending.extend_from_slice(chunk);
                let used = p.feed(&pending, false).expect("feeds");
                pending.drain(..used);
            }
            p.feed(&pending, true).expect("last");
            assert_eq!(p.finish().expect("complete").len(), 2, "chunk size {size}");
        }
    }

    #[test]
    fn c4_2_an_empty_board_is_no_jobs_and_html_is_not_a_feed() {
        assert_eq!(parse_feed(b"<workzag-jobs></workzag-jobs>"), Ok(vec![]));
        assert_eq!(
            parse_feed(b"<?xml version=\"1.0\"?><workzag-jobs/>"),
            Ok(vec![])
        );
        assert_eq!(
            parse_feed(b"<!DOCTYPE html><html><body>Jobs</body></html>"),
            Err(HTML_PAGE.to_string())
        );
        assert_eq!(
            parse_feed(b"<?xml version=\"1.0\"?><error>maintenance</error>"),
            Err(NOT_A_FEED.to_string()),
            "XML of another kind is no sign of a switched-off feed"
        );
        assert!(parse_feed(b"<workzag-jobs><position><id>1</id>").is_err());
        assert!(
            parse_feed(b"<workzag-jobs><position><id>x</id></position></workzag-jobs>").is_err()
        );
    }

    /// Found by the personio_feed fuzz target (fuzz/regressions/): a self-closed root
    /// followed by more positions gave no job read whole and one read in chunks.
    #[test]
    fn s28_15_a_feed_reads_the_same_whole_and_in_chunks_past_the_root_s_end() {
        let input: &[u8] = include_bytes!(
            "../../../../fuzz/regressions/personio_feed-malformed-xml-reads-differently-in-chunks"
        );
        let (first, bytes) = input.split_first().expect("input");
        let whole = parse_feed(bytes);
        for size in [usize::from(first % 64) + 1, 1, 7, 64, bytes.len()] {
            let mut p = FeedParser::default();
            let mut pending = Vec::new();
            let mut chunked = Ok(());
            for chunk in bytes.chunks(size) {
                pending.extend_from_slice(chunk);
                match p.feed(&pending, false) {
                    Ok(used) => {
                        pending.drain(..used);
                    }
                    Err(e) => {
                        chunked = Err(e);
                        break;
                    }
                }
            }
            let chunked = chunked
                .and_then(|()| p.feed(&pending, true).map(|_| ()))
                .and_then(|()| p.finish());
            if let (Ok(a), Ok(b)) = (&whole, &chunked) {
                assert_eq!(a, b, "chunks of {size}");
            }
        }
    }
}
