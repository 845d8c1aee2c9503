//! CSV to text: one line per row, each cell named by its column.

/// CSV becomes one line per row, each cell named by its column: `city: Oslo, population:
/// 709000`. Chunks then carry the column names with the values, so a chunk cut from the
/// middle of a table still says what its numbers are, and a question naming a column finds
/// it by keyword as well as by meaning. Without a header row (a number or an empty cell in
/// the first row) the cells are just joined. Text the csv reader refuses stays as it was.
pub(super) fn csv_to_text(text: &str) -> String {
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first_line.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = reader.records();
    let header: Vec<String> = match rows.next() {
        Some(Ok(row)) => row.iter().map(|c| one_line(c.trim())).collect(),
        _ => return text.to_owned(),
    };
    let named = !header.is_empty()
        && header
            .iter()
            .all(|h| !h.is_empty() && h.parse::<f64>().is_err());
    let mut out = String::with_capacity(text.len() * 2);
    if !named {
        push_row(&mut out, header.iter().map(String::as_str), None);
    }
    let mut data_rows = 0usize;
    for row in rows {
        let Ok(row) = row else {
            return text.to_owned();
        };
        data_rows += 1;
        push_row(&mut out, row.iter(), named.then_some(header.as_slice()));
    }
    if named && data_rows == 0 {
        push_row(&mut out, header.iter().map(String::as_str), None);
    }
    out
}

fn push_row<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>, header: Option<&[String]>) {
    let mut first = true;
    for (i, cell) in cells.enumerate() {
        let cell = one_line(cell.trim());
        if cell.is_empty() {
            continue;
        }
        if !first {
            out.push_str(", ");
        }
        first = false;
        if let Some(header) = header {
            match header.get(i) {
                Some(name) => out.push_str(name),
                None => out.push_str(&format!("column {}", i + 1)),
            }
            out.push_str(": ");
        }
        out.push_str(&cell);
    }
    out.push('\n');
}

fn one_line(cell: &str) -> String {
    cell.split_whitespace().collect::<Vec<_>>().join(" ")
}
