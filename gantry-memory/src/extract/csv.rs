//! CSV to text: one line per row, each cell named by its column.

use super::error::ExtractError;

/// The longest column name repeated in front of each cell, in characters. Naming every
/// cell multiplies the header's size by the row count; a longer name is cut (with `…`).
pub(super) const MAX_LABEL_CHARS: usize = 64;

/// CSV becomes one line per row, each cell named by its column: `city: Oslo, population:
/// 709000`. Chunks then carry the column names with the values, so a chunk cut from the
/// middle of a table still says what its numbers are, and a question naming a column finds
/// it by keyword as well as by meaning. Without a header row (a number or an empty cell in
/// the first row) the cells are just joined. Text the csv reader refuses stays as it was.
///
/// The text is refused as soon as it passes `max_bytes`, while it is being built: a small
/// file with a wide header and many short rows expands, and must not be built whole first.
pub(super) fn csv_to_text(text: &str, max_bytes: usize) -> Result<String, ExtractError> {
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
        _ => return Ok(text.to_owned()),
    };
    let named = !header.is_empty()
        && header
            .iter()
            .all(|h| !h.is_empty() && h.parse::<f64>().is_err());
    let labels: Vec<String> = header.iter().map(|h| label(h)).collect();
    let too_much = || ExtractError::TooMuchText { limit: max_bytes };
    let mut out = String::with_capacity(text.len().min(max_bytes));
    if !named {
        push_row(&mut out, header.iter().map(String::as_str), None, max_bytes)
            .map_err(|()| too_much())?;
    }
    let mut data_rows = 0usize;
    for row in rows {
        let Ok(row) = row else {
            return Ok(text.to_owned());
        };
        data_rows += 1;
        push_row(
            &mut out,
            row.iter(),
            named.then_some(labels.as_slice()),
            max_bytes,
        )
        .map_err(|()| too_much())?;
    }
    if named && data_rows == 0 {
        push_row(&mut out, header.iter().map(String::as_str), None, max_bytes)
            .map_err(|()| too_much())?;
    }
    Ok(out)
}

/// A column name as repeated before each cell: at most [`MAX_LABEL_CHARS`] characters.
fn label(name: &str) -> String {
    match name.char_indices().nth(MAX_LABEL_CHARS) {
        Some((cut, _)) => format!("{}…", &name[..cut]),
        None => name.to_owned(),
    }
}

/// Appends one row as a line; `Err` as soon as `out` passes `max_bytes`.
fn push_row<'a>(
    out: &mut String,
    cells: impl Iterator<Item = &'a str>,
    header: Option<&[String]>,
    max_bytes: usize,
) -> Result<(), ()> {
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
        if out.len() > max_bytes {
            return Err(());
        }
    }
    out.push('\n');
    Ok(())
}

fn one_line(cell: &str) -> String {
    cell.split_whitespace().collect::<Vec<_>>().join(" ")
}
