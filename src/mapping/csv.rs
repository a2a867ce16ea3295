//! RFC 4180 CSV for the mapping tools: a header row naming columns, quoted fields with
//! `""` escapes and embedded newlines; errors name the file, row, line and column.

use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
#[error("{file}: {at}: {message}")]
pub struct CsvError {
    pub file: String,
    pub at: String,
    pub message: String,
}

/// A parsed table. Row numbers count data rows from 1 (the header is row 0).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub file: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The line each data row starts on, for messages.
    pub lines: Vec<usize>,
    index: BTreeMap<String, usize>,
}

impl Table {
    pub fn new(file: &str, header: Vec<String>) -> Table {
        let index = header
            .iter()
            .enumerate()
            .map(|(i, h)| (h.clone(), i))
            .collect();
        Table {
            file: file.to_string(),
            header,
            index,
            ..Table::default()
        }
    }

    pub fn err(&self, row: usize, column: &str, message: impl Into<String>) -> CsvError {
        let line = self.lines.get(row.wrapping_sub(1)).copied().unwrap_or(0);
        CsvError {
            file: self.file.clone(),
            at: format!("row {row} (line {line}), column {column}"),
            message: message.into(),
        }
    }

    pub fn has(&self, column: &str) -> bool {
        self.index.contains_key(column)
    }

    /// Fails unless every named column is in the header.
    pub fn require(&self, columns: &[&str]) -> Result<(), CsvError> {
        match columns.iter().find(|c| !self.has(c)) {
            Some(c) => Err(CsvError {
                file: self.file.clone(),
                at: format!("header (line 1), column {c}"),
                message: format!("missing; the header has: {}", self.header.join(",")),
            }),
            None => Ok(()),
        }
    }

    /// A cell of data row `row` (1-based); "" for an absent optional column.
    pub fn get(&self, row: usize, column: &str) -> &str {
        match self.index.get(column) {
            Some(&c) => self.rows[row - 1].get(c).map_or("", String::as_str),
            None => "",
        }
    }

    /// A cell that must not be empty.
    pub fn need(&self, row: usize, column: &str) -> Result<&str, CsvError> {
        match self.get(row, column).trim() {
            "" => Err(self.err(row, column, "empty")),
            v => Ok(v),
        }
    }

    /// Sets a cell, adding the column if new.
    pub fn set(&mut self, row: usize, column: &str, value: String) {
        let c = match self.index.get(column) {
            Some(&c) => c,
            None => {
                self.header.push(column.to_string());
                self.index.insert(column.to_string(), self.header.len() - 1);
                self.header.len() - 1
            }
        };
        let r = &mut self.rows[row - 1];
        if r.len() <= c {
            r.resize(c + 1, String::new());
        }
        r[c] = value;
    }

    pub fn push(&mut self, fields: Vec<String>) {
        self.lines.push(0);
        self.rows.push(fields);
    }
}

pub fn parse(text: &str, file: &str) -> Result<Table, CsvError> {
    let err = |line: usize, message: String| CsvError {
        file: file.to_string(),
        at: format!("line {line}"),
        message,
    };
    let mut records: Vec<(usize, Vec<String>)> = Vec::new();
    let mut fields = Vec::new();
    let mut cur = String::new();
    let (mut line, mut start) = (1usize, 1usize);
    let mut chars = text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .chars()
        .peekable();
    let mut quoted = false;
    let mut touched = false; // the record has content
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cur.push('"');
                }
                '"' => {
                    quoted = false;
                    if !matches!(chars.peek(), None | Some(',' | '\n' | '\r')) {
                        return Err(err(
                            line,
                            format!("text after a closing quote in field {}", fields.len() + 1),
                        ));
                    }
                }
                '\n' => {
                    line += 1;
                    cur.push(c);
                }
                _ => cur.push(c),
            }
            continue;
        }
        match c {
            '"' if cur.is_empty() => (quoted, touched) = (true, true),
            '"' => {
                return Err(err(
                    line,
                    format!("a quote inside unquoted field {}", fields.len() + 1),
                ));
            }
            ',' => {
                fields.push(std::mem::take(&mut cur));
                touched = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                if touched || !cur.is_empty() {
                    fields.push(std::mem::take(&mut cur));
                    records.push((start, std::mem::take(&mut fields)));
                }
                touched = false;
                line += 1;
                start = line;
            }
            _ => {
                cur.push(c);
                touched = true;
            }
        }
    }
    if quoted {
        return Err(err(start, "a quoted field is not closed".into()));
    }
    if touched || !cur.is_empty() {
        fields.push(cur);
        records.push((start, fields));
    }
    let mut it = records.into_iter();
    let Some((_, header)) = it.next() else {
        return Err(err(1, "empty file: no header row".into()));
    };
    let mut table = Table::new(file, header.iter().map(|h| h.trim().to_string()).collect());
    if let Some(dup) = table
        .header
        .iter()
        .enumerate()
        .find(|(i, h)| table.header[..*i].contains(h))
    {
        return Err(err(
            1,
            format!("column {} appears twice in the header", dup.1),
        ));
    }
    for (n, (l, r)) in it.enumerate() {
        if r.len() != table.header.len() {
            return Err(CsvError {
                file: file.to_string(),
                at: format!("row {} (line {l})", n + 1),
                message: format!(
                    "{} fields, the header has {} columns",
                    r.len(),
                    table.header.len()
                ),
            });
        }
        table.lines.push(l);
        table.rows.push(r);
    }
    Ok(table)
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) || field.starts_with(' ') || field.ends_with(' ') {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

pub fn write(table: &Table) -> String {
    let mut out = String::new();
    let line = |fields: &[String]| {
        fields
            .iter()
            .map(|f| quote(f))
            .collect::<Vec<_>>()
            .join(",")
    };
    out += &line(&table.header);
    out.push('\n');
    for r in &table.rows {
        let mut r = r.clone();
        r.resize(table.header.len(), String::new());
        out += &line(&r);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_commas_quotes_and_newlines() {
        let mut t = Table::new("t.csv", vec!["a".into(), "b".into(), "c".into()]);
        t.push(vec![
            "plain".into(),
            "x, \"quoted\"".into(),
            "two\nlines".into(),
        ]);
        t.push(vec![String::new(), " padded ".into(), "ünïcode".into()]);
        let text = write(&t);
        let back = parse(&text, "t.csv").unwrap();
        assert_eq!(
            (back.header.clone(), back.rows.clone()),
            (t.header.clone(), t.rows.clone())
        );
        assert_eq!(
            back.lines,
            vec![2, 4],
            "the second row starts after the embedded newline"
        );
        assert_eq!(back.get(2, "b"), " padded ");
        assert_eq!(back.get(2, "absent"), "");
    }

    #[test]
    fn crlf_and_bom_are_accepted() {
        let t = parse("\u{feff}a,b\r\n1,2\r\n", "t").unwrap();
        assert_eq!(
            (t.header.clone(), t.rows.clone()),
            (
                vec!["a".into(), "b".into()],
                vec![vec!["1".into(), "2".into()]]
            )
        );
    }

    #[test]
    fn bad_csv_names_row_line_and_column() {
        let e = parse("a,b\n1,2\n3\n", "in.csv").unwrap_err().to_string();
        assert!(
            e.contains("in.csv") && e.contains("row 2 (line 3)") && e.contains("1 fields"),
            "{e}"
        );
        let e = parse("a,b\n\"open,2\n", "in.csv").unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("not closed"), "{e}");
        let e = parse("a,b\n1\"x\",2\n", "in.csv").unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("field 1"), "{e}");
        let e = parse("a,a\n", "in.csv").unwrap_err().to_string();
        assert!(e.contains("twice"), "{e}");
        assert!(
            parse("", "in.csv")
                .unwrap_err()
                .to_string()
                .contains("no header")
        );
        let t = parse("a,b\n1,\n", "in.csv").unwrap();
        let e = t.need(1, "b").unwrap_err().to_string();
        assert!(e.contains("row 1 (line 2), column b: empty"), "{e}");
        let e = t.require(&["a", "zz"]).unwrap_err().to_string();
        assert!(e.contains("column zz") && e.contains("missing"), "{e}");
    }
}
