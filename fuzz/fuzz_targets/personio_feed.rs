//! Personio's XML job feed, read whole and as it streams in (chunks of a size the input
//! chooses): no panic, and both ways agree whenever both succeed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use renkei_vendors::personio::{FeedParser, parse_feed};

fn streamed(bytes: &[u8], size: usize) -> Result<Vec<renkei_vendors::personio::Job>, String> {
    let mut p = FeedParser::default();
    let mut pending = Vec::new();
    for chunk in bytes.chunks(size) {
        pending.extend_from_slice(chunk);
        let used = p.feed(&pending, false)?;
        pending.drain(..used);
    }
    p.feed(&pending, true)?;
    p.finish()
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, bytes)) = data.split_first() else {
        return;
    };
    let whole = parse_feed(bytes);
    let chunked = streamed(bytes, usize::from(first % 64) + 1);
    if let (Ok(a), Ok(b)) = (&whole, &chunked) {
        assert_eq!(a, b, "the feed reads differently in chunks");
    }
});
