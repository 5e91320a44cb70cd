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

/// One row of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Its row number as a spreadsheet shows it: the header is row 1.
    pub number: u64,
    /// Field values.
    pub fields: Vec<String>,
}

/// Why the file cannot be read at all.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum FileError {
    /// The file has no header line.
    #[error("the file is empty: it has no header line")]
    Empty,
    /// A field is not valid text after decoding.
    #[error("row {0}: undecodable text")]
    Undecodable(u64),
}

/// How much undecided input to look at before choosing an encoding without a newline.
const SNIFF_LIMIT: usize = 64 * 1024;

/// The streaming reader.
pub struct FileReader {
    /// Bytes held back until the encoding is known.
    undecided: Vec<u8>,
    decoder: Option<Decoder>,
    encoding: Option<FileEncoding>,
    /// Decoded text not yet given to the CSV parser.
    text: String,
    parser: Option<csv_core::Reader>,
    separator: Option<Separator>,
    /// The record being assembled (field bytes and field ends).
    out: Vec<u8>,
    out_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
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
            parser: None,
            separator: None,
            out: vec![0; 4096],
            out_len: 0,
            ends: vec![0; 64],
            ends_len: 0,
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

    /// Feeds the next bytes of the file; complete data rows are appended to `rows`.
    pub fn feed(&mut self, bytes: &[u8], rows: &mut Vec<Row>) -> Result<(), FileError> {
        self.decode(bytes, false);
        self.parse(false, rows)
    }

    /// Ends the file: flushes a last row without a line break.
    pub fn finish(&mut self, rows: &mut Vec<Row>) -> Result<(), FileError> {
        self.decode(&[], true);
        self.parse(true, rows)?;
        if self.header.is_none() {
            return Err(FileError::Empty);
        }
        Ok(())
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

    fn parse(&mut self, last: bool, rows: &mut Vec<Row>) -> Result<(), FileError> {
        if self.parser.is_none() {
            let line_end = self.text.find('\n');
            if line_end.is_none() && !last {
                return Ok(());
            }
            let first = &self.text[..line_end.unwrap_or(self.text.len())];
            let tabs = first.matches('\t').count();
            let commas = first.matches(',').count();
            let sep = if tabs > commas {
                Separator::Tab
            } else {
                Separator::Comma
            };
            self.separator = Some(sep);
            self.parser = Some(
                csv_core::ReaderBuilder::new()
                    .delimiter(if sep == Separator::Tab { b'\t' } else { b',' })
                    .build(),
            );
        }
        let mut input_at = 0;
        loop {
            let input = &self.text.as_bytes()[input_at..];
            // An empty input tells the parser the file ended: only pass one at the end.
            if input.is_empty() && !last {
                break;
            }
            let parser = self.parser.as_mut().expect("parser set above");
            let (result, nin, nout, nend) = parser.read_record(
                input,
                &mut self.out[self.out_len..],
                &mut self.ends[self.ends_len..],
            );
            input_at += nin;
            self.out_len += nout;
            self.ends_len += nend;
            match result {
                csv_core::ReadRecordResult::InputEmpty if last => continue,
                csv_core::ReadRecordResult::InputEmpty => break,
                csv_core::ReadRecordResult::OutputFull => {
                    let n = self.out.len() * 2;
                    self.out.resize(n, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                csv_core::ReadRecordResult::Record => self.emit(rows)?,
                csv_core::ReadRecordResult::End => break,
            }
        }
        self.text.drain(..input_at);
        Ok(())
    }

    fn emit(&mut self, rows: &mut Vec<Row>) -> Result<(), FileError> {
        let ends = &self.ends[..self.ends_len];
        let bytes = &self.out[..self.out_len];
        let mut fields = Vec::with_capacity(ends.len());
        let mut start = 0;
        for &end in ends {
            let field = std::str::from_utf8(&bytes[start..end])
                .map_err(|_| FileError::Undecodable(self.rows + 1))?;
            fields.push(field.to_string());
            start = end;
        }
        self.out_len = 0;
        self.ends_len = 0;
        // Blank lines are not rows.
        if fields.len() == 1 && fields[0].is_empty() {
            return Ok(());
        }
        self.rows += 1;
        if self.header.is_none() {
            self.header = Some(fields);
        } else {
            rows.push(Row {
                number: self.rows,
                fields,
            });
        }
        Ok(())
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
        // Cut mid-character at the sample's end only.
        Err(e) => e.error_len().is_none(),
    };
    if utf8 && !sample.is_ascii() {
        Some(FileEncoding::Utf8)
    } else {
        // ASCII-only headers are the same in both; CP932 is what Mynavi usually sends.
        Some(FileEncoding::Cp932)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp932(s: &str) -> Vec<u8> {
        SHIFT_JIS.encode(s).0.into_owned()
    }

    fn read_in_chunks(bytes: &[u8], chunk: usize) -> (FileReader, Vec<Row>) {
        let mut r = FileReader::new();
        let mut rows = Vec::new();
        for c in bytes.chunks(chunk.max(1)) {
            r.feed(c, &mut rows).expect("feed");
        }
        r.finish(&mut rows).expect("finish");
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
        let mut rows = Vec::new();
        r.feed(b"", &mut rows).expect("feed");
        assert_eq!(r.finish(&mut rows), Err(FileError::Empty));
    }

    #[test]
    fn header_only_file_has_no_rows() {
        let (r, rows) = read_in_chunks(&cp932("応募ID,姓漢字\r\n"), 3);
        assert!(rows.is_empty());
        assert_eq!(r.header().expect("header").len(), 2);
    }
}
