//! The Mynavi download (any encoding, any separator, lines cut anywhere), fed in chunks of a
//! size the input chooses: the reader must neither panic nor lose its place, and the same
//! bytes must read the same in one piece as in chunks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use renkei_vendors::mynavi::file::FileReader;

fn read(bytes: &[u8], chunk: usize) -> (Option<Vec<String>>, Vec<(u64, Vec<String>)>, bool) {
    let mut r = FileReader::new();
    let mut rows = Vec::new();
    let mut drain = |r: &mut FileReader| {
        while let Ok(Some((row, _))) = r.next_row() {
            rows.push((row.number, row.fields().map(str::to_string).collect()));
        }
    };
    for c in bytes.chunks(chunk) {
        r.feed(c);
        drain(&mut r);
    }
    r.finish();
    drain(&mut r);
    let done = r.done().is_ok();
    (r.header().map(<[String]>::to_vec), rows, done)
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, bytes)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(first % 32) + 1;
    let whole = read(bytes, bytes.len().max(1));
    let chunked = read(bytes, chunk);
    assert_eq!(whole, chunked, "chunks of {chunk} read differently");
});
