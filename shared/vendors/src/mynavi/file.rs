//! The 応募管理 → データのダウンロード file, read as a stream: bytes go in as they arrive,
//! complete rows come out, and nothing else is kept, so memory does not grow with the file.
//!
//! Mynavi publishes neither the encoding nor the separator, so both are detected:
//! - encoding: a UTF-8 byte-order mark means UTF-8; otherwise the first line is tried as
//!   UTF-8 and, if it is not valid UTF-8 with at least one non-ASCII byte, CP932
//!   (encoding_rs's `Shift_JIS` is the WHATWG decoder, which is Windows-31J / CP932);
//! - separator: whichever of tab and comma occurs more often in the header line.
//!
//! Quoted fields may hold separators, quotes ("") and line breaks; lines end in CRLF or LF.
//! A last line cut off mid-way comes out as a row with fewer fields; the caller rejects it.

use encoding_rs::{Decoder, Encoding, SHIFT_JIS, UTF_8};
use split::split_record;

mod split;

/// The encoding found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileEncoding {
    /// CP932 (Shift_JIS with Microsoft's extensions).
    Cp932,
    /// UTF-8 with a byte-order mark.
    Utf8Bom,
    /// UTF-8 without a byte-order mark.
    Utf8,
}

/// The field separator found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Separator {
    /// CSV.
    Comma,
    /// TSV.
    Tab,
}

/// Where one field of a row is: a slice of the decoded text (most fields), or of the
/// reader's buffer of quoted fields with their `""` made `"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    start: usize,
    end: usize,
    quoted: bool,
}

/// One row of the file, borrowed from the reader until the next row is asked for: its
/// fields are slices of the decoded text, so reading a row copies nothing but quoted
/// fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row<'a> {
    /// Its row number as a spreadsheet shows it: the header is row 1.
    pub number: u64,
    text: &'a str,
    quoted: &'a str,
    spans: &'a [Span],
}

impl<'a> Row<'a> {
    /// A row of fields laid end to end in `text`, field `i` ending at `ends[i]` (`spans`
    /// is where their places are kept).
    pub fn laid_out(number: u64, text: &'a str, ends: &[usize], spans: &'a mut Vec<Span>) -> Self {
        spans.clear();
        let mut start = 0;
        for &end in ends {
            spans.push(Span {
                start,
                end,
                quoted: false,
            });
            start = end;
        }
        Self {
            number,
            text,
            quoted: "",
            spans,
        }
    }

    /// How many fields the row has.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether the row has no fields.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Field `i`, if the row has it.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        let span = self.spans.get(i)?;
        let from = if span.quoted { self.quoted } else { self.text };
        from.get(span.start..span.end)
    }

    /// Every field in order.
    pub fn fields(&self) -> impl Iterator<Item = &'a str> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

/// Why the file cannot be read at all.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum FileError {
    /// The file has no header line.
    #[error("the file is empty: it has no header line")]
    Empty,
}

/// How much undecided input to look at before choosing an encoding without a newline.
const SNIFF_LIMIT: usize = 64 * 1024;

/// The streaming reader.
pub struct FileReader {
    /// Bytes held back until the encoding is known.
    undecided: Vec<u8>,
    decoder: Option<Decoder>,
    encoding: Option<FileEncoding>,
    /// Decoded text; the records before `at` were handed out.
    text: String,
    at: usize,
    /// The file has ended: the parser may see its last line.
    ended: bool,
    /// Every record of the ended file was split.
    parsed_all: bool,
    separator: Option<Separator>,
    /// The row handed out last: its fields, and its quoted fields' text.
    spans: Vec<Span>,
    quoted: String,
    /// Rows seen so far (the header counts).
    rows: u64,
    header: Option<Vec<String>>,
}

impl Default for FileReader {
    fn default() -> Self {
        Self::new()
    }
}

impl FileReader {
    /// A reader at the start of a file.
    pub fn new() -> Self {
        Self {
            undecided: Vec::new(),
            decoder: None,
            encoding: None,
            text: String::new(),
            at: 0,
            ended: false,
            parsed_all: false,
            separator: None,
            spans: Vec::with_capacity(64),
            quoted: String::new(),
            rows: 0,
            header: None,
        }
    }

    /// The encoding, once detected.
    pub fn encoding(&self) -> Option<FileEncoding> {
        self.encoding
    }

    /// The separator, once detected.
    pub fn separator(&self) -> Option<Separator> {
        self.separator
    }

    /// The header's column names, once read.
    pub fn header(&self) -> Option<&[String]> {
        self.header.as_deref()
    }

    /// Feeds the next bytes of the file; its rows come out of [`FileReader::next_row`].
    pub fn feed(&mut self, bytes: &[u8]) {
        // What the parser has read is dropped first, so the text holds about one chunk.
        self.text.drain(..self.at);
        self.at = 0;
        self.decode(bytes, false);
    }

    /// Ends the file: a last row without a line break comes out too.
    pub fn finish(&mut self) {
        self.text.drain(..self.at);
        self.at = 0;
        self.decode(&[], true);
        self.ended = true;
    }

    /// The next data row and the header's column names, or None when more bytes are needed
    /// (or the file is done, see [`FileReader::done`]). The header is read on the way.
    pub fn next_row(&mut self) -> Result<Option<(Row<'_>, &[String])>, FileError> {
        let Some(sep) = self.separator.or_else(|| self.choose_separator()) else {
            return Ok(None);
        };
        let sep = if sep == Separator::Tab { b'\t' } else { b',' };
        loop {
            if self.at == self.text.len() {
                self.parsed_all = self.ended;
                return Ok(None);
            }
            let Some(next) = split_record(
                &self.text,
                self.at,
                sep,
                self.ended,
                &mut self.spans,
                &mut self.quoted,
            ) else {
                return Ok(None);
            };
            self.at = next;
            // Blank lines are not rows.
            if self.spans.len() == 1 && self.spans[0].start == self.spans[0].end {
                continue;
            }
            self.rows += 1;
            if self.header.is_some() {
                break;
            }
            let header = self.row().fields().map(str::to_string).collect();
            self.header = Some(header);
        }
        let header = self.header.as_deref().unwrap_or_default();
        Ok(Some((self.row(), header)))
    }

    /// The record just split.
    fn row(&self) -> Row<'_> {
        Row {
            number: self.rows,
            text: &self.text,
            quoted: &self.quoted,
            spans: &self.spans,
        }
    }

    /// Whether the file ended and every row was read; Err if it had no header.
    pub fn done(&self) -> Result<bool, FileError> {
        if !self.parsed_all {
            return Ok(false);
        }
        match self.header {
            None => Err(FileError::Empty),
            Some(_) => Ok(true),
        }
    }

    fn decode(&mut self, bytes: &[u8], last: bool) {
        if self.decoder.is_none() {
            self.undecided.extend_from_slice(bytes);
            let Some(encoding) = detect(&self.undecided, last) else {
                return;
            };
            let (enc, skip): (&'static Encoding, usize) = match encoding {
                FileEncoding::Utf8Bom => (UTF_8, 3),
                FileEncoding::Utf8 => (UTF_8, 0),
                FileEncoding::Cp932 => (SHIFT_JIS, 0),
            };
            self.encoding = Some(encoding);
            self.decoder = Some(enc.new_decoder_without_bom_handling());
            let held = std::mem::take(&mut self.undecided);
            self.decode_known(&held[skip..], last);
        } else {
            self.decode_known(bytes, last);
        }
    }

    fn decode_known(&mut self, bytes: &[u8], last: bool) {
        let Some(decoder) = self.decoder.as_mut() else {
            return;
        };
        let need = decoder
            .max_utf8_buffer_length(bytes.len())
            .unwrap_or(bytes.len() * 3 + 16);
        self.text.reserve(need);
        // Undecodable byte sequences become U+FFFD; the row keeps its other fields.
        let _ = decoder.decode_to_string(bytes, &mut self.text, last);
    }

    /// Picks the separator from the header line once it is decoded; None until then.
    fn choose_separator(&mut self) -> Option<Separator> {
        let line_end = self.text.find('\n');
        if line_end.is_none() && !self.ended {
            return None;
        }
        let first = &self.text[..line_end.unwrap_or(self.text.len())];
        let tabs = first.matches('\t').count();
        let commas = first.matches(',').count();
        self.separator = Some(if tabs > commas {
            Separator::Tab
        } else {
            Separator::Comma
        });
        self.separator
    }
}

/// Decides the encoding from the bytes so far, or None to wait for more.
fn detect(bytes: &[u8], last: bool) -> Option<FileEncoding> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Some(FileEncoding::Utf8Bom);
    }
    if bytes.len() < 3 && !last && [0xEF, 0xBB, 0xBF].starts_with(bytes) {
        return None;
    }
    let line_end = bytes.iter().position(|&b| b == b'\n');
    if line_end.is_none() && !last && bytes.len() < SNIFF_LIMIT {
        return None;
    }
    let sample = &bytes[..line_end.unwrap_or(bytes.len())];
    let utf8 = match std::str::from_utf8(sample) {
        Ok(_) => true,
        // Cut mid-character at the sample's end: UTF-8 so far only when the sample itself
        // was cut (no line end within the sniff limit). A whole line that ends in half a
        // UTF-8 character is not UTF-8 — a CP932 half-width kana (ﾅ = C5) looks like a lead
        // byte (found by s28_17_mynavi_reader_equals_the_csv_crate_on_valid_files).
        Err(e) => line_end.is_none() && !last && e.error_len().is_none(),
    };
    if utf8 && !sample.is_ascii() {
        Some(FileEncoding::Utf8)
    } else {
        // ASCII-only headers are the same in both; CP932 is what Mynavi usually sends.
        Some(FileEncoding::Cp932)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(super) fn cp932(s: &str) -> Vec<u8> {
        SHIFT_JIS.encode(s).0.into_owned()
    }

    pub(super) struct Owned {
        pub(super) number: u64,
        pub(super) fields: Vec<String>,
    }

    fn drain(r: &mut FileReader, rows: &mut Vec<Owned>) {
        while let Some((row, _)) = r.next_row().expect("row") {
            rows.push(Owned {
                number: row.number,
                fields: row.fields().map(str::to_string).collect(),
            });
        }
    }

    pub(super) fn read_in_chunks(bytes: &[u8], chunk: usize) -> (FileReader, Vec<Owned>) {
        let mut r = FileReader::new();
        let mut rows = Vec::new();
        for c in bytes.chunks(chunk.max(1)) {
            r.feed(c);
            drain(&mut r, &mut rows);
        }
        r.finish();
        drain(&mut r, &mut rows);
        assert_eq!(r.done(), Ok(true));
        (r, rows)
    }

    #[test]
    fn cp932_csv_with_quoted_newlines_and_commas_in_any_chunking() {
        let text = "応募ID,姓漢字,住所\r\n1,山田,\"東京都港区1-2,\r\n3F\"\r\n2,髙橋,\"大阪府\"\"梅田\"\"\"\r\n";
        let bytes = cp932(text);
        for chunk in [1, 2, 3, 7, 4096] {
            let (r, rows) = read_in_chunks(&bytes, chunk);
            assert_eq!(r.encoding(), Some(FileEncoding::Cp932));
            assert_eq!(r.separator(), Some(Separator::Comma));
            assert_eq!(r.header().expect("header"), ["応募ID", "姓漢字", "住所"]);
            assert_eq!(rows.len(), 2, "chunk {chunk}");
            assert_eq!(rows[0].fields[2], "東京都港区1-2,\r\n3F");
            assert_eq!(rows[0].number, 2);
            assert_eq!(rows[1].fields, ["2", "髙橋", "大阪府\"梅田\""]);
            assert_eq!(rows[1].number, 3);
        }
    }

    #[test]
    fn utf8_bom_tsv() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice("応募ID\t姓漢字\n1\t佐藤\n".as_bytes());
        let (r, rows) = read_in_chunks(&bytes, 2);
        assert_eq!(r.encoding(), Some(FileEncoding::Utf8Bom));
        assert_eq!(r.separator(), Some(Separator::Tab));
        assert_eq!(r.header().expect("header")[0], "応募ID");
        assert_eq!(rows[0].fields, ["1", "佐藤"]);
    }

    #[test]
    fn a_last_line_without_line_break_is_still_read_and_a_cut_one_is_short() {
        let (_, rows) = read_in_chunks(&cp932("a,b,c\n1,2,3\n4,5"), 5);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].fields, ["4", "5"]);
    }

    #[test]
    fn an_empty_file_has_no_header() {
        let mut r = FileReader::new();
        r.feed(b"");
        r.finish();
        assert_eq!(r.next_row(), Ok(None));
        assert_eq!(r.done(), Err(FileError::Empty));
    }

    #[test]
    fn header_only_file_has_no_rows() {
        let (r, rows) = read_in_chunks(&cp932("応募ID,姓漢字\r\n"), 3);
        assert!(rows.is_empty());
        assert_eq!(r.header().expect("header").len(), 2);
    }

    /// A header line that ends in a half-width kana is CP932, though its last byte (ﾅ = C5)
    /// could begin a UTF-8 character: the line is whole, so nothing follows to complete it.
    #[test]
    fn s28_17_a_whole_header_line_ending_in_a_cp932_kana_is_cp932() {
        for chunk in [1, 2, 64] {
            let (r, rows) = read_in_chunks(&cp932("A,ﾅ\nx,ｱ\n"), chunk);
            assert_eq!(r.header().expect("header"), ["A", "ﾅ"], "chunks of {chunk}");
            assert_eq!(rows[0].fields, ["x", "ｱ"]);
        }
    }
}
