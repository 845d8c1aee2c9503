//! Text extraction from uploads: each supported type yields readable text, every bad
//! file yields a clear error, and no input panics or hangs.

use std::io::{Cursor, Write};
use std::time::Duration;

use gantry_memory::{ExtractError, ExtractLimits, FileKind, extract, extract_text};
use gantry_test::files::text_pdf as pdf;
use proptest::prelude::*;

fn rt() -> tokio::runtime::Runtime {
    // Time for the timeouts, I/O for the PDF reading process's pipes.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn text_of(kind: FileKind, bytes: &[u8]) -> Result<String, ExtractError> {
    extract_text(kind, bytes, &ExtractLimits::default())
}

const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

/// A .docx whose body is `body` (the children of `w:body`).
fn docx(body: &str) -> Vec<u8> {
    docx_with_xml(&format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W}><w:body>{body}</w:body></w:document>"#
    ))
}

fn docx_with_xml(document_xml: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(
        br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#,
    )
    .unwrap();
    zip.start_file("_rels/.rels", options).unwrap();
    zip.write_all(
        br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#,
    )
    .unwrap();
    zip.start_file("word/document.xml", options).unwrap();
    zip.write_all(document_xml.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

fn sample_docx() -> Vec<u8> {
    docx(concat!(
        r#"<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>"#,
        r#"<w:r><w:t>Quarterly</w:t></w:r><w:r><w:t xml:space="preserve"> report</w:t></w:r></w:p>"#,
        r#"<w:p><w:r><w:t>Name</w:t><w:tab/><w:t>Value</w:t></w:r></w:p>"#,
        r#"<w:p><w:r><w:t>line one</w:t><w:br/><w:t>line two &amp; &#x263A;</w:t></w:r></w:p>"#,
        r#"<w:p><w:r><w:delText>deleted</w:delText></w:r></w:p>"#,
    ))
}

#[test]
fn detects_kinds_by_extension_in_any_case() {
    let cases = [
        ("notes.txt", FileKind::Text),
        ("README.MD", FileKind::Markdown),
        ("data.Csv", FileKind::Csv),
        ("page.htm", FileKind::Html),
        ("index.HTML", FileKind::Html),
        ("REPORT.PDF", FileKind::Pdf),
        (r"C:\fakepath\letter.docx", FileKind::Docx),
        ("dir.v2/archive.tar.md", FileKind::Markdown),
    ];
    for (name, kind) in cases {
        assert_eq!(FileKind::detect(name, b"").unwrap(), kind, "{name}");
    }
}

#[test]
fn detects_pdf_and_docx_by_content_when_the_extension_does_not_say() {
    assert_eq!(
        FileKind::detect("scan", &pdf(&["x"])).unwrap(),
        FileKind::Pdf
    );
    assert_eq!(
        FileKind::detect("upload.bin", &pdf(&["x"])).unwrap(),
        FileKind::Pdf
    );
    assert_eq!(
        FileKind::detect("letter", &sample_docx()).unwrap(),
        FileKind::Docx
    );
    assert_eq!(
        FileKind::detect("LICENSE", b"Permission is granted").unwrap(),
        FileKind::Text
    );
}

#[test]
fn unsupported_types_are_named_with_what_gantry_reads() {
    let err = FileKind::detect("photo.xyz", b"\x89PNG\r\n").unwrap_err();
    assert!(
        matches!(err, gantry_core::Error::UnsupportedType { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "unsupported file type .xyz; Gantry reads .txt, .md, .csv, .html, .pdf, .docx"
    );
    let err = FileKind::detect("blob", b"\x00\x01\x02").unwrap_err();
    assert!(err.to_string().contains("no extension"), "{err}");
    // A zip that is not a Word document is not taken for one.
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("a.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"hi").unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    assert!(FileKind::detect("archive.zip", &bytes).is_err());
}

#[test]
fn text_is_utf8_without_bom_or_else_latin1() {
    assert_eq!(
        text_of(FileKind::Text, "\u{feff}héllo".as_bytes()).unwrap(),
        "héllo"
    );
    assert_eq!(text_of(FileKind::Text, b"caf\xe9").unwrap(), "café");
    assert_eq!(
        text_of(FileKind::Markdown, b"# caf\xe9\n").unwrap(),
        "# café"
    );
}

#[test]
fn output_is_normalised() {
    let raw = b"\r\n  indented\x00 line\t\r\nnext\r\n\r\n\r\n\r\n\x1b[0mlast  \n\n";
    assert_eq!(
        text_of(FileKind::Text, raw).unwrap(),
        "  indented line\nnext\n\n[0mlast"
    );
}

#[test]
fn empty_and_blank_files_have_no_text() {
    for bytes in [&b""[..], b"  \r\n\t\x00\n"] {
        let err = text_of(FileKind::Text, bytes).unwrap_err();
        assert_eq!(
            err,
            ExtractError::NoText {
                kind: FileKind::Text
            }
        );
        assert_eq!(err.to_string(), "no text found in the text file");
    }
}

#[test]
fn csv_rows_become_lines_that_name_their_columns() {
    let csv = b"city,country,population\nOslo,Norway,709000\n\"Washington, D.C.\",USA,\n";
    assert_eq!(
        text_of(FileKind::Csv, csv).unwrap(),
        "city: Oslo, country: Norway, population: 709000\n\
         city: Washington, D.C., country: USA"
    );
    // Semicolons, and a quoted cell across lines.
    let csv = b"name;note\nAda;\"first\nprogrammer\"\n";
    assert_eq!(
        text_of(FileKind::Csv, csv).unwrap(),
        "name: Ada, note: first programmer"
    );
}

#[test]
fn a_wide_csv_header_cannot_blow_up_the_text() {
    // 64 column names of 8 KiB, then rows of one-letter cells: naming every cell in full
    // would turn this 1 MiB file into gigabytes of text. Names are cut to 64 characters,
    // and the text is refused the moment it passes the limit, not after it was built.
    let name = "n".repeat(8 * 1024);
    let mut csv = (0..64)
        .map(|i| format!("{name}{i}"))
        .collect::<Vec<_>>()
        .join(",");
    csv.push('\n');
    let row = vec!["a"; 64].join(",") + "\n";
    while csv.len() < 1024 * 1024 {
        csv.push_str(&row);
    }
    // With the default limits the labelled text fits (about 18 MB): built, never more.
    let limits = ExtractLimits::default();
    match extract_text(FileKind::Csv, csv.as_bytes(), &limits) {
        Ok(text) => assert!(text.len() <= limits.max_text_bytes, "{} bytes", text.len()),
        Err(err) => panic!("{err}"),
    }
    // With a smaller text limit it is refused as soon as the text passes it.
    let limits = ExtractLimits {
        max_text_bytes: 1 << 20,
        ..ExtractLimits::default()
    };
    let result = extract_text(FileKind::Csv, csv.as_bytes(), &limits);
    assert!(
        matches!(result, Err(ExtractError::TooMuchText { limit }) if limit == 1 << 20),
        "{:?}",
        result.map(|t| t.len())
    );
    // A long column name still labels its cells, shortened.
    let csv = format!("{},b\nx,y\n", "c".repeat(100));
    let text = text_of(FileKind::Csv, csv.as_bytes()).unwrap();
    assert_eq!(text, format!("{}…: x, b: y", "c".repeat(64)));
}

#[test]
fn csv_without_a_header_row_keeps_its_cells() {
    let csv = b"1,2,3\n4,,6\n";
    assert_eq!(text_of(FileKind::Csv, csv).unwrap(), "1, 2, 3\n4, 6");
    assert_eq!(
        text_of(FileKind::Csv, b"title,year\n").unwrap(),
        "title, year"
    );
}

#[test]
fn html_becomes_readable_text_without_scripts_or_styles() {
    let html = br#"<!doctype html><html><head><title>T</title>
        <style>body { color: red }</style><script>var secret = "do not index";</script></head>
        <body><h1>Welcome</h1><p>Read the <a href="https://example.com">manual</a> first.</p>
        <table><tr><td>Port</td><td>8080</td></tr></table>
        <script type="module">alert("nope")</script></body></html>"#;
    let text = text_of(FileKind::Html, html).unwrap();
    assert!(text.contains("Welcome"), "{text}");
    assert!(text.contains("Read the manual first."), "{text}");
    assert!(text.contains("Port") && text.contains("8080"), "{text}");
    for hidden in ["secret", "do not index", "color", "alert", "https://"] {
        assert!(!text.contains(hidden), "{hidden} in {text}");
    }
}

#[test]
fn deeply_nested_html_is_read_quickly() {
    // html5ever takes minutes on these; they are read by a simpler pass instead.
    let limits = ExtractLimits {
        timeout: Duration::from_secs(10),
        ..ExtractLimits::default()
    };
    let divs = format!(
        "{}deep <script>x()</script>text{}",
        "<div>".repeat(200_000),
        "</div>".repeat(200_000)
    );
    let bold: String = (0..50_000).map(|i| format!("<b id={i}>w")).collect();
    let rt = rt();
    let text = rt
        .block_on(extract("deep.html", divs.into_bytes(), limits))
        .unwrap()
        .text;
    assert_eq!(text, "deep text");
    let text = rt
        .block_on(extract("bold.html", bold.into_bytes(), limits))
        .unwrap()
        .text;
    assert_eq!(text, "w".repeat(50_000));
}

#[test]
fn docx_paragraphs_tabs_and_breaks_become_text() {
    assert_eq!(
        text_of(FileKind::Docx, &sample_docx()).unwrap(),
        "Quarterly report\nName\tValue\nline one\nline two & \u{263A}"
    );
}

#[test]
fn a_docx_without_body_text_says_so() {
    let err = text_of(FileKind::Docx, &docx("<w:p/><w:p><w:r/></w:p>")).unwrap_err();
    assert_eq!(err.to_string(), "the .docx holds no document text");
}

#[test]
fn a_damaged_docx_is_refused_with_a_reason() {
    let err = text_of(FileKind::Docx, b"PK\x03\x04 not really").unwrap_err();
    assert!(matches!(
        err,
        ExtractError::Damaged {
            kind: FileKind::Docx,
            ..
        }
    ));
    assert!(err.to_string().starts_with("the .docx is damaged"), "{err}");
    let err = text_of(
        FileKind::Docx,
        &docx_with_xml("<w:document><w:p></w:r></w:document>"),
    )
    .unwrap_err();
    assert!(matches!(err, ExtractError::Damaged { .. }), "{err}");
}

#[test]
fn a_docx_that_unpacks_beyond_the_limit_is_refused() {
    // 60 MiB of XML, about 60 KiB packed: a zip bomb against the default 50 MiB limit.
    let filler = "<w:p/>".repeat(10 * 1024 * 1024);
    let bomb = docx(&filler);
    assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
    let err = text_of(FileKind::Docx, &bomb).unwrap_err();
    assert_eq!(
        err,
        ExtractError::UnpacksTooLarge {
            limit: 50 * 1024 * 1024
        }
    );
    assert_eq!(
        err.to_string(),
        "the .docx unpacks to more than the 50 MiB limit"
    );
    // The same check holds for a smaller limit.
    let limits = ExtractLimits {
        max_bytes: 64 * 1024,
        ..ExtractLimits::default()
    };
    let xml = docx(&format!(
        "<w:p><w:r><w:t>{}</w:t></w:r></w:p>",
        "a".repeat(100_000)
    ));
    assert_eq!(
        extract_text(FileKind::Docx, &xml, &limits).unwrap_err(),
        ExtractError::UnpacksTooLarge { limit: 64 * 1024 }
    );
}

#[test]
fn pdf_text_is_extracted() {
    let text = text_of(FileKind::Pdf, &pdf(&["Hello World", "Second line"])).unwrap();
    assert!(text.contains("Hello World"), "{text:?}");
    assert!(text.contains("Second line"), "{text:?}");
}

#[test]
fn a_pdf_is_read_page_by_page_so_chunks_know_their_page() {
    let bytes = gantry_test::files::paged_pdf(&[
        &["Cover page"],
        &[],
        &["Methods are described here", "in two lines"],
        &["Results"],
    ]);
    let read = rt()
        .block_on(extract("paper.pdf", bytes, ExtractLimits::default()))
        .unwrap();
    let at = |needle: &str| read.text.find(needle).unwrap();
    assert_eq!(read.page_at(at("Cover")), Some(1));
    assert_eq!(
        read.page_at(at("Methods")),
        Some(3),
        "the empty page 2 still counts"
    );
    assert_eq!(read.page_at(at("in two lines")), Some(3));
    assert_eq!(read.page_at(at("Results")), Some(4));
    assert_eq!(read.pages.len(), 3, "{:?}", read.pages);
    // Kinds without pages have none.
    let plain = rt()
        .block_on(extract("a.txt", b"text".to_vec(), ExtractLimits::default()))
        .unwrap();
    assert!(plain.pages.is_empty());
    assert_eq!(plain.page_at(0), None);
}

#[test]
fn a_pdf_without_text_asks_for_recognition() {
    let err = text_of(FileKind::Pdf, &pdf(&[])).unwrap_err();
    assert_eq!(
        err,
        ExtractError::NoText {
            kind: FileKind::Pdf
        }
    );
    assert!(err.to_string().contains("scanned"), "{err}");
}

#[test]
fn a_damaged_pdf_is_refused_with_a_reason() {
    let mut truncated = pdf(&["Hello World"]);
    truncated.truncate(truncated.len() / 2);
    for bytes in [
        b"%PDF-1.4\nnot a pdf at all".to_vec(),
        truncated,
        b"garbage".to_vec(),
    ] {
        let err = text_of(FileKind::Pdf, &bytes).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("the PDF is damaged or encrypted"),
            "{err}"
        );
    }
}

#[test]
fn files_over_the_size_limit_are_refused_before_reading() {
    let limits = ExtractLimits::default();
    let bytes = vec![b'a'; limits.max_bytes + 1];
    let err = rt()
        .block_on(extract("big.txt", bytes, limits))
        .unwrap_err();
    assert_eq!(err.to_string(), "the file is larger than the 50 MiB limit");
    let err = gantry_core::Error::from(err);
    assert_eq!(err.invalid_field(), Some("file"));
}

#[test]
fn text_over_the_text_limit_is_refused() {
    let limits = ExtractLimits {
        max_text_bytes: 1024,
        ..ExtractLimits::default()
    };
    let err = extract_text(FileKind::Text, &[b'a'; 2000], &limits).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the file holds more than the 1 KiB limit of text"
    );
}

#[test]
fn extraction_past_the_timeout_is_abandoned_with_a_clear_error() {
    let limits = ExtractLimits {
        timeout: Duration::from_millis(1),
        ..ExtractLimits::default()
    };
    // Long enough to read that it cannot finish in a millisecond.
    let bytes = "word \r\n\u{0}".repeat(5_000_000).into_bytes();
    let err = rt()
        .block_on(extract("slow.txt", bytes, limits))
        .unwrap_err();
    assert_eq!(
        err,
        ExtractError::TimedOut {
            limit: Duration::from_millis(1)
        }
    );
    assert_eq!(err.to_string(), "reading the file took longer than 1 ms");
}

#[test]
fn extract_reports_the_detected_kind() {
    let extracted = rt()
        .block_on(extract(
            "a.md",
            b"# Title\n\nBody".to_vec(),
            ExtractLimits::default(),
        ))
        .unwrap();
    assert_eq!(extracted.kind, FileKind::Markdown);
    assert_eq!(extracted.text, "# Title\n\nBody");
}

/// Runs `bytes` through [`extract`] as each kind: whatever the outcome, it must come
/// back (no panic, which would fail the test) within the timeout.
fn survives(bytes: &[u8]) -> Result<(), TestCaseError> {
    let rt = rt();
    for kind in FileKind::ALL {
        let name = match kind {
            FileKind::Text => "f.txt",
            FileKind::Markdown => "f.md",
            FileKind::Csv => "f.csv",
            FileKind::Html => "f.html",
            FileKind::Pdf => "f.pdf",
            FileKind::Docx => "f.docx",
        };
        let limits = ExtractLimits {
            timeout: Duration::from_secs(20),
            ..ExtractLimits::default()
        };
        let result = rt.block_on(extract(name, bytes.to_vec(), limits));
        prop_assert!(
            !matches!(result, Err(ExtractError::TimedOut { .. })),
            "{kind} hung"
        );
        if let Ok(extracted) = result {
            prop_assert!(!extracted.text.is_empty());
            prop_assert!(!extracted.text.contains('\0'));
        }
    }
    Ok(())
}

/// Up to eight byte changes and an optional cut, applied to a valid file.
fn mutated(base: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        prop::option::of(any::<prop::sample::Index>()),
    )
        .prop_map(move |(changes, cut)| {
            let mut bytes = base.clone();
            for (at, byte) in changes {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            if let Some(cut) = cut {
                bytes.truncate(cut.index(bytes.len()));
            }
            bytes
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_or_hang(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        survives(&bytes)?;
    }

    #[test]
    fn arbitrary_bytes_behind_file_signatures_never_panic_or_hang(
        magic in prop::sample::select(vec![&b"%PDF-1.4\n"[..], b"PK\x03\x04", b"\xEF\xBB\xBF", b"\xFF\xFE"]),
        tail in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut bytes = magic.to_vec();
        bytes.extend(tail);
        survives(&bytes)?;
    }

    #[test]
    fn mutated_pdfs_never_panic_or_hang(bytes in mutated(pdf(&["Hello World", "Second line"]))) {
        survives(&bytes)?;
    }

    #[test]
    fn mutated_docx_files_never_panic_or_hang(bytes in mutated(sample_docx())) {
        survives(&bytes)?;
    }
}
